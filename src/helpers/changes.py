"""What changed in the ledger between an edition (a git revision or tag) and the working tree.

    python -m helpers.changes --since v0.1.0    # or any git revision; default: the latest edition tag

Compares data/observations.csv, events.csv and scorecard.csv at the revision with the working tree:
rows added, removed and revised (old value -> new value, with both sources), then the figures the
chapters show that rest on a changed row (the audit records under _build/) and the scorecard verdicts
that changed. Editions are git tags v<version>, the `version` of CITATION.cff at the time.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from . import paths
from .ledger import Ledger, LedgerError, load_bibliography, load_breaks, load_events, load_indicators, load_observations
from .verdicts import scorecard

#: file -> the column that identifies a row
TABLES = {"observations.csv": "id", "events.csv": "id", "scorecard.csv": "target_id"}
#: what a snapshot needs to load the ledger and the scorecard
SNAPSHOT = ["data/observations.csv", "data/events.csv", "data/scorecard.csv", "data/indicators.csv",
            "data/breaks.csv", "references.bib"]
FIRST_EDITION = "This is the first edition: there is no earlier edition (a git tag v<version>) to compare with."


class ChangesError(RuntimeError):
    """A revision that cannot be read (unknown to git, or without the ledger files)."""


@dataclass
class Revision:
    """One row present in both versions whose cells differ: {column: (old, new)}."""

    key: str
    cells: dict[str, tuple[str, str]]
    old: dict[str, str]
    new: dict[str, str]


@dataclass
class TableChanges:
    """Rows added, removed and revised in one ledger file."""

    file: str
    added: list[dict[str, str]] = field(default_factory=list)
    removed: list[dict[str, str]] = field(default_factory=list)
    revised: list[Revision] = field(default_factory=list)
    columns_added: list[str] = field(default_factory=list)
    columns_removed: list[str] = field(default_factory=list)

    def changed_keys(self) -> list[str]:
        """Ids of rows removed or revised: the rows whose shown figures may have changed."""
        key = TABLES[self.file]
        return [r[key] for r in self.removed] + [r.key for r in self.revised]


def _git(root: Path, *args: str) -> str:
    out = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True)
    if out.returncode != 0:
        raise ChangesError(f"git {' '.join(args)}: {out.stderr.strip() or 'failed'}")
    return out.stdout


def edition_tags(root: Path | None = None) -> list[str]:
    """The edition tags (v<version>), newest version first; [] when there are none or no git repository."""
    try:
        out = _git(Path(root or paths.ROOT), "tag", "--list", "v*", "--sort=-v:refname")
    except (ChangesError, OSError):
        return []
    return [t for t in out.split() if re.fullmatch(r"v\d+(\.\d+)*", t)]


def citation_version(root: Path | None = None) -> str:
    """The `version` in CITATION.cff: the edition the working tree will become."""
    text = (Path(root or paths.ROOT) / "CITATION.cff").read_text(encoding="utf-8")
    m = re.search(r"^version:\s*['\"]?([^'\"\s]+)", text, flags=re.M)
    if not m:
        raise ChangesError("CITATION.cff has no version")
    return m.group(1)


def snapshot(rev: str, dest: Path, root: Path | None = None) -> Path:
    """Write the ledger files as they were at git revision `rev` under `dest`; return `dest`."""
    root = Path(root or paths.ROOT)
    _git(root, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
    for name in SNAPSHOT:
        try:
            text = _git(root, "show", f"{rev}:{name}")
        except ChangesError:
            raise ChangesError(f"{name} does not exist at {rev}") from None
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return dest


def load_at(root: Path) -> Ledger:
    """The ledger in the folder `root` (with data/ and references.bib), through helpers.ledger's loaders."""
    data = root / "data"
    sources = load_bibliography(root / "references.bib")
    indicators = load_indicators(data / "indicators.csv")
    units = {u for ind in indicators.values() for u in ind.units}
    return Ledger(load_observations(indicators, sources, data / "observations.csv"), indicators,
                  load_events(sources, units, data / "events.csv"), sources,
                  load_breaks(indicators, sources, data / "breaks.csv"))


def _rows(path: Path, key: str) -> tuple[list[str], dict[str, dict[str, str]]]:
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        rows = {r[key]: {c: (v or "").strip() for c, v in r.items()} for r in reader}
        return list(reader.fieldnames or []), rows


def compare_table(old_dir: Path, new_dir: Path, file: str) -> TableChanges:
    """Rows of data/`file` added, removed and revised from `old_dir` to `new_dir` (cells compared as text).

    Only columns both versions have are compared; a column added or removed is reported once, not per row.
    """
    key = TABLES[file]
    (old_cols, old), (new_cols, new) = _rows(old_dir / "data" / file, key), _rows(new_dir / "data" / file, key)
    shared = [c for c in new_cols if c in old_cols and c != key]
    out = TableChanges(file, [new[k] for k in new if k not in old], [old[k] for k in old if k not in new],
                       columns_added=[c for c in new_cols if c not in old_cols],
                       columns_removed=[c for c in old_cols if c not in new_cols])
    for k in (k for k in new if k in old):
        cells = {c: (old[k][c], new[k][c]) for c in shared if old[k][c] != new[k][c]}
        if cells:
            out.revised.append(Revision(k, cells, old[k], new[k]))
    return out


def audit_records(build: Path | None = None) -> dict[str, dict[str, list[str]]]:
    """{chapter: {ledger id: [where shown]}} from the audit records of the last build (empty if none)."""
    build = Path(build or paths.BUILD)
    for folder in (build / "site" / "_static" / "audit", build / "audit"):
        records = sorted(folder.glob("*.json")) if folder.is_dir() else []
        if records:
            return {f.stem: json.loads(f.read_text(encoding="utf-8"))["used"] for f in records}
    return {}


def shown(changed: list[str], audit: dict[str, dict[str, list[str]]]) -> list[tuple[str, str, list[str]]]:
    """(chapter, ledger id, where it is shown) for every changed id a chapter shows."""
    return [(chapter, i, used[i]) for chapter, used in sorted(audit.items()) for i in sorted(set(changed)) if i in used]


_OLD_VERDICTS = ("import json; from helpers import ledger, verdicts; card = verdicts.scorecard(ledger.load()); "
                 "print(json.dumps(dict(zip(card['target_id'], card['verdict']))))")


def verdicts_at(root: Path, rev: str | None = None, repo: Path | None = None) -> dict[str, str]:
    """{target id: verdict} of the ledger in `root`, with today's rules; if its files no longer pass them
    (a column added since), with the helpers of revision `rev` of `repo`, as that edition computed them."""
    try:
        card = scorecard(load_at(root), path=root / "data" / "scorecard.csv")
        return dict(zip(card["target_id"], card["verdict"]))
    except LedgerError as err:
        if rev is None:
            raise
        today = err
    src = root / "_helpers_at_rev"
    try:
        files = _git(Path(repo or paths.ROOT), "ls-tree", "-r", "--name-only", rev, "src/helpers").split()
    except ChangesError:
        files = []
    if not files:
        raise today
    for name in files:
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        (src / name).write_text(_git(Path(repo or paths.ROOT), "show", f"{rev}:{name}"), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(src / "src"), "PKBOOK_ROOT": str(root)}
    out = subprocess.run([sys.executable, "-c", _OLD_VERDICTS], capture_output=True, text=True, env=env, cwd=root)
    if out.returncode != 0:
        raise ChangesError(f"the helpers of {rev} could not compute its verdicts: {out.stderr.strip()[-300:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def verdict_changes(old_root: Path, new_root: Path, rev: str | None = None) -> list[tuple[str, str, str]]:
    """(target id, old verdict, new verdict) for scorecard targets whose verdict differs ("–" if absent)."""
    old, new = verdicts_at(old_root, rev, new_root), verdicts_at(new_root)
    return [(t, old.get(t, "–"), new.get(t, "–")) for t in sorted({*old, *new}) if old.get(t) != new.get(t)]


def _source(row: dict[str, str]) -> str:
    return f"`{row.get('source', '')}`" if row.get("source") else "–"


def _value(row: dict[str, str], file: str) -> str:
    if file == "scorecard.csv":
        return f"outcomes `{row.get('outcome_ids', '')}`"
    cell = row.get("value" if file == "observations.csv" else "amount", "")
    return f"{cell} {row.get('unit', '')}".strip() or row.get("event", "")


def report(rev: str, root: Path | None = None, build: Path | None = None, heading: str = "##") -> str:
    """The changes from `rev` to the working tree of `root`, as Markdown (also used by the appendix page)."""
    root = Path(root or paths.ROOT)
    with tempfile.TemporaryDirectory(prefix="pkbook-changes-") as tmp:
        old_root = snapshot(rev, Path(tmp), root)
        tables = [compare_table(old_root, root, f) for f in TABLES]
        lines = []
        for t in tables:
            lines += [f"{heading} data/{t.file}", ""]
            lines += [f"Column `{c}` added (rows are compared on the columns both versions have)." for c in t.columns_added]
            lines += [f"Column `{c}` removed." for c in t.columns_removed]
            lines += [""] if t.columns_added or t.columns_removed else []
            if not (t.added or t.removed or t.revised):
                lines += ["No row added, removed or revised.", ""]
                continue
            key = TABLES[t.file]
            lines += [f"- added `{r[key]}`: {_value(r, t.file)}, source {_source(r)}" for r in t.added]
            lines += [f"- removed `{r[key]}`: was {_value(r, t.file)}, source {_source(r)}" for r in t.removed]
            for r in t.revised:
                cells = "; ".join(f"{c}: {o or '(empty)'} -> {n or '(empty)'}" for c, (o, n) in r.cells.items())
                lines.append(f"- revised `{r.key}`: {cells} (source was {_source(r.old)}, now {_source(r.new)})")
            lines.append("")
        changed = [k for t in tables if t.file != "scorecard.csv" for k in t.changed_keys()]
        audit = audit_records(build)
        lines += [f"{heading} Figures shown in the chapters", ""]
        if not audit:
            lines += ["No audit records found (build the book first: `make html`), so the shown figures are not listed.", ""]
        else:
            hits = shown(changed, audit)
            lines += [f"- {chapter}: `{i}` shown as {', '.join(f'`{w}`' for w in where)}" for chapter, i, where in hits] \
                or ["No figure shown in a chapter rests on a changed row."]
            lines.append("")
        lines += [f"{heading} Scorecard verdicts", ""]
        try:
            moved = verdict_changes(old_root, root, rev)
        except (LedgerError, ChangesError) as err:
            moved = None
            lines += [f"The verdicts at {rev} could not be computed ({err}).", ""]
        if moved is not None:
            lines += [f"- `{t}`: {o} -> {n}" for t, o, n in moved] or ["No verdict changed."]
            lines.append("")
    return "\n".join(lines)


def page(root: Path | None = None, build: Path | None = None) -> str:
    """The "What changed" appendix: the changes since the latest edition tag, or a first-edition note."""
    root = Path(root or paths.ROOT)
    parts = ["# What changed since the last edition", "",
             "Editions of this book are git tags `v<version>`, the version in `CITATION.cff`. This page is generated "
             "at build time by comparing the ledger (`data/observations.csv`, `data/events.csv`, "
             "`data/scorecard.csv`) at the latest edition with the ledger this build used; run "
             "`make changes SINCE=<tag or commit>` to compare with any other version.", ""]
    tags = edition_tags(root)
    if not tags:
        return "\n".join(parts + [FIRST_EDITION + " (A copy cloned without its tags also lands here.)", ""])
    parts += [f"Compared with edition `{tags[0]}`; this build is version {citation_version(root)}.", "",
              report(tags[0], root, build)]
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--since", default="", help="git revision or tag (default: the latest edition tag)")
    rev = parser.parse_args(argv).since
    if not rev:
        tags = edition_tags()
        if not tags:
            print(FIRST_EDITION)
            return 0
        rev = tags[0]
    try:
        print(f"# Changes since {rev}\n\n" + report(rev))
    except ChangesError as err:
        print(f"make changes: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

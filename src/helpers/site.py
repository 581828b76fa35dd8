"""Build the book: mirror the sources into _build/site, execute what changed, generate pages, run jupyter-book.

    python -m helpers.site html     # HTML into _build/html
    python -m helpers.site pdf      # PDF into _build/latex/book.pdf

The mirror keeps file times of unchanged files, so Sphinx rebuilds only the pages that changed.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

from . import appendix, audit, changes, execute, glue, paths
from .archive import archive_url
from .fmt import number, with_unit
from .ledger import load
from .tables import markdown_table

SITE = paths.BUILD / "site"
COPY = ["_toc.yml", "references.bib", "_ext", "_static"]
DATA_FILES = ["observations.csv", "events.csv", "indicators.csv", "breaks.csv", "scorecard.csv", "consistency_notes.csv", "datapackage.json", "README.md"]


def _sync_file(src: Path, dest: Path) -> None:
    if dest.exists() and dest.read_bytes() == src.read_bytes():
        return
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dest)


def _write_if_changed(dest: Path, text: str) -> None:
    if dest.exists() and dest.read_text(encoding="utf-8") == text:
        return
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(text, encoding="utf-8")


def version() -> str:
    """The project's version, from pyproject.toml."""
    import tomllib

    return tomllib.loads((paths.ROOT / "pyproject.toml").read_text())["project"]["version"]


def commit_date() -> str:
    """Date of the last commit (YYYY-MM-DD), so a rebuild of the same commit prints the same date."""
    try:
        out = subprocess.run(["git", "-C", str(paths.ROOT), "log", "-1", "--format=%cs"], capture_output=True,
                             text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        out = ""
    return out or "undated"


def config_text() -> str:
    """_config.yml with the version and the last commit's date in the title page and the footer."""
    import yaml

    config = yaml.safe_load((paths.ROOT / "_config.yml").read_text(encoding="utf-8"))
    ver, when = version(), commit_date()
    sphinx = config.setdefault("sphinx", {}).setdefault("config", {})
    sphinx["release"] = sphinx["version"] = ver
    sphinx["today"] = when
    if os.environ.get("PKBOOK_DURATION") == "1":   # make bench: per-page reading times (sphinx.ext.duration)
        config["sphinx"].setdefault("extra_extensions", []).append("sphinx.ext.duration")
    config.setdefault("html", {})["extra_footer"] = (
        f"Version {ver}, built from the commit of {when}. Text CC BY 4.0; code MIT; "
        "data as their sources allow. How to cite: see the first page.")
    return yaml.safe_dump(config, sort_keys=False, allow_unicode=True)


def mirror() -> None:
    """Copy the book's sources (not the notebooks: they are executed into place) into the mirror."""
    wanted: set[Path] = {SITE / "_config.yml"}
    _write_if_changed(SITE / "_config.yml", config_text())
    for name in COPY:
        src = paths.ROOT / name
        files = [src] if src.is_file() else sorted(p for p in src.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
        for f in files:
            dest = SITE / f.relative_to(paths.ROOT)
            _sync_file(f, dest)
            wanted.add(dest)
    for f in sorted(paths.CHAPTERS.glob("*.md")):
        _sync_file(f, SITE / "chapters" / f.name)
        wanted.add(SITE / "chapters" / f.name)
    for name in DATA_FILES:
        dest = SITE / "_static" / "data" / name
        _sync_file(paths.DATA / name, dest)
        wanted.add(dest)
    for nb in execute.notebooks():
        wanted.add(SITE / "chapters" / nb.name)
    wanted.add(SITE / "chapters" / "figure_audit.md")
    wanted.add(SITE / "chapters" / "data_behind.md")
    wanted.add(SITE / "chapters" / "changes.md")
    for folder in ("chapters", "_ext"):
        for f in list((SITE / folder).glob("*")):
            if f.is_file() and f not in wanted:
                f.unlink()


def title_of(nb_path: Path) -> str:
    """The first '# ' heading of a notebook's markdown cells (its chapter title)."""
    import nbformat

    for cell in nbformat.read(nb_path, as_version=4).cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return nb_path.stem


def _archived(source) -> str:
    """A Markdown link to the archived copy of a source, as read on its access date."""
    return f"[archived copy]({archive_url(source.url, source.urldate)})"


def _md(text: str) -> str:
    """Text safe inside MyST inline markup (no role, emphasis or link syntax)."""
    return re.sub(r"([\\`*_\[\]<>|{}])", r"\\\1", str(text))


def _where(places: list[str], sections: dict[str, str], stem: str, item: str, derived: set[str]) -> str:
    """Where a chapter shows a row, by section: 'text, chart in <section>; computed values a, b in <section>'."""
    by_section: dict[str, dict[str, list[str]]] = {}
    for place in places:
        used_only = place.startswith("input:")
        kind, _, name = place.removeprefix("input:").partition(":")
        section = sections.get(audit.place_name(place), "")
        what = {"table": "table", "fold": "figures behind", "chart": "chart"}.get(kind if name else "", "text")
        if used_only:
            what = f"a computed cell of the {what} (the value itself is not printed)"
        if not name and place != item and place in derived:
            what = "computed"
        by_section.setdefault(section, {}).setdefault(what, []).append(place)
    out = []
    for section, kinds in by_section.items():
        things = []
        for what, ps in kinds.items():
            if what == "computed":
                things.append("computed " + ", ".join(f"{{ref}}`{p} <audit-{stem}-{p}>`" for p in ps))
            else:
                things.append(what)
        link = f"{{ref}}`{section} <{audit.section_label(stem, section)}>`" if section else "the chapter"
        out.append(f"{', '.join(things)} in {link}")
    return "; ".join(out)


def _checks_text(led, item: str, touching: list[dict], linked: set[str], stem: str) -> str:
    def ref(i: str) -> str:
        return f"{{ref}}`{i} <audit-{stem}-{i}>`" if i in linked else f"`{i}`"

    parts = []
    for c in touching:
        if c["check"] == "conflict":
            parts.append(f"conflict: other sources give " + ", ".join(
                f"{audit._value_text(led, j)} ({ref(j)})" for j in c["with"]) + f", a spread of {number(c['spread_percent'])}%")
        else:
            rec = "no levels to recompute from" if c["recomputed"] is None else f"recomputed {number(c['recomputed'])}"
            parts.append(f"recomputed change {ref(c['change'])}: stated {number(c['stated'])}, {rec} "
                         f"from {' / '.join(ref(i) for i in c['levels']) or 'no levels'} ({c['verdict']})")
    return "; ".join(parts)


def audit_page(site: Path | None = None) -> str:
    """The figure-audit appendix: by chapter in book order, every value a chapter shows, then the sources.

    Writes the index the book's extension (hover titles) and `make figure` read, beside the records.
    """
    site = site or SITE
    led = load()
    book = audit.build(site, led)
    touching = audit.checks_of(led)
    index = audit.index(led, book)
    _write_if_changed(site / "_static" / "audit-index.json", json.dumps(index, indent=1, sort_keys=True))
    parts = [
        "# Figure audit",
        "",
        "Every number the chapters show, by chapter in book order, traced to its row in `data/observations.csv` "
        "(or, for dated events, `data/events.csv`) and to its source. This page is generated from the record each "
        "chapter writes while it runs; nothing on it is typed by hand. Each entry gives the value as displayed, "
        "its ledger id, what is counted and for which period, who produced the figure, where we read it (with "
        "its date, address and access date), where the book shows it, and the cross-checks that touch it. "
        "Every glued number in a chapter links to its entry here; `make figure ID=<ledger id>` prints the same "
        "from the command line.",
        "",
        "```{raw} html",
        '<div class="audit-filter-slot"></div>',
        "```",
        "",
    ]
    cited: set[str] = set()
    for ch in book:
        keys = {e.key for e in ch.entries}
        derived = {e.key for e in ch.entries if e.derived}
        rows = []
        for e in ch.entries:
            where = _where(e.places, ch.sections, ch.stem, e.key, derived) or "as an input of the computed values below"
            if e.derived:
                inputs = ", ".join(f"{{ref}}`{i} <audit-{ch.stem}-{i}>`" for i in e.inputs)
                body = [f"**{_md(e.text)}**, computed value `{e.key}`",
                        f"Computed from: {inputs or 'no ledger row (a label)'}.",
                        f"Shown in: {where}."]
            else:
                d = audit.describe(led, e.key)
                cited.add(d["source"])
                src = led.sources[d["source"]]
                body = [f"**{_md(e.text)}**, `{e.key}`: {_md(d['what'])}, {_md(d['period'])} ({d['kind'].replace('_', ' ')})",
                        f"Produced by {_md(d['producer'])}. Outlet: {_md(d['outlet'])}, {d['published']}, <{d['url']}> "
                        f"([archived]({archive_url(src.url, src.urldate)})), accessed {d['accessed']}; as of {d['as_of']} {{cite:p}}`{d['source']}`.",
                        f"Shown in: {where}."]
                check = _checks_text(led, e.key, touching.get(e.key, []), keys, ch.stem)
                if check:
                    body.append(f"Checks: {check}.")
            rows.append(f"({e.label})=\n:::{{container}} audit-entry\n" + "\n\n".join(body) + "\n:::")
        shown = sum(1 for e in ch.entries if not e.derived and e.places)
        parts += [f"## {ch.title}", "",
                  f"{shown} ledger rows and {sum(e.derived for e in ch.entries)} computed values are shown in "
                  f"{{doc}}`the chapter <{ch.stem}>`; each number there links to its entry here.", "",
                  "\n\n".join(rows), ""]
    sources = [{"key": f"`{k}`", "title": led.sources[k].title, "publisher": led.sources[k].publisher,
                "date": led.sources[k].date, "URL": f"<{led.sources[k].url}>",
                "accessed": led.sources[k].urldate, "reuse": led.sources[k].terms} for k in sorted(cited)]
    parts += ["## Sources of the figures shown", "",
              f"The {len(sources)} sources cited by the rows above, with their addresses. The last column says how "
              "the book reuses each: figures from public-sector publications are reused with attribution; from "
              "news outlets, blogs and posts only the figures are quoted, with attribution, and no text is "
              "reproduced. It is our reading of the kind of source, not legal advice.", "",
              markdown_table(pd.DataFrame(sources)), ""]
    return "\n".join(parts)


def link_glued(site: Path) -> dict[str, list[str]]:
    """Link every glued value of the executed copies that has an audit entry (legacy chapters glue plain text)."""
    index = json.loads((site / "_static" / "audit-index.json").read_text(encoding="utf-8"))
    targets: dict[str, dict[str, str]] = {}
    for key, entries in index["entries"].items():
        for e in entries:
            targets.setdefault(e["chapter"], {})[key] = e["label"]
    return {stem: glue.link_outputs(site / "chapters" / f"{stem}.ipynb", keys) for stem, keys in targets.items()}


def site_digest(builder: str) -> str:
    """Hash of everything Sphinx reads: the mirrored sources, the builder and the dependency lock."""
    lock = paths.ROOT / "requirements.txt"
    return execute.digest_files(sorted(p for p in SITE.rglob("*") if p.is_file()), SITE,
                                salt=builder.encode() + lock.read_bytes())


def build(builder: str, jobs: int | None = None) -> int:
    """Mirror, execute (cached), generate, then run jupyter-book with warnings as errors.

    When nothing Sphinx reads has changed since the last successful build of the same format, and its
    output is still there, the build is skipped: the output would be identical.
    """
    t0 = time.perf_counter()
    mirror()
    t1 = time.perf_counter()
    execute.run(SITE / "chapters", jobs=jobs or os.cpu_count() or 1)
    t2 = time.perf_counter()
    _write_if_changed(SITE / "chapters" / "figure_audit.md", audit_page())
    link_glued(SITE)
    titles = {nb.stem: title_of(nb) for nb in execute.notebooks()}
    _write_if_changed(SITE / "chapters" / "data_behind.md", appendix.behind_page(SITE / "_static" / "audit", titles))
    _write_if_changed(SITE / "chapters" / "changes.md", changes.page())
    t3 = time.perf_counter()
    digest = site_digest(builder)
    print(f"timings: mirror {t1 - t0:.1f}s, execute {t2 - t1:.1f}s, generated pages {t3 - t2:.1f}s, "
          f"site digest {time.perf_counter() - t3:.1f}s", flush=True)
    stamp = paths.BUILD / f".{builder}.stamp"
    output = paths.BUILD / ("html/index.html" if builder == "html" else "latex/book.pdf")
    if output.exists() and stamp.exists() and stamp.read_text() == digest:
        print(f"{builder}: up to date (no source, data, helper or notebook changed since the last build)")
        publish_pdf()
        return 0
    stamp.unlink(missing_ok=True)
    jb = Path(sys.executable).parent / "jupyter-book"
    if paths.BUILD.name != "_build":
        raise SystemExit(f"PKBOOK_BUILD_DIR must end in /_build, not {paths.BUILD}")
    cmd = [str(jb), "build", str(SITE), "--path-output", str(paths.BUILD.parent), "-W", "-n", "--keep-going"]
    if builder == "pdf":
        cmd += ["--builder", "pdflatex"]
    print("+", " ".join(cmd), flush=True)
    t4 = time.perf_counter()
    code = subprocess.call(cmd)
    print(f"timings: jupyter-book {time.perf_counter() - t4:.1f}s", flush=True)
    if code == 0:
        stamp.write_text(digest)
        publish_pdf()
    return code


def publish_pdf() -> None:
    """Put the latest PDF where the HTML landing page links to it (_build/html/_static/book.pdf)."""
    pdf, html_static = paths.BUILD / "latex" / "book.pdf", paths.BUILD / "html" / "_static"
    if pdf.exists() and html_static.is_dir():
        shutil.copyfile(pdf, html_static / "book.pdf")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("builder", choices=["html", "pdf"])
    parser.add_argument("--jobs", type=int, default=None, help="notebooks executed at once (default: all cores)")
    args = parser.parse_args(argv)
    return build(args.builder, args.jobs)


if __name__ == "__main__":
    sys.exit(main())

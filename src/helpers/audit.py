"""The figure audit's model: which ledger rows each chapter really shows, where, and what checks touch them.

Built from the record each chapter writes while it runs (`helpers.record`), the executed notebooks (the
glued text as displayed, the sections that show it), the chart data and the cross-checks. `site` renders
it as the audit page; the book's Sphinx extension reads the index it writes (hover titles); `figure`
prints one entry.
"""
from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from . import checks, glue, paths
from .fmt import date_label, number, with_unit
from .ledger import Ledger

GLUE_MIME = "application/papermill.record/"
_NAME = re.compile(r"""name\s*=\s*["']([^"']+)["']""")
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*$")


def slug(text: str) -> str:
    """Lower-case letters and digits joined by hyphens: the same on both sides of a section link."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def section_label(stem: str, title: str) -> str:
    """The label the book's extension gives the section `title` of chapter `stem`."""
    return f"audit-sec-{stem}-{slug(title)}"


def anchor(label: str) -> str:
    """The HTML id docutils makes of a label (underscores and other marks become hyphens)."""
    from docutils.nodes import make_id

    return make_id(label)


def book_order() -> list[str]:
    """Chapter stems in the order of _toc.yml (the root first)."""
    import yaml

    toc = yaml.safe_load((paths.ROOT / "_toc.yml").read_text(encoding="utf-8"))
    files = [toc["root"]] + [c["file"] for part in toc.get("parts", []) for c in part.get("chapters", [])]
    return [Path(f).name for f in files]


def _heading_text(raw: str) -> str:
    """A heading's text as a reader sees it: MyST roles and emphasis marks dropped."""
    text = re.sub(r"\{[a-z:]+\}`([^`<]*?)(?:\s*<[^>]*>)?`", r"\1", raw)
    return re.sub(r"[*_`]", "", text).strip()


def places_in(nb: dict) -> tuple[str, dict[str, str]]:
    """(chapter title, {glue key or table/chart/fold name: the title of the section that shows it})."""
    title, current, where = "", "", {}
    for cell in nb["cells"]:
        src = "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            for line in src.splitlines():
                m = _HEADING.match(line)
                if m:
                    current = _heading_text(m.group(2))
                    title = title or current
                for key in glue.keys_in(line):
                    where.setdefault(key.removesuffix(":myst").split("::")[-1], current)
        elif cell["cell_type"] == "code":
            for name in _NAME.findall(src):
                where.setdefault(name, current)
    return title, where


def glued_text(nb: dict) -> dict[str, str]:
    """{glue key: its text as displayed} from an executed notebook."""
    out = {}
    for cell in nb["cells"]:
        for o in cell.get("outputs", []):
            text = o.get("data", {}).get(GLUE_MIME + "text/plain")
            if text is not None:
                out[o["metadata"]["scrapbook"]["name"]] = "".join(text).strip("'\"")
    return out


def output_text(nb: dict) -> str:
    """All text and Markdown a notebook displays (not its glue records)."""
    parts = []
    for cell in nb["cells"]:
        for o in cell.get("outputs", []):
            for mime, body in o.get("data", {}).items():
                if mime.startswith(("text/", )):
                    parts.append("".join(body))
    return "\n".join(parts)


@dataclass
class Entry:
    """One shown ledger row (or one computed value) of one chapter."""

    chapter: str
    key: str
    label: str
    text: str
    places: list[str] = field(default_factory=list)
    inputs: list[str] = field(default_factory=list)
    derived: bool = False


def place_name(place: str) -> str:
    """The name a place is found under in the notebook: a glue key, or the name of a table, chart or fold."""
    return place.removeprefix("input:").partition(":")[2] or place


def value_text(led: Ledger, item: str) -> str:
    e = led.entry(item)
    v = e["value"]
    if v is None or v != v or v == "":
        return date_label(str(e["period"])) if e["kind"] == "event" else e["kind"]
    return with_unit(float(v), e["unit"]) if e["unit"] != "event" else number(float(v))


def _displays(led: Ledger, item: str, body: str) -> bool:
    """Whether a table's text shows row `item`: its id, or its value as the book writes numbers."""
    if item in body:
        return True
    v = led.entry(item)["value"]
    if v is None or v != v or v == "":
        return False
    n = number(float(v))
    return re.search(rf"(?<![\d.,]){re.escape(n)}(?![\d]|[.,]\d)", body) is not None


def really_shown(led: Ledger, record: dict, stem: str, nb: dict, chart_dir: Path,
                 chapters: Path | None = None) -> dict[str, list[str]]:
    """The record's rows with only the places that show them: a glued key some page pastes (a period
    label alone does not show the value), a table or folded block whose text holds the row's id or value,
    or a chart whose data lists the row. A row a reading table uses only in a computed cell keeps the place
    as `input:table:<name>`. Rows no place shows or uses are left out."""
    refs = set(glue.referenced(stem, chapters))
    folds = {f["name"]: f["markdown"] for f in record.get("folds", [])}
    shown_text = output_text(nb)
    out: dict[str, list[str]] = {}
    for item, places in record["used"].items():
        keep = []
        for w in places:
            kind, _, name = w.partition(":")
            if kind == "fold" and name:
                ok = _displays(led, item, folds.get(name, ""))
            elif kind == "table" and name:
                ok = _displays(led, item, shown_text)
                if not ok:   # a reading table's computed cell ("+167% on CY2019") uses the row without printing it
                    keep.append(f"input:{w}")
            elif kind == "chart" and name:
                csv = chart_dir / f"{name}.csv"
                ok = csv.exists() and re.search(rf"^{re.escape(item)},", csv.read_text(encoding="utf-8"), re.M) is not None
            else:
                ok = w in refs and w != f"{item}-period"
            if ok:
                keep.append(w)
        if keep:
            out[item] = keep
    return out


def derived_keys(record: dict, stem: str, chapters: Path | None = None) -> dict[str, list[str]]:
    """{glued key computed from rows: its input ids}; for legacy records rebuilt from the places."""
    refs = set(glue.referenced(stem, chapters))
    out = {k: list(v) for k, v in record.get("derived", {}).items() if k in refs}
    for item, places in record["used"].items():
        for w in places:
            if ":" in w or w == item or w == f"{item}-period" or w not in refs or w in record["used"]:
                continue
            if w not in record.get("derived", {}):
                out.setdefault(w, [])
                if item not in out[w]:
                    out[w].append(item)
    return out


@dataclass
class Chapter:
    stem: str
    title: str
    sections: dict[str, str]
    entries: list[Entry]


def build(site: Path, led: Ledger, chapters: Path | None = None) -> list[Chapter]:
    """The audit of every chapter in book order, from the executed copies and records under `site`."""
    out = []
    records, charts = site / "_static" / "audit", site / "_static" / "chart-data"
    for stem in book_order():
        rec_path, nb_path = records / f"{stem}.json", site / "chapters" / f"{stem}.ipynb"
        if not rec_path.exists() or not nb_path.exists():
            continue
        record, nb = json.loads(rec_path.read_text()), json.loads(nb_path.read_text(encoding="utf-8"))
        title, sections = places_in(nb)
        texts = glued_text(nb)
        shown = really_shown(led, record, stem, nb, charts, chapters)
        derived = {k: list(dict.fromkeys(i for i in v if i in led.observations.index or i in led.events.index))
                   for k, v in derived_keys(record, stem, chapters).items()}
        inputs_only = {i for v in derived.values() for i in v} - set(shown)
        entries = []
        for item in sorted(shown) + sorted(inputs_only):
            text = next((texts[w] for w in shown.get(item, []) if w == item and w in texts), None)
            entries.append(Entry(stem, item, f"audit-{stem}-{item}", text or value_text(led, item),
                                 shown.get(item, [])))
        for key, inputs in sorted(derived.items()):
            entries.append(Entry(stem, key, f"audit-{stem}-{key}", texts.get(key, key), [key], inputs, True))
        if entries:
            out.append(Chapter(stem, title, sections, entries))
    return out


def checks_of(led: Ledger) -> dict[str, list[dict]]:
    """{ledger id: the cross-checks that touch it}: conflicting values and stated changes recomputed."""
    out: dict[str, list[dict]] = {}
    conf = checks.conflicts(led)
    for (ind, per, dim, unit), grp in conf.groupby(["indicator", "period", "dimension", "unit"], sort=True):
        ids = list(grp["id"])
        for i in ids:
            out.setdefault(i, []).append({"check": "conflict", "with": [j for j in ids if j != i],
                                          "spread_percent": float(grp["spread_percent"].iloc[0] or 0)})
    for _, r in checks.recompute_changes(led).iterrows():
        levels = [x for x in str(r["level_ids"]).split(" / ") if x]
        info = {"check": "recomputed change", "change": r["change_id"], "levels": levels,
                "stated": float(r["stated"]), "recomputed": None if r["recomputed"] != r["recomputed"] or r["recomputed"] is None
                else float(r["recomputed"]), "verdict": r["verdict"]}
        for i in [r["change_id"], *levels]:
            if info not in out.setdefault(i, []):
                out[i].append(info)
    return out


def describe(led: Ledger, item: str) -> dict:
    """What a reviewer checks of one ledger row: indicator, period, producer, outlet, URL, dates."""
    from .periods import parse_period

    e = led.entry(item)
    src = led.sources[e["source"]]
    if item in led.observations.index:
        r = led.observations.loc[item]
        what = led.indicators[r["indicator"]].label + (f" ({r['dimension']})" if r["dimension"] else "")
        period, origin, as_of = parse_period(r["period"]).label, r["origin"], r["as_of"]
    else:
        r = led.events.loc[item]
        what, period, origin, as_of = r["event"], date_label(str(r["date"])), r["origin"], r["as_of"]
    return {"id": item, "value": value_text(led, item), "what": what, "period": period, "kind": e["kind"],
            "producer": origin, "outlet": src.publisher, "title": src.title, "published": src.date,
            "url": src.url, "accessed": src.urldate, "as_of": str(as_of), "source": e["source"]}


def hover(led: Ledger, entry: Entry) -> str:
    """The title a glued number carries in the HTML: producer, outlet, date, as of (or its inputs)."""
    if entry.derived:
        some = ": " + ", ".join(entry.inputs) if len(entry.inputs) <= 5 else ""
        return f"Computed from {len(entry.inputs)} ledger rows{some}. Click for each input and its source."
    d = describe(led, entry.key)
    return (f"{d['what']}, {d['period']}. Produced by {d['producer']}; in {d['outlet']}, {d['published']}; "
            f"as of {d['as_of']}. Click for the source.")


def index(led: Ledger, book: list[Chapter]) -> dict:
    """What the Sphinx extension and `make figure` read: hover titles by anchor, and entries by ledger id."""
    titles, rows = {}, {}
    for ch in book:
        for e in ch.entries:
            titles[anchor(e.label)] = hover(led, e)
            rows.setdefault(e.key, []).append({"chapter": ch.stem, "chapter_title": ch.title, "label": e.label,
                                               "text": e.text, "derived": e.derived, "inputs": e.inputs,
                                               "places": [{"place": p, "section": ch.sections.get(place_name(p), "")}
                                                          for p in e.places]})
    return {"titles": titles, "entries": rows}


def shown_by(book: list[Chapter]) -> dict[str, list[str]]:
    """{ledger id: the chapters that show it (directly or as an input of a computed value)}."""
    out: dict[str, list[str]] = {}
    for ch in book:
        for e in ch.entries:
            if not e.derived and ch.stem not in out.setdefault(e.key, []):
                out[e.key].append(ch.stem)
    return out


def main(argv: list[str] | None = None) -> int:
    """`python -m helpers.audit`: print {ledger id: chapters showing it} as JSON (from the executed build copies)."""
    import argparse
    import sys

    from .ledger import load

    ap = argparse.ArgumentParser(description=main.__doc__)
    ap.add_argument("--site", type=Path, default=paths.BUILD / "site")
    args = ap.parse_args(argv)
    json.dump(shown_by(build(args.site, load())), sys.stdout, indent=1, sort_keys=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


def _hrefs(html: str) -> list[str]:
    return re.findall(r'<a\b[^>]*\bhref="figure_audit\.html#([^"]+)"', html)


def book_problems(html_dir: Path, site: Path, chapters: Path | None = None) -> list[str]:
    """What the built HTML gets wrong about the audit, one line each: a glued value a chapter pastes that is
    not inside a link to an existing audit anchor, or an entry marked shown that its chapter does not show."""
    audit_html = (html_dir / "chapters" / "figure_audit.html").read_text(encoding="utf-8")
    anchors = set(re.findall(r'\bid="(audit-[^"]+)"', audit_html))
    index = json.loads((site / "_static" / "audit-index.json").read_text(encoding="utf-8"))
    from .ledger import load

    led = load()
    row_ids = set(led.observations.index) | set(led.events.index)
    problems = []
    for stem in book_order():
        page, nb_path = html_dir / "chapters" / f"{stem}.html", site / "chapters" / f"{stem}.ipynb"
        if not page.exists() or not nb_path.exists():
            continue
        html = page.read_text(encoding="utf-8")
        hrefs = _hrefs(html)
        nb = json.loads(nb_path.read_text(encoding="utf-8"))
        texts = glued_text(nb)
        own = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
        pasted = Counter(k.removesuffix(":myst") for k in glue.keys_in(own))
        linked = Counter(hrefs)
        for key, times in pasted.items():
            if "::" in key or (key.endswith("-period") and key.removesuffix("-period") in row_ids):
                continue
            want = anchor(f"audit-{stem}-{key}")
            if linked[want] < times:
                problems.append(f"{stem}: glued value {key!r} ({texts.get(key, '?')!r}) is pasted {times} times, "
                                f"{linked[want]} of them inside a link to its audit entry")
            elif want not in anchors:
                problems.append(f"{stem}: glued value {key!r} links to #{want}, which the figure audit lacks")
        text = re.sub(r"<[^>]+>", " ", html)
        for key, entries in index["entries"].items():
            for e in entries:
                claimed = [p for p in e["places"] if not p["place"].startswith("input:")]
                if e["chapter"] != stem or e["derived"] or not claimed:
                    continue
                if not any(_place_shows(p["place"], key, e, stem, hrefs, html, text, html_dir) for p in claimed):
                    problems.append(f"{stem}: audit entry {key!r} is marked shown ({', '.join(p['place'] for p in claimed)}) "
                                    "but the chapter's page shows it nowhere")
    return problems


def _place_shows(place: str, key: str, entry: dict, stem: str, hrefs: list[str], html: str, text: str,
                 html_dir: Path) -> bool:
    kind, _, name = place.partition(":")
    if kind in ("table", "fold") and name:
        value = entry["text"]
        number_part = re.search(r"-?[\d,]*\d(?:\.\d+)?", value)
        return key in text or (number_part is not None and number_part.group(0) in text)
    if kind == "chart" and name:
        csv = html_dir / "_static" / "chart-data" / f"{name}.csv"
        return csv.exists() and f"\n{key}," in csv.read_text(encoding="utf-8") and f"{name}.csv" in html
    return anchor(f"audit-{stem}-{place}") in hrefs

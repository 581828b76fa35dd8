"""The figure audit page: every value the chapters show, by chapter in book order, with its row, producer,
source (and archived copy), the sections that show it and the checks that touch it.

`helpers.audit` works out what each chapter really shows; this module writes the page from that. The page
itself is short Markdown (headings, one paragraph per chapter, the sources table); its ~950 entries are data
(`chapters/figure_audit.json`, next to the page), which the book's extension turns into document nodes
(``{pk-audit} <chapter>``, `_ext/auditentries.py`) without parsing them as Markdown: parsing them made the
page half of the HTML build's time.

An entry is a list of paragraphs; a paragraph is a list of runs:
``["t", text]`` plain text, ``["b", text]`` bold, ``["c", text]`` code, ``["u", url, text]`` an external link,
``["r", label, text]`` a cross-reference (`{ref}`), ``["cite", key]`` a citation (`{cite:p}`).
"""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from . import audit, paths
from .archive import archive_url
from .fmt import number
from .ledger import load
from .tables import markdown_table

SITE = paths.BUILD / "site"
#: The entries' data, beside the page (the extension reads it; a change re-reads the page).
ENTRIES = Path("chapters") / "figure_audit.json"

Run = list
Para = list[Run]


def _t(text) -> Run:
    return ["t", str(text)]


def _ref(label: str, text: str) -> Run:
    return ["r", label, str(text)]


def _join(parts: list[Para], sep: str) -> Para:
    """Runs of several parts with a text separator between them."""
    out: Para = []
    for i, part in enumerate(parts):
        if i:
            out.append(_t(sep))
        out += part
    return out


def _where(places: list[str], sections: dict[str, str], stem: str, item: str, derived: set[str]) -> Para:
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
                things.append([_t("computed "), *_join([[_ref(f"audit-{stem}-{p}", p)] for p in ps], ", ")])
            else:
                things.append([_t(what)])
        link = _ref(audit.section_label(stem, section), section) if section else _t("the chapter")
        out.append([*_join(things, ", "), _t(" in "), link])
    return _join(out, "; ")


def _checks(led, touching: list[dict], linked: set[str], stem: str) -> Para:
    def ref(i: str) -> Run:
        return _ref(f"audit-{stem}-{i}", i) if i in linked else ["c", i]

    parts = []
    for c in touching:
        if c["check"] == "conflict":
            others = _join([[_t(f"{audit.value_text(led, j)} ("), ref(j), _t(")")] for j in c["with"]], ", ")
            parts.append([_t("conflict: other sources give "), *others,
                          _t(f", a spread of {number(c['spread_percent'])}%")])
        else:
            rec = "no levels to recompute from" if c["recomputed"] is None else f"recomputed {number(c['recomputed'])}"
            levels = _join([[ref(i)] for i in c["levels"]], " / ") or [_t("no levels")]
            parts.append([_t("recomputed change "), ref(c["change"]), _t(f": stated {number(c['stated'])}, {rec} from "),
                          *levels, _t(f" ({c['verdict']})")])
    return _join(parts, "; ")


def _entry(led, e, ch, keys: set[str], derived: set[str], touching: dict, cited: set[str]) -> dict:
    where = _where(e.places, ch.sections, ch.stem, e.key, derived) or [_t("as an input of the computed values below")]
    if e.derived:
        inputs = _join([[_ref(f"audit-{ch.stem}-{i}", i)] for i in e.inputs], ", ")
        body = [[["b", e.text], _t(", computed value "), ["c", e.key]],
                [_t("Computed from: "), *(inputs or [_t("no ledger row (a label)")]), _t(".")],
                [_t("Shown in: "), *where, _t(".")]]
    else:
        d = audit.describe(led, e.key)
        cited.add(d["source"])
        src = led.sources[d["source"]]
        body = [[["b", e.text], _t(", "), ["c", e.key],
                 _t(f": {d['what']}, {d['period']} ({d['kind'].replace('_', ' ')})")],
                [_t(f"Produced by {d['producer']}. Outlet: {d['outlet']}, {d['published']}, "), ["u", d["url"], d["url"]],
                 _t(" ("), ["u", archive_url(src.url, src.urldate), "archived"],
                 _t(f"), accessed {d['accessed']}; as of {d['as_of']} "), ["cite", d["source"]], _t(".")],
                [_t("Shown in: "), *where, _t(".")]]
        check = _checks(led, touching.get(e.key, []), keys, ch.stem)
        if check:
            body.append([_t("Checks: "), *check, _t(".")])
    return {"label": e.label, "body": body}


def audit_page(site: Path | None = None) -> str:
    """The figure-audit appendix: by chapter in book order, every value a chapter shows, then the sources.

    Writes the entries' data (`ENTRIES`) and the index the book's extension (hover titles) and `make figure`
    read, beside the records.
    """
    site = site or SITE
    led = load()
    book = audit.build(site, led)
    touching = audit.checks_of(led)
    index = audit.index(led, book)
    paths.write_if_changed(site / "_static" / "audit-index.json", json.dumps(index, indent=1, sort_keys=True))
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
    entries: dict[str, list[dict]] = {}
    for ch in book:
        keys = {e.key for e in ch.entries}
        derived = {e.key for e in ch.entries if e.derived}
        entries[ch.stem] = [_entry(led, e, ch, keys, derived, touching, cited) for e in ch.entries]
        shown = sum(1 for e in ch.entries if not e.derived and e.places)
        parts += [f"## {ch.title}", "",
                  f"{shown} ledger rows and {sum(e.derived for e in ch.entries)} computed values are shown in "
                  f"{{doc}}`the chapter <{ch.stem}>`; each number there links to its entry here.", "",
                  f"```{{pk-audit}} {ch.stem}", "```", ""]
    paths.write_if_changed(site / ENTRIES, json.dumps(entries, indent=0, ensure_ascii=False) + "\n")
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


def entries(site: Path | None = None) -> dict[str, list[dict]]:
    """The entries the last build wrote, by chapter stem."""
    return json.loads(((site or SITE) / ENTRIES).read_text(encoding="utf-8"))


def entry_text(entry: dict) -> str:
    """An entry as plain text, one paragraph a line (citations as their key in brackets)."""
    def run(r):
        return f"[{r[1]}]" if r[0] == "cite" else r[-1]
    return "\n".join("".join(run(r) for r in para) for para in entry["body"])

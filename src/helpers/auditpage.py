"""The figure audit page: every value the chapters show, by chapter in book order, with its row, producer,
source (and archived copy), the sections that show it and the checks that touch it.

`helpers.audit` works out what each chapter really shows; this module writes the page from that.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd

from . import audit, paths
from .archive import archive_url
from .fmt import number
from .ledger import load
from .tables import markdown_table

SITE = paths.BUILD / "site"


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
                f"{audit.value_text(led, j)} ({ref(j)})" for j in c["with"]) + f", a spread of {number(c['spread_percent'])}%")
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

"""Look up one figure: `make figure ID=<ledger id>` (`python -m helpers.figure <id>`).

Prints the ledger row, its source with URL and archived copy, every page and section that shows it, the
computed values and cross-checks that use it, and the rows that conflict with it. The places come from
the records the chapters write when they run (the notebooks are executed first if anything changed).
"""
from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path

from . import audit, execute, paths
from .archive import archive_url
from .fmt import number
from .ledger import Ledger, load

SITE = paths.BUILD / "site"


class UnknownFigure(KeyError):
    """The id is neither an observation nor an event in the ledger."""

    def __str__(self) -> str:
        return self.args[0]


def _unknown(led: Ledger, item: str) -> UnknownFigure:
    ids = list(led.observations.index) + list(led.events.index)
    near = difflib.get_close_matches(item, ids, n=5, cutoff=0.6)
    hint = f"; did you mean: {', '.join(near)}" if near else ""
    return UnknownFigure(f"unknown ledger id {item!r}: not in data/observations.csv or data/events.csv{hint}")


def report(item: str, led: Ledger | None = None, site: Path = SITE, chapters: Path | None = None) -> str:
    """The text `make figure` prints for ledger id `item` (raises UnknownFigure for an unknown id)."""
    led = led or load()
    if item not in led.observations.index and item not in led.events.index:
        raise _unknown(led, item)
    d = audit.describe(led, item)
    src = led.sources[d["source"]]
    row = led.observations.loc[item] if item in led.observations.index else led.events.loc[item]
    lines = [f"{item}: {d['value']}",
             f"  what       {d['what']}" + (f" [{row['indicator']}]" if "indicator" in row.index else ""),
             f"  period     {d['period']} ({row['period'] if 'period' in row.index else row['date']}), kind {d['kind']}",
             f"  producer   {d['producer']}; as of {d['as_of']}",
             f"  note       {row['note']}",
             f"source {d['source']}: {src.title}",
             f"  outlet     {src.publisher}, {src.date}",
             f"  URL        {src.url}",
             f"  archived   {archive_url(src.url, src.urldate)}",
             f"  accessed   {src.urldate}"]
    book = audit.build(site, led, chapters)
    shown, uses = [], []
    for ch in book:
        for e in ch.entries:
            if e.key == item:
                places = [f"{p} (section: {ch.sections.get(audit.place_name(p), '') or 'chapter opening'})"
                          for p in e.places] or ["as an input of a computed value"]
                shown.append(f"  {ch.title} [chapters/{ch.stem}.html], shown as {e.text!r}\n"
                             f"    audit: chapters/figure_audit.html#{audit.anchor(e.label)}\n"
                             + "\n".join(f"    - {p}" for p in places))
            if e.derived and item in e.inputs:
                inputs = ", ".join(e.inputs) if len(e.inputs) <= 6 else f"{len(e.inputs)} ledger rows"
                uses.append(f"  {ch.stem}: {e.key} = {e.text!r}, from {inputs}")
    lines += ["shown on:"] + (shown or ["  nowhere: no chapter shows this row"])
    lines += ["computed values that use it:"] + (uses or ["  none"])
    touching = audit.checks_of(led).get(item, [])
    conflicting = [c for c in touching if c["check"] == "conflict"]
    lines.append("checks:")
    for c in touching:
        if c["check"] == "conflict":
            lines.append(f"  conflict: same indicator, period and dimension from other sources; spread "
                         f"{number(c['spread_percent'])}%")
        else:
            rec = "no levels" if c["recomputed"] is None else number(c["recomputed"])
            lines.append(f"  recomputed change {c['change']}: stated {number(c['stated'])}, recomputed {rec} "
                         f"from {' / '.join(c['levels']) or 'no levels'} ({c['verdict']})")
    if not touching:
        lines.append("  none")
    lines.append("conflicting rows:")
    others = [j for c in conflicting for j in c["with"]]
    for j in others:
        o = audit.describe(led, j)
        lines.append(f"  {j}: {o['value']}, {o['producer']}, source {o['source']} <{o['url']}>")
    if not others:
        lines.append("  none")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("id", nargs="?", help="a ledger id (data/observations.csv or data/events.csv)")
    args = ap.parse_args(argv)
    if not args.id:
        print("usage: make figure ID=<ledger id>   (e.g. make figure ID=hs-local-2024-pta)", file=sys.stderr)
        return 2
    led = load()
    if args.id not in led.observations.index and args.id not in led.events.index:
        print(f"error: {_unknown(led, args.id)}", file=sys.stderr)
        return 2
    execute.run(SITE / "chapters", jobs=1)
    print(report(args.id, led))
    return 0


if __name__ == "__main__":
    sys.exit(main())

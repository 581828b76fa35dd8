"""Consistency checks across series of the ledger: rows that are each plausible but do not fit together.

Each check takes the loaded ledger and returns findings. A finding names the file, row (line) and column
of the row at fault, the other rows involved and what does not fit. Its status is

- `fail`: nothing in the ledger explains it; the test over the real ledger stops on it;
- `conflict`: another row of the same indicator and period gives a value that fits, so the disagreement
  is between sources and the book shows it in its table of conflicts;
- `noted`: a known, unresolved disagreement recorded in `data/consistency_notes.csv` with a reason.

Tolerances follow the precision of the figures: a value printed with d decimals stands for anything
within half a unit of its last digit, so sums and differences may be off by the sum of those halves.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from . import paths
from .ledger import Ledger, LedgerError, file_label, read_rows

OBSERVATIONS = "data/observations.csv"

#: Parts that add up to a total: (indicator, dimension of the total, dimensions of the parts).
PART_SETS = (
    ("handsets_local_production", "", ("2G", "smartphone")),
    ("handsets_local_production_ytd", "", ("2G", "smartphone")),
    ("it_exports", "ICT (telecom+computer+information)",
     ("computer services (SBP)", "telecom services (SBP)", "information services (SBP)")),
)

#: Stock series whose month-on-month moves are checked, and the move (percent) that needs support.
SUBSCRIBER_SERIES = ("cellular_subscribers", "mobile_broadband_subscribers", "broadband_subscribers")
JUMP_PERCENT = 1.5

#: Differences the book derives from two published rates: (indicator, dimension of the whole, of the part).
DIFFERENCES = (("teledensity", "total", "cellular"),)
#: A derived difference is meaningful when its rounding error is at most this share of it.
DIFFERENCE_ERROR_SHARE = 0.1

#: Running totals from January and the monthly indicator they accumulate.
YTD_SUFFIX = "_ytd"


@dataclass(frozen=True)
class Finding:
    check: str
    row_id: str
    line: int
    column: str
    others: tuple[str, ...]
    message: str
    status: str = "fail"
    file: str = OBSERVATIONS

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"

    def __str__(self) -> str:
        others = f" (with {', '.join(self.others)})" if self.others else ""
        return f"{self.where}: [{self.check}] {self.row_id}{others}: {self.message}"


def half_unit(row: pd.Series) -> float:
    """Half a unit of the last printed digit of a row's value: its rounding error."""
    return 0.5 * 10 ** -int(row["decimals"])


def _levels(ledger: Ledger) -> pd.DataFrame:
    obs = ledger.observations
    return obs[obs["kind"] == "level"]


def _kind_rows(levels: pd.DataFrame, indicator: str, kind: str) -> pd.DataFrame:
    """Level rows of one indicator whose period is of one kind (month, year, fy, ...)."""
    rows = levels[levels["indicator"] == indicator]
    return rows[[p.kind == kind for p in rows["period_obj"]]]


def _month_rows(levels: pd.DataFrame, indicator: str) -> pd.DataFrame:
    return _kind_rows(levels, indicator, "month")


def _running_totals(ledger: Ledger, levels: pd.DataFrame) -> list[str]:
    """Indicators that are running totals of a count (not shares, which may fall)."""
    return sorted(i for i in set(levels["indicator"])
                  if i.endswith(YTD_SUFFIX) and ledger.indicators[i].units[0] != "percent")


def _year_month(row: pd.Series) -> tuple[int, int]:
    end = row["period_obj"].end
    return end.year, end.month


def _finding(check: str, row: pd.Series, column: str, others, message: str, status: str = "fail") -> Finding:
    return Finding(check, row["id"], int(row["line"]), column, tuple(others), message, status)


def _judge(check: str, combos: list[tuple[pd.Series, list[pd.Series], float, float]], message) -> list[Finding]:
    """combos: (row, other rows, gap, tolerance), one per way of choosing among rows of the same period.

    No combination fits: `fail`, naming the first row. Some fit: `conflict`, naming the rows that take part
    in no fitting combination (the odd source out), compared with the rows of a fitting one.
    """
    bad = [c for c in combos if abs(c[2]) > c[3] + 1e-9]
    if not bad:
        return []
    good = [c for c in combos if abs(c[2]) <= c[3] + 1e-9]
    out, seen = [], set()
    if not good:
        for row, others, gap, tol in bad:
            key = (row["id"], tuple(o["id"] for o in others))
            if key not in seen:
                seen.add(key)
                out.append(_finding(check, row, "value", key[1], message(row, others, gap, tol)))
        return out
    fitting = {r["id"] for row, others, _, _ in good for r in (row, *others)}
    for row, others, gap, tol in bad:
        for culprit in (row, *others):
            if culprit["id"] in fitting or culprit["id"] in seen:
                continue
            seen.add(culprit["id"])
            rest = [r["id"] for r in (row, *others) if r["id"] != culprit["id"]]
            out.append(_finding(check, culprit, "value", rest, message(row, others, gap, tol)
                                + "; other rows of the same period fit, so this is a conflict between sources", "conflict"))
    return out


def ytd_matches_monthly(ledger: Ledger) -> list[Finding]:
    """A running total grows by the monthly values: YTD(m) - YTD(k) = months k+1..m, where all are given.

    A calendar-year total of the monthly indicator counts as the running total to December. Where
    several rows give the same period, every combination is tried (see `_judge`).
    """
    levels = _levels(ledger)
    out = []
    for ytd_ind in _running_totals(ledger, levels):
        month_ind = ytd_ind[: -len(YTD_SUFFIX)]
        ytd = _month_rows(levels, ytd_ind)
        monthly = _month_rows(levels, month_ind)
        years = _kind_rows(levels, month_ind, "year")
        for dim in sorted(set(ytd["dimension"])):
            totals: dict[tuple[int, int], list[pd.Series]] = {}
            for _, r in ytd[ytd["dimension"] == dim].iterrows():
                totals.setdefault(_year_month(r), []).append(r)
            for _, r in years[years["dimension"] == dim].iterrows():
                totals.setdefault((r["period_obj"].end.year, 12), []).append(r)
            months: dict[tuple[int, int], list[pd.Series]] = {}
            for _, r in monthly[monthly["dimension"] == dim].iterrows():
                months.setdefault(_year_month(r), []).append(r)
            for (year, m), late in sorted(totals.items()):
                starts = [(k, totals.get((year, k), [])) for k in range(m - 1, 0, -1)] + [(0, [None])]
                for k, early in starts:
                    if not early:
                        continue
                    between = [months.get((year, j), []) for j in range(k + 1, m + 1)]
                    if all(between):
                        combos = []
                        for t, s, *parts in itertools.product(late, early, *between):
                            gap = t["value"] - (0 if s is None else s["value"]) - sum(p["value"] for p in parts)
                            tol = half_unit(t) + (0 if s is None else half_unit(s)) + sum(half_unit(p) for p in parts)
                            combos.append((t, [x for x in (s, *parts) if x is not None], gap, tol))
                        out += _judge("ytd_matches_monthly", combos, lambda r, o, g, tol: (
                            f"running total {r['value']:g} differs by {g:+.3g} (tolerance {tol:.2g}) from the earlier "
                            f"total plus the monthly values"))
                    break  # compare with the nearest earlier total only
    return out


def ytd_never_falls(ledger: Ledger) -> list[Finding]:
    """Within a calendar year a running total never falls from one month to a later one."""
    levels = _levels(ledger)
    out = []
    for ytd_ind in _running_totals(ledger, levels):
        ytd = _month_rows(levels, ytd_ind)
        for dim in sorted(set(ytd["dimension"])):
            by_month: dict[tuple[int, int], list[pd.Series]] = {}
            for _, r in ytd[ytd["dimension"] == dim].iterrows():
                by_month.setdefault(_year_month(r), []).append(r)
            keys = sorted(by_month)
            for a, b in zip(keys, keys[1:]):
                if a[0] != b[0]:
                    continue
                combos = [(late, [early], min(0.0, late["value"] - early["value"]), half_unit(late) + half_unit(early))
                          for early in by_month[a] for late in by_month[b]]
                out += _judge("ytd_never_falls", combos, lambda r, o, g, tol: (
                    f"running total {r['value']:g} is below the earlier month's {o[0]['value']:g}"))
    return out


def running_total_not_monthly(ledger: Ledger) -> list[Finding]:
    """A monthly indicator holds monthly values: no running total under it (by its dimension or its value)."""
    levels = _levels(ledger)
    out = []
    for ytd_ind in _running_totals(ledger, levels):
        month_ind = ytd_ind[: -len(YTD_SUFFIX)]
        ytd = _month_rows(levels, ytd_ind)
        for _, r in _month_rows(levels, month_ind).iterrows():
            if any(word in r["dimension"].lower() for word in ("cumul", "ytd", "jan-", "year to date")):
                out.append(_finding("running_total_not_monthly", r, "dimension", [],
                                    f"dimension {r['dimension']!r} marks a running total: file it under {ytd_ind}"))
                continue
            same = ytd[(ytd["period"] == r["period"]) & (ytd["dimension"] == r["dimension"])]
            if _year_month(r)[1] == 1:
                continue  # January's running total is January's value
            for _, t in same.iterrows():
                if r["value"] >= t["value"] - half_unit(t) - half_unit(r):
                    out.append(_finding("running_total_not_monthly", r, "value", [t["id"]],
                                        f"monthly value {r['value']:g} is not below the running total {t['value']:g} "
                                        f"to the same month: it is probably the running total"))
                    break
    return out


def _same_report(ledger: Ledger, sets):
    """For each (indicator, whole, parts) of `sets`: (whole, parts, the level rows of one period from one source)."""
    levels = _levels(ledger)
    for indicator, whole, parts in sets:
        rows = levels[levels["indicator"] == indicator]
        for _, grp in rows.groupby(["period", "source"], sort=True):
            yield whole, parts, grp


def parts_add_up(ledger: Ledger) -> list[Finding]:
    """Parts from one source add up to that source's total (2G + smartphone = all handsets, ICT = its parts)."""
    out = []
    for whole, parts, grp in _same_report(ledger, PART_SETS):
        totals = grp[grp["dimension"] == whole]
        pieces = [grp[grp["dimension"] == p] for p in parts]
        if totals.empty or any(p.empty for p in pieces):
            continue
        combos = []
        for _, t in totals.iterrows():
            for chosen in itertools.product(*[[r for _, r in p.iterrows()] for p in pieces]):
                gap = t["value"] - sum(c["value"] for c in chosen)
                combos.append((t, list(chosen), gap, half_unit(t) + sum(half_unit(c) for c in chosen)))
        out += _judge("parts_add_up", combos, lambda r, o, g, tol: (
            f"total {r['value']:g} but the parts add up to {sum(x['value'] for x in o):g} "
            f"(gap {g:+.3g}, tolerance {tol:.2g})"))
    return out


def _supported(ledger: Ledger, row: pd.Series) -> bool:
    """A second source, the producer's own page, or a recorded series break backs a row."""
    if row["other_sources"]:
        return True
    publisher = ledger.sources[row["source"]].publisher
    from .ledger import PRODUCER_PUBLISHERS
    if PRODUCER_PUBLISHERS.get(row["origin"], "\0") in publisher:
        return True
    return row["period"] in ledger.breaks_for(row["indicator"])


def _least_move(late: pd.Series, early: pd.Series) -> float:
    """The smallest month-on-month move (percent) the two rounded values allow; 0 if rounding allows no move."""
    lo_late, hi_late = late["value"] - half_unit(late), late["value"] + half_unit(late)
    lo_early, hi_early = early["value"] - half_unit(early), early["value"] + half_unit(early)
    if lo_late > hi_early:
        return (lo_late / hi_early - 1) * 100
    if hi_late < lo_early:
        return (hi_late / lo_early - 1) * 100
    return 0.0


def jumps_have_support(ledger: Ledger) -> list[Finding]:
    """A month-on-month move in a subscriber series beyond JUMP_PERCENT needs a second source, a primary page or a break."""
    levels = _levels(ledger)
    out = []
    for indicator in SUBSCRIBER_SERIES:
        rows = _month_rows(levels, indicator)
        rows = rows[rows["dimension"] == ""]
        by_month: dict[tuple[int, int], list[pd.Series]] = {}
        for _, r in rows.iterrows():
            by_month.setdefault(_year_month(r), []).append(r)
        for (y, m), late in sorted(by_month.items()):
            early = by_month.get((y, m - 1) if m > 1 else (y - 1, 12))
            if not early:
                continue
            moves = [(r, e, _least_move(r, e)) for r in late for e in early]
            if all(abs(mv) > JUMP_PERCENT for _, _, mv in moves):
                for r, e, mv in moves:
                    if not _supported(ledger, r):
                        out.append(_finding("jumps_have_support", r, "source", [e["id"]],
                                            f"moves at least {mv:+.1f}% in a month (threshold {JUMP_PERCENT:g}%) on one "
                                            f"secondary source, with no second source or recorded break"))
    return out


def differences_not_rounded_away(ledger: Ledger) -> list[Finding]:
    """A rate derived as whole minus part (fixed = total - cellular teledensity) is not swamped by rounding."""
    out = []
    for whole, part, grp in _same_report(ledger, DIFFERENCES):
        for _, w in grp[grp["dimension"] == whole].iterrows():
            for _, p in grp[grp["dimension"] == part].iterrows():
                diff, err = w["value"] - p["value"], half_unit(w) + half_unit(p)
                if err > DIFFERENCE_ERROR_SHARE * abs(diff):
                    coarse = p if half_unit(p) >= half_unit(w) else w
                    out.append(_finding("differences_not_rounded_away", coarse, "value",
                                        [x["id"] for x in (w, p) if x["id"] != coarse["id"]],
                                        f"{whole} minus {part} is {diff:.3g} +/- {err:.2g}: the rounded "
                                        f"{coarse['value']:g} makes the derived difference meaningless"))
    return out


def calendar_and_fiscal_agree(ledger: Ledger) -> list[Finding]:
    """FY(Y) = CY(Y-1) - Jan-Jun(Y-1) + Jan-Jun(Y), where a fiscal-year total and all three parts are given.

    Jan-Jun is a half-year row of the indicator or its running total to June.
    """
    levels = _levels(ledger)
    out = []
    for indicator in sorted(set(levels["indicator"])):
        rows = levels[(levels["indicator"] == indicator) & (levels["dimension"] == "")]
        fys = _kind_rows(rows, indicator, "fy")
        if fys.empty:
            continue
        ytd = levels[(levels["indicator"] == indicator + YTD_SUFFIX) & (levels["dimension"] == "")]

        def pick(period: str, ytd_period: str) -> list[pd.Series]:
            return ([r for _, r in rows[rows["period"] == period].iterrows()]
                    + [r for _, r in ytd[ytd["period"] == ytd_period].iterrows()])

        for _, fy in fys.iterrows():
            year = fy["period_obj"].end.year
            cy, h1_prev, h1 = pick(str(year - 1), ""), pick(f"{year - 1}-H1", f"{year - 1}-06"), pick(f"{year}-H1", f"{year}-06")
            if not (cy and h1_prev and h1):
                continue
            combos = [(fy, [c, a, b], fy["value"] - (c["value"] - a["value"] + b["value"]),
                       half_unit(fy) + half_unit(c) + half_unit(a) + half_unit(b))
                      for c, a, b in itertools.product(cy, h1_prev, h1)]
            out += _judge("calendar_and_fiscal_agree", combos, lambda r, o, g, tol: (
                f"fiscal-year total {r['value']:g} differs by {g:+.3g} from the calendar year before, less its first "
                f"half, plus this year's first half"))
    return out


#: Every consistency check, in the order the report lists them.
CHECKS = (ytd_matches_monthly, ytd_never_falls, running_total_not_monthly, parts_add_up, jumps_have_support,
          differences_not_rounded_away, calendar_and_fiscal_agree)


def load_notes(ledger: Ledger, path: Path | None = None) -> dict[tuple[str, str], str]:
    """Known, unresolved disagreements: {(check, row id): reason} from data/consistency_notes.csv."""
    path = Path(path or paths.DATA / "consistency_notes.csv")
    name = file_label(path)
    names = {c.__name__ for c in CHECKS}
    notes = {}
    for line, row in read_rows("consistency_notes", path):
        if row["check"] not in names:
            raise LedgerError(name, line, "check", f"unknown check {row['check']!r}; one of {sorted(names)}")
        if row["id"] not in ledger.observations.index:
            raise LedgerError(name, line, "id", f"no observation {row['id']!r} in data/observations.csv")
        notes[(row["check"], row["id"])] = row["note"]
    return notes


def findings(ledger: Ledger, notes: dict[tuple[str, str], str] | None = None) -> list[Finding]:
    """Every finding of every check; those recorded in the notes file get status `noted`."""
    notes = load_notes(ledger) if notes is None else notes
    out = []
    for check in CHECKS:
        for f in check(ledger):
            if (f.check, f.row_id) in notes and f.status == "fail":
                f = replace(f, status="noted", message=f"{f.message}. Noted: {notes[(f.check, f.row_id)]}")
            out.append(f)
    return out


def stale_notes(ledger: Ledger, notes: dict[tuple[str, str], str] | None = None) -> list[tuple[str, str]]:
    """Notes that no longer match a finding (the row was fixed): remove them."""
    notes = load_notes(ledger) if notes is None else notes
    found = {(f.check, f.row_id) for check in CHECKS for f in check(ledger)}
    return sorted(k for k in notes if k not in found)


def report(ledger: Ledger) -> pd.DataFrame:
    """The findings as a table for the cross-checks page: check, status, row, the rows it is compared with, what is wrong."""
    rows = [{"check": f.check, "status": f.status, "id": f.row_id, "where": f.where, "with": "; ".join(f.others),
             "source": ledger.row(f.row_id)["source"], "finding": f.message} for f in findings(ledger)]
    return pd.DataFrame(rows, columns=["check", "status", "id", "where", "with", "source", "finding"])


def primary_share(ledger: Ledger) -> tuple[int, int]:
    """(rows whose origin is a primary producer, all rows) of data/observations.csv.

    A primary producer is a statistical agency, regulator, ministry, board or company that made the
    figure (the `origin` vocabulary minus the analysts, outlets and commentators listed as
    `secondaryOrigins` in data/datapackage.json).
    """
    from .ledger import schema
    spec = next(f for f in schema("observations") if f["name"] == "origin")
    secondary = set(spec.get("secondaryOrigins", ()))
    if not secondary:
        raise KeyError("observations.origin declares no secondaryOrigins in data/datapackage.json")
    origins = ledger.observations["origin"]
    return int((~origins.isin(secondary)).sum()), int(len(origins))


README_START = "<!-- primary-share: written by `python -m helpers.consistency`; checked by tests/test_consistency.py -->"
README_END = "<!-- /primary-share -->"


#: Hosts of producers' own publications: a source on one of these (or under .gov.pk) is the producer's own page.
PRODUCER_HOSTS = ("gov.pk", "sbp.org.pk", "pseb.org.pk", "cpec.gov.pk", "worldbank.org", "itu.int", "gsma.com",
                  "adb.org", "btrc.gov.bd", "trai.gov.in")


def headline_citations(ledger: Ledger) -> tuple[int, int]:
    """(headline figures whose cited source is the producer's own page, headline figures).

    The headline figures are the rows of data/key_figures.csv (the landing page's table and its comparisons).
    A source counts as the producer's own page when its URL's host is one of PRODUCER_HOSTS or under it.
    """
    from urllib.parse import urlparse

    import pandas as pd

    figures = pd.read_csv(paths.DATA / "key_figures.csv", dtype=str, keep_default_na=False)
    ids = [i for col in ("id", "compare_with") for i in figures[col] if i]
    hosts = [urlparse(ledger.sources[ledger.row(i)["source"]].url).hostname or "" for i in ids]
    own = sum(any(h == d or h.endswith("." + d) for d in PRODUCER_HOSTS) for h in hosts)
    return own, len(ids)


def readme_block(ledger: Ledger) -> str:
    """The data README's sentences on the primary-producer share and the headline citations, between its markers."""
    primary, total = primary_share(ledger)
    own, headline = headline_citations(ledger)
    sentence = (f"Of the {total:,} rows of `observations.csv`, {primary:,} ({primary / total * 100:.1f}%) have a primary "
                f"producer as their `origin`: a statistical agency, regulator, ministry, board, company or industry body "
                f"that made the figure; the other {total - primary:,} come from an analyst, an outlet or a commentator "
                f"(`secondaryOrigins` of the `origin` field in `datapackage.json`). Of the {headline} headline "
                f"figures (the rows of `key_figures.csv` and the figures they are compared with), {own or 'none'} cite the "
                f"producer's own publication; the others cite a newspaper or news agency that reports the producer's "
                f"figure, because the producers' pages could not be retrieved for this edition. Their `origin` names "
                f"the producer either way.")
    return f"{README_START}\n{sentence}\n{README_END}"


def write_readme(ledger: Ledger) -> None:
    """Replace the block between the markers in data/README.md with the current share."""
    path = paths.DATA / "README.md"
    text = path.read_text(encoding="utf-8")
    start, end = text.index(README_START), text.index(README_END) + len(README_END)
    path.write_text(text[:start] + readme_block(ledger) + text[end:], encoding="utf-8")


if __name__ == "__main__":
    from .ledger import load

    write_readme(load())

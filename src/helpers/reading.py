"""The chapter "How to read Pakistan's digital numbers": calendar years rebuilt from fiscal-year releases,
units against values, measures of users and of IT exports side by side, and press restatements.

Its selections of ledger rows are editorial metadata in `data/editorial/reading_the_numbers.yaml`; sums,
ratios and the population behind teledensity come from `helpers.checks` and `helpers.telecom`.
"""
from __future__ import annotations

import textwrap
from dataclasses import dataclass

import pandas as pd

from . import checks, editorial
from .fmt import date_label, number, with_unit
from .plots import tidy
from .values import Derived

STEM = "reading_the_numbers"
#: Columns of the folded tables under the bar charts of measures and of the local share.
MEASURE_COLUMNS = ("label", "period", "series", "value", "unit", "source")
SHARE_COLUMNS = ("period_label", "series", "value", "unit", "inputs", "source")


def editorial_tables(led) -> dict[str, pd.DataFrame]:
    """The chapter's editorial tables (data/editorial/reading_the_numbers.yaml)."""
    return editorial.load(led, STEM)


def ids_of(table: pd.DataFrame) -> list[str]:
    """The ledger ids of an editorial table with one `ids` record (e.g. `jobs`)."""
    if len(table) != 1 or "ids" not in table.columns:
        raise ValueError("expected one record with an `ids` list")
    return list(table["ids"].iloc[0])


@dataclass(frozen=True)
class CalendarYear:
    """A calendar year of a flow rebuilt from fiscal-year figures: Jan-Jun plus Jul-Dec."""

    year: int
    jan_jun: float
    jul_dec: float
    total: Derived

    @property
    def label(self) -> str:
        return f"CY{self.year}"


def calendar_year(led, fy_id: str, first_half_id: str, next_half_id: str) -> CalendarYear:
    """The calendar year a fiscal year ends in: (FY total - its first half) + the next FY's first half.

    Raises ValueError unless the three rows are that fiscal year, its first six months and the next
    fiscal year's first six months, in one unit.
    """
    fy, h1, nxt = (led.period(i) for i in (fy_id, first_half_id, next_half_id))
    year = fy.end.year
    if not (fy.text == f"FY{year}" and h1.text == f"FY{year}-M06" and nxt.text == f"FY{year + 1}-M06"):
        raise ValueError(f"{fy_id}, {first_half_id}, {next_half_id} are not FY{year}, its first half and the next one's")
    inputs = (fy_id, first_half_id, next_half_id)
    if len({led.row(i)["unit"] for i in inputs}) != 1:
        raise ValueError(f"{list(inputs)} are in different units")
    jan_jun, jul_dec = led.value(fy_id) - led.value(first_half_id), led.value(next_half_id)
    return CalendarYear(year, jan_jun, jul_dec, Derived(jan_jun + jul_dec, led.row(fy_id)["unit"], inputs))


def calendar_years(led, table: pd.DataFrame) -> dict[str, CalendarYear]:
    """Every calendar year of the editorial table, keyed by its label (CY2024)."""
    out = [calendar_year(led, f, h, n) for f, h, n in zip(table["fy_id"], table["first_half_id"], table["next_half_id"])]
    return {c.label: c for c in out}


def year_change(new: CalendarYear, old: CalendarYear) -> Derived:
    """Percentage change between two rebuilt calendar years (all six inputs recorded)."""
    return Derived((new.total.value / old.total.value - 1) * 100, "percent", new.total.inputs + old.total.inputs)


def calendar_table(led, years: dict[str, CalendarYear]) -> pd.DataFrame:
    """The rebuilt calendar years with the arithmetic behind each half (reader table)."""
    rows = []
    for c in years.values():
        fy, first, nxt = c.total.inputs
        rows.append({"id": list(c.total.inputs), "Calendar year": c.label,
                     "Jan-Jun": f"{number(c.jan_jun, 1)} = {led.period(fy).text} minus {led.period(first).label}",
                     "Jul-Dec": f"{number(c.jul_dec, 1)} = {led.period(nxt).label}",
                     f"Total ({c.total.unit})": round(c.total.value, 1),
                     "Source": ";".join(dict.fromkeys(led.row(i)["source"] for i in c.total.inputs))})
    return pd.DataFrame(rows)


def units_values(led, groups: pd.DataFrame) -> pd.DataFrame:
    """Each series of the group, period by period, with its change on the period before (reader table)."""
    rows = []
    for name, ids in zip(groups["series"], groups["ids"]):
        for prev, cur in zip([None, *ids[:-1]], ids):
            rows.append({"id": [cur] if prev is None else [cur, prev], "Series": name, "Period": led.period(cur).short,
                         "Value": led.value(cur),
                         "Change on the year before (%, ours)": None if prev is None else round(checks.change(led, cur, prev).value, 1),
                         "Source": led.row(cur)["source"]})
    return pd.DataFrame(rows)


def measures(led, rows: pd.DataFrame, wrap: int = 30) -> pd.DataFrame:
    """Chart data of several measures side by side: each row's value, its label with period, coloured by `counts`."""
    frame = tidy(led, led.observations.loc[list(rows["id"])])
    frame["label"] = [textwrap.fill(f"{label}, {led.period(i).short}", wrap) for i, label in zip(rows["id"], rows["label"])]
    frame["series"] = list(rows["counts"])
    return frame


def definitions_table(led, defs: pd.DataFrame) -> pd.DataFrame:
    """What each measure counts, with its value and period (reader table)."""
    return pd.DataFrame({
        "id": list(defs["id"]), "Measure": list(defs["measure"]), "What it counts": list(defs["counts"]),
        "Period": [led.period(i).label for i in defs["id"]],
        "Value": [with_unit(led.value(i), led.row(i)["unit"]) for i in defs["id"]],
        "Source": [led.row(i)["source"] for i in defs["id"]],
    })


def local_share(led, local_id: str, imports_id: str, demand_id: str) -> pd.DataFrame:
    """Chart data: local output as a share of legal supply (local + commercial imports) and of all phones
    (a demand estimate that includes smuggled ones), for one period."""
    legal, every = checks.share(led, local_id, [imports_id]), checks.ratio(led, local_id, demand_id)
    label = led.period(local_id).short
    return pd.DataFrame([
        {"id": local_id, "period": led.row(local_id)["period"], "period_label": label,
         "series": "Legal supply (PTA counts)", "value": round(legal.value, 1), "unit": "percent",
         "source": led.row(imports_id)["source"], "inputs": " / ".join(legal.inputs)},
        {"id": demand_id, "period": led.row(demand_id)["period"], "period_label": label,
         "series": "All phones, incl. smuggled (federal estimate)", "value": round(every.value, 1), "unit": "percent",
         "source": led.row(demand_id)["source"], "inputs": " / ".join(every.inputs)},
    ])


def restatement_rows(led, cases: pd.DataFrame) -> pd.DataFrame:
    """Every figure of every restatement case, the original first (folded table)."""
    rows = []
    for case, ids in zip(cases["case"], cases["ids"]):
        for i in ids:
            r = led.row(i)
            rows.append({"id": i, "Case": case, "Period": led.period(i).label, "Value": with_unit(r["value"], r["unit"]),
                         "What it counts": r["dimension"] or "–", "Kind": r["kind"].replace("_", " "),
                         "Stated": date_label(r["as_of"]), "Source": r["source"]})
    return pd.DataFrame(rows)


def restatement_summary(led, cases: pd.DataFrame) -> pd.DataFrame:
    """One line per case: the figure as first stated and what it became (reader table)."""
    def said(i: str) -> str:
        r = led.row(i)
        return f"{with_unit(r['value'], r['unit'])}, {led.period(i).label}"

    return pd.DataFrame({
        "id": [list(ids) for ids in cases["ids"]], "Case": list(cases["case"]),
        "First stated": [said(ids[0]) for ids in cases["ids"]],
        "Restated as": ["; ".join(said(i) for i in ids[1:]) for ids in cases["ids"]],
        "Source": [";".join(dict.fromkeys(led.row(i)["source"] for i in ids)) for ids in cases["ids"]],
    })


def revision_rows(led, conflicts: pd.DataFrame, ids) -> pd.DataFrame:
    """The releases `ids` among checks.conflicts, as a reader reads them, with the date of each release."""
    from .tables import conflict_rows

    part = conflicts[conflicts["id"].isin(list(ids))].reset_index(drop=True)
    missing = sorted(set(ids) - set(part["id"]))
    if missing:
        raise KeyError(f"these releases disagree with no other release: {missing}")
    return conflict_rows(led, part).assign(Released=[date_label(a) for a in part["as_of"]])

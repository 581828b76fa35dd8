"""Cross-checks on the ledger: stated changes recomputed from levels, conflicts, coverage."""
from __future__ import annotations

import pandas as pd

from . import deps
from .ledger import Ledger
from .values import Derived

#: A stated change "agrees" when the recomputed change is within this many percentage points:
#: sources round their levels and their percentages, so exact equality is not expected.
TOLERANCE_PP = 1.5


def _candidates(levels: list[dict], source: str) -> list[dict]:
    """Levels to recompute from: the change's own source if it gives one, else one row per distinct value
    (the row with the first id), by value."""
    pool = [r for r in levels if r["source"] == source] or levels
    first: dict = {}
    for r in sorted((r for r in pool if r["value"] == r["value"]), key=lambda r: (r["value"], r["id"])):
        first.setdefault(r["value"], r)
    return list(first.values())


#: The columns of recompute_changes and conflicts that the cross-checks appendix prints, in its order.
CHANGE_COLUMNS = ["change_id", "indicator", "period", "base_period", "stated", "recomputed", "difference", "verdict",
                  "level_ids", "source"]
CONFLICT_COLUMNS = ["indicator", "period", "dimension", "unit", "id", "value", "source", "as_of", "spread_percent"]


@deps.derived
def recompute_changes(ledger: Ledger) -> pd.DataFrame:
    """Every stated change beside the change recomputed from level rows of the same indicator.

    For each side (the period and the base period) the change's own source is used when it gives that
    level; otherwise every distinct value other sources give is tried, so a reader sees how the result
    depends on the level chosen.
    """
    out = []
    obs = ledger.observations
    levels = obs[obs["kind"] == "level"]
    # The level rows of each (indicator, period, dimension), in ledger order, as plain records: one pass over
    # the ledger, not two boolean masks and a groupby per stated change.
    where: dict[tuple, list[dict]] = {}
    for r in levels[["id", "indicator", "period", "dimension", "value", "unit", "source"]].to_dict("records"):
        where.setdefault((r["indicator"], r["period"], r["dimension"]), []).append(r)
    for ch in obs[obs["kind"] == "stated_change"].to_dict("records"):
        new = where.get((ch["indicator"], ch["period"], ch["dimension"]), [])
        old = where.get((ch["indicator"], ch["base_period"], ch["dimension"]), [])
        pairs = [(n, o) for n in _candidates(new, ch["source"]) for o in _candidates(old, ch["source"])
                 if n["unit"] == o["unit"]]
        for n, o in pairs or [(None, None)]:
            if n is None:
                recomputed = diff = None
                verdict = "no levels"
            else:
                if ch["unit"] == "percent":
                    recomputed = (n["value"] / o["value"] - 1) * 100
                else:
                    recomputed = n["value"] - o["value"]
                diff = ch["value"] - recomputed
                verdict = "agrees" if abs(diff) <= TOLERANCE_PP else "differs"
            out.append({
                "change_id": ch["id"], "indicator": ch["indicator"], "dimension": ch["dimension"],
                "period": ch["period"], "base_period": ch["base_period"], "stated": ch["value"],
                "unit": ch["unit"], "source": ch["source"],
                "level_ids": "" if n is None else f"{n['id']} / {o['id']}",
                "level_sources": "" if n is None else f"{n['source']} / {o['source']}",
                "recomputed": None if recomputed is None else round(recomputed, 2),
                "difference": None if diff is None else round(diff, 2), "verdict": verdict,
            })
    return pd.DataFrame(out, columns=["change_id", "indicator", "dimension", "period", "base_period",
                                      "stated", "unit", "source", "level_ids", "level_sources",
                                      "recomputed", "difference", "verdict"])


@deps.derived
def conflicts(ledger: Ledger) -> pd.DataFrame:
    """Groups of level rows with the same indicator, period, dimension and unit but different values."""
    obs = ledger.observations[ledger.observations["kind"] == "level"]
    keys = ["indicator", "period", "dimension", "unit"]
    obs = obs[obs.groupby(keys, sort=False)["value"].transform("nunique") >= 2]   # only groups that disagree
    rows = []
    for (ind, per, dim, unit), grp in obs.groupby(keys, sort=True):
        lo, hi = grp["value"].min(), grp["value"].max()
        for _, r in grp.sort_values(["value", "id"]).iterrows():
            rows.append({"indicator": ind, "period": per, "dimension": dim, "unit": unit,
                         "id": r["id"], "value": r["value"], "source": r["source"], "as_of": r["as_of"],
                         "spread_percent": round((hi / lo - 1) * 100, 2) if lo else None})
    return pd.DataFrame(rows, columns=["indicator", "period", "dimension", "unit", "id", "value", "source",
                                       "as_of", "spread_percent"])


@deps.derived
def coverage(ledger: Ledger, first_year: int = 2016, last_year: int | None = None) -> pd.DataFrame:
    """Number of level rows per indicator (with CY/FY basis) and year the period ends in.

    Years before `first_year` are summed into one column so the table fits a printed page. Pakistan's figures
    only: rows of theme `peers` describe other countries (and other fiscal years) and are left out.
    """
    obs = ledger.observations[ledger.observations["kind"] == "level"]
    if "theme" in obs.columns:
        obs = obs[obs["theme"] != "peers"]
    obs = obs.copy()
    obs["year"] = obs["period_end"].dt.year
    last = last_year or int(obs["year"].max())
    obs["column"] = [f"<{first_year}" if y < first_year else str(y) for y in obs["year"]]
    obs["series"] = obs["indicator"] + " (" + obs["basis"] + ")"
    table = obs.pivot_table(index="series", columns="column", values="value", aggfunc="count", fill_value=0)
    columns = [f"<{first_year}"] + [str(y) for y in range(first_year, last + 1)]
    return table.reindex(columns=columns, fill_value=0).astype(int)


def share(ledger: Ledger, part_id: str, other_ids: list[str]) -> Derived:
    """part / (part + others) in percent, e.g. local assembly / (local + imports); inputs recorded."""
    part = ledger.value(part_id)
    total = part + sum(ledger.value(i) for i in other_ids)
    units = {ledger.row(i)["unit"] for i in [part_id, *other_ids]}
    if len(units) != 1:
        raise ValueError(f"cannot add values in different units: {sorted(units)}")
    return Derived(part / total * 100, "percent", (part_id, *other_ids))


def change(ledger: Ledger, new_id: str, old_id: str) -> Derived:
    """Percentage change from `old_id` to `new_id` (same unit), inputs recorded."""
    new, old = ledger.row(new_id), ledger.row(old_id)
    if new["unit"] != old["unit"]:
        raise ValueError(f"{new_id} and {old_id} are in different units")
    return Derived((new["value"] / old["value"] - 1) * 100, "percent", (new_id, old_id))


def for_indicators(frame: pd.DataFrame, indicators, column: str = "indicator") -> pd.DataFrame:
    """Rows of a cross-check table that concern the given indicators."""
    return frame[frame[column].isin(list(indicators))].reset_index(drop=True)


def ratio(ledger: Ledger, part_id: str, whole_id: str) -> Derived:
    """`part_id` as a percent of `whole_id` (same unit), e.g. an outturn as a percent of its target."""
    part, whole = ledger.row(part_id), ledger.row(whole_id)
    if part["unit"] != whole["unit"]:
        raise ValueError(f"{part_id} and {whole_id} are in different units")
    return Derived(part["value"] / whole["value"] * 100, "percent", (part_id, whole_id))

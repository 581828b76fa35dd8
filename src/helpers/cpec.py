"""Helpers of the chapter "CPEC and IT cooperation": which events it covers and how its takeaways count them."""
from __future__ import annotations

import pandas as pd

from .deps import rows_where
from .ledger import EVENT_STATUSES


def chapter_events(events: pd.DataFrame, labels: pd.DataFrame, other_ids: list[str]) -> pd.DataFrame:
    """Events of theme `cpec_it` plus `other_ids`, with their short label (`short`) from the editorial `labels`.

    Raises ValueError naming the events that have no short label, or labels that name no chapter event.
    """
    ev = rows_where(events, ids=other_ids, theme="cpec_it").copy()
    short = dict(zip(labels["id"], labels["label"]))
    missing = sorted(set(ev["id"]) - set(short))
    if missing:
        raise ValueError(f"data/editorial/cpec_it_cooperation.yaml: give these events a label: {missing}")
    extra = sorted(set(short) - set(ev["id"]))
    if extra:
        raise ValueError(f"data/editorial/cpec_it_cooperation.yaml: labels of events not in the chapter: {extra}")
    ev["short"] = ev["id"].map(short)
    return ev


def counted(events: pd.DataFrame, duplicates: list[str]) -> pd.DataFrame:
    """The events counted once: `events` without the second reports in `duplicates` (each must be present)."""
    unknown = sorted(set(duplicates) - set(events.index))
    if unknown:
        raise KeyError(f"duplicate reports not among the events: {unknown}")
    return events.drop(index=list(duplicates))


def status_counts(events: pd.DataFrame) -> dict[str, int]:
    """Number of events in total (`all`) and for each ledger status (zero when a status has none)."""
    counts = events["status"].value_counts()
    return {"all": len(events), **{s: int(counts.get(s, 0)) for s in EVENT_STATUSES}}


def split_at(events: pd.DataFrame, pivot_id: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The events dated before the event `pivot_id`, and those on or after its date (the pivot among them)."""
    when = events.loc[pivot_id, "when"]
    return events[events["when"] < when], events[events["when"] >= when]


def ofc2_cost(led, ed: dict[str, pd.DataFrame]):
    """The phase II fibre's cost as each source states it (editorial `ofc2_costs`), plus ECNEC's rupee cost
    converted at the SBP rate of the approval day (`ofc2_conversion`): (chart data, the converted value as a
    Derived, the chart's note naming the rate)."""
    from . import eventlog, plots
    from .fmt import date_label, number
    from .values import Derived

    spec, conv = ed["ofc2_costs"], ed["ofc2_conversion"].iloc[0]
    cost = plots.tidy(led, led.observations.loc[list(spec["id"])], series="stated in dollars")
    cost["period_label"] = [f"{label}, {date_label(p)}" for label, p in zip(spec["label"], cost["period"])]
    rupees, rate = led.row(conv["converted_id"]), led.row(conv["rate_id"])
    usd = Derived(eventlog.to_usd_million(float(rupees["value"]), rupees["unit"], float(rate["value"])), "USD million",
                  (conv["converted_id"], conv["rate_id"]))
    converted = pd.DataFrame([{"id": conv["converted_id"], "period": rupees["period"],
                               "period_label": f"{conv['label']}, {date_label(rupees['period'])}",
                               "series": "converted from rupees", "value": round(usd.value, 2), "unit": "USD million",
                               "source": rupees["source"]}])
    note = (f"ECNEC's cost converted at {number(float(rate['value']))} rupees per dollar "
            f"(SBP rate of {date_label(rate['period'])}, {plots.short_source(led, rate['source'])}).")
    return pd.concat([cost, converted], ignore_index=True), usd, note


def money_table(money: pd.DataFrame, short: dict[str, str], means: dict[str, str]) -> pd.DataFrame:
    """The amounts stated with the chapter's events, for the reader: event, what the amount is, the amount as
    stated and in USD million, status and source."""
    from .fmt import date_label, with_unit

    return pd.DataFrame({
        "Event": [f"{date_label(d)}: {short[i]}" for i, d in zip(money["id"], money["date"])],
        "What the amount is": money["id"].map(means),
        "Amount": [with_unit(a, u) for a, u in zip(money["amount"], money["unit"])],
        "USD million": money["usd_million"], "Status": money["status"], "Source": money["source"]})


#: The columns of a timeline chart's data that its fold shows.
TIMELINE_COLUMNS = ("lane", "status", "label", "source")


def timeline_fold(ch, chart):
    """The events a timeline chart draws, folded under it with their sources (fold `<chart name>-events`,
    without the `cpec-` prefix)."""
    from .tables import fold

    return fold(ch, [("Events on this chart", chart.data[list(TIMELINE_COLUMNS)], "source")],
                title="every event on this chart, with its source",
                name=f"{chart.name.removeprefix('cpec-')}-events")

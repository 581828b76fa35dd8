"""Summaries of the dated event timeline: counts by year and status, amounts converted at a sourced rate."""
from __future__ import annotations

import pandas as pd

from .deps import rows_where
from .ledger import EVENT_STATUSES, Ledger

#: Units of money an event amount can carry, with the factor that turns them into millions.
MONEY = {"USD million": ("USD", 1.0), "PKR million": ("PKR", 1.0), "PKR billion": ("PKR", 1000.0)}


def by_year_status(events: pd.DataFrame) -> pd.DataFrame:
    """Events per calendar year (rows) and status (columns, in ledger order), with total and share operating.

    `events` holds rows of `ledger.events` (columns `when` and `status`). Years with no event are left out;
    the share is in percent of the year's events, rounded to one decimal.
    """
    if events.empty:
        raise ValueError("no events to count")
    year = events["when"].dt.year.rename("year")
    table = pd.crosstab(year, events["status"])
    table = table.reindex(columns=list(EVENT_STATUSES), fill_value=0)
    table["total"] = table.sum(axis=1)
    table["operating_share"] = (table["operating"] / table["total"] * 100).round(1)
    table = table.reset_index()
    table.columns.name = None
    table["year"] = table["year"].astype(str)
    return table


def rates_by_date(ledger: Ledger, indicator: str = "exchange_rate_pkr_usd") -> dict[str, pd.Series]:
    """Sourced rupee-dollar rates keyed by their day (the period of each ledger row)."""
    rows = rows_where(ledger.observations, indicator=indicator, kind="level")
    return {r["period"]: r for _, r in rows.iterrows()}


def to_usd_million(amount: float, unit: str, rate: float) -> float:
    """An amount in 'PKR million' or 'PKR billion' as USD million at `rate` rupees per dollar."""
    if unit not in MONEY or MONEY[unit][0] != "PKR":
        raise ValueError(f"cannot convert {unit!r} with a rupee rate")
    if rate <= 0:
        raise ValueError(f"rate must be positive, not {rate}")
    return amount * MONEY[unit][1] / rate


def money(ledger: Ledger, events: pd.DataFrame) -> pd.DataFrame:
    """Events with a money amount, and that amount in USD million where a sourced rate of the same day exists.

    A rupee amount is converted only with a rate the ledger holds for the event's exact date; otherwise the
    converted column stays empty. `rate_id` names the rate row used, so the conversion can be traced.
    """
    rates = rates_by_date(ledger)
    rows = []
    for _, e in events[events["unit"].isin(list(MONEY))].iterrows():
        usd, rate_id = None, ""
        if e["unit"] == "USD million":
            usd = float(e["amount"])
        elif e["date"] in rates:
            rate = rates[e["date"]]
            usd = round(to_usd_million(float(e["amount"]), e["unit"], float(rate["value"])), 2)
            rate_id = rate["id"]
        rows.append({"id": e["id"], "date": e["date"], "amount": float(e["amount"]), "unit": e["unit"],
                     "usd_million": usd, "rate_id": rate_id, "status": e["status"], "source": e["source"]})
    return pd.DataFrame(rows, columns=["id", "date", "amount", "unit", "usd_million", "rate_id", "status", "source"])


def compact_source_line(ledger: Ledger, chart, max_chars: int = 200):
    """Shorten a chart's 'Source: ...' line that is too long to fit under the chart.

    The short line counts the sources and names the three publishers behind most of the chart's rows (ties
    by name); the table printed with the chart cites every row's source. Returns the chart (changed in place).
    """
    keys = list(chart.data["source"])
    counts = pd.Series([ledger.sources[k].publisher for k in keys]).value_counts()
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    names = ", ".join(name for name, _ in ranked[:3])
    short = (f"Source: {len(set(keys))} reports ({names} and others); "
             "the table below the chart cites the source of each row.")
    for text in chart.figure.texts:
        line = text.get_text()
        if line.startswith("Source:") and len(line) > max_chars:
            text.set_text(short)
    return chart

"""Unit tests of the event-timeline summaries on small ledgers built here."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from helpers import eventlog  # noqa: E402
from helpers.ledger import Ledger, Source  # noqa: E402
from helpers.periods import parse_period  # noqa: E402
from helpers.plots import Chart  # noqa: E402


def _events(rows) -> pd.DataFrame:
    ev = pd.DataFrame([{"amount": None, "unit": "", "source": "a", **r} for r in rows])
    ev["when"] = pd.to_datetime([d if len(d) == 10 else (d + "-01" if len(d) == 7 else d + "-01-01")
                                 for d in ev["date"]])
    ev.index = list(ev["id"])
    return ev


def _ledger(rates=(), publishers=("P",)) -> Ledger:
    recs = []
    for i, (day, value) in enumerate(rates):
        p = parse_period(day)
        recs.append({"id": f"fx-{i}", "indicator": "exchange_rate_pkr_usd", "period": day, "dimension": "",
                     "value": value, "unit": "PKR per USD", "kind": "level", "source": "a", "period_obj": p})
    obs = pd.DataFrame(recs, columns=["id", "indicator", "period", "dimension", "value", "unit", "kind", "source",
                                      "period_obj"])
    obs.index = list(obs["id"])
    src = {k: Source(k, "T", publishers[i % len(publishers)], "2024-01-01", "https://example.org", "2026-11-25")
           for i, k in enumerate("abcdef")}
    return Ledger(obs, {}, pd.DataFrame(columns=["id"]), src)


def test_counts_by_year_and_status():
    ev = _events([
        {"id": "e1", "date": "2020-03-01", "status": "announced"},
        {"id": "e2", "date": "2020-07", "status": "operating"},
        {"id": "e3", "date": "2020", "status": "operating"},
        {"id": "e4", "date": "2022-01-05", "status": "under_way"},
    ])
    t = eventlog.by_year_status(ev)
    assert list(t.columns) == ["year", "announced", "under_way", "operating", "total", "operating_share"]
    assert t["year"].tolist() == ["2020", "2022"]           # a year without events is left out
    row = t.iloc[0]
    assert (row["announced"], row["under_way"], row["operating"], row["total"]) == (1, 0, 2, 3)
    assert row["operating_share"] == pytest.approx(66.7)
    assert t.iloc[1]["operating_share"] == 0


def test_counts_need_events():
    with pytest.raises(ValueError):
        eventlog.by_year_status(_events([{"id": "e", "date": "2020", "status": "announced"}]).iloc[0:0])


@pytest.mark.parametrize("amount,unit,rate,usd", [
    (37.9, "PKR billion", 160.62, 37900 / 160.62),
    (256, "PKR million", 256, 1.0),
])
def test_rupees_to_dollars(amount, unit, rate, usd):
    assert eventlog.to_usd_million(amount, unit, rate) == pytest.approx(usd)


@pytest.mark.parametrize("unit,rate", [("USD million", 160.0), ("km", 160.0), ("PKR billion", 0)])
def test_conversion_refuses_wrong_unit_or_rate(unit, rate):
    with pytest.raises(ValueError):
        eventlog.to_usd_million(1.0, unit, rate)


def test_money_converts_only_with_a_rate_of_the_same_day():
    led = _ledger(rates=[("2021-01-21", 160.0)])
    ev = _events([
        {"id": "same-day", "date": "2021-01-21", "amount": 32.0, "unit": "PKR billion", "status": "announced"},
        {"id": "other-day", "date": "2020-12-02", "amount": 32.0, "unit": "PKR billion", "status": "announced"},
        {"id": "dollars", "date": "2019-04-10", "amount": 279.2, "unit": "USD million", "status": "announced"},
        {"id": "length", "date": "2016-05", "amount": 820.0, "unit": "km", "status": "under_way"},
    ])
    m = eventlog.money(led, ev).set_index("id")
    assert "length" not in m.index
    assert m.loc["same-day", "usd_million"] == 200.0 and m.loc["same-day", "rate_id"] == "fx-0"
    assert pd.isna(m.loc["other-day", "usd_million"]) and m.loc["other-day", "rate_id"] == ""
    assert m.loc["dollars", "usd_million"] == 279.2


def _chart(sources) -> Chart:
    fig, _ = plt.subplots()
    fig.text(0, 0, "Source: " + "; ".join(f"Publisher {s} (2024)" for s in sources) + ".")
    return Chart(fig, pd.DataFrame({"id": [f"e{i}" for i in range(len(sources))], "source": sources}), "t")


def test_long_source_line_is_compacted():
    led = _ledger(publishers=("Dawn", "APP", "Dawn", "BR", "Nation", "APP"))
    chart = eventlog.compact_source_line(led, _chart(list("abcdefa")), max_chars=40)
    line = chart.figure.texts[0].get_text()
    assert line.startswith("Source: 6 reports (Dawn, APP, BR and others)"), line
    plt.close(chart.figure)


def test_short_source_line_is_kept():
    led = _ledger()
    chart = _chart(["a"])
    before = chart.figure.texts[0].get_text()
    assert eventlog.compact_source_line(led, chart).figure.texts[0].get_text() == before
    plt.close(chart.figure)

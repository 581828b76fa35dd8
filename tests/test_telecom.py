"""Unit tests of helpers.telecom and helpers.reading on small ledgers built here, plus the editorial data
and the notebook limits of the two chapters that use them."""
from __future__ import annotations

import ast
import json

import pandas as pd
import pytest

from helpers import checks, ledger, paths, reading, telecom
from helpers.periods import parse_period
from helpers.values import Derived


class FakeLedger:
    """The few Ledger methods the helpers use, over rows given as (id, value, unit, period, source[, extra])."""

    def __init__(self, rows) -> None:
        recs = []
        for r in rows:
            i, value, unit, period, source, *extra = r
            rec = {"id": i, "value": float(value), "unit": unit, "period": period, "source": source, "kind": "level",
                   "dimension": "", "indicator": "x", "as_of": "2024-01-01", "origin": "PTA"}
            rec.update(extra[0] if extra else {})
            p = parse_period(rec["period"])
            recs.append({**rec, "period_obj": p, "period_end": pd.Timestamp(p.end)})
        self.observations = pd.DataFrame(recs, columns=["id"] if not recs else None).set_index("id", drop=False)
        self.observations.index.name = None

    def row(self, i):
        return self.observations.loc[i]

    def value(self, i):
        return float(self.observations.loc[i, "value"])

    def period(self, i):
        return self.observations.loc[i, "period_obj"]


L = FakeLedger([
    ("subs-a", 200, "million", "2023-02", "rep1"), ("tden-a", 80, "percent", "2023-02", "rep1"),
    ("subs-b", 200, "million", "2023-03", "rep2"), ("tden-b", 80, "percent", "2023-02", "rep2"),
    ("subs-c", 150, "million", "2023-03", "rep3"), ("tden-c", 75, "percent", "2023-03", "rep4"),
    ("subs-k", 200, "thousand", "2023-04", "rep5"), ("tden-k", 80, "percent", "2023-04", "rep5"),
    ("pop", 250, "million", "2023", "census"), ("units", 5, "million units", "2023", "pta"),
    ("mbb", 60, "million", "2023-02", "rep1"),
    ("km-1", 100, "km", "2024-02", "s1", {"kind": "level"}), ("km-2", 300, "km", "2025-07", "s2"),
    ("km-plan", 1000, "km", "2030", "s3", {"kind": "plan"}),
    ("fy24", 1900, "USD million", "FY2024", "pbs"), ("fy24-h1", 800, "USD million", "FY2024-M06", "pbs"),
    ("fy25-h1", 700, "USD million", "FY2025-M06", "pbs"), ("fy23", 600, "USD million", "FY2023", "pbs"),
    ("fy23-h1", 400, "USD million", "FY2023-M06", "pbs"),
])


def test_implied_population_divides_subscriptions_by_teledensity():
    d = telecom.implied_population(L, "subs-a", "tden-a")
    assert d == Derived(250.0, "million", ("subs-a", "tden-a"))


@pytest.mark.parametrize("subs, tden, why", [("subs-b", "tden-b", "same month"), ("subs-c", "tden-c", "same month"),
                                             ("subs-k", "tden-k", "in million")])
def test_implied_population_rejects_rows_of_two_releases_or_the_wrong_unit(subs, tden, why):
    with pytest.raises(ValueError, match=why):
        telecom.implied_population(L, subs, tden)


def test_per_100_is_checks_ratio_with_its_own_unit():
    d = telecom.per_100(L, "subs-a", "pop")
    assert d.unit == "per 100 people" and d.value == checks.ratio(L, "subs-a", "pop").value == 80.0
    with pytest.raises(ValueError, match="different units"):
        telecom.per_100(L, "units", "pop")


def test_total_difference_and_part_of():
    assert telecom.total(L, ["subs-a", "subs-c"]) == Derived(350.0, "million", ("subs-a", "subs-c"))
    with pytest.raises(ValueError, match="different units"):
        telecom.total(L, ["subs-a", "units"])
    assert telecom.difference(L, "subs-a", "subs-c", "more") == Derived(50.0, "more", ("subs-a", "subs-c"))
    with pytest.raises(ValueError, match="different units"):
        telecom.difference(L, "subs-a", "units")
    assert telecom.part_of(L, ["km-1", "km-2"], "km-plan") == Derived(40.0, "percent", ("km-1", "km-2", "km-plan"))
    with pytest.raises(ValueError, match="not in"):
        telecom.part_of(L, ["km-1"], "pop")


def test_mbb_share_needs_one_report_per_pair():
    share = telecom.mbb_share(L, pd.DataFrame({"mbb_id": ["mbb"], "cell_id": ["subs-a"]}))
    assert list(share["value"]) == [30.0] and list(share["inputs"]) == ["mbb / subs-a"]
    with pytest.raises(ValueError, match="same report"):
        telecom.mbb_share(L, pd.DataFrame({"mbb_id": ["mbb"], "cell_id": ["subs-b"]}))


def test_fibre_tables_keep_builders_and_pick_national_totals():
    fibre = pd.DataFrame({"id": ["km-plan", "km-2", "km-1"], "builder": ["c", "b", "a"], "national": [None, True, True]})
    table = telecom.fibre_table(L, fibre)
    assert list(table["id"]) == ["km-1", "km-2", "km-plan"], "built rows first, by date"
    assert list(table["Builder"]) == ["a", "b", "c"] and list(table["Status"]) == ["built", "built", "planned"]
    assert list(telecom.fibre_national(L, fibre)["id"]) == ["km-2", "km-1"]


def test_highest_and_all_agree():
    frame = L.observations.loc[["km-1", "km-2", "km-plan"]]
    assert telecom.highest(frame) == "km-plan"
    assert telecom.highest(frame, before=pd.Timestamp("2026-01-01")) == "km-2"
    changes = pd.DataFrame({"change_id": ["a", "b"], "verdict": ["agrees", "differs"]})
    assert telecom.all_agree(changes, ["a"])
    assert not telecom.all_agree(changes, ["a", "b"]), "a change that differs"
    assert not telecom.all_agree(changes, ["a", "zz"]), "a change the table does not hold"


def test_calendar_year_rebuilt_from_fiscal_halves():
    c = reading.calendar_year(L, "fy24", "fy24-h1", "fy25-h1")
    assert (c.label, c.jan_jun, c.jul_dec, c.total.value) == ("CY2024", 1100.0, 700.0, 1800.0)
    assert c.total.inputs == ("fy24", "fy24-h1", "fy25-h1")
    with pytest.raises(ValueError, match="not FY2024"):
        reading.calendar_year(L, "fy24", "fy25-h1", "fy24-h1")
    years = reading.calendar_years(L, pd.DataFrame({"fy_id": ["fy23", "fy24"], "first_half_id": ["fy23-h1", "fy24-h1"],
                                                    "next_half_id": ["fy24-h1", "fy25-h1"]}))
    assert list(years) == ["CY2023", "CY2024"] and years["CY2023"].total.value == 1000.0
    change = reading.year_change(years["CY2024"], years["CY2023"])
    assert change.value == pytest.approx(80.0) and len(change.inputs) == 6


def test_units_values_compare_each_period_with_the_one_before():
    table = reading.units_values(L, pd.DataFrame({"series": ["s"], "ids": [["fy23", "fy24"]]}))
    assert table["Change on the year before (%, ours)"].isna().tolist() == [True, False]
    assert table["Change on the year before (%, ours)"].iloc[1] == pytest.approx(216.7)


def test_restatements_keep_the_original_first():
    cases = pd.DataFrame({"case": ["c"], "ids": [["km-1", "km-2", "km-plan"]]})
    summary = reading.restatement_summary(L, cases)
    assert summary["First stated"].iloc[0] == "100 km, Feb 2024"
    assert summary["Restated as"].iloc[0] == "300 km, Jul 2025; 1,000 km, CY2030"
    assert len(reading.restatement_rows(L, cases)) == 3


def test_revision_rows_reject_a_release_without_a_partner():
    conf = pd.DataFrame({"indicator": ["x", "x"], "period": ["2023-02"] * 2, "dimension": ["", ""],
                         "unit": ["million"] * 2, "id": ["subs-a", "mbb"], "value": [200.0, 60.0],
                         "source": ["rep1"] * 2, "as_of": ["2023-03-01", "2023-04-01"], "spread_percent": [1.0, 1.0]})

    class WithIndicators(FakeLedger):
        indicators = {"x": type("I", (), {"label": "X"})()}

    led = WithIndicators([])
    assert list(reading.revision_rows(led, conf, ["subs-a", "mbb"])["Released"]) == ["1 Mar 2023", "1 Apr 2023"]
    with pytest.raises(KeyError, match="zz"):
        reading.revision_rows(led, conf, ["subs-a", "zz"])


# ---- the real editorial data and the two chapters ------------------------------------------------------

def test_the_book_has_one_list_of_implied_population_pairs_and_every_pair_holds():
    led = ledger.load()
    pairs = telecom.implied_pairs(led)
    assert not pairs.duplicated().any()
    assert pairs["subs_id"].map(lambda i: led.row(i)["period_end"]).is_monotonic_increasing
    frame = telecom.implied_frame(led, pairs)
    assert len(frame) == len(pairs) and frame["value"].between(150, 300).all()
    assert "implied_population" not in reading.editorial_tables(led), "the pairs are kept once, in the telecom yaml"


@pytest.mark.parametrize("stem", ["telecom_infrastructure", "reading_the_numbers"])
def test_chapter_is_thin(stem):
    cells = [c for c in json.loads((paths.CHAPTERS / f"{stem}.ipynb").read_text())["cells"] if c["cell_type"] == "code"]
    sources = ["".join(c["source"]) for c in cells]
    assert sum(len(s.splitlines()) for s in sources) <= 120
    assert max(len(s.splitlines()) for s in sources) <= 25
    for s in sources:
        for node in ast.walk(ast.parse(s)):
            size = len(node.keys) if isinstance(node, ast.Dict) else len(getattr(node, "elts", [])) \
                if isinstance(node, (ast.List, ast.Tuple, ast.Set)) else 0
            assert size <= 5, f"{stem}: a literal of {size} entries: {ast.unparse(node)[:80]}"
    text = "\n".join(sources)
    assert "chapter.begin(" in text and "ch.finish()" in text and "cite." not in text
    assert 'derived(f"' not in text and 'text(f"' not in text, "derived keys are literal"


def test_chart_fold_has_human_headers_the_title_and_feeds_the_appendix():
    from helpers import plots
    from helpers.record import Record

    class Ch:
        ledger, record = None, Record("demo")

    data = pd.DataFrame({"id": ["a"], "period": ["2024-04"], "series": ["s"], "value": [1.0], "unit": ["million"],
                         "source": ["k1"], "inputs": [["a", "b"]]})
    fig = plots.plt.figure()
    fig.add_subplot().set_title("A finding", loc="left")
    chart = plots.Chart(fig, data, "demo-chart")
    out = telecom.chart_fold(Ch, chart, columns=("period", "series", "value", "inputs", "source")).data
    assert "| Period | Series | Value | Computed from | Source |" in out and "| Apr 2024 | s | 1 | a / b |" in out
    assert "the numbers drawn in \u201cA finding\u201d" in out
    assert [f["name"] for f in Ch.record._folds] == ["demo-chart-data"], "the PDF appendix gets the block"
    assert Ch.record.used() == {"a": ["chart:demo-chart"], "b": ["chart:demo-chart"]}, "drawn rows and inputs audited"


def test_change_blocks_split_whole_years_from_parts():
    changes = pd.DataFrame({"change_id": ["a", "b", "c"], "period": ["FY2024", "FY2024-M10", "2024-04"],
                            "base_period": ["FY2023", "FY2023-M10", "2023-04"], "stated": [1.0, 2.0, 3.0],
                            "unit": ["percent"] * 3, "source": ["k"] * 3, "level_ids": ["", "", ""],
                            "recomputed": [None] * 3, "difference": [None] * 3, "verdict": ["no levels"] * 3})
    blocks = telecom.change_blocks(None, changes)
    assert [len(b[1]) for b in blocks] == [1, 2] and blocks[0][1]["Period"].iloc[0].startswith("FY2024")
    assert len(telecom.change_blocks(None, changes.iloc[1:])) == 1, "an empty block is left out"
    parts = telecom.change_blocks(None, changes.iloc[1:], rows=1)
    assert [b[0].endswith("(continued)") for b in parts] == [False, True] and [len(b[1]) for b in parts] == [1, 1]


def test_conflict_blocks_one_per_indicator_in_order():
    led = ledger.load()
    conf = checks.conflicts(led)
    blocks = telecom.conflict_blocks(led, conf, ["it_exports", "cellular_subscribers", "no_such_indicator"])
    assert [b[0].split(":")[0] for b in blocks] == [led.indicators["it_exports"].label,
                                                   led.indicators["cellular_subscribers"].label]
    assert sum(len(b[1]) for b in blocks) == int(conf["indicator"].isin(["it_exports", "cellular_subscribers"]).sum())


@pytest.mark.parametrize("stem", ["telecom_infrastructure", "reading_the_numbers"])
def test_no_number_typed_into_figure_words(stem):
    from test_plots import typed_numbers

    cells = json.loads((paths.CHAPTERS / f"{stem}.ipynb").read_text(encoding="utf-8"))["cells"]
    found = [t for c in cells for t in typed_numbers(c)]
    assert not found, f"{stem}: numbers typed into captions, alt text or chart titles: {found}"

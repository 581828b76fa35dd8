"""Unit tests of the formatting, checks, tables and chart helpers on small ledgers built here."""
from __future__ import annotations

import pandas as pd
import pytest

from helpers import checks, fmt, tables
from helpers.record import Record
from helpers.values import Derived
from helpers.ledger import Indicator, Ledger, Source
from helpers.periods import parse_period


def _ledger(rows, kind_default="level") -> Ledger:
    recs = []
    for r in rows:
        r = {"dimension": "", "base_period": "", "kind": kind_default, "unit": "million units",
             "source": "a", "as_of": "2025-01-01", "note": "n", "theme": "mobile_manufacturing", **r}
        p = parse_period(r["period"])
        recs.append({**r, "period_obj": p, "period_end": pd.Timestamp(p.end), "basis": p.basis, "period_label": p.label})
    obs = pd.DataFrame(recs)
    obs.index = list(obs["id"])
    src = {k: Source(k, "T", "P", "2024-01-01", "https://example.org", "2026-11-25") for k in ("a", "b", "b2", "b3")}
    ind = {"x": Indicator("x", "X", ("million units",), "d", "mobile_manufacturing")}
    return Ledger(obs, ind, pd.DataFrame(columns=["id"]), src)


@pytest.mark.parametrize("value,unit,text", [
    (24.66, "million units", "24.66 million units"),
    (2590, "USD million", "USD 2,590 million"),
    (94, "percent", "94%"),
    (-3.5, "percentage points", "-3.5 percentage points"),
    (500000, "units per year", "500,000 units per year"),
])
def test_with_unit(value, unit, text):
    assert fmt.with_unit(value, unit) == text


def test_recompute_agrees_and_differs():
    led = _ledger([
        {"id": "l20", "indicator": "x", "period": "2020", "value": 13.05},
        {"id": "l21", "indicator": "x", "period": "2021", "value": 24.66},
        {"id": "c21", "indicator": "x", "period": "2021", "value": 88, "kind": "stated_change",
         "unit": "percent", "base_period": "2020"},
        {"id": "c21b", "indicator": "x", "period": "2021", "value": 50, "kind": "stated_change",
         "unit": "percent", "base_period": "2020", "source": "b"},
    ])
    out = checks.recompute_changes(led).set_index("change_id")
    assert out.loc["c21", "recomputed"] == pytest.approx(88.97, abs=0.01)
    assert out.loc["c21", "verdict"] == "agrees"
    assert out.loc["c21b", "verdict"] == "differs"
    assert out.loc["c21b", "difference"] == pytest.approx(50 - 88.97, abs=0.01)


def test_recompute_without_levels_says_so():
    led = _ledger([{"id": "c", "indicator": "x", "period": "2021", "value": 5, "kind": "stated_change",
                    "unit": "percent", "base_period": "2020"}])
    assert checks.recompute_changes(led)["verdict"].tolist() == ["no levels"]


def test_conflicts_found_only_when_values_differ():
    led = _ledger([
        {"id": "p", "indicator": "x", "period": "2021", "value": 24.66},
        {"id": "q", "indicator": "x", "period": "2021", "value": 25, "source": "b"},
        {"id": "r", "indicator": "x", "period": "2020", "value": 13.05},
        {"id": "s", "indicator": "x", "period": "2020", "value": 13.05, "source": "b"},
    ])
    out = checks.conflicts(led)
    assert sorted(out["id"]) == ["p", "q"]
    assert out["spread_percent"].iloc[0] == pytest.approx(1.38, abs=0.01)


def test_markdown_table_escapes_and_cites():
    frame = pd.DataFrame({"name": ["a|b"], "value": [1234.5], "source": ["k1;k2"]})
    text = tables.markdown_table(frame, cite="source")
    lines = text.splitlines()
    assert lines[0] == "```{table}" and lines[-1] == "```"
    widths = [int(w) for w in lines[1].removeprefix(":widths: ").split()]
    assert sum(widths) == pytest.approx(tables.TEXT_WIDTH_PT, abs=3), "the columns fill the printed text block"
    assert widths[2] > widths[0], "the source column (two citations as rendered) is wider than the name column"
    assert lines[3] == "| name | value | source |"
    assert "a\\|b" in text and "1,234.5" in text and "{cite:p}`k1`, {cite:p}`k2`" in text
    assert lines[4] == "| :--- | ---: | :--- |"


def test_wide_tables_are_set_smaller_in_print():
    wide = pd.DataFrame({f"column{i}": ["averyveryverylongword"] for i in range(6)})
    text = tables.markdown_table(wide)
    assert text.startswith("```{raw} latex\n\\begingroup\\") and text.rstrip().endswith("\\endgroup\n```")
    size, widths = tables._latex_layout([21] * 6, [21] * 6)
    assert size != "normalsize" and all(w >= 21 * 3.3 for w in widths)
    assert tables._latex_layout([5, 5], [5, 30])[1][1] > tables._latex_layout([5, 5], [5, 30])[1][0]


def test_record_and_audit(tmp_path, monkeypatch):
    monkeypatch.setenv("PKBOOK_CHART_DIR", str(tmp_path / "chart-data"))
    rec = Record("demo")
    rec.record(["a", "b"], "k1")
    rec.record(["a"], "chart:x")
    assert rec.used() == {"a": ["k1", "chart:x"], "b": ["k1"]}
    name = rec.write()
    assert (tmp_path / "audit" / name).read_text().count('"a"') == 1


def test_derived_rejects_nan(monkeypatch):
    from helpers import chapter

    ch = chapter.Chapter.__new__(chapter.Chapter)
    with pytest.raises(ValueError):
        chapter.Chapter.derived(ch, "k", Derived(float("nan"), "percent", ("a",)))


def test_coverage_folds_early_years_and_counts_by_basis():
    led = _ledger([
        {"id": "a", "indicator": "x", "period": "2010", "value": 1},
        {"id": "b", "indicator": "x", "period": "2012", "value": 1},
        {"id": "c", "indicator": "x", "period": "FY2017", "value": 1},
        {"id": "d", "indicator": "x", "period": "2017-H1", "value": 1},
    ])
    cov = checks.coverage(led, first_year=2016)
    assert list(cov.columns) == ["<2016", "2016", "2017"]
    assert cov.loc["x (CY)"].tolist() == [2, 0, 1]
    assert cov.loc["x (FY)"].tolist() == [0, 0, 1]


def test_recompute_uses_own_source_then_distinct_values():
    led = _ledger([
        {"id": "n1", "indicator": "x", "period": "2024", "value": 31.38, "source": "b"},
        {"id": "n2", "indicator": "x", "period": "2024", "value": 31.38, "source": "b2"},
        {"id": "o1", "indicator": "x", "period": "2023", "value": 21.28, "source": "b"},
        {"id": "o2", "indicator": "x", "period": "2023", "value": 21.3, "source": "b3"},
        {"id": "c", "indicator": "x", "period": "2024", "value": 47, "kind": "stated_change",
         "unit": "percent", "base_period": "2023", "source": "a"},
    ])
    out = checks.recompute_changes(led)
    assert out["level_ids"].tolist() == ["n1 / o1", "n1 / o2"]   # equal values from two sources tried once


@pytest.mark.parametrize("publisher,kind", [
    ("Pakistan Telecommunication Authority", "public-sector"), ("PID", "public-sector"),
    ("UrduPoint / APP", "public-sector"), ("Dawn", "publisher's copyright"), ("X (Twitter)", "author's post"),
    ("Pakistan \\\\& Gulf Economist", "publisher's copyright"), ("APPLE Daily", "publisher's copyright"),
])
def test_source_terms(publisher, kind):
    assert Source("k", "T", publisher, "2024", "https://x.org", "2026-11-25").terms.startswith(kind)


def test_bib_text_is_plain():
    from helpers.ledger import _plain

    assert _plain(r"Pakistan \& Gulf {Economist} 10\%") == "Pakistan & Gulf Economist 10%"


def test_ratio_is_a_percent_of_the_whole_in_the_same_unit():
    from helpers import ledger

    led = ledger.load()
    d = checks.ratio(led, "hs-imp-2024-pta", "hs-local-2024-pta")
    assert d.value == pytest.approx(led.value("hs-imp-2024-pta") / led.value("hs-local-2024-pta") * 100)
    assert d.inputs == ("hs-imp-2024-pta", "hs-local-2024-pta") and d.unit == "percent"
    with pytest.raises(ValueError, match="different units"):
        checks.ratio(led, "hs-local-2024-pta", "imp-bill-fy2024-pbs")


def test_prose_rounds_only_what_a_reader_cannot_use():
    from helpers.fmt import prose, reading_decimals

    assert prose(19.834465, "million units") == "19.83 million units"
    assert prose(279.219, "USD million") == "USD 279.22 million"
    assert prose(31.38, "million units") == "31.38 million units"
    assert prose(1978.654, "USD million") == "USD 1,978.65 million"
    assert prose(2065, "USD million") == "USD 2,065 million"
    assert prose(0.012345, "percent") == "0.0123%"
    assert reading_decimals(0.125) is None and reading_decimals(0.5) is None

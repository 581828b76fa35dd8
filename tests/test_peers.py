"""Peer comparisons: the loader's country checks, and the helpers that rank, label and tabulate peers."""
from __future__ import annotations

import csv

import pandas as pd
import pytest

from helpers import ledger, paths, peers

from conftest import assert_ledger_error


def _row_of(file: str, row_id: str) -> int:
    """The data-row number (1 = first) of `row_id` in data/`file`."""
    with open(paths.DATA / file, newline="", encoding="utf-8") as fh:
        return next(i for i, r in enumerate(csv.DictReader(fh), start=1) if r["id"] == row_id)


@pytest.fixture(scope="module")
def led():
    return ledger.load()


# The loader ------------------------------------------------------------------------------------------
def test_countries_load_with_fiscal_years(led):
    assert led.countries["IND"].fiscal_year == "Apr-Mar"
    assert led.countries["BGD"].fiscal_year == ledger.LEDGER_FISCAL_YEAR


@pytest.mark.parametrize("value,expect", [("", "names its country's code"), ("XYZ", "names its country's code"),
                                          ("Bangladesh", "names its country's code")])
def test_peer_row_needs_a_country_code(ledger_copy, value, expect):
    assert_ledger_error("observations.csv", _row_of("observations.csv", "peer-hs-fy2020-bgd"), "dimension", value, expect)


def test_fy_period_only_for_a_july_june_country(ledger_copy):
    """India's fiscal year runs April-March, so the ledger's (July-June) FY periods cannot describe it."""
    assert_ledger_error("observations.csv", _row_of("observations.csv", "peer-hs-2019-ind"), "period", "FY2019",
                        "India's fiscal year runs Apr-Mar")


def test_unknown_fiscal_year_in_countries(ledger_copy):
    assert_ledger_error("countries.csv", 1, "fiscal_year", "Oct-Sep", "unknown fiscal_year")


def test_peer_event_names_its_country_first(ledger_copy):
    assert_ledger_error("events.csv", _row_of("events.csv", "ev-ind-pli"), "actors", "Government of India; India",
                        "names its country first")


def test_pakistan_rows_of_other_themes_need_no_country(led):
    """The checks apply to theme `peers` only: the Pakistan themes keep their own dimensions."""
    assert led.row("hs-local-2024-2g-pta")["dimension"] == "2G"
    assert peers.country_of(led, "hs-local-2024-2g-pta") == peers.PAKISTAN


# The helpers -----------------------------------------------------------------------------------------
def test_comparison_ranks_highest_first(led):
    frame = peers.comparison(led, ["peer-internet-2023-pak", "peer-internet-2023-ind", "peer-internet-2023-bgd"])
    assert list(frame["code"]) == ["IND", "BGD", "PAK"]
    assert list(frame["value"]) == [55.0, 44.0, 27.0]
    assert peers.rank_of(frame) == (3, 3)
    assert peers.same_period(frame) and peers.periods_text(frame) == "all for CY2023"


def test_periods_text_names_each_period_when_they_differ(led):
    frame = peers.comparison(led, ["hs-local-2024-pta", "peer-hs-fy2021-bgd"])
    assert not peers.same_period(frame)
    assert peers.periods_text(frame) == "Pakistan CY2024; Bangladesh FY2021 (Jul 2020-Jun 2021)"


def test_comparison_refuses_two_rows_of_one_country(led):
    with pytest.raises(ValueError, match="two rows for"):
        peers.comparison(led, ["peer-hs-2014-ind", "peer-hs-2019-ind"])


def test_comparison_refuses_mixed_units(led):
    with pytest.raises(ValueError, match="mixes units"):
        peers.comparison(led, ["hs-local-2024-pta", "peer-internet-2023-ind"])


def test_ratio_and_its_inputs(led):
    frame = peers.comparison(led, ["hs-local-2024-pta", "peer-hs-2019-ind"])
    r = peers.ratio(frame, "IND")
    assert r.value == pytest.approx(290 / 31.38) and r.unit == "times"
    assert r.inputs == ("peer-hs-2019-ind", "hs-local-2024-pta")


def test_rank_of_missing_country(led):
    with pytest.raises(KeyError, match="VNM"):
        peers.rank_of(peers.comparison(led, ["peer-internet-2023-pak"]), "VNM")


def test_share_paths_in_time_order_one_series_per_country(led):
    ids = ["hs-share-2024-topline", "peer-share-2014-ind", "peer-share-fy2020-bgd", "hs-share-2016-profit"]
    data = peers.share_paths(led, ids)
    assert list(data["id"]) == ["peer-share-2014-ind", "hs-share-2016-profit", "peer-share-fy2020-bgd",
                                "hs-share-2024-topline"]
    assert list(data["series"]) == ["India", "Pakistan", "Bangladesh", "Pakistan"]


def test_reader_table_has_human_headers(led):
    frame = peers.comparison(led, ["peer-internet-2023-pak", "peer-internet-2023-ind"])
    table = peers.reader_table(frame, "Internet users", {c: led.countries[c].fiscal_year for c in led.countries})
    assert list(table.columns) == ["id", "Country", "Period", "Internet users", "Fiscal year", "Producer", "Source"]
    assert table.loc[0, "Internet users"] == "55%" and table.loc[1, "Fiscal year"] == "Jul-Jun"


def test_policy_table_pakistan_first_then_by_country_and_date(led):
    table = peers.policy_table(led, ["ev-ind-pli", "ev-bgd-budget-fy2019", "ev-cabinet-mdmp", "ev-bgd-btrc-guideline"])
    assert list(table["Country"]) == ["Pakistan", "Bangladesh", "Bangladesh", "India"]
    assert list(table["id"]) == ["ev-cabinet-mdmp", "ev-bgd-btrc-guideline", "ev-bgd-budget-fy2019", "ev-ind-pli"]
    assert table.loc[0, "Date"] == "2 Jun 2020"


def test_ranked_bars_highlight_pakistan(led, tmp_path, monkeypatch):
    monkeypatch.setenv("PKBOOK_CHART_DIR", str(tmp_path))
    frame = peers.comparison(led, ["peer-internet-2023-pak", "peer-internet-2023-ind"])
    chart = peers.ranked_bars(led, frame, name="t-peers", title="t", xlabel="x")
    assert list(chart.data["series"]) == [peers.PEER, peers.HIGHLIGHT]
    assert list(chart.data["period_label"]) == ["India (CY2023)", "Pakistan (CY2023)"]
    assert isinstance(pd.read_csv(tmp_path / "t-peers.csv"), pd.DataFrame)


def test_coverage_counts_pakistan_only(led):
    """The cross-checks coverage table counts Pakistan's series; peer rows (other countries) stay out of it."""
    from helpers import checks

    cov = checks.coverage(led)
    assert "handsets_produced (CY)" not in cov.index
    assert "handsets_local_share (FY)" not in cov.index      # Bangladesh's fiscal-year shares
    assert cov.loc["handsets_local_share (CY)"].sum() == len(
        led.select("handsets_local_share").query("theme != 'peers' and basis == 'CY'"))


def test_side_by_side_one_row_per_country(led):
    table = peers.side_by_side(led, {"Fixed": ["peer-fbb-2014-pak", "peer-fbb-2014-ind"],
                                     "Mobile": ["peer-mbb-2014-ind", "peer-mbb-2014-pak"]})
    assert list(table["Country"]) == ["India", "Pakistan"]
    assert list(table["Mobile"]) == ["5.5%", "5.1%"] and list(table["Fixed"]) == ["1.2%", "1.1%"]
    assert table.loc[1, "id"] == ["peer-fbb-2014-pak", "peer-mbb-2014-pak"]
    assert table.loc[0, "Source"] == "indiatechonline_2015_09_24_broadband"


def test_side_by_side_refuses_different_periods_or_countries(led):
    with pytest.raises(ValueError, match="one period"):
        peers.side_by_side(led, {"a": ["peer-internet-2023-pak"], "b": ["peer-fbb-2014-pak"]})
    with pytest.raises(ValueError, match="one set of countries"):
        peers.side_by_side(led, {"a": ["peer-fbb-2014-pak"], "b": ["peer-mbb-2014-ind"]})


PEER_SHARES = ["peer-share-2014-ind", "peer-share-2022-ind", "peer-share-fy2020-bgd"]


def test_local_share_paths_draw_pakistans_computed_yearly_series(led):
    """Pakistan's line is every calendar year with both counts, computed with checks.share as the mobile chapter does."""
    from helpers import checks, mobile

    data = peers.local_share_paths(led, PEER_SHARES)
    pak = data[data["series"] == "Pakistan"]
    assert {f"CY{y}" for y in range(2019, 2026)} <= set(pak["period_label"])
    assert list(pak["value"]) == list(mobile.local_share(led)["value"])
    row = pak[pak["period_label"] == "CY2024"].iloc[0]
    assert row["inputs"] == "hs-local-2024-pta;hs-imp-2024-pta"
    assert row["value"] == round(checks.share(led, "hs-local-2024-pta", ["hs-imp-2024-pta"]).value, 1)
    peer = data[data["series"] != "Pakistan"]
    assert list(peer["id"]) == ["peer-share-2014-ind", "peer-share-fy2020-bgd", "peer-share-2022-ind"]
    assert list(peer["inputs"]) == list(peer["id"]) and list(peer["value"]) == [19.0, 51.0, 98.0]
    assert list(dict.fromkeys(data["series"])) == ["India", "Pakistan", "Bangladesh"], "time order sets the colours"


def test_local_share_paths_refuse_a_reported_pakistan_share(led):
    with pytest.raises(ValueError, match="hs-share-2024-topline"):
        peers.local_share_paths(led, ["hs-share-2024-topline", *PEER_SHARES])


def test_share_sources_list_the_ids_behind_each_point(led):
    data = peers.local_share_paths(led, PEER_SHARES)
    table = peers.share_sources(led, data)
    pak = table[table["Country"] == "Pakistan"].set_index("Period")
    assert pak.loc["CY2024", "id"] == ["hs-local-2024-pta", "hs-imp-2024-pta"]
    assert pak.loc["CY2024", "Ledger ids"] == "hs-local-2024-pta, hs-imp-2024-pta"
    assert pak.loc["CY2024", "Source"] == "dawn_2025_02_08_cy2024;phoneworld_2025_06_jan_may"
    assert pak.loc["CY2024", "How"].startswith("computed")
    ind = table[table["Country"] == "India"].iloc[0]
    assert ind["id"] == ["peer-share-2014-ind"] and ind["How"] == "as reported"


def test_editorial_local_share_names_only_peers(led):
    from helpers import editorial

    ids = editorial.load(led, "peers")["local_share"]["ids"].iloc[0]
    assert ids and all(peers.country_of(led, i) != peers.PAKISTAN for i in ids)

"""The scorecard's verdicts: one test per verdict, the no-data rule, units, cut-offs and bad scorecard rows."""
from __future__ import annotations

import csv
import re
from datetime import date

import pandas as pd
import pytest

from helpers import ledger, verdicts
from helpers.ledger import Ledger, LedgerError
from helpers.periods import parse_period

from conftest import assert_ledger_error, edit_csv


def _ledger(*rows: tuple) -> Ledger:
    """A tiny ledger: rows of (id, kind, period, value, unit, as_of)."""
    records = [{"id": i, "kind": k, "period": p, "value": float(v), "unit": u, "as_of": a, "source": "src",
                "theme": "it_exports", "period_obj": parse_period(p)} for i, k, p, v, u, a in rows]
    obs = pd.DataFrame.from_records(records)
    obs.index = pd.Index(obs["id"].to_numpy())
    return Ledger(obs, {}, pd.DataFrame({"as_of": ["2020-01-01"]}), {})


L = _ledger(
    ("goal-fy2023", "target", "FY2023", 5000, "USD million", "2020-08"),
    ("goal-2030", "target", "2030", 30, "percent", "2019"),
    ("cap-2024", "target", "2024", 20, "percent", "2020"),
    ("out-fy2022", "level", "FY2022", 2616, "USD million", "2022-07"),
    ("out-fy2023", "level", "FY2023", 2596, "USD million", "2023-07"),
    ("out-fy2023-rev", "level", "FY2023", 5100, "USD million", "2024-04"),
    ("out-fy2024", "level", "FY2024", 6000, "USD million", "2024-07"),
    ("share-2024", "level", "2024", 35, "percent", "2025-01"),
    ("share-2025", "level", "2025", 12, "percent", "2026-01"),
    ("units-fy2023", "level", "FY2023", 1.5, "million units", "2023-07"),
)
LATE = date(2026, 11, 25)


def test_met_past_due():
    v = verdicts.verdict(L, "goal-fy2023", ["out-fy2023", "out-fy2023-rev"], as_of=LATE)
    assert (v.verdict, v.outcome_id) == ("met", "out-fy2023-rev")   # same period: the later release wins


def test_missed_past_due():
    v = verdicts.verdict(L, "goal-fy2023", ["out-fy2022", "out-fy2023"], as_of=LATE)
    assert (v.verdict, v.outcome_id) == ("missed", "out-fy2023")


def test_too_early_before_due_date():
    v = verdicts.verdict(L, "goal-2030", ["share-2025"], as_of=LATE)
    assert (v.verdict, v.outcome_id) == ("too early", "share-2025")


def test_too_early_without_any_outcome():
    assert verdicts.verdict(L, "goal-2030", [], as_of=LATE).verdict == "too early"


def test_met_before_due_date_when_already_reached():
    v = verdicts.verdict(L, "goal-2030", ["share-2024", "share-2025"], as_of=date(2025, 6, 1))
    assert (v.verdict, v.outcome_id) == ("met", "share-2024")


def test_past_due_without_outcome_is_no_data_not_missed():
    v = verdicts.verdict(L, "goal-fy2023", [], as_of=LATE)
    assert (v.verdict, v.outcome_id) == ("no data", None)


def test_outcome_after_the_due_date_is_ignored_with_cutoff_due():
    v = verdicts.verdict(L, "goal-fy2023", ["out-fy2024"], as_of=LATE)
    assert (v.verdict, v.outcome_id) == ("no data", None)
    v = verdicts.verdict(L, "goal-fy2023", ["out-fy2024"], as_of=LATE, cutoff="none")
    assert (v.verdict, v.outcome_id) == ("met", "out-fy2024")


def test_outcome_not_yet_known_at_as_of_is_ignored():
    v = verdicts.verdict(L, "goal-fy2023", ["out-fy2023-rev"], as_of=date(2023, 6, 1))
    assert (v.verdict, v.outcome_id) == ("too early", None)      # its period has not ended
    v = verdicts.verdict(L, "goal-fy2023", ["out-fy2023", "out-fy2023-rev"], as_of=date(2024, 1, 1))
    assert (v.verdict, v.outcome_id) == ("missed", "out-fy2023")   # the revision was not yet published


def test_at_most_uses_the_latest_outcome():
    assert verdicts.verdict(L, "cap-2024", ["share-2024"], "at_most", as_of=LATE).verdict == "missed"
    v = verdicts.verdict(L, "cap-2024", ["share-2024", "share-2025"], "at_most", as_of=LATE, cutoff="none")
    assert (v.verdict, v.outcome_id) == ("met", "share-2025")


def test_unit_mismatch_is_an_error():
    with pytest.raises(ValueError, match="unit mismatch"):
        verdicts.verdict(L, "goal-fy2023", ["units-fy2023"], as_of=LATE)


def test_outcome_must_be_a_level_and_target_a_target():
    with pytest.raises(ValueError, match="not a target or plan"):
        verdicts.verdict(L, "out-fy2023", ["out-fy2022"], as_of=LATE)
    with pytest.raises(ValueError, match="outcomes must be levels"):
        verdicts.verdict(L, "goal-fy2023", ["goal-2030"], as_of=LATE)


def test_bad_direction():
    with pytest.raises(ValueError, match="direction"):
        verdicts.verdict(L, "goal-fy2023", [], "more_or_less", as_of=LATE)


def test_default_as_of_is_the_latest_as_of_from_a_dated_source():
    led = ledger.load()
    as_of = verdicts.ledger_as_of(led)
    dated = [r["as_of"] for _, r in led.observations.iterrows() if led.sources[r["source"]].date != "n.d."]
    dated += [r["as_of"] for _, r in led.events.iterrows() if led.sources[r["source"]].date != "n.d."]
    assert as_of == max(ledger.parse_date(d) for d in dated)
    undated = [r["as_of"] for _, r in led.observations.iterrows() if led.sources[r["source"]].date == "n.d."]
    assert all(ledger.parse_date(d) > as_of for d in undated), "the test needs an undated row read later"
    card = verdicts.scorecard(led)
    assert set(card["verdict"]) <= set(verdicts.VERDICTS)
    assert (card["verdict"] != "no data").sum() >= 10


def test_real_past_due_target_without_outcome_reads_no_data():
    led = ledger.load()
    card = verdicts.scorecard(led).set_index("target_id")
    assert card.loc["exp-target-fy2022", "verdict"] == "no data"


def _scorecard_rows(path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


@pytest.mark.parametrize("column,value,expect", [
    ("direction", "roughly", "unknown direction"),
    ("cutoff", "whenever", "unknown cutoff"),
    ("target_id", "no-such-target", "no ledger row"),
    ("target_id", "itx-fy2025-br", "not a target or plan"),
    ("outcome_ids", "itx-fy2025-br;no-such-outcome", "no ledger row with id 'no-such-outcome'"),
    ("outcome_ids", "hs-local-2024-pta", "unit mismatch"),
    ("outcome_ids", "itxt-fy2022", "not a level"),
    ("setter", "", "required field is empty"),
])
def test_bad_scorecard_row(ledger_copy, column, value, expect):
    from helpers import paths

    rows = _scorecard_rows(paths.DATA / "scorecard.csv")
    row = next(i for i, r in enumerate(rows) if r[0] == "itxt-fy2022")
    assert_ledger_error("scorecard.csv", row, column, value, re.escape(expect),
                        load=lambda: verdicts.load_scorecard(ledger.load()))


def test_duplicate_scorecard_target(ledger_copy):
    from helpers import paths

    path = paths.DATA / "scorecard.csv"
    rows = _scorecard_rows(path)
    with open(path, "a", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerow(rows[1])
    ledger._load_cached.cache_clear()
    with pytest.raises(LedgerError, match=rf"^data/scorecard.csv:{len(rows) + 1}:target_id: duplicate target"):
        verdicts.load_scorecard(ledger.load())


def test_changing_an_outcome_value_flips_the_verdict(ledger_copy):
    from helpers import paths

    before = verdicts.scorecard(ledger.load()).set_index("target_id").loc["itx-target-fy2025-pmo", "verdict"]
    obs = _scorecard_rows(paths.OBSERVATIONS)
    for i, r in enumerate(obs):
        if r[0] in ("itx-fy2025-br", "itx-fy2025-br"):
            edit_csv(paths.OBSERVATIONS, i, "value", "3700")
    ledger._load_cached.cache_clear()
    after = verdicts.scorecard(ledger.load()).set_index("target_id").loc["itx-target-fy2025-pmo", "verdict"]
    assert (before, after) == ("met", "missed")

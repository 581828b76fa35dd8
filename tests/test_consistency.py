"""Consistency checks across series: each passes on the real ledger and fails on a ledger broken on purpose."""
from __future__ import annotations

import csv

import pytest

from helpers import consistency as C
from helpers import ledger
from helpers.ledger import LedgerError


def _rows(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def _write(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


def _set(obs_id: str, **cells) -> int:
    """Change cells of one observation in the scratch ledger; return its line in the file."""
    from helpers import paths

    rows = _rows(paths.OBSERVATIONS)
    header = rows[0]
    for n, r in enumerate(rows):
        if r[0] == obs_id:
            for col, val in cells.items():
                r[header.index(col)] = val
            _write(paths.OBSERVATIONS, rows)
            return n + 1
    raise KeyError(obs_id)


def _add(like: str, **cells) -> int:
    """Append a copy of observation `like` with some cells changed; return its line."""
    from helpers import paths

    rows = _rows(paths.OBSERVATIONS)
    header = rows[0]
    new = list(next(r for r in rows if r[0] == like))
    for col, val in cells.items():
        new[header.index(col)] = val
    rows.append(new)
    _write(paths.OBSERVATIONS, rows)
    return len(rows)


def _drop(obs_id: str) -> None:
    from helpers import paths

    _write(paths.OBSERVATIONS, [r for r in _rows(paths.OBSERVATIONS) if r[0] != obs_id])


def _load():
    ledger._load_cached.cache_clear()
    return ledger.load()


def _only(found, row_id, status="fail"):
    hits = [f for f in found if f.row_id == row_id and f.status == status]
    assert hits, "\n".join(map(str, found))
    return hits[0]


# --- the real ledger -------------------------------------------------------------------------

def test_real_ledger_has_no_unexplained_inconsistency():
    found = C.findings(ledger.load())
    fails = [str(f) for f in found if f.status == "fail"]
    assert not fails, "\n".join(fails)


def test_every_note_still_matches_a_finding():
    assert C.stale_notes(ledger.load()) == []


def test_the_issue_cases_are_reported():
    """Jan-Sep 2025 (22.2m) is a conflict the book shows; the Dec 2025 jump and the rounded teledensity are noted."""
    found = C.findings(ledger.load())
    assert _only(found, "hs-local-ytd-2025-09", "conflict").check == "ytd_matches_monthly"
    assert _only(found, "cell-2025-12-kaff", "noted").check == "jumps_have_support"
    assert _only(found, "tden-cellular-2025-12", "noted").check == "differences_not_rounded_away"
    assert not [f for f in found if f.check == "running_total_not_monthly"]


def test_report_table_lists_findings():
    table = C.report(ledger.load())
    assert list(table.columns) == ["check", "status", "id", "where", "with", "source", "finding"]
    assert set(table["status"]) <= {"conflict", "noted"}
    assert table["where"].str.match(r"^data/observations.csv:\d+:\w+$").all()


# --- each check fails on a crafted bad ledger ---------------------------------------------------

def test_running_total_against_monthly_values(ledger_copy):
    line = _set("hs-local-m2025-10", value="3.33")
    f = _only(C.ytd_matches_monthly(_load()), "hs-local-ytd-2025-10")
    assert "hs-local-m2025-10" in f.others and f.column == "value"
    assert line > 1


def test_conflicting_total_becomes_a_failure_without_the_row_that_fits(ledger_copy):
    _drop("hs-local-ytd-2025-09-pta")
    led = _load()
    f = _only(C.ytd_matches_monthly(led), "hs-local-ytd-2025-09")
    assert f.where == f"data/observations.csv:{int(led.row('hs-local-ytd-2025-09')['line'])}:value"


def test_running_total_never_falls(ledger_copy):
    line = _set("hs-local-ytd-2024-11", value="20")
    f = _only(C.ytd_never_falls(_load()), "hs-local-ytd-2024-11")
    assert f.where == f"data/observations.csv:{line}:value"


@pytest.mark.parametrize("dimension,column", [("", "value"), ("Jan-Nov cumulative", "dimension")])
def test_running_total_filed_as_monthly(ledger_copy, dimension, column):
    """The Jan-Nov 2024 total once filed beside the 2.31m monthly figure (from Business Recorder's page)."""
    line = _add("hs-local-ytd-2024-11", id="hs-local-m2024-11-again", indicator="handsets_local_production",
                dimension=dimension, source="br_2024_12_jan_nov", other_sources="")
    f = _only(C.running_total_not_monthly(_load()), "hs-local-m2024-11-again")
    assert f.where == f"data/observations.csv:{line}:{column}"


def test_parts_add_up(ledger_copy):
    _set("hs-local-2024-smart-pta", value="17.64")
    f = _only(C.parts_add_up(_load()), "hs-local-2024-pta")
    assert set(f.others) == {"hs-local-2024-2g-pta", "hs-local-2024-smart-pta"}


def test_jump_needs_support(ledger_copy):
    line = _set("cell-2025-10-pw", value="190")
    f = _only(C.jumps_have_support(_load()), "cell-2025-10-pw")
    assert f.where == f"data/observations.csv:{line}:source"
    _set("cell-2025-10-pw", other_sources="brecorder_2025_10_sep25")
    assert not [f for f in C.jumps_have_support(_load()) if f.row_id == "cell-2025-10-pw"]


def test_jump_at_a_recorded_break_is_allowed(ledger_copy):
    from helpers import paths

    _set("cell-2025-10-pw", value="190")
    with open(paths.BREAKS, "a", encoding="utf-8") as fh:
        fh.write("cellular_subscribers,2025-10,test break,phoneworld_2025_11_oct25\n")
    assert not [f for f in C.jumps_have_support(_load()) if f.row_id == "cell-2025-10-pw"]


def test_difference_of_a_rounded_rate(ledger_copy):
    line = _set("tden-cellular-2023-06", value="80")
    f = _only(C.differences_not_rounded_away(_load()), "tden-cellular-2023-06")
    assert f.where == f"data/observations.csv:{line}:value" and f.others == ("tden-total-2023-06",)


@pytest.mark.parametrize("h1,fails", [("14.24", False), ("16.0", True)])
def test_calendar_and_fiscal_year(ledger_copy, h1, fails):
    """FY2025 = CY2024 - H1 2024 + H1 2025 (28.28 = 31.38 - 17.34 + 14.24)."""
    _add("hs-local-2024h1-pta", id="hs-local-2025h1-test", period="2025-H1", value=h1)
    found = C.calendar_and_fiscal_agree(_load())
    assert bool([f for f in found if f.row_id == "hs-local-fy2025-pta"]) is fails


# --- the notes file -------------------------------------------------------------------------

def _note(row: str) -> None:
    from helpers import paths

    with open(paths.DATA / "consistency_notes.csv", "a", encoding="utf-8") as fh:
        fh.write(row + "\n")


def test_note_turns_a_failure_into_noted(ledger_copy):
    _set("hs-local-2024-smart-pta", value="17.64")
    _note("parts_add_up,hs-local-2024-pta,test reason")
    f = _only(C.findings(_load()), "hs-local-2024-pta", "noted")
    assert "test reason" in f.message


def test_stale_note_is_found(ledger_copy):
    _note("parts_add_up,hs-local-2024-pta,nothing wrong here")
    assert ("parts_add_up", "hs-local-2024-pta") in C.stale_notes(_load())


@pytest.mark.parametrize("row,column,expect", [("no_such_check,hs-local-2024-pta,x", "check", "unknown check"),
                                               ("parts_add_up,no-such-row,x", "id", "no observation")])
def test_bad_note(ledger_copy, row, column, expect):
    from helpers import paths

    _note(row)
    n = sum(1 for _ in open(paths.DATA / "consistency_notes.csv", encoding="utf-8"))
    with pytest.raises(LedgerError, match=rf"^data/consistency_notes.csv:{n}:{column}: {expect}"):
        C.load_notes(_load())


# --- the primary-producer share -------------------------------------------------------------

def test_primary_share_counts_origins(ledger_copy):
    primary, total = C.primary_share(_load())
    _set("hs-local-2019-pta", origin="Dawn")
    assert C.primary_share(_load()) == (primary - 1, total)


def test_readme_states_the_computed_share():
    from helpers import paths

    text = (paths.DATA / "README.md").read_text(encoding="utf-8")
    assert C.readme_block(ledger.load()) in text


def test_headline_citations_count_the_producers_own_pages():
    import dataclasses

    from helpers import ledger as ledger_mod

    led = ledger_mod.load()
    own, n = C.headline_citations(led)
    assert n >= 10 and 0 <= own <= n
    key = led.row("hs-local-2024-pta")["source"]
    moved = dict(led.sources)
    moved[key] = dataclasses.replace(moved[key], url="https://www.pta.gov.pk/en/telecom-indicators")
    patched = ledger_mod.Ledger(led.observations, led.indicators, led.events, moved, led.breaks, led.countries)
    assert C.headline_citations(patched)[0] == own + 1

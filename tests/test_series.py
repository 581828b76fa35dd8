"""Editorial data files: series definitions and the landing page's key figures, validated like the ledger."""
from __future__ import annotations

import pytest

from helpers import ledger, series, summary
from helpers.ledger import LedgerError


def _write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_series_ids_in_period_order_and_frame():
    led = ledger.load()
    ids = series.ids(led, "handsets-local")
    ends = [led.row(i)["period_end"] for i in ids]
    assert ends == sorted(ends) and len(ids) >= 5
    frame = series.frame(led, "handsets-local", "handsets-imports")
    assert set(frame["series"]) == {"Assembled locally", "Imported commercially"}
    assert list(frame["id"][: len(ids)]) == ids


@pytest.mark.parametrize("body, column, message", [
    ("s,Label,no-such-row\n", "id", "no ledger row"),
    ("s,Label,hs-local-2024-pta\ns,Other,hs-local-2023-pta\n", "label", "already has label"),
    ("s,Label,hs-local-2024-pta\ns,Label,imp-bill-fy2024-pbs\n", "id", "series 's' is in"),
    ("s,,hs-local-2024-pta\n", "label", "required"),
])
def test_series_errors_name_file_row_column(tmp_path, body, column, message):
    path = _write(tmp_path / "series.csv", "series,label,id\n" + body)
    with pytest.raises(LedgerError, match=message) as info:
        series.load_series(ledger.load(), path)
    assert info.value.column == column and info.value.row == len(body.splitlines()) + 1


def test_key_figures_compare_with_an_earlier_period():
    led = ledger.load()
    table = summary.key_figures(led, summary.load_key_figures(led))
    assert list(table.columns) == ["id", "What", "Figure", "Period", "Change", "Source", "Chapter"]
    compared = table[table["Change"] != "–"]
    assert len(compared) >= 5 and all(c[0] in "+-" for c in compared["Change"])


def test_key_figures_reject_unknown_rows(tmp_path):
    path = _write(tmp_path / "key_figures.csv", "label,id,compare_with,chapter\nX,hs-local-2024-pta,nope,intro\n")
    with pytest.raises(LedgerError, match="no ledger row 'nope'") as info:
        summary.load_key_figures(ledger.load(), path)
    assert (info.value.row, info.value.column) == (2, "compare_with")


def test_editorial_tables_are_validated(tmp_path):
    from helpers import editorial

    led = ledger.load()
    good = _write(tmp_path / "demo.yaml", "pairs:\n  - label: A\n    ids: [hs-local-2024-pta, hs-imp-2024-pta]\n")
    assert list(editorial.load(led, "demo", good)["pairs"]["label"]) == ["A"]
    bad = _write(tmp_path / "bad.yaml", "lanes:\n  - lane: x\n  - lane: y\n    event_id: ev-nope\n")
    with pytest.raises(LedgerError, match="'ev-nope' is not an id") as info:
        editorial.load(led, "bad", bad)
    assert (info.value.row, info.value.column) == ("lanes[2]", "event_id")

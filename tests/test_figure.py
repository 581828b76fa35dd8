"""`make figure ID=<id>` (helpers.figure): one figure's row, source, pages, computed values, checks, conflicts."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import figure, ledger

STEM = "mobile_manufacturing"


def _site(tmp: Path) -> Path:
    """A tiny executed book: one chapter pasting hs-local-2024-pta and a share computed from it."""
    site = tmp / "site"
    (site / "chapters").mkdir(parents=True)
    (site / "_static" / "audit").mkdir(parents=True)
    nb = {"cells": [
        {"cell_type": "markdown", "source": ["# Mobile handsets\n", "## Production and imports\n",
                                             "Plants made {glue}`hs-local-2024-pta`, {glue}`share-local-2024` of supply."]},
        {"cell_type": "code", "source": ['tables.fold(ch, blocks, title="units", name="mobile-units-data")'], "outputs": [
            {"data": {"application/papermill.record/text/plain": "31.38 million units"},
             "metadata": {"scrapbook": {"name": "hs-local-2024-pta"}}},
            {"data": {"application/papermill.record/text/plain": "95%"},
             "metadata": {"scrapbook": {"name": "share-local-2024"}}}]}]}
    (site / "chapters" / f"{STEM}.ipynb").write_text(json.dumps(nb))
    record = {"chapter": STEM, "folds": [{"name": "mobile-units-data", "title": "units", "markdown": "| 2024 | 31.38 |"}],
              "derived": {"share-local-2024": ["hs-local-2024-pta", "hs-imp-2024-pta"]},
              "used": {"hs-local-2024-pta": ["hs-local-2024-pta", "share-local-2024", "fold:mobile-units-data"],
                       "hs-imp-2024-pta": ["share-local-2024"]}}
    (site / "_static" / "audit" / f"{STEM}.json").write_text(json.dumps(record))
    return site


def test_figure_prints_row_source_pages_uses_checks_and_conflicts(tmp_path):
    led = ledger.load()
    site = _site(tmp_path)
    out = figure.report("hs-local-2024-pta", led, site=site, chapters=site / "chapters")
    src = led.sources[led.observations.loc["hs-local-2024-pta", "source"]]
    assert out.startswith("hs-local-2024-pta: 31.38 million units")
    assert src.url in out and src.publisher in out and src.urldate in out
    assert "Mobile handsets [chapters/mobile_manufacturing.html]" in out
    assert "audit: chapters/figure_audit.html#audit-mobile-manufacturing-hs-local-2024-pta" in out
    assert "fold:mobile-units-data (section: Production and imports)" in out
    assert "share-local-2024 = '95%', from hs-local-2024-pta, hs-imp-2024-pta" in out
    assert "recomputed change hs-local-2024-chg-dawn" in out
    conflicting = out.split("conflicting rows:")[1]
    assert "hs-local-2024-husain" in conflicting


def test_figure_row_no_chapter_shows(tmp_path):
    led = ledger.load()
    site = _site(tmp_path)
    out = figure.report("hs-local-2019-pta", led, site=site, chapters=site / "chapters")
    assert "shown on:\n  nowhere" in out


def test_unknown_id_is_a_clear_error(tmp_path, capsys):
    with pytest.raises(figure.UnknownFigure, match="unknown ledger id 'hs-local-2024-ptx'.*did you mean: hs-local-2024-pta"):
        figure.report("hs-local-2024-ptx", site=_site(tmp_path))
    assert figure.main(["hs-local-2024-ptx"]) == 2
    assert "error: unknown ledger id 'hs-local-2024-ptx'" in capsys.readouterr().err

"""Execution is deterministic (two runs byte-identical) and incremental without going stale."""
from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from helpers import execute, paths

sys.path.insert(0, str(paths.ROOT / "tools"))
from bench import scratch_copy  # noqa: E402

DEMO = [
    "from helpers import chapter, glue, plots, tables\nch = chapter.begin('demo')\nL = ch.ledger",
    "glue.paste('demo-value', '31.38 million units', 'audit-demo-hs-local-2024-pta')",
    "ids = ['hs-local-2023-pta', 'hs-local-2024-pta']\n"
    "chart = plots.bars(L, plots.tidy(L, L.observations.loc[ids], series='local'), name='demo', hue=None,\n"
    "                   title='Demo', ylabel='million units')\nplots.show(chart)",
    "plots.data(chart, ch=ch)",
    "tables.show(ch, L.observations.loc[ids, ['id', 'period', 'value', 'unit', 'source']]"
    ".rename(columns=str.capitalize), cite='Source')",
    "ch.record.write()",
]


def test_two_runs_are_byte_identical(tmp_path, monkeypatch):
    monkeypatch.setenv("PKBOOK_CHART_DIR", str(tmp_path / "chart-data"))
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in DEMO])
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"demo{i}"
    src = tmp_path / "demo.ipynb"
    nbformat.write(nb, src)
    outs = []
    for run in (1, 2):
        target = tmp_path / f"run{run}.ipynb"
        execute.write(execute.execute(src, tmp_path / "chart-data"), target)
        outs.append(target.read_bytes())
    assert b"image/png" in outs[0] and b"31.38 million units" in outs[0]
    assert outs[0] == outs[1]


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    root = scratch_copy(tmp_path_factory.mktemp("incremental") / "book")
    env = {**os.environ, "PYTHONPATH": str(root / "src"), "PKBOOK_ROOT": str(root)}
    env.pop("PKBOOK_BUILD_DIR", None)
    return root, env


def _execute(root: Path, env: dict) -> str:
    out = subprocess.run([sys.executable, "-m", "helpers.execute", "--into", str(root / "_build/site/chapters"),
                          "--only", "mobile_manufacturing"], cwd=root, env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout


def test_a_data_change_shows_up_in_the_next_build_without_cleaning(book):
    root, env = book
    executed = root / "_build/site/chapters/mobile_manufacturing.ipynb"
    assert "executed mobile_manufacturing" in _execute(root, env)
    assert "31.38 million units" in executed.read_text()
    assert "all up to date" in _execute(root, env)            # nothing changed: reused, not re-run
    path = root / "data" / "observations.csv"
    rows = list(csv.reader(open(path, newline="", encoding="utf-8")))
    for r in rows:
        if r[0] == "hs-local-2024-pta":
            r[rows[0].index("value")] = "33.33"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    assert "executed mobile_manufacturing" in _execute(root, env)
    text = executed.read_text()
    assert "33.33 million units" in text and "31.38 million units" not in text

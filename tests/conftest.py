"""Shared fixtures: a scratch copy of the ledger that a test can break one cell at a time."""
from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import pytest

from helpers import paths


def pytest_configure(config):
    config.addinivalue_line("markers", "book: needs the built HTML/PDF (make html pdf)")


@pytest.fixture
def ledger_copy(tmp_path, monkeypatch) -> Path:
    """A copy of data/ and references.bib under tmp_path, with helpers.paths pointed at it."""
    root = tmp_path / "book"
    shutil.copytree(paths.DATA, root / "data")
    shutil.copy(paths.BIBLIOGRAPHY, root / "references.bib")
    for name in ("OBSERVATIONS", "INDICATORS", "EVENTS", "BREAKS", "COUNTRIES", "BIBLIOGRAPHY", "DATA", "ROOT"):
        old = getattr(paths, name)
        new = root if name == "ROOT" else root / old.relative_to(paths.ROOT)
        monkeypatch.setattr(paths, name, new)
    return root


def edit_csv(path: Path, row: int, column: str, value: str) -> int:
    """Set `column` of data row `row` (1 = first data row) to `value`; return its line number."""
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    header = rows[0]
    rows[row][header.index(column)] = value
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    return row + 1


def assert_ledger_error(file: str, row: int, column: str, value: str, expect: str, load=None) -> None:
    """Set one cell of data/`file`, reload, and check the LedgerError names file:line:column and matches `expect`.

    `load` is what reads the file (default: helpers.ledger.load); `expect` is a regular expression.
    """
    from helpers import ledger
    from helpers.ledger import LedgerError

    line = edit_csv(paths.DATA / file, row, column, value)
    ledger._load_cached.cache_clear()
    with pytest.raises(LedgerError) as info:
        (load or ledger.load)()
    err = info.value
    assert (err.file, err.row, err.column) == (f"data/{file}", line, column), str(err)
    assert re.search(expect, str(err)), str(err)
    assert str(err).startswith(f"data/{file}:{line}:{column}: ")

"""Notebook kernels share one validated ledger (PKBOOK_LEDGER_CACHE): the first validates and keeps it, the
others read it back; any change to the ledger's files or to the helpers' code validates afresh."""
from __future__ import annotations

import shutil

import pandas as pd
import pytest

from helpers import ledger, paths


@pytest.fixture
def fresh(tmp_path, monkeypatch):
    """A copy of the ledger's files, the cache in tmp, and no in-process cache."""
    data = tmp_path / "data"
    shutil.copytree(paths.DATA, data)
    bib = tmp_path / "references.bib"
    shutil.copyfile(paths.BIBLIOGRAPHY, bib)
    for name, path in [("DATA", data), ("BIBLIOGRAPHY", bib), ("INDICATORS", data / paths.INDICATORS.name),
                       ("OBSERVATIONS", data / paths.OBSERVATIONS.name), ("EVENTS", data / paths.EVENTS.name),
                       ("BREAKS", data / paths.BREAKS.name), ("COUNTRIES", data / paths.COUNTRIES.name)]:
        monkeypatch.setattr(paths, name, path)
    monkeypatch.setattr(paths, "BUILD", tmp_path / "_build")
    monkeypatch.setenv(ledger.CACHE_ENV, "1")
    ledger._load_cached.cache_clear()
    yield tmp_path
    ledger._load_cached.cache_clear()


def test_a_second_kernel_reads_the_validated_ledger_back(fresh, monkeypatch):
    first = ledger.load()
    assert len(list((fresh / "_build" / "cache").glob("ledger-*.pickle"))) == 1
    ledger._load_cached.cache_clear()

    def no_validation():
        raise AssertionError("validated again although nothing changed")

    monkeypatch.setattr(ledger, "_validate", no_validation)
    second = ledger.load()
    pd.testing.assert_frame_equal(first._obs, second._obs)
    pd.testing.assert_frame_equal(first._events, second._events)
    assert first.sources == second.sources and first.indicators == second.indicators


def test_a_changed_file_is_validated_again_and_bad_data_still_stops(fresh):
    ledger.load()
    ledger._load_cached.cache_clear()
    obs = paths.OBSERVATIONS.read_text(encoding="utf-8").splitlines(keepends=True)
    header = obs[0].rstrip("\n").split(",")
    row = obs[1].split(",")
    row[header.index("value")] = "not-a-number"
    paths.OBSERVATIONS.write_text("".join([obs[0], ",".join(row), *obs[2:]]), encoding="utf-8")
    with pytest.raises(ledger.LedgerError, match="value"):
        ledger.load()
    assert len(list((fresh / "_build" / "cache").glob("ledger-*.pickle"))) == 1   # the bad ledger was not kept


def test_without_the_setting_nothing_is_written(fresh, monkeypatch):
    monkeypatch.delenv(ledger.CACHE_ENV)
    ledger.load()
    assert not (fresh / "_build" / "cache").exists()

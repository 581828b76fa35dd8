"""Unit tests of the CPEC chapter helpers on small event tables built here."""
from __future__ import annotations

import pandas as pd
import pytest

from helpers import cpec
from helpers.ledger import EVENT_STATUSES


def _events(rows) -> pd.DataFrame:
    ev = pd.DataFrame(rows)
    ev["when"] = pd.to_datetime(ev["date"])
    ev.index = list(ev["id"])
    return ev


EV = _events([
    {"id": "a", "date": "2014-01-01", "theme": "cpec_it", "status": "operating"},
    {"id": "b", "date": "2019-12-08", "theme": "cpec_it", "status": "announced"},
    {"id": "c", "date": "2020-05-01", "theme": "cpec_it", "status": "announced"},
    {"id": "c2", "date": "2020-05-02", "theme": "cpec_it", "status": "announced"},
    {"id": "d", "date": "2021-01-01", "theme": "mobile", "status": "under_way"},
    {"id": "e", "date": "2022-01-01", "theme": "mobile", "status": "operating"},
])
LABELS = pd.DataFrame({"id": ["a", "b", "c", "c2", "d"], "label": ["A", "B", "C", "C again", "D"]})


def test_chapter_events_take_theme_and_others_with_labels():
    ev = cpec.chapter_events(EV, LABELS, ["d"])
    assert list(ev["id"]) == ["a", "b", "c", "c2", "d"]
    assert ev.loc["d", "short"] == "D"


def test_chapter_events_name_missing_and_stray_labels():
    with pytest.raises(ValueError, match=r"give these events a label: \['e'\]"):
        cpec.chapter_events(EV, LABELS, ["d", "e"])
    with pytest.raises(ValueError, match=r"not in the chapter: \['d'\]"):
        cpec.chapter_events(EV, LABELS, [])


def test_counted_drops_duplicates_and_rejects_unknown():
    assert list(cpec.counted(EV, ["c2"]).index) == ["a", "b", "c", "d", "e"]
    with pytest.raises(KeyError, match="zz"):
        cpec.counted(EV, ["zz"])


def test_status_counts_cover_every_status():
    c = cpec.status_counts(cpec.counted(EV, ["c2"]))
    assert c["all"] == 5 and c["operating"] == 2 and c["announced"] == 2 and c["under_way"] == 1
    assert set(c) == {"all", *EVENT_STATUSES}
    assert all(c[s] == 0 for s in EVENT_STATUSES if s not in {"operating", "under_way", "announced"})
    assert cpec.status_counts(EV[EV["status"] == "operating"])["announced"] == 0


def test_split_at_puts_pivot_after():
    before, after = cpec.split_at(EV, "b")
    assert list(before["id"]) == ["a"]
    assert list(after["id"]) == ["b", "c", "c2", "d", "e"]

"""Helpers of the chapter "CPEC and IT cooperation": which events it covers and how its takeaways count them."""
from __future__ import annotations

import pandas as pd

from .deps import rows_where
from .ledger import EVENT_STATUSES


def chapter_events(events: pd.DataFrame, labels: pd.DataFrame, other_ids: list[str]) -> pd.DataFrame:
    """Events of theme `cpec_it` plus `other_ids`, with their short label (`short`) from the editorial `labels`.

    Raises ValueError naming the events that have no short label, or labels that name no chapter event.
    """
    ev = rows_where(events, ids=other_ids, theme="cpec_it").copy()
    short = dict(zip(labels["id"], labels["label"]))
    missing = sorted(set(ev["id"]) - set(short))
    if missing:
        raise ValueError(f"data/editorial/cpec_it_cooperation.yaml: give these events a label: {missing}")
    extra = sorted(set(short) - set(ev["id"]))
    if extra:
        raise ValueError(f"data/editorial/cpec_it_cooperation.yaml: labels of events not in the chapter: {extra}")
    ev["short"] = ev["id"].map(short)
    return ev


def counted(events: pd.DataFrame, duplicates: list[str]) -> pd.DataFrame:
    """The events counted once: `events` without the second reports in `duplicates` (each must be present)."""
    unknown = sorted(set(duplicates) - set(events.index))
    if unknown:
        raise KeyError(f"duplicate reports not among the events: {unknown}")
    return events.drop(index=list(duplicates))


def status_counts(events: pd.DataFrame) -> dict[str, int]:
    """Number of events in total (`all`) and for each ledger status (zero when a status has none)."""
    counts = events["status"].value_counts()
    return {"all": len(events), **{s: int(counts.get(s, 0)) for s in EVENT_STATUSES}}


def split_at(events: pd.DataFrame, pivot_id: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The events dated before the event `pivot_id`, and those on or after its date (the pivot among them)."""
    when = events.loc[pivot_id, "when"]
    return events[events["when"] < when], events[events["when"] >= when]

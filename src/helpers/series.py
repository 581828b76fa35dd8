"""Named series: which ledger row stands for each period of a chart's line or bars (data/series.csv).

Where several sources give the same figure, the chapter's choice of row is editorial metadata; it lives in
data/series.csv (series, label, id), validated here with file:row:column errors, not in notebook literals.
"""
from __future__ import annotations

import pandas as pd

from . import paths
from .ledger import LedgerError, file_label, read_rows

SERIES_COLUMNS = ("series", "label", "id")


def load_series(led, path=None) -> pd.DataFrame:
    """Every row of data/series.csv; each id must be a ledger row, each series have one label and one unit."""
    path = path or paths.DATA / "series.csv"
    name = file_label(path)
    rows, labels, units = [], {}, {}
    for line, row in read_rows("series", path):
        for col in SERIES_COLUMNS:
            if not row[col]:
                raise LedgerError(name, line, col, "required field is empty")
        if not led.has_observation(row["id"]):
            raise LedgerError(name, line, "id", f"no ledger row {row['id']!r} in data/observations.csv")
        if labels.setdefault(row["series"], row["label"]) != row["label"]:
            raise LedgerError(name, line, "label", f"series {row['series']!r} already has label {labels[row['series']]!r}")
        unit = led.row(row["id"])["unit"]
        if units.setdefault(row["series"], unit) != unit:
            raise LedgerError(name, line, "id", f"{row['id']!r} is in {unit!r}; series {row['series']!r} is in {units[row['series']]!r}")
        rows.append({**row, "line": line})
    return pd.DataFrame(rows, columns=[*SERIES_COLUMNS, "line"])


def ids(led, name: str) -> list[str]:
    """The ledger ids of one series, in period order."""
    s = load_series(led)
    chosen = list(s.loc[s["series"] == name, "id"])
    if not chosen:
        raise KeyError(f"no series {name!r} in data/series.csv")
    return sorted(chosen, key=lambda i: led.row(i)["period_end"])


def frame(led, *names: str) -> pd.DataFrame:
    """Tidy chart data (plots.tidy columns) of one or more series, each labelled with its series label."""
    from .plots import tidy

    s = load_series(led)
    parts = []
    for name in names:
        label = s.loc[s["series"] == name, "label"].iloc[0] if name in set(s["series"]) else None
        parts.append(tidy(led, led.observations.loc[ids(led, name)], series=label))
    return pd.concat(parts, ignore_index=True)

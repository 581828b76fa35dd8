"""Editorial metadata of a chapter (short labels, groupings, timeline lanes, series pairs), kept as data.

Each chapter may have `data/editorial/<stem>.yaml`: a mapping of named tables, each a list of records.
Any field named `id`, ending in `_id`, or named `ids` (a list) must name ledger rows or events; errors
name the file, the table and record, and the field, and stop the build.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

from . import paths
from .ledger import LedgerError, file_label


class _Known:
    """Membership in the ledger's ids (observations or events), each lookup recorded for helpers.deps."""

    def __init__(self, led) -> None:
        self.led = led

    def __contains__(self, item_id) -> bool:
        return isinstance(item_id, str) and self.led.has(item_id)


def _check_ids(name: str, where: str, field: str, value, known: set[str]) -> None:
    values = value if isinstance(value, list) else [value]
    for v in values:
        if not isinstance(v, str) or v not in known:
            raise LedgerError(name, where, field, f"{v!r} is not an id of data/observations.csv or data/events.csv")


def load(led, stem: str, path: Path | None = None) -> dict[str, pd.DataFrame]:
    """The chapter's editorial tables as DataFrames (one per top-level key), validated against the ledger."""
    path = Path(path or paths.DATA / "editorial" / f"{stem}.yaml")
    name = file_label(path)
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise LedgerError(name, 1, "-", "must be a mapping of table names to lists of records")
    known = _Known(led)
    tables = {}
    for table, records in data.items():
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            raise LedgerError(name, table, "-", "a table must be a list of records (mappings)")
        for i, record in enumerate(records, 1):
            for field, value in record.items():
                if field == "id" or field == "ids" or field.endswith("_id") or field.endswith("_ids"):
                    _check_ids(name, f"{table}[{i}]", field, value, known)
        tables[table] = pd.DataFrame(records)
    return tables

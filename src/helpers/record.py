"""The audit record of one chapter: which ledger rows it shows, and where (glued text, table, chart)."""
from __future__ import annotations

import json
from pathlib import Path

from . import paths


class Record:
    """Ledger ids (observations or events) a chapter shows, each with the places that show it."""

    def __init__(self, chapter: str) -> None:
        self.chapter = chapter
        self._used: dict[str, list[str]] = {}
        self._derived: dict[str, list[str]] = {}
        self._folds: list[dict[str, str]] = []

    def record(self, ids, where: str) -> None:
        """Note that the rows `ids` (one id or several) are shown at `where` (a glue key, table or chart)."""
        for i in ([ids] if isinstance(ids, str) else ids):
            places = self._used.setdefault(i, [])
            if where not in places:
                places.append(where)

    def derived(self, key: str, inputs) -> None:
        """Note that the glued value `key` is computed from the rows `inputs`."""
        self._derived[key] = list(inputs)
        self.record(inputs, key)

    def fold(self, name: str, title: str, markdown: str) -> None:
        """Keep a folded block's content for the PDF's "Data behind each chapter" appendix."""
        if any(f["name"] == name for f in self._folds):
            raise ValueError(f"{self.chapter}: two folded blocks named {name!r}")
        self._folds.append({"name": name, "title": title, "markdown": markdown})

    def used(self) -> dict[str, list[str]]:
        return {k: list(v) for k, v in self._used.items()}

    def write(self, folder: Path | None = None) -> Path:
        """Write the record to <folder>/<chapter>.json (default: beside the chart data of this run)."""
        out = folder or audit_dir()
        out.mkdir(parents=True, exist_ok=True)
        target = out / f"{self.chapter}.json"
        target.write_text(json.dumps({"chapter": self.chapter, "used": self.used(), "derived": self._derived,
                                      "folds": self._folds},
                                     indent=1, sort_keys=True))
        return target


def audit_dir() -> Path:
    """Where chapters write their records: beside the chart data of the same run."""
    return paths.chart_data_dir().parent / "audit"

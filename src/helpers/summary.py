"""The landing page's key figures: each with the change against an earlier period where one is given.

The list lives in data/key_figures.csv (label, id, compare_with, chapter); it is editorial metadata,
validated here like the ledger (file:row:column errors).
"""
from __future__ import annotations

import pandas as pd

from . import paths
from .checks import change
from .fmt import number, with_unit
from .ledger import LedgerError, file_label, read_rows

KEY_FIGURE_COLUMNS = ("label", "id", "compare_with", "chapter")


def load_key_figures(led, path=None) -> pd.DataFrame:
    """Rows of data/key_figures.csv, each id (and compare_with) a ledger row, each chapter a notebook."""
    path = path or paths.DATA / "key_figures.csv"
    name = file_label(path)
    rows = []
    for line, row in read_rows("key_figures", path):
        for col in ("label", "id", "chapter"):
            if not row[col]:
                raise LedgerError(name, line, col, "required field is empty")
        for col in ("id", "compare_with"):
            if row[col] and not led.has_observation(row[col]):
                raise LedgerError(name, line, col, f"no ledger row {row[col]!r} in data/observations.csv")
        if not (paths.CHAPTERS / f"{row['chapter']}.ipynb").exists():
            raise LedgerError(name, line, "chapter", f"no chapter notebook {row['chapter']!r}")
        rows.append(row)
    return pd.DataFrame(rows, columns=list(KEY_FIGURE_COLUMNS))


def key_figures(led, figures: pd.DataFrame) -> pd.DataFrame:
    """The reader's table: what, figure, period, change against the earlier period, source, chapter (an id column
    lists every ledger row shown)."""
    out = []
    for _, f in figures.iterrows():
        r = led.row(f["id"])
        ids, sources, compared = [f["id"]], [r["source"]], "–"
        if f["compare_with"]:
            old = led.row(f["compare_with"])
            if r["unit"] == "percent":
                compared = f"{number(r['value'] - old['value'], 1)} points on {old['period_obj'].label}"
            else:
                compared = f"{with_unit(change(led, f['id'], f['compare_with']).value, 'percent', 0)} on {old['period_obj'].label}"
            compared = compared if compared.startswith("-") else "+" + compared
            ids.append(f["compare_with"])
            sources.append(old["source"])
        out.append({"id": ids, "What": f["label"], "Figure": with_unit(float(r["value"]), r["unit"]),
                    "Period": r["period_obj"].label, "Change": compared,
                    "Source": ";".join(dict.fromkeys(sources)), "Chapter": f"{{doc}}`{f['chapter']}`"})
    return pd.DataFrame(out)


"""DataFrames as Markdown tables that render as real tables in HTML and in the PDF."""
from __future__ import annotations

import math

import pandas as pd
from IPython.display import Markdown

from .cite import number, record


def _cell(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return number(float(value))
    return str(value).replace("|", "\\|").replace("\n", " ")


def markdown_table(frame: pd.DataFrame, cite: str | None = None, align_numbers: bool = True) -> str:
    """A pipe table; the column named by `cite` holds BibTeX keys and becomes {cite:t} roles."""
    frame = frame.copy()
    if cite is not None:
        frame[cite] = [", ".join(f"{{cite:p}}`{k}`" for k in str(v).split(";") if k) for v in frame[cite]]
    head = "| " + " | ".join(_cell(c) for c in frame.columns) + " |"
    seps = []
    for c in frame.columns:
        numeric = align_numbers and pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
        seps.append("---:" if numeric else ":---")
    lines = [head, "| " + " | ".join(seps) + " |"]
    for row in frame.itertuples(index=False):
        lines.append("| " + " | ".join(_cell(v) for v in row) + " |")
    return "\n".join(lines)


def show(frame: pd.DataFrame, cite: str | None = "source", ids=None, name: str = "table") -> Markdown:
    """Display `frame` as a table; the ledger ids it shows (`ids`, or its `id` column) are recorded."""
    if ids is None and "id" in frame.columns:
        ids = list(frame["id"])
    if ids is not None:
        record(list(ids), name)
    return Markdown(markdown_table(frame, cite=cite if cite in frame.columns else None))

"""DataFrames as Markdown tables that render as real tables in HTML and in the PDF.

`show` puts a short table (at most 12 rows, human headers) in the reading flow. `fold` puts the
machinery behind a section (ledger rows, conflicts, recomputed changes, long lists) in a collapsed
"Show the figures behind this" block in the HTML; the PDF prints the same blocks in its "Data behind
each chapter" appendix.
"""
from __future__ import annotations

import math
import re

import pandas as pd
from IPython.display import Markdown

from .fmt import number

#: The most rows a table in the reading flow may have; longer ones are folded.
MAX_INLINE_ROWS = 12
_SNAKE = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)+$")


def _cell(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return number(float(value))
    return str(value).replace("|", "\\|").replace("\n", " ")


def markdown_table(frame: pd.DataFrame, cite: str | None = None, align_numbers: bool = True) -> str:
    """A pipe table; the column named by `cite` holds ';'-separated BibTeX keys and becomes {cite:p} roles."""
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


def _parts(ch):
    """(ledger, record function) of a Chapter; legacy callers pass a Ledger and use helpers.cite's record."""
    if hasattr(ch, "record") and hasattr(ch, "ledger"):
        return ch.ledger, ch.record.record
    from .cite import record

    return ch, record


def check_headers(frame: pd.DataFrame, where: str) -> None:
    """Raise if a column header is a pipeline name (snake_case) rather than words a reader reads."""
    bad = [str(c) for c in frame.columns if _SNAKE.match(str(c)) or str(c) in ("id", "ids")]
    if bad:
        raise ValueError(f"table {where!r}: columns {bad} are pipeline names; give them human headers")


def show(ch, frame: pd.DataFrame | None = None, cite: str | None = "Source", ids=None, name: str = "table") -> Markdown:
    """A short table in the reading flow (at most 12 rows, human headers); the ledger ids it shows are recorded.

    `ids` lists the ledger rows the table shows (default: its `id` column, which is then not displayed).
    """
    legacy = not hasattr(ch, "record")
    if isinstance(ch, pd.DataFrame):        # legacy call: show(frame, cite="source", ...)
        ch, frame, cite = None, ch, (cite if cite != "Source" else "source")
    _, record = _parts(ch)
    if ids is None and "id" in frame.columns:
        ids = list(frame["id"])
        if not legacy:
            frame = frame.drop(columns="id")
    if ids is not None:
        record(list(ids), f"table:{name}")
    if not legacy:
        check_headers(frame, name)
        if len(frame) > MAX_INLINE_ROWS:
            raise ValueError(f"table {name!r} has {len(frame)} rows; more than {MAX_INLINE_ROWS} go in tables.fold")
    return Markdown(markdown_table(frame, cite=cite if cite in frame.columns else None))


def fold(ch, blocks, title: str, name: str, ids=None) -> Markdown:
    """The figures behind a section, collapsed in the HTML and printed in the PDF's data appendix.

    `blocks` is a list of (heading or "", DataFrame or Markdown text, citation column or None). The
    ledger ids shown (`ids`, else each frame's `id` column) are recorded for the figure audit.
    """
    _, record = _parts(ch)
    parts, shown = [], list(ids or [])
    for heading, body, cite in blocks:
        if isinstance(body, pd.DataFrame):
            if ids is None and "id" in body.columns:
                shown += list(body["id"])
            body = markdown_table(body, cite=cite if cite in body.columns else None)
        parts.append((f"**{heading}**\n\n" if heading else "") + str(body))
    record(shown, f"fold:{name}")
    content = "\n\n".join(parts)
    if hasattr(ch, "record"):
        ch.record.fold(name, title, content)
    fence = "::::"
    return Markdown(f"{fence}{{only}} html\n:::{{dropdown}} Show the figures behind this: {title}\n:name: behind-{name}\n\n"
                    f"{content}\n:::\n{fence}\n\n"
                    f"{fence}{{only}} latex\n*The figures behind this section are in the appendix "
                    f"\"Data behind each chapter\" ({{ref}}`behind-pdf-{name}`).*\n{fence}\n")

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


def markdown_table(frame: pd.DataFrame, cite: str | None = None, align_numbers: bool = True,
                   right: tuple[str, ...] = ()) -> str:
    """A pipe table; the column named by `cite` holds ';'-separated BibTeX keys and becomes {cite:p} roles.

    Numeric columns, and the text columns named in `right` (numbers formatted with their units), align right.
    """
    frame = frame.copy()
    if cite is not None:
        frame[cite] = [", ".join(f"{{cite:p}}`{k}`" for k in str(v).split(";") if k) for v in frame[cite]]
    head = "| " + " | ".join(_cell(c) for c in frame.columns) + " |"
    seps = []
    for c in frame.columns:
        numeric = align_numbers and pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
        seps.append("---:" if numeric or c in right else ":---")
    lines = [head, "| " + " | ".join(seps) + " |"]
    body = [[_cell(v) for v in row] for row in frame.itertuples(index=False)]
    lines += ["| " + " | ".join(cells) + " |" for cells in body]
    widths = [max([_visible_width(_cell(c))] + [_visible_width(r[i]) for r in body]) for i, c in enumerate(frame.columns)]
    # Explicit relative widths let LaTeX wrap every column inside the text block (and HTML keep to the column).
    return "```{table}\n:widths: " + " ".join(str(w) for w in widths) + "\n\n" + "\n".join(lines) + "\n```"


def _visible_width(text: str) -> int:
    """How wide a cell reads (roles count as what they render): its length up to 36 characters, and never
    narrower than its longest word, which LaTeX cannot break."""
    text = re.sub(r"\{cite:[a-z]+\}`[^`]*`", "[00]", text)
    text = re.sub(r"\{[a-z:]+\}`([^`<]*?)\s*(<[^>]*>)?`", r"\1", text)
    longest = max((len(w) for w in re.split(r"[\s/]+", text)), default=0)
    return max(4, longest + 1, min(36, len(text)))

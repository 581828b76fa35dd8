"""DataFrames as Markdown tables that render as real tables in HTML and in the PDF.

`show` puts a short table (at most 12 rows, human headers) in the reading flow. `fold` puts the
machinery behind a section (ledger rows, conflicts, recomputed changes, long lists) in a collapsed
"Show the figures behind this" block in the HTML; the PDF prints the same blocks in its "Data behind
each chapter" appendix.
"""
from __future__ import annotations

import json
import math
import os
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
    cells = [[_visible(_cell(c))] + [_visible(r[i]) for r in body] for i, c in enumerate(frame.columns)]
    size, widths = _latex_layout([max(len(w) for t in col for w in _WORD_BREAK.split(t)) for col in cells],
                                 [min(36, max(len(t) for t in col)) for col in cells])
    # Explicit widths (in points of the printed text block) let LaTeX wrap every column inside the page; a table
    # whose unbreakable words do not fit at body size is set smaller. HTML ignores the raw LaTeX.
    table = "```{table}\n:widths: " + " ".join(str(w) for w in widths) + "\n\n" + "\n".join(lines) + "\n```"
    if size == "normalsize":
        return table
    return f"```{{raw}} latex\n\\begingroup\\{size}\n```\n\n{table}\n\n```{{raw}} latex\n\\endgroup\n```"


def fast_table(frame: pd.DataFrame, cite: str | None = None, right: tuple[str, ...] = ()) -> str:
    """The same table as `markdown_table`, as a ```{pk-table}``` block (the book's fast path, _ext/fasttable.py).

    Plain cells reach the HTML and the LaTeX longtable as text, without a docutils node per cell; a cell
    with Markdown (the citation roles of the `cite` column) is parsed as before. Same cells, alignment,
    column widths and font size as `markdown_table`.
    """
    frame = frame.copy()
    if cite is not None:
        frame[cite] = [", ".join(f"{{cite:p}}`{k}`" for k in str(v).split(";") if k) for v in frame[cite]]
    head = [_plain_cell(c) for c in frame.columns]
    body = [[_plain_cell(v) for v in row] for row in frame.itertuples(index=False)]
    align = ["right" if (pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c]))
             or c in right else "left" for c in frame.columns]
    cells = [[_visible(h)] + [_visible(r[i]) for r in body] for i, h in enumerate(head)]
    size, widths = _latex_layout([max(len(w) for t in col for w in _WORD_BREAK.split(t)) for col in cells],
                                 [min(36, max(len(t) for t in col)) for col in cells])
    spec = {"columns": head, "align": align, "widths": widths, "size": size, "rows": body}
    return "```{pk-table}\n" + json.dumps(spec, ensure_ascii=False) + "\n```"


def _plain_cell(value) -> str:
    """A cell's text for the fast path: as `_cell`, without the pipe-table escape."""
    return _cell(value).replace("\\|", "|")


def _fast() -> bool:
    """Folded tables take the fast path in the book build's executed copies (helpers.execute sets this)."""
    return os.environ.get("PKBOOK_FAST_TABLES") == "1"


_WORD_BREAK = re.compile(r"[\s/-]+")
#: The printed text block (A4, 1in margins) in points, a column's padding, and the mean width of a character
#: of the body font at the sizes LaTeX offers.
TEXT_WIDTH_PT, COLUMN_PAD_PT = 451.0, 12.0
_SIZES = (("normalsize", 4.7), ("footnotesize", 3.8), ("scriptsize", 3.3))


def _visible(text: str) -> str:
    """A cell's text as it renders: a citation role as its number, other roles as their title."""
    text = re.sub(r"\{cite:[a-z]+\}`[^`]*`", "[000]", text)
    return re.sub(r"\{[a-z:]+\}`([^`<]*?)\s*(<[^>]*>)?`", r"\1", text)


def _latex_layout(longest: list[int], wanted: list[int]) -> tuple[str, list[int]]:
    """The font size at which every column's longest word fits, and column widths in points at that size.

    Each column gets room for its longest word; what is left of the text block goes to the columns that want
    more (long text), in proportion to what they want.
    """
    for size, char in _SIZES:
        need = [n * char + COLUMN_PAD_PT for n in longest]
        if sum(need) <= TEXT_WIDTH_PT or size == _SIZES[-1][0]:
            break
    spare = max(0.0, TEXT_WIDTH_PT - sum(need))
    more = [max(0.0, (w - n) * char) for w, n in zip(wanted, longest)]
    total = sum(more) or 1.0
    return size, [max(1, round(n + spare * m / total)) for n, m in zip(need, more)]


def _parts(ch):
    """(ledger, record function) of the chapter begun with `chapter.begin` (`ch`, or the current one)."""
    ch = _chapter(ch)
    if not (hasattr(ch, "record") and hasattr(ch, "ledger")):
        raise TypeError("tables need the chapter of chapter.begin (ch = chapter.begin(name)) to record what they show")
    return ch.ledger, ch.record.record


def _chapter(ch):
    """`ch`, or when None the chapter the notebook began with `chapter.begin`."""
    if ch is None:
        from . import chapter

        return chapter.CURRENT
    return ch


def _flat(ids) -> list[str]:
    """Ledger ids from a column of ids or of lists of ids."""
    out: list[str] = []
    for i in ids:
        out += list(i) if isinstance(i, (list, tuple)) else [i]
    return [i for i in out if isinstance(i, str) and i]


def check_headers(frame: pd.DataFrame, where: str) -> None:
    """Raise if a column header is a pipeline name (snake_case) rather than words a reader reads."""
    bad = [str(c) for c in frame.columns if _SNAKE.match(str(c)) or str(c) in ("id", "ids")]
    if bad:
        raise ValueError(f"table {where!r}: columns {bad} are pipeline names; give them human headers")


def show(ch, frame: pd.DataFrame, cite: str | None = "Source", ids=None, name: str = "table",
         right: tuple[str, ...] = ()) -> Markdown:
    """A short table in the reading flow (at most 12 rows, human headers); the ledger ids it shows are recorded.

    `ids` lists the ledger rows the table shows (default: its `id` column, which is then not displayed).
    """
    _, record = _parts(ch)
    if ids is None and "id" in frame.columns:
        ids = _flat(frame["id"])
        frame = frame.drop(columns="id")
    if ids is not None:
        record(_flat(ids), f"table:{name}")
    check_headers(frame, name)
    if len(frame) > MAX_INLINE_ROWS:
        raise ValueError(f"table {name!r} has {len(frame)} rows; more than {MAX_INLINE_ROWS} go in tables.fold")
    return Markdown(markdown_table(frame, cite=cite if cite in frame.columns else None, right=right))


def fold(ch, blocks, title: str, name: str, ids=None) -> Markdown:
    """The figures behind a section, collapsed in the HTML and printed in the PDF's data appendix.

    `blocks` is a list of (heading or "", DataFrame or Markdown text, citation column or None). The
    ledger ids shown (`ids`, else each frame's `id` column) are recorded for the figure audit.
    """
    ch = _chapter(ch)
    _, record = _parts(ch)
    parts, shown = [], list(ids or [])
    for heading, body, cite in blocks:
        if isinstance(body, pd.DataFrame):
            if "id" in body.columns:
                shown += [] if ids is not None else _flat(body["id"])
                body = body.drop(columns="id")
            body = (fast_table if _fast() else markdown_table)(body, cite=cite if cite in body.columns else None)
        parts.append((f"**{heading}**\n\n" if heading else "") + str(body))
    record(shown, f"fold:{name}")
    content = "\n\n".join(parts)
    ch.record.fold(name, title, content)
    fence = "::::"
    return Markdown(f"{fence}{{only}} html\n:::{{dropdown}} Show the figures behind this: {title}\n:name: behind-{name}\n\n"
                    f"{content}\n:::\n{fence}\n\n"
                    f"{fence}{{only}} latex\n*The figures behind this section are in the appendix "
                    f"\"Data behind each chapter\" ({{ref}}`behind-pdf-{name}`).*\n{fence}\n")


# Reader versions of the machinery tables: human headers, period labels, producer before outlet.
def _label(led, period: str) -> str:
    from .periods import parse_period

    return parse_period(period).label if period else "–"


def _producer(r) -> str:
    return r["origin"] if "origin" in r.index and r["origin"] else "–"


def fold_rows(ch, led, rows: pd.DataFrame, caption: str, title: str, name: str) -> Markdown:
    """Ledger rows folded under one caption, as `ledger_rows` shows them, cited by their sources."""
    return fold(ch, [(caption, ledger_rows(led, rows), "Source")], title=title, name=name)


def ledger_rows(led, frame: pd.DataFrame) -> pd.DataFrame:
    """Ledger rows as a reader reads them: period, what, value, unit, kind, producer, source, as of, ledger id."""
    from .fmt import date_label

    return pd.DataFrame({
        "id": list(frame["id"]), "Period": [_label(led, p) for p in frame["period"]],
        "What": [d.replace("_", " ") if d else led.indicators[i].label for d, i in zip(frame["dimension"], frame["indicator"])],
        "Value": [float(v) for v in frame["value"]], "Unit": list(frame["unit"]),
        "Kind": [k.replace("_", " ") for k in frame["kind"]],
        "Producer": [_producer(r) for _, r in frame.iterrows()], "Source": list(frame["source"]),
        "As of": [date_label(a) for a in frame["as_of"]], "Ledger id": list(frame["id"]),
    })


def conflict_rows(led, conflicts: pd.DataFrame) -> pd.DataFrame:
    """checks.conflicts as a reader reads it: each disagreeing value with its source and the spread."""
    return pd.DataFrame({
        "id": list(conflicts["id"]), "Period": [_label(led, p) for p in conflicts["period"]],
        "What": [d.replace("_", " ") if d else led.indicators[i].label for d, i in zip(conflicts["dimension"], conflicts["indicator"])],
        "Value": [float(v) for v in conflicts["value"]], "Unit": list(conflicts["unit"]),
        "Source": list(conflicts["source"]), "Spread (%)": list(conflicts["spread_percent"]),
        "Ledger id": list(conflicts["id"]),
    })


def change_rows(led, changes: pd.DataFrame) -> pd.DataFrame:
    """checks.recompute_changes as a reader reads it: stated against recomputed change, with both sources."""
    def level_ids(v) -> list[str]:
        return list(v) if isinstance(v, (list, tuple)) else [i for i in str(v).split(" / ") if i]

    return pd.DataFrame({
        "id": [[c, *level_ids(lv)] for c, lv in zip(changes["change_id"], changes["level_ids"])],
        "Period": [_label(led, p) for p in changes["period"]],
        "Compared with": [_label(led, p) for p in changes["base_period"]],
        "Stated change": [f"{number(float(v))} {'%' if u == 'percent' else 'points'}" for v, u in zip(changes["stated"], changes["unit"])],
        "Recomputed": ["–" if v is None or v != v else number(float(v)) for v in changes["recomputed"]],
        "Difference": ["–" if v is None or v != v else number(float(v)) for v in changes["difference"]],
        "Verdict": list(changes["verdict"]), "Source": list(changes["source"]),
        "Ledger ids": [" / ".join([c, *level_ids(lv)]) for c, lv in zip(changes["change_id"], changes["level_ids"])],
    })


def event_rows(led, events: pd.DataFrame, label: str = "event") -> pd.DataFrame:
    """Events as a reader reads them: date, what happened, status, producer, source, ledger id."""
    from .fmt import date_label

    return pd.DataFrame({
        "id": list(events["id"]), "Date": [date_label(str(d)) for d in events["date"]],
        "Event": list(events[label]), "Status": [s.replace("_", " ") for s in events["status"]],
        "Source": list(events["source"]), "Ledger id": list(events["id"]),
    })


#: Headers of the cross-checks appendix, which prints its check tables in full (its page is the evidence).
_CHECK_HEADERS = {"change_id": "Stated change (ledger id)", "base_period": "Compared with", "level_ids": "Levels used",
                  "spread_percent": "Spread (%)", "as_of": "As of", "id": "Ledger id", "where": "File:line:column",
                  "with": "Compared rows"}


def appendix_table(led, frame: pd.DataFrame, cite: str | None, ids, name: str) -> Markdown:
    """A table printed in full on an appendix page (the cross-checks): every row, headers in words, ledger ids
    kept as a column because a reviewer looks them up; the rows shown are recorded for the figure audit."""
    _, record = _parts(led)
    record(_flat(ids), f"table:{name}")
    frame = frame.rename(columns=lambda c: _CHECK_HEADERS.get(str(c), str(c).replace("_", " ").capitalize()))
    if cite is not None:
        cite = _CHECK_HEADERS.get(cite, cite.replace("_", " ").capitalize())
    return Markdown(markdown_table(frame, cite=cite))

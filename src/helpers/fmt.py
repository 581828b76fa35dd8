"""Numbers, units and dates as a reader writes them. One formatter for prose, tables, charts and captions."""
from __future__ import annotations

from .periods import parse_period


def number(value: float, decimals: int | None = None) -> str:
    """A number as a reader writes it: thousands separators, no trailing zeros."""
    if decimals is not None:
        text = f"{value:,.{decimals}f}"
    elif float(value).is_integer():
        text = f"{int(value):,}"
    else:
        text = f"{value:,.6f}".rstrip("0").rstrip(".")
    return "-" + text[1:] if text.startswith("-") else text


def with_unit(value: float, unit: str, decimals: int | None = None) -> str:
    """Value and unit in reading order: 'USD 2,590 million', '24.66 million units', '94%'."""
    n = number(value, decimals)
    if unit.startswith(("USD ", "PKR ")):
        cur, _, rest = unit.partition(" ")
        return f"{cur} {n} {rest}".strip()
    if unit in ("USD", "PKR"):
        return f"{unit} {n}"
    if unit == "percent":
        return f"{n}%"
    return f"{n} {unit}"


def reading_decimals(value: float) -> int | None:
    """Decimals a reader needs: a ledger value with more than two decimals (19.834465 million) reads as 19.83;
    below 1, three significant digits (0.012345 -> 0.0123). None keeps the value as the source printed it."""
    text = number(value)
    if "." not in text or len(text.split(".")[1]) <= 2:
        return None
    if abs(value) >= 1:
        return 2
    lead = len(text.split(".")[1]) - len(text.split(".")[1].lstrip("0"))
    return None if len(text.split(".")[1]) <= lead + 3 else lead + 3


def prose(value: float, unit: str) -> str:
    """A ledger value as the chapters' prose shows it: `with_unit` at `reading_decimals`."""
    return with_unit(value, unit, reading_decimals(value))


def date_label(text: str) -> str:
    """An event date as a reader writes it: '2020-06-02' -> '2 Jun 2020'; '2022-02' -> 'Feb 2022'; '2019' -> '2019'."""
    period = parse_period(text)
    return period.label if period.kind in ("day", "month") else text

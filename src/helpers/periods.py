"""The period grammar of the ledger: calendar years, halves, quarters, months, days and fiscal years.

Pakistan's fiscal year runs July-June and is named by the year it ends in: FY2024 = Jul 2023-Jun 2024.
`FY2024-M10` is the first ten months of FY2024 (Jul 2023-Apr 2024).
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

_PATTERNS = {
    "day": re.compile(r"^(\d{4})-(\d{2})-(\d{2})$"),
    "month": re.compile(r"^(\d{4})-(\d{2})$"),
    "quarter": re.compile(r"^(\d{4})-Q([1-4])$"),
    "half": re.compile(r"^(\d{4})-H([12])$"),
    "year": re.compile(r"^(\d{4})$"),
    "fy_months": re.compile(r"^FY(\d{4})-M(\d{1,2})$"),
    "fy": re.compile(r"^FY(\d{4})$"),
}
_MONTHS = calendar.month_abbr


@dataclass(frozen=True, order=True)
class Period:
    """A parsed period: its first and last day, its text and its basis (CY or FY)."""

    end: date
    start: date
    text: str
    kind: str

    @property
    def basis(self) -> str:
        """'FY' for fiscal-year periods, 'CY' for calendar periods."""
        return "FY" if self.kind.startswith("fy") else "CY"

    @property
    def label(self) -> str:
        """A reader's label that says the basis, e.g. 'FY2024 (Jul 2023-Jun 2024)'."""
        if self.kind == "fy":
            return f"{self.text} (Jul {self.start.year}-Jun {self.end.year})"
        if self.kind == "fy_months":
            return f"{self.text} (Jul {self.start.year}-{_MONTHS[self.end.month]} {self.end.year})"
        if self.kind == "year":
            return f"CY{self.text}"
        if self.kind == "month":
            return f"{_MONTHS[self.start.month]} {self.start.year}"
        if self.kind == "day":
            return f"{self.start.day} {_MONTHS[self.start.month]} {self.start.year}"
        return f"{self.text} (CY)"

    @property
    def short(self) -> str:
        """A compact axis label that still says the basis: 'CY2021', 'FY24', '2022-H1'."""
        if self.kind == "year":
            return f"CY{self.text}"
        if self.kind == "fy":
            return f"FY{self.end.year % 100:02d}"
        if self.kind == "fy_months":
            fy, months = re.match(r"^FY(\d{4})-M(\d{1,2})$", self.text).groups()
            return f"{int(months)}MFY{int(fy) % 100:02d}"
        return self.text


def _last_day(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def parse_period(text: str) -> Period:
    """Parse a period string; raise ValueError naming the grammar if it does not match."""
    for kind, pattern in _PATTERNS.items():
        m = pattern.match(text)
        if not m:
            continue
        g = [int(x) for x in m.groups()]
        if kind == "day":
            try:
                d = date(g[0], g[1], g[2])
            except ValueError:
                break
            return Period(d, d, text, kind)
        if kind == "month":
            if not 1 <= g[1] <= 12:
                break
            return Period(_last_day(g[0], g[1]), date(g[0], g[1], 1), text, kind)
        if kind == "quarter":
            first = 3 * g[1] - 2
            return Period(_last_day(g[0], first + 2), date(g[0], first, 1), text, kind)
        if kind == "half":
            first = 6 * g[1] - 5
            return Period(_last_day(g[0], first + 5), date(g[0], first, 1), text, kind)
        if kind == "year":
            return Period(date(g[0], 12, 31), date(g[0], 1, 1), text, kind)
        if kind == "fy":
            return Period(date(g[0], 6, 30), date(g[0] - 1, 7, 1), text, kind)
        if kind == "fy_months":
            if not 1 <= g[1] <= 11:
                break
            month = (6 + g[1] - 1) % 12 + 1
            year = g[0] - 1 if month >= 7 else g[0]
            return Period(_last_day(year, month), date(g[0] - 1, 7, 1), text, kind)
    raise ValueError(
        f"period {text!r} is not in the grammar (2021, 2022-H1, 2023-Q3, 2024-04, 2019-12-08, "
        "FY2024, FY2024-M10)"
    )


def parse_date(text: str) -> date:
    """Parse an as-of or event date: YYYY-MM-DD, YYYY-MM or YYYY (the first day is used)."""
    for fmt in (r"^(\d{4})-(\d{2})-(\d{2})$", r"^(\d{4})-(\d{2})$", r"^(\d{4})$"):
        m = re.match(fmt, text)
        if m:
            parts = [int(x) for x in m.groups()] + [1, 1]
            try:
                return date(parts[0], parts[1], parts[2])
            except ValueError:
                break
    raise ValueError(f"date {text!r} is not a valid YYYY-MM-DD, YYYY-MM or YYYY date")


def period_span(text: str) -> tuple[date, date]:
    """The first and last day a period covers: a year or fiscal year its whole span, a month its days."""
    p = parse_period(text)
    return p.start, p.end


def period_date(text: str) -> date:
    """The date a period is drawn at on a time axis: a day itself, a month its last day, longer spans their middle.

    A year, fiscal year, half, quarter or fiscal year-to-date (FY2024-M10) is a flow over its span, so its
    point sits at the middle of the span (rounded down to a day); a month is a month-end stock.
    """
    p = parse_period(text)
    if p.kind in ("day", "month"):
        return p.end
    return p.start + (p.end - p.start) // 2


def axis_basis(texts) -> str:
    """'FY' if every period is fiscal, 'CY' if every one is calendar, 'mixed' otherwise (for axis labels)."""
    bases = {parse_period(t).basis for t in texts}
    if not bases:
        raise ValueError("no periods")
    return bases.pop() if len(bases) == 1 else "mixed"

"""Load and validate the data ledger: observations, indicators, events and the bibliography.

`load()` is what every chapter and tool calls. Bad data stops the build with a LedgerError that
names the file, the row (the line number in the file) and the column.
"""
from __future__ import annotations

import csv
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd
from pybtex.database import parse_file

from . import paths
from .periods import Period, parse_date, parse_period

THEMES = ("mobile_manufacturing", "chromebooks_evs", "cpec_it", "telecom_infrastructure", "it_exports")
KINDS = ("level", "stated_change", "target", "plan")
CHANGE_UNITS = ("percent", "percentage points")
EVENT_CATEGORIES = ("policy", "investment", "infrastructure", "manufacturing", "training")
EVENT_STATUSES = ("announced", "under_way", "operating")
BIB_REQUIRED = ("title", "publisher", "date", "url", "urldate")

OBSERVATION_COLUMNS = ("id", "theme", "indicator", "period", "dimension", "value", "unit", "kind",
                       "base_period", "as_of", "origin", "source", "note")
OBSERVATION_REQUIRED = ("id", "theme", "indicator", "period", "value", "unit", "kind", "as_of",
                        "origin", "source", "note")
INDICATOR_COLUMNS = ("indicator", "label", "unit", "definition", "theme")
EVENT_COLUMNS = ("id", "date", "theme", "category", "event", "actors", "amount", "unit", "status",
                 "as_of", "origin", "source", "note")
EVENT_REQUIRED = ("id", "date", "theme", "category", "event", "actors", "status", "as_of", "origin", "source")
BREAK_COLUMNS = ("indicator", "period", "description", "source")

_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")


class LedgerError(ValueError):
    """Bad data: names the file, the row (line in the file) and the column."""

    def __init__(self, file: Path | str, row: int | str, column: str, message: str) -> None:
        self.file, self.row, self.column = str(file), row, column
        super().__init__(f"{self.file}:{row}:{column}: {message}")


def _rel(path: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(paths.ROOT))
    except ValueError:
        return str(path)


def _read_csv(path: Path, columns: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    """Rows of a CSV as (line number, dict); the header must be exactly `columns`."""
    name = _rel(path)
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        try:
            header = next(reader)
        except StopIteration:
            raise LedgerError(name, 1, "-", "file is empty") from None
        if tuple(header) != columns:
            missing = [c for c in columns if c not in header]
            extra = [c for c in header if c not in columns]
            raise LedgerError(name, 1, (missing or extra or ["order"])[0],
                              f"header must be {','.join(columns)} (missing {missing}, unexpected {extra})")
        rows = []
        line = reader.line_num
        for values in reader:
            start = line + 1
            line = reader.line_num
            if not values:
                raise LedgerError(name, start, "-", "empty line")
            if len(values) != len(columns):
                raise LedgerError(name, start, "-", f"has {len(values)} fields, expected {len(columns)}")
            rows.append((start, {c: v.strip() for c, v in zip(columns, values)}))
    return rows


def origins(path: Path | None = None) -> tuple[str, ...]:
    """The controlled vocabulary of `origin` (who produced a figure), as declared in data/datapackage.json."""
    package = json.loads(Path(path or paths.DATAPACKAGE).read_text(encoding="utf-8"))
    fields = next(r for r in package["resources"] if r["name"] == "observations")["schema"]["fields"]
    return tuple(next(f for f in fields if f["name"] == "origin")["constraints"]["enum"])


def _require(name: str, line: int, row: dict[str, str], required: tuple[str, ...]) -> None:
    for col in required:
        if not row[col]:
            raise LedgerError(name, line, col, "required field is empty")


def _parsed(name: str, line: int, column: str, parser, text: str):
    """parser(text), or a LedgerError at name:line:column with the parser's message."""
    try:
        return parser(text)
    except ValueError as exc:
        raise LedgerError(name, line, column, str(exc)) from None


def _one_of(name: str, line: int, row: dict[str, str], column: str, allowed: tuple[str, ...]) -> None:
    if row[column] not in allowed:
        raise LedgerError(name, line, column, f"unknown {column} {row[column]!r}; one of {allowed}")


def _first(name: str, line: int, column: str, key: str, seen: dict[str, int]) -> None:
    """Record `key` as seen on `line`; a LedgerError if it was seen before."""
    if key in seen:
        raise LedgerError(name, line, column, f"duplicate {column} {key!r} (first on line {seen[key]})")
    seen[key] = line


def _number(name: str, line: int, column: str, text: str) -> float:
    if not _NUMBER.match(text):
        raise LedgerError(name, line, column, f"{text!r} is not a plain number (no commas, units or %)")
    return float(text)


@dataclass(frozen=True)
class Indicator:
    key: str
    label: str
    units: tuple[str, ...]
    definition: str
    theme: str


#: Publishers whose pages are public-sector information (government, regulator, state news agency).
PUBLIC_SECTOR = ("Pakistan Telecommunication Authority", "Pakistan Bureau of Statistics", "PID", "Radio Pakistan",
                 "APP", "Associated Press of Pakistan", "cpec.gov.pk", "Embassy of the PRC",
                 "Development Cooperation Agency", "Bureau of Surveying")


@dataclass(frozen=True)
class Source:
    key: str
    title: str
    publisher: str
    date: str
    url: str
    urldate: str
    author: str = ""

    @property
    def terms(self) -> str:
        """How the book reuses this source: our reading of its kind, not legal advice."""
        if any(re.search(rf"(^|[\s(/]){re.escape(p)}($|[\s)/,])", self.publisher) for p in PUBLIC_SECTOR):
            return "public-sector publication: figures reused with attribution"
        if re.search(r"\b(X|Twitter|blog|Musings)\b", self.publisher, flags=re.I):
            return "author's post: figures quoted with attribution; text not reproduced"
        return "publisher's copyright: figures quoted with attribution; text not reproduced"


def _plain(text: str) -> str:
    """BibTeX field text as a reader sees it: no braces, no TeX escapes."""
    return re.sub(r"\\([&%$#_])", r"\1", text).replace("{", "").replace("}", "")


def load_bibliography(path: Path | None = None) -> dict[str, Source]:
    """Every entry of references.bib; each must have title, publisher, date, url and urldate."""
    path = Path(path or paths.BIBLIOGRAPHY)
    name = _rel(path)
    text = path.read_text(encoding="utf-8")
    data = parse_file(str(path), bib_format="bibtex")
    sources = {}
    for key, entry in data.entries.items():
        m = re.search(r"@\w+\s*\{\s*" + re.escape(key) + r"\s*,", text)
        line = text.count("\n", 0, m.start()) + 1 if m else "?"
        for f in BIB_REQUIRED:
            if not entry.fields.get(f, "").strip():
                raise LedgerError(name, line, f, f"entry {key!r} has no {f}")
        for f in ("date", "urldate"):
            if f == "date" and entry.fields[f] == "n.d.":
                continue  # an undated page: rows citing it carry the access date as as_of
            _parsed(name, line, f, parse_date, entry.fields[f])
        if not re.match(r"^https?://", entry.fields["url"]):
            raise LedgerError(name, line, "url", f"entry {key!r}: url must start with http(s)://")
        author = " and ".join(str(p) for p in entry.persons.get("author", []))
        sources[key] = Source(key, _plain(entry.fields["title"]), _plain(entry.fields["publisher"]),
                              entry.fields["date"], entry.fields["url"], entry.fields["urldate"], _plain(author))
    return sources


def load_indicators(path: Path | None = None) -> dict[str, Indicator]:
    """The indicator vocabulary; `unit` may list several allowed units separated by '|'."""
    path = Path(path or paths.INDICATORS)
    name = _rel(path)
    out: dict[str, Indicator] = {}
    for line, row in _read_csv(path, INDICATOR_COLUMNS):
        _require(name, line, row, INDICATOR_COLUMNS)
        if row["indicator"] in out:
            raise LedgerError(name, line, "indicator", f"duplicate indicator {row['indicator']!r}")
        _one_of(name, line, row, "theme", THEMES)
        units = tuple(u.strip() for u in row["unit"].split("|"))
        out[row["indicator"]] = Indicator(row["indicator"], row["label"], units, row["definition"], row["theme"])
    return out


def load_observations(indicators: dict[str, Indicator], sources: dict[str, Source],
                      path: Path | None = None) -> pd.DataFrame:
    """Validated observations as a DataFrame, in file order, with parsed period columns."""
    path = Path(path or paths.OBSERVATIONS)
    name = _rel(path)
    records, seen, figures, allowed = [], {}, {}, origins()
    for line, row in _read_csv(path, OBSERVATION_COLUMNS):
        _require(name, line, row, OBSERVATION_REQUIRED)
        if not _ID.match(row["id"]):
            raise LedgerError(name, line, "id", f"id {row['id']!r} must be lower-case letters, digits, '-', '_' or '.'")
        _first(name, line, "id", row["id"], seen)
        _one_of(name, line, row, "theme", THEMES)
        ind = indicators.get(row["indicator"])
        if ind is None:
            raise LedgerError(name, line, "indicator", f"unknown indicator {row['indicator']!r} (not in data/indicators.csv)")
        _one_of(name, line, row, "kind", KINDS)
        _one_of(name, line, row, "origin", allowed)
        value = _number(name, line, "value", row["value"])
        if row["kind"] == "stated_change":
            if row["unit"] not in CHANGE_UNITS:
                raise LedgerError(name, line, "unit", f"a stated_change is in {CHANGE_UNITS}, not {row['unit']!r}")
            if not row["base_period"]:
                raise LedgerError(name, line, "base_period", "a stated_change needs the period it compares against")
        else:
            if row["unit"] not in ind.units:
                raise LedgerError(name, line, "unit", f"unit {row['unit']!r} not allowed for {ind.key!r}; allowed: {ind.units}")
            if row["base_period"]:
                raise LedgerError(name, line, "base_period", "only a stated_change has a base_period")
        period = _parsed(name, line, "period", parse_period, row["period"])
        base = _parsed(name, line, "base_period", parse_period, row["base_period"]) if row["base_period"] else None
        _parsed(name, line, "as_of", parse_date, row["as_of"])
        if row["source"] not in sources:
            raise LedgerError(name, line, "source", f"unknown source key {row['source']!r} (not in references.bib)")
        figure = (row["indicator"], row["period"], row["dimension"], row["kind"], row["source"], row["base_period"],
                  row["unit"])
        if figure in figures:
            raise LedgerError(name, line, "id", f"same figure as line {figures[figure]} (indicator, period, "
                                                "dimension, kind, unit, source): record it once")
        figures[figure] = line
        records.append({**row, "value": value, "line": line, "period_obj": period, "base_obj": base,
                        "period_end": pd.Timestamp(period.end), "basis": period.basis,
                        "period_label": period.label})
    frame = pd.DataFrame.from_records(records)
    frame.index = pd.Index(frame["id"].to_numpy())
    return frame


def load_events(sources: dict[str, Source], units: set[str], path: Path | None = None) -> pd.DataFrame:
    """Validated events (the dated timeline), sorted by date then id."""
    path = Path(path or paths.EVENTS)
    name = _rel(path)
    records, seen, allowed = [], {}, origins()
    for line, row in _read_csv(path, EVENT_COLUMNS):
        _require(name, line, row, EVENT_REQUIRED)
        _first(name, line, "id", row["id"], seen)
        when = _parsed(name, line, "date", parse_date, row["date"])
        _parsed(name, line, "as_of", parse_date, row["as_of"])
        _one_of(name, line, row, "theme", THEMES)
        _one_of(name, line, row, "category", EVENT_CATEGORIES)
        _one_of(name, line, row, "status", EVENT_STATUSES)
        _one_of(name, line, row, "origin", allowed)
        amount = None
        if row["amount"]:
            amount = _number(name, line, "amount", row["amount"])
            if row["unit"] not in units:
                raise LedgerError(name, line, "unit", f"unit {row['unit']!r} is not a unit of any indicator")
        elif row["unit"]:
            raise LedgerError(name, line, "unit", "a unit without an amount")
        if row["source"] not in sources:
            raise LedgerError(name, line, "source", f"unknown source key {row['source']!r} (not in references.bib)")
        records.append({**row, "amount": amount, "line": line, "when": pd.Timestamp(when),
                        "precision": {4: "year", 7: "month"}.get(len(row["date"]), "day")})
    frame = pd.DataFrame.from_records(records)
    frame = frame.sort_values(["when", "id"])
    frame.index = pd.Index(frame["id"].to_numpy())
    return frame


def load_breaks(indicators: dict[str, Indicator], sources: dict[str, Source], path: Path | None = None) -> pd.DataFrame:
    """Series breaks: from `period` on, an indicator is not comparable with its earlier values."""
    path = Path(path or paths.BREAKS)
    name = _rel(path)
    records = []
    for line, row in _read_csv(path, BREAK_COLUMNS):
        _require(name, line, row, BREAK_COLUMNS)
        if row["indicator"] not in indicators:
            raise LedgerError(name, line, "indicator", f"unknown indicator {row['indicator']!r} (not in data/indicators.csv)")
        _parsed(name, line, "period", parse_period, row["period"])
        if row["source"] not in sources:
            raise LedgerError(name, line, "source", f"unknown source key {row['source']!r} (not in references.bib)")
        records.append({**row, "line": line})
    return pd.DataFrame(records, columns=[*BREAK_COLUMNS, "line"])


#: Full names under which producers publish their own pages: such a source is not "reported by" anyone.
PRODUCER_PUBLISHERS = {"PTA": "Pakistan Telecommunication Authority", "PBS": "Pakistan Bureau of Statistics",
                       "SBP": "State Bank of Pakistan", "CPEC Authority": "cpec.gov.pk"}

#: About two printed lines of a chart's source line.
PRODUCERS_MAX_CHARS = 180


def outlet(publisher: str) -> str:
    """A publisher's short name for a credit line: 'Profit / Pakistan Today' -> 'Profit', 'X (Twitter)' -> 'X'."""
    return re.split(r"\s+[(/]|\s*;", publisher, maxsplit=1)[0].strip()


def _names(names: list[str], keep: int) -> str:
    shown = ", ".join(names[:keep]) if keep else ""
    rest = len(names) - keep
    return shown if rest <= 0 else (f"{shown} and {rest} more" if shown else f"{rest} outlet{'s' * (rest > 1)}")


def _credit_line(producers: list[str], outlets: list[str], max_chars: int) -> str:
    """'Data: A; B (reported by C, D)', shortened to fit `max_chars`: outlets down to one, then producers, then the last outlet."""
    def line(p: int, o: int) -> str:
        head = "; ".join(producers[:p]) + (f" and {len(producers) - p} more" if p < len(producers) else "")
        tail = f" (reported by {_names(outlets, o)})" if outlets else ""
        return f"Data: {head}{tail}"
    p, o = len(producers), len(outlets)
    while len(line(p, o)) > max_chars and (o > 0 or p > 1):
        if o > 1 or (o == 1 and p == 1):
            o -= 1
        else:
            p -= 1
    return line(p, o)


@dataclass
class Ledger:
    """Everything the book knows, validated."""

    observations: pd.DataFrame
    indicators: dict[str, Indicator]
    events: pd.DataFrame
    sources: dict[str, Source]
    breaks: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=[*BREAK_COLUMNS, "line"]))

    def breaks_for(self, indicator: str) -> dict[str, str]:
        """{period: description} of the recorded breaks in one indicator's series."""
        b = self.breaks[self.breaks["indicator"] == indicator]
        return dict(zip(b["period"], b["description"]))

    def row(self, obs_id: str) -> pd.Series:
        """One observation by id; KeyError naming the id if it is not in the ledger."""
        if obs_id not in self.observations.index:
            raise KeyError(f"no ledger row with id {obs_id!r} in data/observations.csv")
        return self.observations.loc[obs_id]

    def entry(self, item_id: str) -> dict:
        """id, value, unit, period, kind and source of an observation or an event (kind 'event')."""
        if item_id in self.observations.index:
            r = self.observations.loc[item_id]
            return {"id": item_id, "value": float(r["value"]), "unit": r["unit"], "period": r["period"],
                    "kind": r["kind"], "source": r["source"]}
        if item_id in self.events.index:
            e = self.events.loc[item_id]
            return {"id": item_id, "value": e["amount"], "unit": e["unit"] or "event", "period": e["date"],
                    "kind": "event", "source": e["source"]}
        raise KeyError(f"{item_id!r} is neither an observation nor an event in the ledger")

    def value(self, obs_id: str) -> float:
        return float(self.row(obs_id)["value"])

    def select(self, indicator: str, kind: str = "level", source: str | None = None,
               dimension: str | None = None, basis: str | None = None) -> pd.DataFrame:
        """Rows of one indicator and kind (optionally one source, dimension or CY/FY basis), by period."""
        obs = self.observations
        mask = (obs["indicator"] == indicator) & (obs["kind"] == kind)
        if source is not None:
            mask &= obs["source"] == source
        if dimension is not None:
            mask &= obs["dimension"] == dimension
        if basis is not None:
            mask &= obs["basis"] == basis
        return obs[mask].sort_values(["period_end", "dimension", "id"])

    def period(self, obs_id: str) -> Period:
        return self.row(obs_id)["period_obj"]

    def producers(self, ids, max_chars: int = PRODUCERS_MAX_CHARS) -> str:
        """Credit line for observations or events: 'Data: PTA; SBP (reported by Dawn, Business Recorder)'.

        Producers (the `origin` column) come first, most-cited first; outlets that only relayed the
        figures follow as "reported by". Names past `max_chars` (about two lines) become "and N more".
        """
        made, told = Counter(), Counter()
        for item in ids:
            frame = self.observations if item in self.observations.index else self.events
            if item not in frame.index:
                raise KeyError(f"{item!r} is neither an observation nor an event in the ledger")
            origin, publisher = frame.loc[item, "origin"], self.sources[frame.loc[item, "source"]].publisher
            made[origin] += 1
            if PRODUCER_PUBLISHERS.get(origin, origin) not in publisher:
                told[outlet(publisher)] += 1
        producers = [name for name, _ in made.most_common()]
        outlets = [name for name, _ in told.most_common() if name not in made]
        return _credit_line(producers, outlets, max_chars)


@lru_cache(maxsize=4)
def _load_cached(root: str, stamp: tuple) -> Ledger:
    sources = load_bibliography()
    indicators = load_indicators()
    observations = load_observations(indicators, sources)
    units = {u for ind in indicators.values() for u in ind.units}
    events = load_events(sources, units)
    return Ledger(observations, indicators, events, sources, load_breaks(indicators, sources))


def load() -> Ledger:
    """Load and validate the whole ledger (cached while the files are unchanged)."""
    files = (paths.BIBLIOGRAPHY, paths.INDICATORS, paths.OBSERVATIONS, paths.EVENTS, paths.BREAKS)
    stamp = tuple((str(f), f.stat().st_mtime_ns, f.stat().st_size) for f in files)
    return _load_cached(str(paths.ROOT), stamp)

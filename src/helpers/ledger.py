"""Load and validate the data ledger: observations, indicators, events and the bibliography.

`load()` is what every chapter and tool calls. Bad data stops the build with a LedgerError that
names the file, the row (the line number in the file) and the column.
"""
from __future__ import annotations

import csv
import hashlib
import json
import os
import pickle
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd

from . import deps, paths
from .periods import Period, parse_date, parse_period

BIB_REQUIRED = ("title", "publisher", "date", "url", "urldate")
#: A stated change is a percentage or a difference in percentage points, never a level's unit.
CHANGE_UNITS = ("percent", "percentage points")

_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


class LedgerError(ValueError):
    """Bad data: names the file, the row (line in the file) and the column."""

    def __init__(self, file: Path | str, row: int | str, column: str, message: str) -> None:
        self.file, self.row, self.column = str(file), row, column
        super().__init__(f"{self.file}:{row}:{column}: {message}")


def file_label(path: Path) -> str:
    """How an error names a file: its path relative to the book's root."""
    try:
        return str(Path(path).resolve().relative_to(paths.ROOT))
    except ValueError:
        return str(path)


def schema(resource: str) -> list[dict]:
    """The fields (name, type, constraints) of one resource of data/datapackage.json, in column order."""
    package = json.loads((paths.DATA / "datapackage.json").read_text(encoding="utf-8"))
    for res in package["resources"]:
        if res["name"] == resource:
            return res["schema"]["fields"]
    raise KeyError(f"no resource {resource!r} in data/datapackage.json")


def columns(resource: str) -> tuple[str, ...]:
    """The column names of a resource, as data/datapackage.json declares them."""
    return tuple(f["name"] for f in schema(resource))


def enum(resource: str, column: str) -> tuple[str, ...]:
    """The allowed values of one column, as data/datapackage.json declares them."""
    field = next((f for f in schema(resource) if f["name"] == column), None)
    if field is None or "enum" not in field.get("constraints", {}):
        raise KeyError(f"{resource}.{column} declares no enum in data/datapackage.json")
    return tuple(field["constraints"]["enum"])


def origins() -> tuple[str, ...]:
    """The controlled vocabulary of `origin` (who produced a figure), as declared in data/datapackage.json."""
    return enum("observations", "origin")


THEMES = enum("observations", "theme")
KINDS = enum("observations", "kind")
EVENT_CATEGORIES = enum("events", "category")
EVENT_STATUSES = enum("events", "status")


def _number(name: str, line: int, column: str, text: str) -> float:
    if not _NUMBER.match(text):
        raise LedgerError(name, line, column, f"{text!r} is not a plain number (no commas, units or %)")
    return float(text)


def _cell(name: str, line: int, column: str, text: str, spec: dict) -> None:
    """One cell against its field of the data package: required, enum, pattern, number type."""
    rules = spec.get("constraints", {})
    if not text:
        if rules.get("required"):
            raise LedgerError(name, line, column, "required field is empty")
        return
    if "enum" in rules and text not in rules["enum"]:
        raise LedgerError(name, line, column, f"unknown {column} {text!r}; one of {tuple(rules['enum'])}")
    if "pattern" in rules and not re.fullmatch(rules["pattern"], text):
        raise LedgerError(name, line, column, f"{column} {text!r} does not match the pattern {rules['pattern']!r}")
    if spec["type"] == "number":
        _number(name, line, column, text)


def read_rows(resource: str, path: Path) -> list[tuple[int, dict[str, str]]]:
    """Rows of a resource's CSV as (line number, dict), each cell checked against data/datapackage.json.

    The header must be exactly the declared columns; `unique` columns may not repeat. Errors name
    file:line:column.
    """
    fields = schema(resource)
    cols = tuple(f["name"] for f in fields)
    name = file_label(path)
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        try:
            header = next(reader)
        except StopIteration:
            raise LedgerError(name, 1, "-", "file is empty") from None
        if tuple(header) != cols:
            missing = [c for c in cols if c not in header]
            extra = [c for c in header if c not in cols]
            raise LedgerError(name, 1, (missing or extra or ["order"])[0],
                              f"header must be {','.join(cols)} (missing {missing}, unexpected {extra})")
        unique = {f["name"]: {} for f in fields if f.get("constraints", {}).get("unique")}
        rows = []
        line = reader.line_num
        for values in reader:
            start = line + 1
            line = reader.line_num
            if not values:
                raise LedgerError(name, start, "-", "empty line")
            if len(values) != len(cols):
                raise LedgerError(name, start, "-", f"has {len(values)} fields, expected {len(cols)}")
            row = {c: v.strip() for c, v in zip(cols, values)}
            for spec in fields:
                _cell(name, start, spec["name"], row[spec["name"]], spec)
            for col, seen in unique.items():
                if row[col] in seen:
                    raise LedgerError(name, start, col, f"duplicate {col} {row[col]!r} (first on line {seen[row[col]]})")
                seen[row[col]] = start
            rows.append((start, row))
    return rows


def _parsed(name: str, line: int, column: str, parser, text: str):
    """parser(text), or a LedgerError at name:line:column with the parser's message."""
    try:
        return parser(text)
    except ValueError as exc:
        raise LedgerError(name, line, column, str(exc)) from None


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
    name = file_label(path)
    from pybtex.database import parse_file   # here: a kernel that finds the ledger cached never needs pybtex

    text = path.read_text(encoding="utf-8")
    data = parse_file(str(path), bib_format="bibtex")
    sources, urls = {}, {}
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
        url = entry.fields["url"].rstrip("/")
        if url in urls:
            raise LedgerError(name, line, "url", f"entry {key!r} has the same url as {urls[url]!r}: one key per page")
        urls[url] = key
        author = " and ".join(str(p) for p in entry.persons.get("author", []))
        sources[key] = Source(key, _plain(entry.fields["title"]), _plain(entry.fields["publisher"]),
                              entry.fields["date"], entry.fields["url"], entry.fields["urldate"], _plain(author))
    return sources


def one_unit_per_indicator(name: str, line: int, row: dict[str, str], seen: "_Seen") -> None:
    """An indicator has one unit: a second unit means convert the rows or split the indicator in two."""
    if "|" in row["unit"]:
        raise LedgerError(name, line, "unit", f"indicator {row['indicator']!r} lists several units ({row['unit']!r}): "
                                              "one unit per indicator (convert the rows, or split into named indicators)")


def load_indicators(path: Path | None = None) -> dict[str, Indicator]:
    """The indicator vocabulary: each indicator with its one unit (`units` is a 1-tuple)."""
    path = Path(path or paths.INDICATORS)
    name = file_label(path)
    out: dict[str, Indicator] = {}
    for line, row in read_rows("indicators", path):
        for check in CHECKS["indicators"]:
            check(name, line, row, _Seen({}, {}))
        out[row["indicator"]] = Indicator(row["indicator"], row["label"], (row["unit"],), row["definition"], row["theme"])
    return out


@dataclass(frozen=True)
class Country:
    """A country the peers chapter compares: ISO alpha-3 code, name and the months of its fiscal year."""

    code: str
    name: str
    fiscal_year: str
    note: str


#: The fiscal year the ledger's `FY` periods denote (Pakistan's, July-June).
LEDGER_FISCAL_YEAR = "Jul-Jun"


def load_countries(path: Path | None = None) -> dict[str, Country]:
    """data/countries.csv: the countries that theme `peers` rows name (by code) in `dimension`."""
    rows = read_rows("countries", Path(path or paths.COUNTRIES))
    return {r["code"]: Country(r["code"], r["name"], r["fiscal_year"], r["note"]) for _, r in rows}


@dataclass
class _Seen:
    """What the cross-row checks compare a row against: the vocabularies and the rows read so far."""

    indicators: dict[str, Indicator]
    sources: dict[str, Source]
    units: set[str] = field(default_factory=set)
    figures: dict[tuple, int] = field(default_factory=dict)
    countries: dict[str, Country] = field(default_factory=dict)


def known_indicator(name: str, line: int, row: dict[str, str], seen: _Seen) -> None:
    """The indicator is one of data/indicators.csv."""
    if row["indicator"] not in seen.indicators:
        raise LedgerError(name, line, "indicator", f"unknown indicator {row['indicator']!r} (not in data/indicators.csv)")


def unit_allowed_for_indicator(name: str, line: int, row: dict[str, str], seen: _Seen) -> None:
    """A level, target or plan is in its indicator's unit; a stated change in percent or points."""
    if row["kind"] == "stated_change":
        if row["unit"] not in CHANGE_UNITS:
            raise LedgerError(name, line, "unit", f"a stated_change is in {CHANGE_UNITS}, not {row['unit']!r}")
    elif row["unit"] not in seen.indicators[row["indicator"]].units:
        ind = seen.indicators[row["indicator"]]
        raise LedgerError(name, line, "unit", f"unit {row['unit']!r} not allowed for {ind.key!r}; allowed: {ind.units}")


def base_period_only_for_stated_change(name: str, line: int, row: dict[str, str], seen: _Seen) -> None:
    """A stated change names the period it compares against; no other kind has a base_period."""
    if row["kind"] == "stated_change" and not row["base_period"]:
        raise LedgerError(name, line, "base_period", "a stated_change needs the period it compares against")
    if row["kind"] != "stated_change" and row["base_period"]:
        raise LedgerError(name, line, "base_period", "only a stated_change has a base_period")


def period_in_grammar(name: str, line: int, row: dict[str, str], seen: _Seen) -> None:
    """period (and base_period) parse as periods of helpers.periods (e.g. no month 13)."""
    for col in ("period", "base_period"):
        if col in row and row[col]:
            _parsed(name, line, col, parse_period, row[col])


def dates_valid(name: str, line: int, row: dict[str, str], seen: _Seen) -> None:
    """date (events) and as_of are real calendar dates."""
    for col in ("date", "as_of"):
        if col in row:
            _parsed(name, line, col, parse_date, row[col])


def known_source(name: str, line: int, row: dict[str, str], seen: _Seen) -> None:
    """The source is a key of references.bib."""
    if row["source"] not in seen.sources:
        raise LedgerError(name, line, "source", f"unknown source key {row['source']!r} (not in references.bib)")


def known_other_sources(name: str, line: int, row: dict[str, str], seen: _Seen) -> None:
    """Each key of other_sources is in references.bib, once, and is not the row's own source."""
    keys = [k for k in row["other_sources"].split(";") if k]
    for key in keys:
        if key not in seen.sources:
            raise LedgerError(name, line, "other_sources", f"unknown source key {key!r} (not in references.bib)")
        if key == row["source"] or keys.count(key) > 1:
            raise LedgerError(name, line, "other_sources", f"source key {key!r} is listed twice")


def duplicate_fact(name: str, line: int, row: dict[str, str], seen: _Seen) -> None:
    """One fact, one row: no two rows share indicator, period, dimension, value (in one unit) and origin."""
    fact = ("fact", row["indicator"], row["period"], row["dimension"], float(row["value"]), row["unit"], row["origin"])
    if fact in seen.figures:
        raise LedgerError(name, line, "id", f"same fact as line {seen.figures[fact]} (indicator, period, dimension, unit, "
                                            "value, origin): keep one row and list the other source in other_sources")
    seen.figures[fact] = line


def duplicate_figure(name: str, line: int, row: dict[str, str], seen: _Seen) -> None:
    """One source states one figure once: no two rows share indicator, period, dimension, kind, unit, source, base."""
    figure = ("figure", row["indicator"], row["period"], row["dimension"], row["kind"], row["source"],
              row["base_period"], row["unit"])
    if figure in seen.figures:
        raise LedgerError(name, line, "id", f"same figure as line {seen.figures[figure]} (indicator, period, "
                                            "dimension, kind, unit, source): record it once")
    seen.figures[figure] = line


def peer_country(name: str, line: int, row: dict[str, str], seen: _Seen) -> None:
    """A `peers` row names its country's code (data/countries.csv) in `dimension`; an FY period only for a July-June fiscal year."""
    if row["theme"] != "peers":
        return
    country = seen.countries.get(row["dimension"])
    if country is None:
        raise LedgerError(name, line, "dimension", f"a peers row names its country's code in dimension, "
                                                   f"one of {tuple(seen.countries)}; got {row['dimension']!r}")
    for col in ("period", "base_period"):
        if row[col].startswith("FY") and country.fiscal_year != LEDGER_FISCAL_YEAR:
            raise LedgerError(name, line, col, f"{row[col]!r} is a July-June fiscal year but {country.name}'s fiscal "
                                               f"year runs {country.fiscal_year}: record a calendar period")


def peer_event_country(name: str, line: int, row: dict[str, str], seen: _Seen) -> None:
    """A `peers` event names its country (a name of data/countries.csv) as its first actor."""
    if row["theme"] != "peers":
        return
    first = row["actors"].split(";")[0].strip()
    names = tuple(c.name for c in seen.countries.values())
    if first not in names:
        raise LedgerError(name, line, "actors", f"a peers event names its country first, one of {names}; got {first!r}")


def amount_has_unit(name: str, line: int, row: dict[str, str], seen: _Seen) -> None:
    """An event's amount has a unit that some indicator uses; a unit never stands without an amount."""
    if row["amount"] and row["unit"] not in seen.units:
        raise LedgerError(name, line, "unit", f"unit {row['unit']!r} is not a unit of any indicator")
    if row["unit"] and not row["amount"]:
        raise LedgerError(name, line, "unit", "a unit without an amount")


#: The cross-row checks each loader runs on every row after the per-cell checks of data/datapackage.json.
CHECKS = {
    "observations": (known_indicator, unit_allowed_for_indicator, base_period_only_for_stated_change,
                     period_in_grammar, dates_valid, known_source, known_other_sources, duplicate_figure,
                     duplicate_fact, peer_country),
    "events": (dates_valid, amount_has_unit, known_source, known_other_sources, peer_event_country),
    "breaks": (known_indicator, period_in_grammar, known_source),
    "indicators": (one_unit_per_indicator,),
}


def _checked(resource: str, path: Path, seen: _Seen) -> list[tuple[int, dict[str, str]]]:
    name = file_label(path)
    rows = read_rows(resource, path)
    for line, row in rows:
        for check in CHECKS[resource]:
            check(name, line, row, seen)
    return rows


def load_observations(indicators: dict[str, Indicator], sources: dict[str, Source],
                      path: Path | None = None, countries: dict[str, Country] | None = None) -> pd.DataFrame:
    """Validated observations as a DataFrame, in file order, with parsed period columns."""
    records = []
    seen = _Seen(indicators, sources, countries=load_countries() if countries is None else countries)
    for line, row in _checked("observations", Path(path or paths.OBSERVATIONS), seen):
        period = parse_period(row["period"])
        base = parse_period(row["base_period"]) if row["base_period"] else None
        records.append({**row, "value": float(row["value"]), "decimals": len(row["value"].partition(".")[2]),
                        "line": line, "period_obj": period, "base_obj": base,
                        "period_end": pd.Timestamp(period.end), "basis": period.basis,
                        "period_label": period.label})
    frame = pd.DataFrame.from_records(records)
    frame.index = pd.Index(frame["id"].to_numpy())
    return frame


def load_events(sources: dict[str, Source], units: set[str], path: Path | None = None,
                countries: dict[str, Country] | None = None) -> pd.DataFrame:
    """Validated events (the dated timeline), sorted by date then id."""
    records = []
    seen = _Seen({}, sources, units, countries=load_countries() if countries is None else countries)
    for line, row in _checked("events", Path(path or paths.EVENTS), seen):
        records.append({**row, "amount": float(row["amount"]) if row["amount"] else None, "line": line,
                        "when": pd.Timestamp(parse_date(row["date"])),
                        "precision": {4: "year", 7: "month"}.get(len(row["date"]), "day")})
    frame = pd.DataFrame.from_records(records)
    frame = frame.sort_values(["when", "id"])
    frame.index = pd.Index(frame["id"].to_numpy())
    return frame


def load_breaks(indicators: dict[str, Indicator], sources: dict[str, Source], path: Path | None = None) -> pd.DataFrame:
    """Series breaks: from `period` on, an indicator is not comparable with its earlier values."""
    rows = _checked("breaks", Path(path or paths.BREAKS), _Seen(indicators, sources))
    return pd.DataFrame([{**row, "line": line} for line, row in rows], columns=[*columns("breaks"), "line"])


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


class Ledger:
    """Everything the book knows, validated.

    While a notebook runs under helpers.execute, every read is recorded for its row-level dependencies
    (helpers.deps): `observations` and `events` are then read-only views that note what is read.
    """

    def __init__(self, observations: pd.DataFrame, indicators: dict[str, Indicator], events: pd.DataFrame,
                 sources: dict[str, Source], breaks: pd.DataFrame | None = None,
                 countries: dict[str, Country] | None = None) -> None:
        self._obs, self._events = observations, events
        self.indicators, self.sources = indicators, sources
        self.countries = countries or {}
        self.breaks = pd.DataFrame(columns=[*columns("breaks"), "line"]) if breaks is None else breaks

    @property
    def observations(self) -> pd.DataFrame:
        return deps.tracked(self._obs, "observations")

    @property
    def events(self) -> pd.DataFrame:
        return deps.tracked(self._events, "events")

    def breaks_for(self, indicator: str) -> dict[str, str]:
        """{period: description} of the recorded breaks in one indicator's series."""
        b = self.breaks[self.breaks["indicator"] == indicator]
        return dict(zip(b["period"], b["description"]))

    def has(self, item_id: str) -> bool:
        """Whether `item_id` is an observation or an event (the lookup is recorded, found or not)."""
        return self.has_observation(item_id) or self.has_event(item_id)

    def has_observation(self, obs_id: str) -> bool:
        deps.note_ids("observations", [obs_id])
        return obs_id in self._obs.index

    def has_event(self, event_id: str) -> bool:
        deps.note_ids("events", [event_id])
        return event_id in self._events.index

    def row(self, obs_id: str) -> pd.Series:
        """One observation by id; KeyError naming the id if it is not in the ledger."""
        if not self.has_observation(obs_id):
            raise KeyError(f"no ledger row with id {obs_id!r} in data/observations.csv")
        return self._obs.loc[obs_id]

    def entry(self, item_id: str) -> dict:
        """id, value, unit, period, kind and source of an observation or an event (kind 'event')."""
        if self.has_observation(item_id):
            r = self._obs.loc[item_id]
            return {"id": item_id, "value": float(r["value"]), "unit": r["unit"], "period": r["period"],
                    "kind": r["kind"], "source": r["source"]}
        if self.has_event(item_id):
            e = self._events.loc[item_id]
            return {"id": item_id, "value": e["amount"], "unit": e["unit"] or "event", "period": e["date"],
                    "kind": "event", "source": e["source"]}
        raise KeyError(f"{item_id!r} is neither an observation nor an event in the ledger")

    def value(self, obs_id: str) -> float:
        return float(self.row(obs_id)["value"])

    def selected(self, indicator: str, kind: str = "level", source: str | None = None,
                  dimension: str | None = None, basis: str | None = None) -> pd.DataFrame:
        """The rows a `select` matches, without recording the read (helpers.deps hashes them with it)."""
        obs = self._obs
        mask = (obs["indicator"] == indicator) & (obs["kind"] == kind)
        if source is not None:
            mask &= obs["source"] == source
        if dimension is not None:
            mask &= obs["dimension"] == dimension
        if basis is not None:
            mask &= obs["basis"] == basis
        return obs[mask].sort_values(["period_end", "dimension", "id"])

    def select(self, indicator: str, kind: str = "level", source: str | None = None,
               dimension: str | None = None, basis: str | None = None) -> pd.DataFrame:
        """Rows of one indicator and kind (optionally one source, dimension or CY/FY basis), by period.

        The selection is recorded: a new row it would match re-executes the notebook that made it.
        """
        filters = {"indicator": indicator, "kind": kind, "source": source, "dimension": dimension, "basis": basis}
        deps.note_select("observations", filters)
        return self.selected(**filters)

    def period(self, obs_id: str) -> Period:
        return self.row(obs_id)["period_obj"]

    def producers(self, ids, max_chars: int = PRODUCERS_MAX_CHARS) -> str:
        """Credit line for observations or events: 'Data: PTA; SBP (reported by Dawn, Business Recorder)'.

        Producers (the `origin` column) come first, most-cited first; outlets that only relayed the
        figures follow as "reported by". Names past `max_chars` (about two lines) become "and N more".
        """
        made, told = Counter(), Counter()
        for item in ids:
            frame = self._obs if self.has_observation(item) else self._events if self.has_event(item) else None
            if frame is None:
                raise KeyError(f"{item!r} is neither an observation nor an event in the ledger")
            origin, publisher = frame.loc[item, "origin"], self.sources[frame.loc[item, "source"]].publisher
            made[origin] += 1
            if PRODUCER_PUBLISHERS.get(origin, origin) not in publisher:
                told[outlet(publisher)] += 1
        producers = [name for name, _ in made.most_common()]
        outlets = [name for name, _ in told.most_common() if name not in made]
        return _credit_line(producers, outlets, max_chars)


#: Set to 1, notebook kernels keep the validated ledger between runs in `_build/cache` (paths.BUILD);
#: helpers.execute and `make nbval` set it.
CACHE_ENV = "PKBOOK_LEDGER_CACHE"


def _disk_key(files) -> str:
    """Hash of the ledger files' bytes and of the helpers' code that validates them (and the versions that
    pickle them): the same key means the same validated ledger."""
    h = hashlib.sha256(f"{sys.version}\0{pd.__version__}\0".encode())
    for f in [*files, *sorted(Path(__file__).parent.glob("*.py"))]:
        h.update(str(f.name).encode() + b"\0" + Path(f).read_bytes() + b"\0")
    return h.hexdigest()


def _from_disk(files) -> tuple[Ledger | None, Path | None]:
    if os.environ.get(CACHE_ENV) != "1":
        return None, None
    path = paths.BUILD / "cache" / f"ledger-{_disk_key(files)}.pickle"
    try:
        return pickle.loads(path.read_bytes()), path
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        return None, path


def _to_disk(path: Path, led: Ledger) -> None:
    """Keep the validated ledger for the next kernel (written whole, then renamed; older copies removed)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(pickle.dumps(led, protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(tmp, path)
        for old in path.parent.glob("ledger-*.pickle"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError:
        pass   # a cache that cannot be written only costs time


@lru_cache(maxsize=4)
def _load_cached(root: str, stamp: tuple) -> Ledger:
    files = [Path(f) for f, _, _ in stamp]
    cached, path = _from_disk(files)
    if cached is not None:
        return cached
    led = _validate()
    if path is not None:
        _to_disk(path, led)
    return led


def _validate() -> Ledger:
    sources = load_bibliography()
    indicators = load_indicators()
    countries = load_countries()
    observations = load_observations(indicators, sources, countries=countries)
    units = {u for ind in indicators.values() for u in ind.units}
    events = load_events(sources, units, countries=countries)
    return Ledger(observations, indicators, events, sources, load_breaks(indicators, sources), countries)


def load() -> Ledger:
    """Load and validate the whole ledger (cached while the files are unchanged)."""
    files = (paths.BIBLIOGRAPHY, paths.INDICATORS, paths.OBSERVATIONS, paths.EVENTS, paths.BREAKS,
             paths.COUNTRIES, paths.DATA / "datapackage.json")
    stamp = tuple((str(f), f.stat().st_mtime_ns, f.stat().st_size) for f in files)
    return _load_cached(str(paths.ROOT), stamp)

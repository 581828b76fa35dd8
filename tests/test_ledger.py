"""The loader accepts the real ledger and stops on each kind of bad data with file:row:column."""
from __future__ import annotations

import csv
import re

import pytest

from helpers import ledger
from helpers.ledger import LedgerError

from conftest import assert_ledger_error, edit_csv


def test_real_ledger_loads():
    led = ledger.load()
    assert len(led.observations) > 0 and len(led.events) > 0
    assert set(led.observations["source"]) <= set(led.sources)


def _fails(column: str, value: str, expect: str, file: str = "observations.csv", row: int = 1):
    assert_ledger_error(file, row, column, value, expect)


@pytest.mark.parametrize("column,value,expect", [
    ("value", "12,5", "not a plain number"),
    ("value", "abc", "not a plain number"),
    ("value", "nan", "not a plain number"),
    ("indicator", "handsets_teleported", "unknown indicator"),
    ("unit", "thousand furlongs", "not allowed"),
    ("source", "nosuchkey_2099", "unknown source key"),
    ("period", "2021/22", "does not match the pattern"),
    ("period", "FY2024-M13", "not in the grammar"),
    ("period", "2024-13", "not in the grammar"),
    ("as_of", "yesterday", "does not match the pattern"),
    ("as_of", "2024-02-30", "not a valid YYYY-MM-DD"),
    ("kind", "rumour", "unknown kind"),
    ("id", "Bad Id!", "does not match the pattern"),
    ("theme", "agriculture", "unknown theme"),
    ("source", "", "required field is empty"),
    ("note", "", "required field is empty"),
])
def test_bad_observation_cell(ledger_copy, column, value, expect):
    _fails(column, value, expect)


def test_duplicate_id(ledger_copy):
    from helpers import ledger as L, paths

    first = L.read_rows("observations", paths.OBSERVATIONS)[0][1]["id"]
    _fails("id", first, "duplicate id", row=2)


def test_stated_change_needs_percent_and_base(ledger_copy):
    from helpers import paths
    import csv

    rows = list(csv.DictReader(open(paths.OBSERVATIONS, encoding="utf-8")))
    idx = next(i for i, r in enumerate(rows, start=1) if r["kind"] == "stated_change")
    _fails("unit", "million units", "stated_change is in", row=idx)
    ledger._load_cached.cache_clear()


def test_stated_change_without_base_period(ledger_copy):
    from helpers import paths
    import csv

    rows = list(csv.DictReader(open(paths.OBSERVATIONS, encoding="utf-8")))
    idx = next(i for i, r in enumerate(rows, start=1) if r["kind"] == "stated_change")
    _fails("base_period", "", "needs the period", row=idx)


def test_wrong_field_count(ledger_copy):
    from helpers import paths

    with open(paths.OBSERVATIONS, "a", encoding="utf-8") as fh:
        fh.write("x-1,mobile_manufacturing,handsets_local_production\n")
    n = sum(1 for _ in open(paths.OBSERVATIONS, encoding="utf-8"))
    ledger._load_cached.cache_clear()
    with pytest.raises(LedgerError, match=rf"^data/observations.csv:{n}:-: has 3 fields"):
        ledger.load()


@pytest.mark.parametrize("column,value,expect", [
    ("category", "gossip", "unknown category"),
    ("date", "2021-09-31", "not a valid YYYY-MM-DD"),
    ("date", "Sept 2021", "does not match the pattern"),
    ("as_of", "2021-02-29", "not a valid YYYY-MM-DD"),
    ("id", "", "required field is empty"),
    ("status", "rumoured", "unknown status"),
    ("source", "nosuchkey_2099", "unknown source key"),
    ("amount", "2 bn", "not a plain number"),
])
def test_bad_event_cell(ledger_copy, column, value, expect):
    _fails(column, value, expect, file="events.csv")


def test_bib_entry_without_url(ledger_copy):
    from helpers import paths

    text = paths.BIBLIOGRAPHY.read_text()
    key = re.search(r"@misc\{([^,]+),", text).group(1)
    text = re.sub(r"(@misc\{" + re.escape(key) + r",.*?)\n\s*url\s*=\s*\{[^}]*\},?", r"\1", text, count=1, flags=re.S)
    paths.BIBLIOGRAPHY.write_text(text)
    ledger._load_cached.cache_clear()
    with pytest.raises(LedgerError, match=rf"^references.bib:\d+:url: entry '{key}' has no url"):
        ledger.load()


def test_unknown_indicator_unit_in_indicators(ledger_copy):
    _fails("theme", "space", "unknown theme", file="indicators.csv")


def test_break_with_unknown_indicator(ledger_copy):
    from helpers import paths

    key = next(iter(ledger.load_bibliography()))
    with open(paths.BREAKS, "a", encoding="utf-8") as fh:
        fh.write(f"teledensity_of_mars,2023,census rebase,{key}\n")
    n = sum(1 for _ in open(paths.BREAKS, encoding="utf-8"))
    ledger._load_cached.cache_clear()
    with pytest.raises(LedgerError, match=rf"^data/breaks.csv:{n}:indicator: unknown indicator"):
        ledger.load()


@pytest.mark.parametrize("file", ["observations.csv", "events.csv"])
@pytest.mark.parametrize("value,expect", [("", "required field is empty"), ("Some Blogger", "unknown origin")])
def test_bad_origin(ledger_copy, file, value, expect):
    _fails("origin", value, expect, file=file)


def test_every_origin_is_declared():
    led = ledger.load()
    allowed = set(ledger.origins())
    assert set(led.observations["origin"]) | set(led.events["origin"]) <= allowed


def _tiny_ledger(rows: list[tuple[str, str, str]]) -> ledger.Ledger:
    """A ledger of observations (id, origin, source key), each source published by the key's title-cased name."""
    import pandas as pd

    obs = pd.DataFrame([{"id": i, "origin": o, "source": s} for i, o, s in rows]).set_index("id", drop=False)
    sources = {s: ledger.Source(s, "t", pub, "2025", "https://x", "2025") for s, pub in
               {"dawn1": "Dawn", "dawn2": "Dawn", "br": "Business Recorder", "prof": "Profit / Pakistan Today",
                "pta": "Pakistan Telecommunication Authority"}.items()}
    events = pd.DataFrame(columns=["id", "origin", "source"])
    return ledger.Ledger(obs, {}, events, sources)


def test_producers_origin_first_outlets_reported_by():
    led = _tiny_ledger([("a", "PTA", "dawn1"), ("b", "SBP", "br"), ("c", "PTA", "dawn2")])
    assert led.producers(["a", "b", "c"]) == "Data: PTA; SBP (reported by Dawn, Business Recorder)"


def test_producers_outlet_own_estimate_not_repeated():
    led = _tiny_ledger([("a", "Profit", "prof"), ("b", "PTA", "pta")])
    assert led.producers(["a", "b"]) == "Data: Profit; PTA"
    assert led.producers(["a"]) == "Data: Profit"


def test_producers_shortened_to_fit():
    led = _tiny_ledger([(f"r{i}", f"Company number {i}", "dawn1") for i in range(30)])
    line = led.producers([f"r{i}" for i in range(30)], max_chars=120)
    assert len(line) <= 120 and line.startswith("Data: Company number 0; Company number 1")
    assert re.search(r"and \d+ more \(reported by Dawn\)$", line), line


def test_producers_unknown_id():
    with pytest.raises(KeyError, match="nosuch"):
        _tiny_ledger([("a", "PTA", "dawn1")]).producers(["nosuch"])


def test_producers_real_ledger_names_producer():
    led = ledger.load()
    ids = list(led.select("cellular_subscribers").index[:5])
    assert led.producers(ids).startswith("Data: PTA")


def _first_row(kind: str) -> int:
    """Data row number (1 = first) of the first observation of `kind`."""
    from helpers import paths
    import csv

    rows = list(csv.DictReader(open(paths.OBSERVATIONS, encoding="utf-8")))
    return next(i for i, r in enumerate(rows, start=1) if r["kind"] == kind)


def test_base_period_only_for_stated_change(ledger_copy):
    _fails("base_period", "2020", "only a stated_change has a base_period", row=_first_row("level"))


def test_unit_without_amount_in_event(ledger_copy):
    from helpers import paths
    import csv

    rows = list(csv.DictReader(open(paths.EVENTS, encoding="utf-8")))
    idx = next(i for i, r in enumerate(rows, start=1) if not r["amount"])
    _fails("unit", "million units", "a unit without an amount", file="events.csv", row=idx)


def test_event_amount_unit_unknown(ledger_copy):
    from helpers import paths
    import csv

    rows = list(csv.DictReader(open(paths.EVENTS, encoding="utf-8")))
    idx = next(i for i, r in enumerate(rows, start=1) if r["amount"])
    _fails("unit", "thousand furlongs", "not a unit of any indicator", file="events.csv", row=idx)


def test_duplicate_event_id(ledger_copy):
    from helpers import paths
    import csv

    first = next(csv.DictReader(open(paths.EVENTS, encoding="utf-8")))["id"]
    _fails("id", first, "duplicate id", file="events.csv", row=2)


def _append_copy_of_first_row(change) -> int:
    """Append to the copied ledger a copy of its first observation under a new id, edited by
    `change(header, row)`; return the file line of the copy."""
    from helpers import paths

    with open(paths.OBSERVATIONS, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    header, copy = rows[0], list(rows[1])
    copy[header.index("id")] += "-again"
    change(header, copy)
    rows.append(copy)
    with open(paths.OBSERVATIONS, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    ledger._load_cached.cache_clear()
    return len(rows)


def test_duplicate_figure(ledger_copy):
    """A second row repeating another's indicator, period, dimension, kind, unit and source is rejected."""
    n = _append_copy_of_first_row(lambda header, copy: None)
    with pytest.raises(LedgerError, match=rf"^data/observations.csv:{n}:id: same figure as line 2"):
        ledger.load()


def test_breaks_bad_period_and_source(ledger_copy):
    from helpers import paths

    key = next(iter(ledger.load_bibliography()))
    ind = next(iter(ledger.load_indicators()))
    for row, column, expect in ((f"{ind},2023-13,rebase,{key}", "period", "not in the grammar"),
                                (f"{ind},2023,rebase,nosuchkey_2099", "source", "unknown source key")):
        text = paths.BREAKS.read_text()
        paths.BREAKS.write_text(text + row + "\n")
        n = sum(1 for _ in open(paths.BREAKS, encoding="utf-8"))
        ledger._load_cached.cache_clear()
        with pytest.raises(LedgerError, match=rf"^data/breaks.csv:{n}:{column}: .*{expect}"):
            ledger.load()
        paths.BREAKS.write_text(text)


def test_duplicate_indicator(ledger_copy):
    first = next(iter(ledger.load_indicators()))
    _fails("indicator", first, "duplicate indicator", file="indicators.csv", row=2)


def test_schema_is_the_package():
    """Columns, enums and patterns come from data/datapackage.json, not from code."""
    import json
    from helpers import paths

    package = json.loads((paths.DATA / "datapackage.json").read_text())
    obs = next(r for r in package["resources"] if r["name"] == "observations")
    assert ledger.columns("observations") == tuple(f["name"] for f in obs["schema"]["fields"])
    assert ledger.KINDS == tuple(next(f for f in obs["schema"]["fields"] if f["name"] == "kind")["constraints"]["enum"])


def test_base_period_grammar(ledger_copy):
    _fails("base_period", "2024-13", "not in the grammar", row=_first_row("stated_change"))


def test_header_must_match_package(ledger_copy):
    from helpers import paths

    text = paths.OBSERVATIONS.read_text(encoding="utf-8")
    paths.OBSERVATIONS.write_text(text.replace(",origin,source,", ",source,origin,", 1), encoding="utf-8")
    ledger._load_cached.cache_clear()
    with pytest.raises(LedgerError, match=r"^data/observations.csv:1:order: header must be"):
        ledger.load()


def test_bib_second_key_with_same_url(ledger_copy):
    from helpers import paths

    key, src = next(iter(ledger.load_bibliography().items()))
    with open(paths.BIBLIOGRAPHY, "a", encoding="utf-8") as fh:
        fh.write(f"\n@misc{{{key}_again,\n  title = {{t}},\n  publisher = {{p}},\n  date = {{2025}},\n"
                 f"  url = {{{src.url}}},\n  urldate = {{2025-01-01}}\n}}\n")
    ledger._load_cached.cache_clear()
    with pytest.raises(LedgerError, match=rf"^references.bib:\d+:url: entry '{key}_again' has the same url as '{key}'"):
        ledger.load()


def test_duplicate_fact_other_source(ledger_copy):
    """The same indicator, period, dimension, value and origin from a second source is one fact, not two rows."""
    def other_source(header, copy):
        copy[header.index("source")] = next(k for k in ledger.load_bibliography() if k != copy[header.index("source")])
        copy[header.index("other_sources")] = ""

    n = _append_copy_of_first_row(other_source)
    with pytest.raises(LedgerError, match=rf"^data/observations.csv:{n}:id: same fact as line 2"):
        ledger.load()


@pytest.mark.parametrize("file", ["observations.csv", "events.csv"])
def test_other_sources_validated(ledger_copy, file):
    from helpers import paths

    path = paths.DATA / file
    first = next(csv.DictReader(open(path, encoding="utf-8")))
    _fails("other_sources", "nosuchkey_2099", "unknown source key", file=file)
    _fails("other_sources", first["source"], "listed twice", file=file)
    _fails("other_sources", "a b", "does not match the pattern", file=file)


def test_one_unit_per_indicator(ledger_copy):
    """A second unit in an indicator is rejected: convert the rows or split the indicator."""
    from helpers import paths

    rows = list(csv.DictReader(open(paths.INDICATORS, encoding="utf-8")))
    idx = next(i for i, r in enumerate(rows, start=1) if r["indicator"] == "handset_exports")
    _fails("unit", "USD million|units", "one unit per indicator", file="indicators.csv", row=idx)


def test_every_indicator_has_one_unit_in_use():
    led = ledger.load()
    obs = led.observations[led.observations["kind"] != "stated_change"]
    mixed = obs.groupby("indicator")["unit"].nunique()
    assert not list(mixed[mixed > 1].index)
    assert all(len(ind.units) == 1 for ind in led.indicators.values())

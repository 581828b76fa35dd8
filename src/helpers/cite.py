"""Legacy glue and record functions for notebooks not yet moved to `chapter.begin` (removed once all have)."""
from __future__ import annotations

import json
import math

from . import paths
from .ledger import Ledger
from .glue import Value
from .fmt import date_label, number, with_unit  # noqa: F401 (re-exported for legacy notebooks)
from .values import Derived  # noqa: F401

_USED: dict[str, list[str]] = {}   # ledger id -> where it was shown (glue key, table, chart)
_CHAPTER: list[str] = [""]
_FOLDS: list[dict[str, str]] = []   # folded blocks, for the PDF's data appendix
_GLUED: dict[str, str] = {}          # glue key -> text, so a key two old ids now share is glued once


#: Legacy name of the glued-value type.
Text = Value


def start_chapter(name: str) -> None:
    """Begin recording the values shown by chapter `name` (the notebook's stem)."""
    _CHAPTER[0] = name
    _USED.clear()
    _FOLDS.clear()
    _GLUED.clear()


def fold(name: str, title: str, markdown: str) -> None:
    """Keep a folded block's content for the PDF's "Data behind each chapter" appendix."""
    if any(f["name"] == name for f in _FOLDS):
        raise ValueError(f"{_CHAPTER[0]}: two folded blocks named {name!r}")
    _FOLDS.append({"name": name, "title": title, "markdown": markdown})


def record(ids, where: str) -> None:
    """Note that the ledger rows `ids` are shown at `where` (a glue key, table or chart name)."""
    for i in ([ids] if isinstance(ids, str) else ids):
        places = _USED.setdefault(i, [])
        if where not in places:
            places.append(where)


def used() -> dict[str, list[str]]:
    return {k: list(v) for k, v in _USED.items()}


def _glue(key: str, text: str, target: str = "") -> None:
    from myst_nb import glue

    if key in _GLUED:
        if _GLUED[key] != text:
            raise ValueError(f"{_CHAPTER[0]}: glue key {key!r} glued twice with different text: "
                             f"{_GLUED[key]!r} and {text!r}")
        return
    _GLUED[key] = text
    glue(key, Value(text, key, target), display=False)


def glue_obs(ledger: Ledger, obs_id: str, decimals: int | None = None, key: str | None = None) -> str:
    """Glue one ledger value with its unit under `key` (default: the row id); return the text."""
    row = ledger.row(obs_id)
    text = with_unit(float(row["value"]), row["unit"], decimals)
    _glue(key or obs_id, text, f"audit-{_CHAPTER[0]}-{obs_id}")
    record(obs_id, key or obs_id)
    return text


def glue_event(ledger: Ledger, event_id: str, key: str | None = None) -> str:
    """Glue an event's date as a reader writes it (e.g. '2 Jun 2020') under `key` (default: the id)."""
    if not ledger.has_event(event_id):
        raise KeyError(f"no event with id {event_id!r} in data/events.csv")
    text = date_label(ledger.events.loc[event_id, "date"])
    _glue(key or event_id, text, f"audit-{_CHAPTER[0]}-{event_id}")
    record(event_id, key or event_id)
    return text


def glue_period(ledger: Ledger, obs_id: str) -> str:
    """Glue the reader's label of a row's period under '<id>-period'."""
    text = ledger.period(obs_id).label
    _glue(f"{obs_id}-period", text)
    return text


def glue_derived(key: str, derived: Derived, decimals: int = 1) -> str:
    """Glue a computed value; its inputs are recorded so the audit traces it to its sources."""
    if not math.isfinite(derived.value):
        raise ValueError(f"derived value {key!r} is not finite: {derived.value}")
    text = with_unit(derived.value, derived.unit, decimals)
    _glue(key, text)
    record(derived.inputs, key)
    return text


def glue_text(key: str, text: str, inputs=()) -> str:
    """Glue a short text built from ledger values (e.g. a list of names), recording its inputs."""
    _glue(key, text)
    record(inputs, key)
    return text


def write_audit() -> str:
    """Write this chapter's record of shown values to <audit_dir>/<chapter>.json; return its name."""
    out = audit_dir()
    out.mkdir(parents=True, exist_ok=True)
    target = out / f"{_CHAPTER[0]}.json"
    target.write_text(json.dumps({"chapter": _CHAPTER[0], "used": used(), "folds": list(_FOLDS)}, indent=1, sort_keys=True))
    return target.name


def audit_dir():
    """Where chapters record the ledger rows they show: beside the chart data of the same run."""
    return paths.chart_data_dir().parent / "audit"

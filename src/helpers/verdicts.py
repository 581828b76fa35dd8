"""Promises against outcomes: a verdict (met, missed, too early, no data) computed from ledger rows.

The editorial link between a target row and the level rows that measure its outcome lives in
`data/scorecard.csv`; `load_scorecard()` validates it (errors name file:row:column) and `scorecard()`
computes every verdict as of one explicit date, by default the latest `as_of` in the ledger, so the
result does not depend on the day the book is built.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from . import deps, paths
from .ledger import Ledger, LedgerError, columns, enum, file_label, read_rows
from .periods import parse_date

VERDICTS = ("met", "missed", "too early", "no data")
DIRECTIONS = enum("scorecard", "direction")
#: `due`: only outcomes whose period ends by the target's due date count; `none`: the latest outcome
#: counts even if it comes later (for stocks that only grow, where a later shortfall proves a miss).
CUTOFFS = enum("scorecard", "cutoff")
#: Kinds of observation a scorecard row may judge.
TARGET_KINDS = ("target", "plan")


@dataclass(frozen=True)
class Verdict:
    """The verdict on one target and the outcome row it rests on (None if there is none)."""

    target_id: str
    verdict: str
    outcome_id: str | None
    due: date
    as_of: date


@deps.derived
def ledger_as_of(ledger: Ledger) -> date:
    """The latest `as_of` date of any observation or event from a dated source: the date the ledger speaks for.

    Rows from undated pages carry the date we read them as `as_of`; that is not a data date, so they are left out.
    """
    undated = {k for k, s in ledger.sources.items() if s.date == "n.d."}
    obs, ev = ledger.observations, ledger.events
    dates = list(obs.loc[~obs["source"].isin(undated), "as_of"]) + list(ev.loc[~ev["source"].isin(undated), "as_of"])
    return max(parse_date(d) for d in dates)


def _meets(value: float, goal: float, direction: str) -> bool:
    return value >= goal if direction == "at_least" else value <= goal


def verdict(ledger: Ledger, target_id: str, outcome_ids: list[str] | tuple[str, ...], direction: str = "at_least",
            as_of: date | None = None, cutoff: str = "due") -> Verdict:
    """Judge one target against its outcome rows as of `as_of` (default: `ledger_as_of`).

    The outcome used is the latest by period end (ties: the later `as_of`, then the id) among those
    known by `as_of` and, with `cutoff="due"`, ending no later than the target's period. Before the due
    date a target is "too early" unless already met; after it, "met" or "missed" by comparing values in
    the same unit, or "no data" when no outcome qualifies (never "missed").
    """
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {DIRECTIONS}, not {direction!r}")
    if cutoff not in CUTOFFS:
        raise ValueError(f"cutoff must be one of {CUTOFFS}, not {cutoff!r}")
    as_of = as_of or ledger_as_of(ledger)
    target = ledger.row(target_id)
    if target["kind"] not in TARGET_KINDS:
        raise ValueError(f"{target_id!r} is a {target['kind']!r} row, not a target or plan")
    due = ledger.period(target_id).end
    candidates = []
    for oid in outcome_ids:
        out = ledger.row(oid)
        if out["kind"] != "level":
            raise ValueError(f"outcome {oid!r} is a {out['kind']!r} row; outcomes must be levels")
        if out["unit"] != target["unit"]:
            raise ValueError(f"unit mismatch: target {target_id!r} is in {target['unit']!r}, "
                             f"outcome {oid!r} in {out['unit']!r}")
        end, known = ledger.period(oid).end, parse_date(out["as_of"])
        if end > as_of or known > as_of or (cutoff == "due" and end > due):
            continue
        candidates.append((end, known, oid))
    chosen = max(candidates)[2] if candidates else None
    met = chosen is not None and _meets(ledger.value(chosen), float(target["value"]), direction)
    if due > as_of:
        result = "met" if met else "too early"
    elif chosen is None:
        result = "no data"
    else:
        result = "met" if met else "missed"
    return Verdict(target_id, result, chosen, due, as_of)


def _scorecard_path(path: Path | None) -> Path:
    return Path(path) if path is not None else paths.DATA / "scorecard.csv"


def load_scorecard(ledger: Ledger, path: Path | None = None) -> pd.DataFrame:
    """The validated scorecard links (outcome_ids split on ';'), in file order, with their line numbers."""
    path = _scorecard_path(path)
    name = file_label(path)
    records = []
    for line, row in read_rows("scorecard", path):
        tid = row["target_id"]
        if not ledger.has_observation(tid):
            raise LedgerError(name, line, "target_id", f"no ledger row with id {tid!r} in data/observations.csv")
        target = ledger.row(tid)
        if target["kind"] not in TARGET_KINDS:
            raise LedgerError(name, line, "target_id", f"{tid!r} is a {target['kind']!r} row, not a target or plan")
        outcomes = [o.strip() for o in row["outcome_ids"].split(";") if o.strip()]
        for oid in outcomes:
            if not ledger.has_observation(oid):
                raise LedgerError(name, line, "outcome_ids", f"no ledger row with id {oid!r} in data/observations.csv")
            out = ledger.row(oid)
            if out["kind"] != "level":
                raise LedgerError(name, line, "outcome_ids", f"outcome {oid!r} is a {out['kind']!r} row, not a level")
            if out["unit"] != target["unit"]:
                raise LedgerError(name, line, "outcome_ids", f"unit mismatch: target {tid!r} is in "
                                  f"{target['unit']!r}, outcome {oid!r} in {out['unit']!r}")
        records.append({**row, "outcome_ids": tuple(outcomes), "line": line})
    return pd.DataFrame(records, columns=[*columns("scorecard"), "line"])


def scorecard(ledger: Ledger, as_of: date | None = None, path: Path | None = None) -> pd.DataFrame:
    """Every scorecard target with its due period, value, the outcome used and the computed verdict."""
    as_of = as_of or ledger_as_of(ledger)
    rows = []
    for _, link in load_scorecard(ledger, path).iterrows():
        v = verdict(ledger, link["target_id"], link["outcome_ids"], link["direction"], as_of, link["cutoff"])
        t = ledger.row(link["target_id"])
        o = ledger.row(v.outcome_id) if v.outcome_id else None
        rows.append({
            "target_id": link["target_id"], "theme": t["theme"], "promise": link["promise"],
            "setter": link["setter"], "set": t["as_of"], "due": ledger.period(link["target_id"]).label,
            "direction": link["direction"], "target": float(t["value"]), "unit": t["unit"],
            "target_source": t["source"], "outcome_id": v.outcome_id,
            "outcome": None if o is None else float(o["value"]),
            "outcome_period": None if o is None else ledger.period(v.outcome_id).label,
            "outcome_source": None if o is None else o["source"],
            "verdict": v.verdict, "note": link["note"],
        })
    return pd.DataFrame(rows, columns=["target_id", "theme", "promise", "setter", "set", "due", "direction",
                                       "target", "unit", "target_source", "outcome_id", "outcome",
                                       "outcome_period", "outcome_source", "verdict", "note"])


def glue_counts(ch, card: pd.DataFrame) -> dict[str, int]:
    """Glue the scorecard's counts (card-n, -met, -missed, -early, -nodata, -with-outcome, -as-of) for `ch`.

    Only the keys the chapter's pages reference are glued; every count traces to all targets and outcomes.
    """
    from .fmt import date_label

    ids = list(card["target_id"]) + [i for i in card["outcome_id"] if isinstance(i, str)]
    counts = card["verdict"].value_counts()
    values = {"card-n": len(card), "card-met": int(counts.get("met", 0)), "card-missed": int(counts.get("missed", 0)),
              "card-early": int(counts.get("too early", 0)), "card-nodata": int(counts.get("no data", 0)),
              "card-with-outcome": int(card["outcome_id"].map(lambda i: isinstance(i, str)).sum())}
    for key, n in values.items():
        if key in ch.references:
            ch.text(key, str(n), ids)
    if "card-as-of" in ch.references:
        ch.text("card-as-of", date_label(ledger_as_of(ch.ledger).isoformat()), ids)
    return values

"""Row-level dependencies: what a notebook read from the ledger, and a hash of exactly those rows.

While a notebook runs under `helpers.execute` (PKBOOK_DEPS=1), the ledger API notes every read:

- ids looked up (`Ledger.row`, `entry`, `value`, `has`, `.loc[ids]` / `.at[id, col]` on its frames),
  present or absent (an absent id that later appears changes the hash);
- selections (`Ledger.select(indicator, kind, ...)`): the rows matching the filters, so a new row that
  the selection would match changes the hash;
- columns read across every row (`frame["theme"]`, `frame.index`), and whole tables (any other use of
  `Ledger.observations` or `Ledger.events`: boolean masks, iteration, display ...);
- derived reads: a pure helper of the ledger marked `@deps.derived` (the cross-checks, the ledger's
  as-of date) is recorded as its name, arguments and a hash of its result, not as the rows it scans.
  The build re-runs it on the new ledger (milliseconds, no kernel) and compares the hash.

`digest(record, ledger)` hashes exactly those rows (and derived results); `helpers.execute` stores the
record and the digest in the executed notebook and re-executes it only when the digest changes. A
record of None (a notebook adopted from nbval, or a run that wrote no record) stands for "every row".
"""
from __future__ import annotations

import contextlib
import datetime as _dt
import functools
import hashlib
import importlib
import json
import os
from pathlib import Path

import pandas as pd

TABLES = ("observations", "events")
#: Columns left out of a row's hash: the line number in the CSV moves when a row is inserted above it,
#: and no page shows it (LedgerError messages name lines, but a bad ledger stops the build).
UNHASHED = ("line",)

_record: dict | None = None
_suspended = 0


def _empty() -> dict:
    return {"ids": {t: set() for t in TABLES}, "select": {}, "columns": {t: set() for t in TABLES},
            "whole": set(), "derived": {}}


def enabled() -> bool:
    """True while reads are being recorded (in a notebook kernel started by helpers.execute)."""
    return _record is not None and not _suspended


def start() -> None:
    """Start (or restart) recording reads in this process."""
    global _record
    _record = _empty()


def stop() -> None:
    global _record
    _record = None


if os.environ.get("PKBOOK_DEPS") == "1":
    start()


@contextlib.contextmanager
def suspended():
    """Reads inside this block are not recorded (a derived read stands for them)."""
    global _suspended
    _suspended += 1
    try:
        yield
    finally:
        _suspended -= 1


def note_ids(table: str, ids) -> None:
    if enabled():
        _record["ids"][table].update(str(i) for i in ids)


def note_select(table: str, filters: dict) -> None:
    if enabled():
        spec = {"table": table, **{k: v for k, v in sorted(filters.items()) if v is not None}}
        _record["select"][json.dumps(spec, sort_keys=True)] = spec


def note_columns(table: str, cols) -> None:
    if enabled():
        _record["columns"][table].update(str(c) for c in cols)


def note_whole(table: str) -> None:
    if enabled():
        _record["whole"].add(table)


def snapshot() -> dict:
    """The reads recorded so far, as sorted JSON-able data."""
    r = _record or _empty()
    return {"ids": {t: sorted(r["ids"][t]) for t in TABLES}, "select": [r["select"][k] for k in sorted(r["select"])],
            "columns": {t: sorted(r["columns"][t]) for t in TABLES}, "whole": sorted(r["whole"]),
            "derived": [r["derived"][k] for k in sorted(r["derived"])]}


# --- the frames a Ledger hands out while recording -------------------------------------------------

def _labels(key):
    """The row labels of a .loc key as a list of strings, or None if the key is not a list of labels."""
    if isinstance(key, str):
        return [key]
    if isinstance(key, (pd.Series, pd.Index)):
        if pd.api.types.is_bool_dtype(key.dtype):
            return None
        key = list(key)
    elif hasattr(key, "tolist") and not isinstance(key, pd.DataFrame):
        key = key.tolist()
    if isinstance(key, (list, tuple)) and all(isinstance(k, str) for k in key):
        return list(key)
    return None


class _Indexer:
    def __init__(self, owner: "TrackedFrame", name: str) -> None:
        self._owner, self._name = owner, name

    def __getitem__(self, key):
        frame, table = self._owner._frame, self._owner._table
        rows = key[0] if isinstance(key, tuple) and self._name == "loc" and len(key) == 2 else key
        if self._name == "at":
            rows = key[0] if isinstance(key, tuple) else key
        labels = _labels(rows)
        if labels is None:
            note_whole(table)
        else:
            note_ids(table, labels)
        return getattr(frame, self._name)[key]

    def __setitem__(self, key, value):
        raise TypeError("the ledger is read-only: copy the rows you select before changing them")


class TrackedFrame:
    """A read-only view of a ledger table that records what is read from it (see the module docstring).

    `.loc[ids]`, `.at[id, col]`, `frame[col]` and `.index` are recorded precisely; any other use of the
    table (a boolean mask, iteration, display, a method) records the whole table, so nothing is missed.
    """

    __slots__ = ("_frame", "_table")

    def __init__(self, frame: pd.DataFrame, table: str) -> None:
        object.__setattr__(self, "_frame", frame)
        object.__setattr__(self, "_table", table)

    @property
    def loc(self):
        return _Indexer(self, "loc")

    @property
    def at(self):
        return _Indexer(self, "at")

    @property
    def index(self):
        note_columns(self._table, ["id"])
        return self._frame.index

    @property
    def columns(self):
        return self._frame.columns

    def __getitem__(self, key):
        cols = [key] if isinstance(key, str) else key
        if isinstance(cols, list) and cols and all(isinstance(c, str) and c in self._frame.columns for c in cols):
            note_columns(self._table, ["id", *cols])
        else:
            note_whole(self._table)
        return self._frame[key]

    def __getattr__(self, name):
        note_whole(self._table)
        return getattr(self._frame, name)

    def __setattr__(self, name, value):
        raise TypeError("the ledger is read-only")

    def __setitem__(self, key, value):
        raise TypeError("the ledger is read-only: copy the rows you select before changing them")

    def _all(self) -> pd.DataFrame:
        note_whole(self._table)
        return self._frame

    def __len__(self):
        return len(self._all())

    def __iter__(self):
        return iter(self._all())

    def __contains__(self, item):
        return item in self._all()

    def __array__(self, *args, **kwargs):
        return self._all().__array__(*args, **kwargs)

    def __repr__(self):
        return repr(self._all())

    def __eq__(self, other):
        return self._all() == other

    def __ne__(self, other):
        return self._all() != other

    __hash__ = None


def _where_mask(frame: pd.DataFrame, equals: dict) -> pd.Series:
    mask = pd.Series(True, index=frame.index)
    for col, value in equals.items():
        mask &= frame[col].isin(list(value)) if isinstance(value, (list, tuple)) else frame[col] == value
    return mask


def rows_where(frame, ids=(), **equals) -> pd.DataFrame:
    """Rows of a ledger table (in file order) whose columns equal `equals` (a list: any of), or whose id is in `ids`.

    `frame` is `ledger.events` or `ledger.observations`; the selection and the ids are recorded, so a new
    row that the selection matches re-executes the notebook, and other rows do not.
    """
    raw = frame._frame if isinstance(frame, TrackedFrame) else frame
    mask = _where_mask(raw, equals)
    if len(ids):
        mask |= raw["id"].isin(list(ids))
    if isinstance(frame, TrackedFrame) and enabled():
        spec = {"table": frame._table, "where": {k: (list(v) if isinstance(v, (list, tuple)) else v)
                                                 for k, v in sorted(equals.items())}}
        _record["select"][json.dumps(spec, sort_keys=True)] = spec
        note_ids(frame._table, list(ids))
    return raw[mask]


def tracked(frame: pd.DataFrame, table: str):
    """`frame` itself, or while recording a TrackedFrame over it."""
    return TrackedFrame(frame, table) if enabled() else frame


# --- derived reads ------------------------------------------------------------------------------------

def _encode(value):
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, _dt.date):
        return {"date": value.isoformat()}
    if isinstance(value, (list, tuple)) and all(isinstance(v, (str, int, float, bool)) for v in value):
        return {"list": list(value)}
    raise TypeError


def _decode(value):
    if isinstance(value, dict) and "date" in value:
        return _dt.date.fromisoformat(value["date"])
    if isinstance(value, dict) and "list" in value:
        return value["list"]
    return value


def result_hash(result) -> str:
    """A stable hash of a helper's result (a DataFrame, a Series or plain data)."""
    if isinstance(result, (pd.DataFrame, pd.Series)):
        text = result.astype(str).to_csv()
    else:
        text = json.dumps(result, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def derived(fn):
    """Mark a pure helper of (ledger, simple arguments): while recording, its result stands for its reads."""
    name = f"{fn.__module__}:{fn.__qualname__}"

    @functools.wraps(fn)
    def wrapper(ledger, *args, **kwargs):
        if not enabled() or not hasattr(ledger, "_obs"):
            return fn(ledger, *args, **kwargs)
        try:
            spec = {"fn": name, "args": [_encode(a) for a in args],
                    "kwargs": {k: _encode(v) for k, v in sorted(kwargs.items())}}
        except TypeError:
            return fn(ledger, *args, **kwargs)   # arguments the build cannot replay: record the reads instead
        with suspended():
            result = fn(ledger, *args, **kwargs)
            spec["hash"] = result_hash(result)
        _record["derived"][json.dumps(spec, sort_keys=True)] = spec
        return result

    wrapper.__pkbook_derived__ = name
    return wrapper


def _replay(spec: dict, ledger) -> str:
    module, _, qualname = spec["fn"].partition(":")
    fn = importlib.import_module(module)
    for part in qualname.split("."):
        fn = getattr(fn, part)
    with suspended():
        result = fn(ledger, *[_decode(a) for a in spec["args"]], **{k: _decode(v) for k, v in spec["kwargs"].items()})
    return result_hash(result)


# --- the digest -------------------------------------------------------------------------------------

def _frame(ledger, table: str) -> pd.DataFrame:
    return ledger._obs if table == "observations" else ledger._events


def _hash_rows(h, frame: pd.DataFrame, cols=None) -> None:
    keep = [c for c in (cols or frame.columns) if c in frame.columns and c not in UNHASHED]
    h.update(frame[keep].astype(str).to_csv().encode())


def digest(record: dict | None, ledger, known: dict | None = None) -> str:
    """Hash of exactly the rows (and derived results) `record` names, read from `ledger`; None = every row.

    `known` maps a derived read to its result hash: filled in as helpers are replayed (share it between
    notebooks of one build), or given (in the kernel that called them).
    """
    h = hashlib.sha256()
    if record is None:
        for table in TABLES:
            h.update(table.encode())
            _hash_rows(h, _frame(ledger, table))
        return h.hexdigest()
    for table in TABLES:
        frame = _frame(ledger, table)
        if table in record["whole"]:
            h.update(f"whole {table}\n".encode())
            _hash_rows(h, frame)
            continue
        present = [i for i in record["ids"][table] if i in frame.index]
        h.update(f"ids {table} {sorted(set(record['ids'][table]) - set(present))}\n".encode())
        _hash_rows(h, frame.loc[sorted(present)])
        if record["columns"][table]:
            h.update(f"columns {table}\n".encode())
            _hash_rows(h, frame, ["id", *record["columns"][table]])
    for spec in record["select"]:
        if spec["table"] not in record["whole"]:
            h.update(json.dumps(spec, sort_keys=True).encode())
            if "where" in spec:
                frame = _frame(ledger, spec["table"])
                _hash_rows(h, frame[_where_mask(frame, spec["where"])])
            else:
                _hash_rows(h, ledger.selected(**{k: v for k, v in spec.items() if k != "table"}).sort_values("id"))
    for spec in record["derived"]:
        key = _spec_key(spec)
        h.update(key.encode())
        if known is None or key not in known:
            result = _replay(spec, ledger)
            if known is None:
                h.update(result.encode())
                continue
            known[key] = result
        h.update(known[key].encode())
    return h.hexdigest()


def _spec_key(spec: dict) -> str:
    return json.dumps({k: v for k, v in spec.items() if k != "hash"}, sort_keys=True)


def recorded_digest(record: dict) -> str:
    """The digest of `record` on the ledger this process loaded, taking derived results as computed at call time."""
    from .ledger import load

    return digest(record, load(), known={_spec_key(s): s["hash"] for s in record["derived"]})


def dump(path: str | Path) -> None:
    """Write this process's record and its digest to `path` (run by helpers.execute after the last cell)."""
    record = snapshot()
    out = {"record": record, "digest": recorded_digest(record) if _record is not None else None}
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(out, indent=1, sort_keys=True), encoding="utf-8")

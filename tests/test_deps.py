"""Row-level dependencies: a notebook re-executes exactly when a ledger row it read, or a helper, changed."""
from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from helpers import checks, deps, execute, ledger, paths

sys.path.insert(0, str(paths.ROOT / "tools"))
from bench import scratch_copy  # noqa: E402


# --- in-process: what the ledger records, and what the digest covers --------------------------------

@pytest.fixture
def recording():
    deps.start()
    yield
    deps.stop()


def _rows(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def _write(path: Path, rows) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


def _set(path: Path, row_id: str, column: str, value: str) -> None:
    rows = _rows(path)
    for r in rows[1:]:
        if r[0] == row_id:
            r[rows[0].index(column)] = value
    _write(path, rows)


def _add_copy(path: Path, row_id: str, new_id: str, **changes) -> None:
    """Append a copy of row `row_id` under `new_id`, with `changes` (column: value) applied."""
    rows = _rows(path)
    new = list(next(r for r in rows[1:] if r[0] == row_id))
    new[0] = new_id
    for col, value in changes.items():
        new[rows[0].index(col)] = value
    _write(path, rows + [new])


def test_reads_are_recorded_precisely(recording):
    led = ledger.load()
    led.row("hs-local-2024-pta")
    led.observations.loc[["hs-local-2023-pta"], ["value"]]
    led.has("no-such-id")
    led.select("handsets_by_brand", dimension="Itel")
    led.events["theme"]
    snap = deps.snapshot()
    assert snap["ids"]["observations"] == ["hs-local-2023-pta", "hs-local-2024-pta", "no-such-id"]
    assert snap["ids"]["events"] == ["no-such-id"]
    assert snap["select"] == [{"table": "observations", "indicator": "handsets_by_brand", "kind": "level",
                               "dimension": "Itel"}]
    assert snap["columns"]["events"] == ["id", "theme"] and snap["whole"] == []
    obs = led.observations
    obs[obs["kind"] == "level"]                      # a boolean mask: the notebook may use any row
    assert deps.snapshot()["whole"] == ["observations"]


def test_a_derived_read_stands_for_the_rows_it_scans(recording):
    led = ledger.load()
    checks.conflicts(led)
    snap = deps.snapshot()
    assert snap["whole"] == [] and snap["ids"]["observations"] == []
    assert [d["fn"] for d in snap["derived"]] == ["helpers.checks:conflicts"]


def test_the_digest_follows_exactly_the_rows_read(ledger_copy, recording):
    obs = ledger_copy / "data" / "observations.csv"
    led = ledger.load()
    led.row("hs-local-2024-pta")
    led.select("handsets_by_brand", dimension="Itel")
    checks.conflicts(led)
    record = deps.snapshot()
    deps.stop()
    before = deps.digest(record, ledger.load())
    _set(obs, "hs-local-2016-topline", "note", "an edited note of a row nothing read")
    assert deps.digest(record, ledger.load()) == before
    _set(obs, "hs-local-2024-pta", "value", "33.33")                     # a row it looked up
    after_value = deps.digest(record, ledger.load())
    assert after_value != before
    _add_copy(obs, "brand-2022h1-haq-itel", "brand-2030-itel", period="2030")   # matches its selection
    assert deps.digest(record, ledger.load()) != after_value


def test_a_new_row_that_creates_a_conflict_changes_the_digest(ledger_copy, recording):
    obs = ledger_copy / "data" / "observations.csv"
    checks.conflicts(ledger.load())
    record = deps.snapshot()
    deps.stop()
    before = deps.digest(record, ledger.load())
    _add_copy(obs, "hs-local-2019-pta", "hs-local-2019-other", value="99", source="propakistani_2024_06_20_topline")
    assert deps.digest(record, ledger.load()) != before


def test_a_chapter_s_own_cross_checks_depend_on_its_rows_not_the_whole_ledger(ledger_copy, recording):
    """The Chromebooks/EV chapter shows the conflicts and recomputed changes of its own rows: a handset row
    elsewhere leaves its record's digest alone, one of its conflicting rows changes it."""
    from helpers import evs

    obs = ledger_copy / "data" / "observations.csv"
    led = ledger.load()
    evs.conflicts(led)
    evs.changes(led)
    record = deps.snapshot()
    deps.stop()
    assert record["whole"] == [] and sorted(d["fn"] for d in record["derived"]) == ["helpers.evs:changes",
                                                                                    "helpers.evs:conflicts"]
    before = deps.digest(record, ledger.load())
    _set(obs, "hs-local-2016-topline", "value", "0.31")           # a handset level, not the chapter's
    assert deps.digest(record, ledger.load()) == before
    conf = checks.conflicts(led)
    own = conf[conf["id"].isin(led.observations.index[led.observations["theme"] == evs.THEME])]
    assert len(own), "the chapter has conflicting rows to test with"
    _set(obs, own["id"].iloc[0], "value", str(float(own["value"].iloc[0]) * 3))
    assert deps.digest(record, ledger.load()) != before


def test_theme_selections_depend_on_the_theme_s_rows_only(ledger_copy, recording):
    """The EV chapter's rows and the peer figures are recorded selections, not whole-table reads: a handset row
    leaves them alone, a new row of the theme does not."""
    from helpers import evs, peers

    obs = ledger_copy / "data" / "observations.csv"
    led = ledger.load()
    assert len(evs.theme_rows(led)) and len(peers.peer_rows(led))
    record = deps.snapshot()
    deps.stop()
    assert record["whole"] == [], record["whole"]
    before = deps.digest(record, ledger.load())
    _set(obs, "hs-local-2016-topline", "value", "0.31")
    assert deps.digest(record, ledger.load()) == before
    peer = peers.peer_rows(led)["id"].iloc[0]
    _add_copy(obs, peer, peer + "-copy", period="2031")
    assert deps.digest(record, ledger.load()) != before


def test_the_ledger_is_read_only_while_recording(recording):
    with pytest.raises(TypeError):
        ledger.load().observations.loc["hs-local-2024-pta", "value"] = 1


# --- end to end: helpers.execute re-executes exactly the notebooks whose rows changed ---------------

NOTEBOOKS = {
    "looks_up": "from helpers import ledger\nL = ledger.load()\nprint('local', L.value('hs-local-2024-pta'))",
    "selects": "from helpers import ledger\nL = ledger.load()\n"
               "print('brands', sorted(L.select('handsets_by_brand', dimension='Itel')['period']))",
    "filters_events": "from helpers import deps, ledger\nL = ledger.load()\n"
                      "print('events', len(deps.rows_where(L.events, theme='cpec_it')))",
}


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    root = scratch_copy(tmp_path_factory.mktemp("deps") / "book")
    for nb in (root / "chapters").glob("*.ipynb"):
        nb.unlink()
    for name, code in NOTEBOOKS.items():
        nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code, id="c1")]),
                       root / "chapters" / f"{name}.ipynb")
    env = {**os.environ, "PYTHONPATH": str(root / "src"), "PKBOOK_ROOT": str(root)}
    env.pop("PKBOOK_BUILD_DIR", None)
    return root, env


def _run(root: Path, env: dict) -> set[str]:
    out = subprocess.run([sys.executable, "-m", "helpers.execute", "--into", str(root / "_build/site/chapters"),
                          "--jobs", "2"], cwd=root, env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-3000:]
    return {line.split()[1].removesuffix(".ipynb") for line in out.stdout.splitlines() if line.startswith("executed ")}


def _output(root: Path, name: str) -> str:
    nb = nbformat.read(root / "_build/site/chapters" / f"{name}.ipynb", as_version=4)
    return "".join(o.get("text", "") for o in nb.cells[0].outputs)


def test_only_the_notebooks_whose_rows_changed_re_execute(book):
    root, env = book
    obs, events = root / "data" / "observations.csv", root / "data" / "events.csv"
    _run(root, env)
    assert _run(root, env) == set()
    assert len(nbformat.read(root / "_build/site/chapters/looks_up.ipynb", as_version=4).cells) == 1

    _set(obs, "hs-local-2024-pta", "value", "33.33")            # a row one notebook looked up
    assert _run(root, env) == {"looks_up"}
    assert "local 33.33" in _output(root, "looks_up")

    _set(obs, "hs-local-2016-topline", "value", "0.3")          # a row no notebook read
    assert _run(root, env) == set()

    # A new row that a notebook's selection matches re-executes that notebook, and only it.
    _add_copy(obs, "brand-2022h1-haq-itel", "brand-2030-h1-itel", period="2030-H1")
    assert _run(root, env) == {"selects"}
    assert "2030-H1" in _output(root, "selects")

    first_cpec = next(r for r in _rows(events)[1:] if r[_rows(events)[0].index("theme")] == "cpec_it")[0]
    _add_copy(events, first_cpec, "ev-test-new-cpec-event")
    assert _run(root, env) == {"filters_events"}

    # After this sequence of edits the incremental copies are what a clean run of the same tree gives.
    fresh = root / "_build" / "fresh" / "chapters"
    out = subprocess.run([sys.executable, "-m", "helpers.execute", "--into", str(fresh), "--jobs", "2"],
                         cwd=root, env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-3000:]
    for name in NOTEBOOKS:
        incremental = nbformat.read(root / "_build/site/chapters" / f"{name}.ipynb", as_version=4)
        clean = nbformat.read(fresh / f"{name}.ipynb", as_version=4)
        assert incremental.cells == clean.cells, name


def test_a_helper_change_re_executes_every_notebook(book):
    root, env = book
    _run(root, env)
    fmt = root / "src" / "helpers" / "fmt.py"
    fmt.write_text(fmt.read_text(encoding="utf-8") + "\n# a helper change\n", encoding="utf-8")
    assert _run(root, env) == set(NOTEBOOKS)
    assert _run(root, env) == set()


def test_bad_data_stops_before_any_kernel_starts(book):
    root, env = book
    obs = root / "data" / "observations.csv"
    saved = obs.read_bytes()
    try:
        _set(obs, "hs-local-2024-pta", "value", "1,000")
        out = subprocess.run([sys.executable, "-m", "helpers.execute", "--into", str(root / "_build/site/chapters")],
                             cwd=root, env=env, capture_output=True, text=True)
        assert out.returncode != 0 and "data/observations.csv" in out.stderr and "value" in out.stderr
        assert "executed" not in out.stdout
    finally:
        obs.write_bytes(saved)


def _adopt(root: Path, env: dict) -> str:
    for name in ("chart-data", "audit"):
        (root / "_build" / name).mkdir(parents=True, exist_ok=True)
    out = subprocess.run([sys.executable, "-m", "helpers.execute", "--adopt", str(root / "_build/site/chapters")],
                         cwd=root, env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout


def test_adopt_keeps_executed_copies_that_are_current(book):
    root, env = book
    _run(root, env)
    site = root / "_build/site/chapters"
    before = {p.name: p.read_bytes() for p in sorted(site.glob("*.ipynb"))}
    assert "kept" in _adopt(root, env)
    assert {p.name: p.read_bytes() for p in sorted(site.glob("*.ipynb"))} == before


def test_an_adopted_notebook_counts_as_reading_every_row(book):
    root, env = book
    _run(root, env)                                               # whatever ran before on this worker
    (root / "_build/site/chapters/looks_up.ipynb").unlink()       # one copy missing: the stored ones are adopted
    assert f"adopted {len(NOTEBOOKS)} notebook(s)" in _adopt(root, env)
    assert _run(root, env) == set()                              # adopted: up to date
    _set(root / "data" / "observations.csv", "hs-local-2019-pta", "note", "a row none of them reads")
    assert _run(root, env) == set(NOTEBOOKS)                     # nbval recorded no reads: every row counts
    _set(root / "data" / "observations.csv", "hs-local-2019-pta", "note", "again")
    assert _run(root, env) == set()                              # now each has its record

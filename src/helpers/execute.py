"""Execute the chapter notebooks: in parallel, deterministically, and only when something they read changed.

A notebook is reused when two things are as they were at its last run:

- its key: its cells, the glue keys the book's pages reference from it, every helper module, the
  dependency lock, references.bib and every data file except the ledger tables (indicators, breaks,
  scorecard, series, editorial tables, ...), hashed whole. A helper change re-executes every notebook.
- its rows: the ledger rows it read, recorded while it ran (helpers.deps: the ids it looked up, the
  selections it made, the columns and tables it scanned, the cross-checks it used), hashed on the
  current ledger. A change to one row re-executes only the notebooks that read it; a new row that a
  notebook's selection would match re-executes that notebook.

The ledger is loaded (and validated) before anything runs: bad data stops the build.

    python -m helpers.execute --into _build/site/chapters   # for the book build (cached)
    python -m helpers.execute --in-place                    # refresh stored outputs (make outputs)
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from . import deps, paths
from .ledger import CACHE_ENV, load

KERNEL = "python3"
TIMEOUT = 600


def notebooks() -> list[Path]:
    """Every notebook in chapters/, in a stable order."""
    return sorted(paths.CHAPTERS.glob("*.ipynb"))


#: The ledger tables whose rows are tracked one by one (helpers.deps); every other data file counts whole.
ROW_LEVEL = (paths.OBSERVATIONS, paths.EVENTS)


def inputs_digest() -> str:
    """Hash of what every notebook reads besides itself and the ledger's rows: helpers, lock, bibliography, other data."""
    files = sorted(p for p in paths.DATA.rglob("*") if p.is_file() and p not in ROW_LEVEL)
    files += sorted(p for p in (paths.ROOT / "src" / "helpers").rglob("*.py"))
    files += [paths.BIBLIOGRAPHY, paths.ROOT / "requirements.txt"]
    return paths.digest_files(files, paths.ROOT)


def data_digest() -> str:
    """Hash of every data file (to notice a data edit made while notebooks were running)."""
    return paths.digest_files(sorted(p for p in paths.DATA.rglob("*") if p.is_file()) + [paths.BIBLIOGRAPHY], paths.ROOT)


def notebook_key(nb_path: Path, digest: str) -> str:
    """Cache key of one notebook: its cells' sources and metadata, the glue keys pages take from it, the inputs digest."""
    from .glue import referenced

    nb = nbformat.read(nb_path, as_version=4)
    cells = [{"t": c.cell_type, "s": c.source, "m": c.metadata} for c in nb.cells]
    blob = json.dumps({"cells": cells, "glue": referenced(nb_path.stem), "inputs": digest}, sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()


def normalise(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop what varies between runs: execution timing, widget state, kernel version details."""
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.metadata.pop("execution", None)
            for out in cell.get("outputs", []):
                out.get("metadata", {}).pop("execution", None)
    nb.metadata.pop("widgets", None)
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (pk-digital-book)", "language": "python",
                                 "name": KERNEL}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def execute(nb_path: Path, chart_dir: Path | None = None, deps_file: Path | None = None,
            fast_tables: bool = False) -> nbformat.NotebookNode:
    """Execute one notebook in chapters/ with the project's kernel; raise on any cell error.

    With `deps_file`, the ledger reads are recorded (helpers.deps) and written there by one extra cell
    run after the notebook's last; that cell is not kept. `fast_tables` makes folded tables render
    through the book's fast table directive (the build's executed copies, not the stored outputs).
    """
    nb = nbformat.read(nb_path, as_version=4)
    env_backup = dict(os.environ)
    os.environ["PKBOOK_ROOT"] = str(paths.ROOT)
    os.environ["PYTHONHASHSEED"] = "0"
    if chart_dir is not None:
        os.environ["PKBOOK_CHART_DIR"] = str(chart_dir)
    if deps_file is not None:
        os.environ["PKBOOK_DEPS"] = "1"
        deps_file.unlink(missing_ok=True)
        nb.cells.append(nbformat.v4.new_code_cell(f"import helpers.deps\nhelpers.deps.dump({str(deps_file)!r})",
                                                  id="pkbook-deps"))
    if fast_tables:
        os.environ["PKBOOK_FAST_TABLES"] = "1"
    os.environ.setdefault(CACHE_ENV, "1")   # one validation for all kernels (in _build/cache)
    try:
        client = NotebookClient(nb, timeout=TIMEOUT, kernel_name=KERNEL, record_timing=False,
                                resources={"metadata": {"path": str(nb_path.parent)}})
        client.execute()
    finally:
        os.environ.clear()
        os.environ.update(env_backup)
        if deps_file is not None and nb.cells and nb.cells[-1].get("id") == "pkbook-deps":
            nb.cells.pop()
    return normalise(nb)


def write(nb: nbformat.NotebookNode, target: Path) -> None:
    """Write a notebook byte-for-byte reproducibly (only if its content changed, keeping mtimes)."""
    text = json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    if target.exists() and target.read_text(encoding="utf-8") == text:
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")


def deps_dir(into: Path) -> Path:
    """Where the kernels write their dependency records during a build (beside the executed copies)."""
    return into.parent / "_deps"


def _job(args: tuple[str, str | None, str | None, str]) -> tuple[str, float]:
    src, dest, chart_dir, key = args
    t0 = time.perf_counter()
    if dest is None:
        write(execute(Path(src)), Path(src))
    else:
        record = deps_dir(Path(dest).parent) / f"{Path(src).stem}.json"
        nb = execute(Path(src), Path(chart_dir), deps_file=record, fast_tables=True)
        nb.metadata["pkbook_cache_key"] = key
        nb.metadata["pkbook_deps"] = json.loads(record.read_text(encoding="utf-8"))
        write(nb, Path(dest))
    return Path(src).name, time.perf_counter() - t0


def stale(dest: Path, key: str, ledger, known: dict | None = None) -> str:
    """Why the executed copy `dest` must be re-executed ("" if it is up to date with `key` and the ledger)."""
    if not dest.exists():
        return "not executed yet"
    meta = nbformat.read(dest, as_version=4).metadata
    if meta.get("pkbook_cache_key") != key:
        return "its cells, a helper or a non-ledger data file changed"
    recorded = meta.get("pkbook_deps")
    if not recorded or not recorded.get("digest"):
        return "no record of the rows it read"
    if deps.digest(recorded["record"], ledger, known) != recorded["digest"]:
        return "a ledger row it read changed"
    return ""


def run(into: Path | None, jobs: int, only: list[str] | None = None, explain: bool = True) -> list[str]:
    """Execute notebooks (all, or `only` these stems) into `into` (cached) or in place; return those run."""
    ledger = load()          # validates: bad data stops here, before any kernel starts
    digest, before = inputs_digest(), data_digest()
    chart_dir = (into.parent / "_static" / "chart-data") if into is not None else None
    known: dict = {}         # derived reads replayed once for all notebooks
    todo = []
    for nb_path in notebooks():
        if only and nb_path.stem not in only:
            continue
        key = notebook_key(nb_path, digest)
        if into is not None:
            dest = into / nb_path.name
            why = stale(dest, key, ledger, known) or ("" if (chart_dir / ".complete").exists() else "no chart data")
            if not why:
                continue
            if explain:
                print(f"{nb_path.stem}: {why}", flush=True)
            todo.append((str(nb_path), str(dest), str(chart_dir), key))
        else:
            todo.append((str(nb_path), None, None, key))
    if todo:
        with ProcessPoolExecutor(max_workers=max(1, min(jobs, len(todo)))) as pool:
            for name, secs in pool.map(_job, todo):
                print(f"executed {name} in {secs:.1f}s", flush=True)
    if into is not None and data_digest() != before:
        # The data changed while the notebooks ran: what they read may not be what is there now.
        for t in todo:
            nb = nbformat.read(t[1], as_version=4)
            nb.metadata.pop("pkbook_deps", None)
            write(nb, Path(t[1]))
        raise SystemExit("data/ changed while the notebooks ran: run the build again")
    if chart_dir is not None:
        chart_dir.mkdir(parents=True, exist_ok=True)
        (chart_dir / ".complete").write_text("")
    return [Path(t[0]).stem for t in todo]


def adopt(into: Path) -> list[str]:
    """Stamp the stored notebooks into the build cache as executed, with the side files of the last run.

    Only for use straight after nbval has passed on every notebook: nbval has just shown that a fresh
    run reproduces the stored outputs, and its run wrote the chart data and audit records under
    _build/. The build then needs no second execution of the same notebooks. nbval's kernels record no
    reads, so an adopted notebook counts as reading every ledger row (any data change re-executes it).
    Where every executed copy in `into` is already current (`make test` after `make book`), nothing is
    adopted: those copies came from a fresh run too, and the book built from them stays up to date.
    """
    digest, ledger = inputs_digest(), load()
    chart_dir = into.parent / "_static" / "chart-data"
    known: dict = {}         # derived reads replayed once for all notebooks, as in run()
    if (chart_dir / ".complete").exists() and not any(
            stale(into / nb.name, notebook_key(nb, digest), ledger, known) for nb in notebooks()):
        return []            # the build's own executed copies are current: keep them (and the built book)
    for name in ("chart-data", "audit"):
        src, dest = paths.BUILD / name, into.parent / "_static" / name
        if not src.is_dir():
            raise SystemExit(f"{src} is missing: run nbval on every notebook before --adopt")
        dest.mkdir(parents=True, exist_ok=True)
        for f in src.iterdir():
            (dest / f.name).write_bytes(f.read_bytes())
    adopted = []
    for nb_path in notebooks():
        nb = normalise(nbformat.read(nb_path, as_version=4))
        nb.metadata["pkbook_cache_key"] = notebook_key(nb_path, digest)
        nb.metadata["pkbook_deps"] = {"record": None, "digest": deps.digest(None, ledger)}
        write(nb, into / nb_path.name)
        adopted.append(nb_path.stem)
    (chart_dir / ".complete").write_text("")
    return adopted


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--into", type=Path, help="folder for executed copies (cached by key)")
    where.add_argument("--in-place", action="store_true", help="refresh the stored outputs in chapters/")
    where.add_argument("--adopt", type=Path, metavar="DIR",
                       help="after a passing nbval run: stamp the stored notebooks into DIR as executed")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--only", nargs="*", help="notebook stems to run (default: all)")
    args = parser.parse_args(argv)
    if args.adopt:
        n = len(adopt(args.adopt.resolve()))
        print(f"adopted {n} notebook(s) verified by nbval" if n else "adopt: every executed copy is current; kept")
        return 0
    ran = run(None if args.in_place else args.into.resolve(), args.jobs, args.only)
    print(f"{len(ran)} notebook(s) executed" + ("" if ran else " (all up to date)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())

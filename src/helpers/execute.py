"""Execute the chapter notebooks: in parallel, deterministically, and only when something they read changed.

The cache key of a notebook hashes its code and markdown cells, every file under data/, every
helper module, references.bib and the dependency lock. A data or helper change therefore
re-executes the notebooks; an unchanged tree reuses them.

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

from . import paths

KERNEL = "python3"
TIMEOUT = 600


def notebooks() -> list[Path]:
    """Every notebook in chapters/, in a stable order."""
    return sorted(paths.CHAPTERS.glob("*.ipynb"))


def digest_files(files, base: Path, salt: bytes = b"") -> str:
    """sha256 over each file's path (relative to `base`) and bytes, in the order given."""
    h = hashlib.sha256(salt)
    for f in files:
        h.update(str(f.relative_to(base)).encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def inputs_digest() -> str:
    """Hash of everything a notebook reads besides itself: data, helpers, bibliography, lock."""
    files = sorted(p for p in paths.DATA.rglob("*") if p.is_file())
    files += sorted(p for p in (paths.ROOT / "src" / "helpers").rglob("*.py"))
    files += [paths.BIBLIOGRAPHY, paths.ROOT / "requirements.txt"]
    return digest_files(files, paths.ROOT)


def notebook_key(nb_path: Path, digest: str) -> str:
    """Cache key of one notebook: its cells' sources and metadata, plus the inputs digest."""
    nb = nbformat.read(nb_path, as_version=4)
    cells = [{"t": c.cell_type, "s": c.source, "m": c.metadata} for c in nb.cells]
    blob = json.dumps({"cells": cells, "inputs": digest}, sort_keys=True).encode()
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


def execute(nb_path: Path, chart_dir: Path | None = None) -> nbformat.NotebookNode:
    """Execute one notebook in chapters/ with the project's kernel; raise on any cell error."""
    nb = nbformat.read(nb_path, as_version=4)
    env_backup = dict(os.environ)
    os.environ["PKBOOK_ROOT"] = str(paths.ROOT)
    os.environ["PYTHONHASHSEED"] = "0"
    if chart_dir is not None:
        os.environ["PKBOOK_CHART_DIR"] = str(chart_dir)
    try:
        client = NotebookClient(nb, timeout=TIMEOUT, kernel_name=KERNEL, record_timing=False,
                                resources={"metadata": {"path": str(nb_path.parent)}})
        client.execute()
    finally:
        os.environ.clear()
        os.environ.update(env_backup)
    return normalise(nb)


def write(nb: nbformat.NotebookNode, target: Path) -> None:
    """Write a notebook byte-for-byte reproducibly (only if its content changed, keeping mtimes)."""
    text = json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    if target.exists() and target.read_text(encoding="utf-8") == text:
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")


def _job(args: tuple[str, str | None, str | None, str]) -> tuple[str, float]:
    src, dest, chart_dir, key = args
    t0 = time.perf_counter()
    nb = execute(Path(src), Path(chart_dir) if chart_dir else None)
    if dest is None:
        write(nb, Path(src))
    else:
        nb.metadata["pkbook_cache_key"] = key
        write(nb, Path(dest))
    return Path(src).name, time.perf_counter() - t0


def run(into: Path | None, jobs: int, only: list[str] | None = None) -> list[str]:
    """Execute notebooks (all, or `only` these stems) into `into` (cached) or in place; return those run."""
    digest = inputs_digest()
    chart_dir = (into.parent / "_static" / "chart-data") if into is not None else None
    todo = []
    for nb_path in notebooks():
        if only and nb_path.stem not in only:
            continue
        key = notebook_key(nb_path, digest)
        if into is not None:
            dest = into / nb_path.name
            if dest.exists():
                cached = nbformat.read(dest, as_version=4).metadata.get("pkbook_cache_key")
                if cached == key and (chart_dir / ".complete").exists():
                    continue
            todo.append((str(nb_path), str(dest), str(chart_dir), key))
        else:
            todo.append((str(nb_path), None, None, key))
    if todo:
        with ProcessPoolExecutor(max_workers=max(1, min(jobs, len(todo)))) as pool:
            for name, secs in pool.map(_job, todo):
                print(f"executed {name} in {secs:.1f}s", flush=True)
    if chart_dir is not None:
        chart_dir.mkdir(parents=True, exist_ok=True)
        (chart_dir / ".complete").write_text("")
    return [Path(t[0]).stem for t in todo]


def adopt(into: Path) -> list[str]:
    """Stamp the stored notebooks into the build cache as executed, with the side files of the last run.

    Only for use straight after nbval has passed on every notebook: nbval has just shown that a fresh
    run reproduces the stored outputs, and its run wrote the chart data and audit records under
    _build/. The build then needs no second execution of the same notebooks.
    """
    digest = inputs_digest()
    chart_dir = into.parent / "_static" / "chart-data"
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
        print(f"adopted {len(adopt(args.adopt.resolve()))} notebook(s) verified by nbval")
        return 0
    ran = run(None if args.in_place else args.into.resolve(), args.jobs, args.only)
    print(f"{len(ran)} notebook(s) executed" + ("" if ran else " (all up to date)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())

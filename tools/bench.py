"""`make bench`: time the book's builds and tests against floors measured in the same run.

Floors: (A) a bare jupyter-book 1.x template book built clean, and its no-change rebuild;
(B) starting a kernel and importing pandas and seaborn, once per notebook. The book is measured in a
scratch copy of the repository (so nothing here is touched): clean HTML build, no-change rebuild,
rebuild after one data row changes, PDF build, nbval serially and in parallel, and the whole `make test`.
Prints a table of times and ratios and writes it to bench/results.md.
"""
from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent


def timed(cmd: list[str], cwd: Path, env: dict | None = None) -> float:
    print("timing:", " ".join(Path(c).name if "/" in c else c for c in cmd), flush=True)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    secs = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"bench step failed: {' '.join(cmd)}\n{proc.stderr[-3000:]}")
    return secs


def kernel_floor(n: int) -> float:
    """Start a kernel and import pandas and seaborn, n times in a row."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import pandas, seaborn")])
    t0 = time.perf_counter()
    for _ in range(n):
        NotebookClient(nb, kernel_name="python3", timeout=120).execute()
    return time.perf_counter() - t0


def scratch_copy(dest: Path) -> Path:
    """The tracked files of the repository (as in a fresh clone, plus uncommitted edits)."""
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True,
                           text=True, check=True).stdout.split()
    for f in files:
        src = ROOT / f
        if src.is_file():
            (dest / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / f)
    subprocess.run(["git", "init", "-q"], cwd=dest, check=True)
    subprocess.run(["git", "add", "-A"], cwd=dest, check=True)
    subprocess.run(["git", "-c", "user.name=bench", "-c", "user.email=bench@localhost", "commit", "-qm", "bench"],
                   cwd=dest, check=True)
    (dest / ".venv").symlink_to(ROOT / ".venv")
    return dest


def change_one_row(path: Path) -> None:
    rows = list(csv.reader(open(path, newline="", encoding="utf-8")))
    header = rows[0]
    i = header.index("value")
    rows[1][i] = str(float(rows[1][i]) + 1)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


def main() -> int:
    py = str(VENV_BIN / "python")
    jb = str(VENV_BIN / "jupyter-book")
    n_nb = len(list((ROOT / "chapters").glob("*.ipynb")))
    results: list[tuple[str, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        subprocess.run([jb, "create", str(tmp / "template")], check=True, stdout=subprocess.DEVNULL)
        a = timed([jb, "build", str(tmp / "template")], tmp)
        a_rebuild = timed([jb, "build", str(tmp / "template")], tmp)
        b = kernel_floor(n_nb)
        results += [("floor A: template book, clean build", a), ("floor A': template no-change rebuild", a_rebuild),
                    (f"floor B: kernel + pandas + seaborn x {n_nb} notebooks", b)]
        book = scratch_copy(tmp / "book")
        env = {**os.environ, "PYTHONPATH": str(book / "src"), "PKBOOK_ROOT": str(book)}
        env.pop("PKBOOK_BUILD_DIR", None)
        clean = timed([py, "-m", "helpers.site", "html"], book, env)
        nochange = timed([py, "-m", "helpers.site", "html"], book, env)
        pdf = timed([py, "-m", "helpers.site", "pdf"], book, env)
        data = book / "data" / "observations.csv"
        original = data.read_bytes()
        change_one_row(data)
        onerow = timed([py, "-m", "helpers.site", "html"], book, env)
        data.write_bytes(original)
        nbval = [py, "-m", "pytest", "-q", "-p", "no:randomly", "--nbval", "chapters", "--sanitize-with",
                 "tests/sanitize.cfg"]
        nb_serial = timed(nbval, book, env)
        nb_parallel = timed(nbval + ["-n", str(os.cpu_count() or 2), "--dist", "loadfile"], book, env)
        shutil.rmtree(book / "_build")
        whole = timed(["make", "test"], book, env)
    results += [("book: clean HTML build", clean), ("book: no-change rebuild", nochange),
                ("book: rebuild after one data row changes", onerow), ("book: PDF build", pdf),
                ("nbval, serial", nb_serial), (f"nbval, parallel ({os.cpu_count()} workers)", nb_parallel),
                ("make test (fresh copy, no _build)", whole)]
    ratios = [
        ("clean build / (A + notebooks x B)", clean / (a + b), 1.2),
        ("no-change rebuild / template no-change rebuild", nochange / a_rebuild, 1.5),
        ("nbval (parallel) / (notebooks x B)", nb_parallel / b, 1.3),
    ]
    lines = ["# Benchmark", "", f"Measured in one run on {os.cpu_count()} cores; {n_nb} notebooks.", "",
             "| step | seconds |", "|---|---:|"]
    lines += [f"| {name} | {secs:.1f} |" for name, secs in results]
    lines += ["", "| ratio | value | target | met |", "|---|---:|---:|---|"]
    lines += [f"| {name} | {val:.2f} | <= {tgt} | {'yes' if val <= tgt else 'NO'} |" for name, val, tgt in ratios]
    lines += ["", f"`make test`: {whole:.0f} s (target under 180 s): {'yes' if whole < 180 else 'NO'}", ""]
    text = "\n".join(lines)
    print(text)
    (ROOT / "bench" / "results.md").write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

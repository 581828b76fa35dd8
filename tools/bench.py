"""`make bench`: time the book's builds against floors measured in the same run; write bench/results.md.

Floors: (A) a bare jupyter-book 1.x template book built clean, and its no-change rebuild;
(B) starting a kernel and importing pandas and seaborn, once per notebook. The book is measured in a
scratch copy of the repository (nothing here is touched), with sphinx.ext.duration on:

- clean build, split into execution (helpers.execute) and the HTML build (Sphinx);
- no-change rebuild; rebuild after one ledger row changes (which notebooks re-ran, and why);
- the PDF after the HTML build;
- per-page Sphinx reading times of the clean HTML build (sphinx.ext.duration);
- fan-out: for a sample of ledger rows, how many notebooks a change of that row's value re-executes
  (computed from the executed notebooks' dependency records, without running them);
- nbval in parallel; with BENCH_FULL=1 also nbval serially and the whole `make test`;
- with BENCH_SETUP=1 the Python set-up (a fresh venv and `pip install -r requirements.txt`).

The machine is shared: numbers are noisy, so the report gives ratios within this one run and the load
average before and after.
"""
from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from helpers import ledger

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent


def timed(cmd: list[str], cwd: Path, env: dict | None = None, log: Path | None = None,
          allowed: tuple[int, ...] = (0,)) -> tuple[float, int, str]:
    """(seconds, exit code, stdout) of one command; stop the bench if it fails beyond `allowed` exit codes."""
    print("timing:", " ".join(Path(c).name if "/" in c else c for c in cmd), flush=True)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    secs = time.perf_counter() - t0
    if log is not None:
        log.write_text(proc.stdout + proc.stderr)
    if proc.returncode not in allowed:
        raise SystemExit(f"bench step failed: {' '.join(cmd)}\n{(proc.stdout + proc.stderr)[-3000:]}")
    return secs, proc.returncode, proc.stdout


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


def change_one_row(path: Path, row: int = 1) -> str:
    """Add 1 to the value of data row `row`; return its id."""
    rows = list(csv.reader(open(path, newline="", encoding="utf-8")))
    i = rows[0].index("value")
    rows[row][i] = str(float(rows[row][i]) + 1)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    return rows[row][0]


def built_pages(book: Path) -> dict[str, bytes]:
    """The built HTML pages and chart CSVs, by path."""
    html = book / "_build" / "html"
    files = list((html / "chapters").glob("*.html")) + list((html / "_static" / "chart-data").glob("*.csv"))
    # Sphinx adds a cache-busting ?v=<checksum> to a stylesheet link only where the file existed when the page
    # was written (myst-nb's CSS on a rebuild, not on a clean build): the same file, so it is left out.
    return {str(f.relative_to(html)): re.sub(rb"\?v=[0-9a-f]{8}", b"", f.read_bytes()) for f in sorted(files)}


def differing(a: dict[str, bytes], b: dict[str, bytes]) -> list[str]:
    return sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))


def load() -> str:
    return " / ".join(f"{x:.1f}" for x in os.getloadavg())


def fan_out(book: Path, sample: int = 40) -> list[tuple[str, list[str]]]:
    """For `sample` rows spread over the ledger: the notebooks a change of that row's value would re-execute."""
    code = f"""
import csv, json, sys
import nbformat
from pathlib import Path
from helpers import deps, ledger, paths
site = paths.BUILD / "site" / "chapters"
records = {{p.stem: nbformat.read(p, as_version=4).metadata["pkbook_deps"] for p in sorted(site.glob("*.ipynb"))}}
path = paths.OBSERVATIONS
original = path.read_bytes()
rows = list(csv.reader(open(path, newline="", encoding="utf-8")))
step = max(1, (len(rows) - 1) // {sample})
out = []
try:
    for n in range(1, len(rows), step):
        changed = [list(r) for r in rows]
        i = rows[0].index("value")
        changed[n][i] = str(float(changed[n][i]) + 1)
        with open(path, "w", newline="", encoding="utf-8") as fh:
            csv.writer(fh, lineterminator="\\n").writerows(changed)
        led, known = ledger.load(), {{}}
        out.append([rows[n][0], [s for s, r in records.items() if deps.digest(r["record"], led, known) != r["digest"]]])
finally:
    path.write_bytes(original)
print(json.dumps(out))
"""
    env = {**os.environ, "PYTHONPATH": str(book / "src"), "PKBOOK_ROOT": str(book)}
    proc = subprocess.run([str(VENV_BIN / "python"), "-c", code], cwd=book, env=env, capture_output=True,
                          text=True, check=True)
    return json.loads(proc.stdout)


def setup_time(tmp: Path) -> float:
    """A fresh venv and the locked install, exactly as `make venv` does it, with empty pip and uv caches."""
    env = {**os.environ, "PIP_CACHE_DIR": str(tmp / "pip-cache"), "UV_CACHE_DIR": str(tmp / "uv-cache")}
    t0 = time.perf_counter()
    subprocess.run(["make", "-s", "-C", str(ROOT), "venv", f"VENV={tmp / 'venv'}"], check=True, env=env)
    return time.perf_counter() - t0


def main() -> int:
    py = str(VENV_BIN / "python")
    jb = str(VENV_BIN / "jupyter-book")
    n_nb = len(list((ROOT / "chapters").glob("*.ipynb")))
    full, setup = os.environ.get("BENCH_FULL") == "1", os.environ.get("BENCH_SETUP") == "1"
    steps: list[tuple[str, float, str]] = []
    notes: list[str] = []
    load_before = load()
    logs = ROOT / "_build" / "bench"
    logs.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        subprocess.run([jb, "create", str(tmp / "template")], check=True, stdout=subprocess.DEVNULL)
        a, _, _ = timed([jb, "build", str(tmp / "template")], tmp)
        a_rebuild, _, _ = timed([jb, "build", str(tmp / "template")], tmp)
        b = kernel_floor(n_nb)
        steps += [("floor A: template book, clean build", a, ""), ("floor A': template no-change rebuild", a_rebuild, ""),
                  (f"floor B: kernel + pandas + seaborn x {n_nb} notebooks", b, "")]
        book = scratch_copy(tmp / "book")
        env = {**os.environ, "PYTHONPATH": str(book / "src"), "PKBOOK_ROOT": str(book), "PKBOOK_DURATION": "1"}
        env.pop("PKBOOK_BUILD_DIR", None)
        html = [py, "-m", "helpers.site", "html"]
        # jupyter-book exits 1 when Sphinx warns (-W --keep-going): the page is still built; the bench reports it.
        ex, _, _ = timed([py, "-m", "helpers.execute", "--into", str(book / "_build/site/chapters")], book, env,
                         logs / "execute.log")
        sphinx, code, _ = timed(html, book, env, logs / "html-clean.log", allowed=(0, 1))
        clean = ex + sphinx
        steps += [("book: clean build, execution (8 notebooks, 2 workers)", ex, ""),
                  ("book: clean build, HTML (Sphinx)", sphinx, "" if code == 0 else "exit 1: Sphinx warnings"),
                  ("book: clean HTML build (execution + HTML)", clean, "")]
        durations = json.loads((book / "_build" / "durations-html.json").read_text())
        clean_pages = built_pages(book)
        nochange, code, _ = timed(html, book, env, logs / "html-nochange.log", allowed=(0, 1))
        steps.append(("book: no-change rebuild", nochange, "" if code == 0 else "exit 1: Sphinx warnings"))
        pdf, code, _ = timed([py, "-m", "helpers.site", "pdf"], book, env, logs / "pdf.log", allowed=(0, 1))
        steps.append(("book: PDF after the HTML build", pdf, "" if code == 0 else "exit 1: Sphinx warnings"))
        if code != 0:
            notes.append("The PDF step ended on Sphinx warnings (-W): jupyter-book stops before LaTeX, so its time "
                         "leaves out latexmk; the no-change rebuild also re-runs jupyter-book, since only a build "
                         "without warnings stamps the output as up to date.")
        data = book / "data" / "observations.csv"
        original = data.read_bytes()
        row_id = change_one_row(data)
        onerow, code, out = timed(html, book, env, logs / "html-onerow.log", allowed=(0, 1))
        reran = re.findall(r"^executed (\S+)\.ipynb", out, flags=re.M)
        reread = re.search(r"updating environment: .*?(\d+) changed", re.sub(r"\x1b\[[0-9;]*m", "", out))
        steps.append((f"book: rebuild after one ledger row changes (`{row_id}`)", onerow,
                      f"re-executed {len(reran)}: {', '.join(reran) or 'none'}; Sphinx re-read "
                      f"{reread.group(1) if reread else '?'} pages"))
        fan = fan_out(book)
        data.write_bytes(original)
        timed(html, book, env, logs / "html-restore.log", allowed=(0, 1))
        # Built incrementally (one row changed, then changed back), the book must equal its clean build.
        same = differing(clean_pages, built_pages(book))
        notes.append("Incremental against clean: after the one-row rebuild and the rebuild that restores the row, "
                     + (f"all {len(clean_pages)} built pages and chart CSVs are byte-identical to the clean build's."
                        if not same else "these differ from the clean build's: " + ", ".join(same)))
        nbval = [py, "-m", "pytest", "-q", "-p", "no:randomly", "--nbval", "chapters", "--sanitize-with",
                 "tests/sanitize.cfg"]
        nb_env = {**env, ledger.CACHE_ENV: "1"}   # as `make nbval` runs it: the kernels share one validated ledger
        nb_parallel, _, _ = timed(nbval + ["-n", str(os.cpu_count() or 2), "--dist", "loadfile"], book, nb_env)
        steps.append((f"nbval, parallel ({os.cpu_count()} workers)", nb_parallel, ""))
        # The same book with Markdown tables (the stored outputs nbval just verified), built clean: what the
        # fast table path saves, page by page.
        for nb in (book / "_build/site/chapters").glob("*.ipynb"):
            nb.unlink()          # adopt keeps current executed copies: remove them, so it adopts the stored ones
        timed([py, "-m", "helpers.execute", "--adopt", str(book / "_build/site/chapters")], book, env)
        for folder in ("html", ".doctrees"):
            shutil.rmtree(book / "_build" / folder, ignore_errors=True)
        slow, code, _ = timed(html, book, env, logs / "html-markdown-tables.log", allowed=(0, 1))
        steps.append(("book: clean HTML (Sphinx) with Markdown tables instead of the fast path", slow,
                      "" if code == 0 else "exit 1: Sphinx warnings"))
        slow_durations = json.loads((book / "_build" / "durations-html.json").read_text())
        if full:
            nb_serial, _, _ = timed(nbval, book, nb_env)
            steps.append(("nbval, serial", nb_serial, ""))
            shutil.rmtree(book / "_build")
            whole, _, _ = timed(["make", "test"], book, env, logs / "make-test.log", allowed=(0, 2))
            steps.append(("make test (fresh copy, no _build)", whole, ""))
        debian, _, _ = timed(["make", "-s", "system-deps"], book, env)
        steps.append(("Debian packages: `make system-deps` with everything installed (check only)", debian,
                      "the install itself cannot be measured here: the packages are already installed"))
        if setup:
            steps.append(("Python set-up: `make venv` into a fresh venv, empty caches (uv, locked install)",
                          setup_time(tmp), ""))
        else:
            notes.append("Python set-up (fresh venv + locked install) not measured in this run: BENCH_SETUP=1 "
                         "measures it (it downloads the pinned wheels from the package index).")
    load_after = load()
    ratios = [
        ("clean HTML build / (A + notebooks x B)", clean / (a + b), "<= 2.0"),
        ("one-row-change rebuild / clean HTML build", onerow / clean, "<= 0.25"),
        ("no-change rebuild / template no-change rebuild", nochange / a_rebuild, "<= 1.5"),
        ("PDF after HTML / clean HTML build", pdf / clean, "<= 1.0"),
        ("nbval (parallel) / (notebooks x B)", nb_parallel / b, "<= 1.3"),
        ("clean HTML (Sphinx), fast path / Markdown tables", sphinx / slow, "<= 1.0"),
    ]
    counts = sorted(len(n) for _, n in fan)
    lines = ["# Benchmark", "",
             f"`make bench`, one run on {os.cpu_count()} cores shared with other work: load average (1/5/15 min) "
             f"{load_before} before, {load_after} after. Times are wall-clock and noisy; compare the ratios, "
             "which are measured within this run.", "",
             "| step | seconds | note |", "|---|---:|---|"]
    lines += [f"| {name} | {secs:.1f} | {note} |" for name, secs, note in steps]
    lines += ["", "| ratio | value | target | met |", "|---|---:|---:|---|"]
    for name, val, tgt in ratios:
        lines.append(f"| {name} | {val:.2f} | {tgt} | {'yes' if val <= float(tgt.split()[-1]) else 'NO'} |")
    lines += [""] + [f"- {n}" for n in notes]
    lines += ["", "## One-row changes: how many notebooks re-execute", "",
              f"For {len(fan)} rows spread over `data/observations.csv`, the notebooks whose recorded rows change "
              f"when that row's value changes (of {n_nb}): median {counts[len(counts) // 2]}, "
              f"min {counts[0]}, max {counts[-1]}; rows that re-execute no notebook: {counts.count(0)}.", "",
              "| rows | notebooks re-executed |", "|---:|---:|"]
    lines += [f"| {counts.count(k)} | {k} |" for k in sorted(set(counts))]
    lines += ["", "## Sphinx reading time per page (clean HTML builds, sphinx.ext.duration)", "",
              "Seconds to read each page: with the fast table path (the build), and with the same tables as "
              "Markdown pipe tables (the stored outputs).", "",
              "| page | fast path | Markdown tables |", "|---|---:|---:|"]
    lines += [f"| {page} | {secs:.2f} | {slow_durations.get(page, float('nan')):.2f} |"
              for page, secs in sorted(durations.items(), key=lambda x: -x[1])]
    lines += [f"| total | {sum(durations.values()):.2f} | {sum(slow_durations.values()):.2f} |", ""]
    text = "\n".join(lines)
    print(text)
    (ROOT / "bench" / "results.md").write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

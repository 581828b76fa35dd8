"""`make mutation`: change ledger values the book shows, one at a time, and count how many the
notebook regression (nbval against the stored outputs) catches.

The ids are the rows the figure audit lists as shown (`helpers.audit`: a glued value a page pastes, a
table, folded block or chart that displays the row, or an input of a shown computed value), from a fresh
run of every notebook. With --full every one is mutated; otherwise a sample (--sample, fixed --seed). Each
mutation happens in a scratch copy of the repository: the value is multiplied by 1.37 and rounded to the
decimals the row already has (if that rounds back to the old value, its last digit goes up by one).
Only the notebooks that show the row are re-run. A mutation is killed when nbval fails.
--jobs mutations run at once, each in its own copy. The chosen rows run in a shuffled order (fixed
--seed), so with --budget (seconds) a run that stops early has mutated a random subset; the report
says how many of how many. Prints the kill rate and the survivors.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import queue
import random
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import scratch_copy  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PY = str(Path(sys.executable))
TARGET = 95.0


def _env(book: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(book / "src"), "PKBOOK_ROOT": str(book)}
    env.pop("PKBOOK_BUILD_DIR", None)
    return env


def shown_rows(book: Path) -> dict[str, list[str]]:
    """{ledger id: notebooks showing it}, from a fresh run of every notebook in the scratch copy."""
    env = _env(book)
    subprocess.run([PY, "-m", "helpers.execute", "--into", str(book / "_build" / "site" / "chapters")],
                   cwd=book, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    out = subprocess.run([PY, "-m", "helpers.audit"], cwd=book, env=env, check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def mutate(path: Path, item: str, column: str) -> str:
    rows = list(csv.reader(open(path, newline="", encoding="utf-8")))
    header = rows[0]
    for r in rows[1:]:
        if r[0] == item:
            old = r[header.index(column)]
            decimals = len(old.split(".")[1]) if "." in old else 0
            new = round(float(old) * 1.37 + (1 if float(old) == 0 else 0), decimals)
            if new == float(old):   # -1 * 1.37 rounds back to -1: change the last digit instead
                new = round(float(old) + 10 ** -decimals, decimals)
            r[header.index(column)] = f"{new:.{decimals}f}"
            break
    else:
        raise KeyError(item)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    return old


def run_one(book: Path, item: str, is_obs: bool, notebooks: list[str]) -> tuple[bool, str]:
    """Mutate `item` in `book`, run nbval on `notebooks`, restore the file; (killed, old value)."""
    path = book / "data" / ("observations.csv" if is_obs else "events.csv")
    column = "value" if is_obs else "amount"
    original = path.read_bytes()
    try:
        old = mutate(path, item, column)
        proc = subprocess.run([PY, "-m", "pytest", "-q", "-x", "-p", "no:randomly", "-p", "no:cacheprovider", "--nbval",
                               *[f"chapters/{c}.ipynb" for c in notebooks], "--sanitize-with", "tests/sanitize.cfg"],
                              cwd=book, env=_env(book), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    finally:
        path.write_bytes(original)
    return proc.returncode != 0, old


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--full", action="store_true", help="mutate every shown value, not a sample")
    ap.add_argument("--sample", type=int, default=60)
    ap.add_argument("--seed", type=int, default=20261125)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="mutations run at once (one copy each)")
    ap.add_argument("--ids", nargs="*", help="mutate only these shown ids (e.g. the survivors of a run)")
    ap.add_argument("--budget", type=float, default=0, help="seconds after which no new mutation starts (0: none)")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        first = scratch_copy(Path(tmp) / "book0")
        shown = shown_rows(first)
        obs_ids = {r["id"] for r in csv.DictReader(open(first / "data" / "observations.csv", encoding="utf-8"))}
        events = {r["id"]: r for r in csv.DictReader(open(first / "data" / "events.csv", encoding="utf-8"))}
        candidates = sorted(i for i in shown if i in obs_ids or (i in events and events[i]["amount"]))
        rng = random.Random(args.seed)
        chosen = candidates if args.full or len(candidates) <= args.sample else sorted(rng.sample(candidates, args.sample))
        if args.ids:
            chosen = [i for i in candidates if i in set(args.ids)]
        chosen = rng.sample(chosen, len(chosen))
        jobs = max(1, min(args.jobs, len(chosen) or 1))
        copies: queue.Queue[Path] = queue.Queue()
        copies.put(first)
        for n in range(1, jobs):
            dest = Path(tmp) / f"book{n}"
            shutil.copytree(first, dest, symlinks=True, ignore=shutil.ignore_patterns("_build"))
            copies.put(dest)
        done = [0]

        def task(item: str) -> tuple[str, bool, str] | None:
            if args.budget and time.perf_counter() - t0 > args.budget:
                return None
            book = copies.get()
            try:
                caught, old = run_one(book, item, item in obs_ids, sorted(shown[item]))
            finally:
                copies.put(book)
            done[0] += 1
            print(f"[{done[0]}/{len(chosen)}] {item}: {'killed' if caught else 'SURVIVED'} "
                  f"({time.perf_counter() - t0:.0f} s)", flush=True)
            return item, caught, old

        with ThreadPoolExecutor(max_workers=jobs) as pool:
            results = [r for r in pool.map(task, chosen) if r is not None]
    killed = sum(c for _, c, _ in results)
    survivors = [f"{i} ({'value' if i in obs_ids else 'amount'} {old}; shown in {', '.join(sorted(shown[i]))})"
                 for i, c, old in results if not c]
    rate = killed / len(results) * 100 if results else 0.0
    what = "all" if len(results) == len(candidates) else f"a random subset (seed {args.seed}) of"
    stopped = f" (budget of {args.budget:.0f} s reached after {len(results)} of {len(chosen)} chosen)" \
        if len(results) < len(chosen) else ""
    print(f"\nmutations: {len(results)}, {what} {len(candidates)} shown ledger values{stopped}; {jobs} at once; "
          f"{time.perf_counter() - t0:.0f} s")
    print(f"kill rate: {rate:.1f}% ({killed}/{len(results)}); target >= {TARGET:.0f}%")
    if survivors:
        print("survivors:\n  " + "\n  ".join(survivors))
    return 0 if rate >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())

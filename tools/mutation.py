"""`make mutation`: change ledger values the book shows, one at a time, and count how many the
notebook regression (nbval against the stored outputs) catches.

The ids come from the figure audit records each chapter writes when it runs (every glued value, table
row and chart point). A sample of them (all if there are fewer than --sample; fixed --seed) is mutated
in a scratch copy of the repository: the value is multiplied by 1.37 and rounded to the number of
decimals the row already has. Only the notebooks that show the row are re-run. A mutation is killed when
nbval fails. Prints the kill rate and the survivors.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import scratch_copy  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PY = str(Path(sys.executable))


def audit_records(book: Path, env: dict) -> dict[str, set[str]]:
    """{ledger id: notebooks showing it}, from a fresh run of every notebook in the scratch copy."""
    subprocess.run([PY, "-m", "helpers.execute", "--into", str(book / "_build" / "site" / "chapters")],
                   cwd=book, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    shown: dict[str, set[str]] = {}
    for f in sorted((book / "_build" / "site" / "_static" / "audit").glob("*.json")):
        rec = json.loads(f.read_text())
        for item in rec["used"]:
            shown.setdefault(item, set()).add(rec["chapter"])
    return shown


def mutate(path: Path, item: str, column: str) -> str:
    rows = list(csv.reader(open(path, newline="", encoding="utf-8")))
    header = rows[0]
    for r in rows[1:]:
        if r[0] == item:
            old = r[header.index(column)]
            decimals = len(old.split(".")[1]) if "." in old else 0
            new = round(float(old) * 1.37 + (1 if float(old) == 0 else 0), decimals)
            r[header.index(column)] = f"{new:.{decimals}f}"
            break
    else:
        raise KeyError(item)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    return old


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sample", type=int, default=60)
    ap.add_argument("--seed", type=int, default=20261125)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        book = scratch_copy(Path(tmp) / "book")
        env = {**os.environ, "PYTHONPATH": str(book / "src"), "PKBOOK_ROOT": str(book)}
        env.pop("PKBOOK_BUILD_DIR", None)
        shown = audit_records(book, env)
        obs_ids = {r["id"] for r in csv.DictReader(open(book / "data" / "observations.csv", encoding="utf-8"))}
        events = {r["id"]: r for r in csv.DictReader(open(book / "data" / "events.csv", encoding="utf-8"))}
        candidates = sorted(i for i in shown if i in obs_ids or (i in events and events[i]["amount"]))
        rng = random.Random(args.seed)
        sample = candidates if len(candidates) <= args.sample else sorted(rng.sample(candidates, args.sample))
        killed, survivors = 0, []
        for n, item in enumerate(sample, 1):
            path = book / "data" / ("observations.csv" if item in obs_ids else "events.csv")
            column = "value" if item in obs_ids else "amount"
            original = path.read_bytes()
            old = mutate(path, item, column)
            notebooks = [f"chapters/{c}.ipynb" for c in sorted(shown[item])]
            proc = subprocess.run([PY, "-m", "pytest", "-q", "-x", "-p", "no:randomly", "--nbval", *notebooks,
                                   "--sanitize-with", "tests/sanitize.cfg"], cwd=book, env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            path.write_bytes(original)
            caught = proc.returncode != 0
            killed += caught
            if not caught:
                survivors.append(f"{item} ({column} {old}; shown in {', '.join(sorted(shown[item]))})")
            print(f"[{n}/{len(sample)}] {item}: {'killed' if caught else 'SURVIVED'}", flush=True)
    rate = killed / len(sample) * 100 if sample else 0.0
    print(f"\nmutations: {len(sample)} of {len(candidates)} shown ledger values (seed {args.seed})")
    print(f"kill rate: {rate:.1f}% ({killed}/{len(sample)}); target >= 95%")
    if survivors:
        print("survivors:\n  " + "\n  ".join(survivors))
    return 0 if rate >= 95 else 1


if __name__ == "__main__":
    sys.exit(main())

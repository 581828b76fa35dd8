"""Check that the bibliography's addresses still answer; write a report, never fail on a dead link.

    python -m helpers.linkcheck [--out _build/linkcheck] [--delay 2] [--timeout 20]

Requests are sequential, with `delay` seconds between two requests to the same host. A link is "live"
when it answers with a status below 400 (after redirects), else "dead" with the status or the error.
The report (report.md, report.json) gives each dead link its archived copy (helpers.archive).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlsplit

from . import paths
from .archive import archive_url
from .ledger import load_bibliography

USER_AGENT = "pk-digital-book-linkcheck/1.0 (+bibliography link check; weekly, rate-limited)"


@dataclass(frozen=True)
class Result:
    """The outcome of fetching one cited address."""

    key: str
    url: str
    status: str   # "live" or "dead"
    code: int | None
    detail: str
    archive: str


def fetch(url: str, timeout: float) -> tuple[int | None, str]:
    """(HTTP status, detail) of a GET of `url`; status None when no answer came (detail says why)."""
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "*/*"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.reason or ""
    except urllib.error.HTTPError as err:
        return err.code, str(err.reason)
    except (urllib.error.URLError, OSError, ValueError) as err:
        return None, str(getattr(err, "reason", err))


def check(entries: dict[str, tuple[str, str]], delay: float = 2.0, timeout: float = 20.0) -> list[Result]:
    """Fetch every {key: (url, urldate)} in key order, waiting `delay` s between hits on one host."""
    last: dict[str, float] = {}
    results = []
    for key in sorted(entries):
        url, urldate = entries[key]
        host = urlsplit(url).netloc
        wait = last.get(host, -delay) + delay - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        code, detail = fetch(url, timeout)
        last[host] = time.monotonic()
        status = "live" if code is not None and code < 400 else "dead"
        results.append(Result(key, url, status, code, detail, archive_url(url, urldate)))
    return results


def report(results: list[Result]) -> str:
    """A markdown report: the counts, then one row per dead link with its archived copy."""
    dead = [r for r in results if r.status == "dead"]
    lines = ["# Bibliography link check", "",
             f"{len(results)} addresses checked: {len(results) - len(dead)} live, {len(dead)} dead.", ""]
    if dead:
        lines += ["| key | url | answer | archived copy |", "|---|---|---|---|"]
        lines += [f"| {r.key} | {r.url} | {r.code if r.code is not None else 'no answer'} {r.detail} | {r.archive} |"
                  for r in dead]
    else:
        lines.append("Every address answered.")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=paths.BUILD / "linkcheck", help="folder for report.md/.json")
    parser.add_argument("--delay", type=float, default=2.0, help="seconds between requests to one host")
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds to wait for an answer")
    parser.add_argument("--bib", type=Path, default=None, help="BibTeX file (default: references.bib)")
    args = parser.parse_args(argv)
    sources = load_bibliography(args.bib)
    results = check({k: (s.url, s.urldate) for k, s in sources.items()}, args.delay, args.timeout)
    args.out.mkdir(parents=True, exist_ok=True)
    text = report(results)
    (args.out / "report.md").write_text(text, encoding="utf-8")
    (args.out / "report.json").write_text(json.dumps([asdict(r) for r in results], indent=1) + "\n", encoding="utf-8")
    print(text.splitlines()[2])
    return 0


if __name__ == "__main__":
    sys.exit(main())

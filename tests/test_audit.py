"""Every number the built book shows traces to a ledger row with a source URL (figure audit)."""
from __future__ import annotations

import csv
import json
import re

import nbformat
import pytest

from helpers import ledger, paths

pytestmark = pytest.mark.book
SITE = paths.BUILD / "site"
GLUE_MIME = "application/papermill.record/text/plain"


def _records() -> dict[str, dict]:
    out = {}
    for f in sorted((SITE / "_static" / "audit").glob("*.json")):
        rec = json.loads(f.read_text())
        out[rec["chapter"]] = rec["used"]
    if not out:
        pytest.fail("no audit records: build the book first (make html)")
    return out


def _glue_keys(nb_path) -> list[str]:
    nb = nbformat.read(nb_path, as_version=4)
    keys = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if GLUE_MIME in out.get("data", {}):
                keys.append(out["metadata"]["scrapbook"]["name"])
    return keys


def test_every_glued_value_has_a_ledger_row():
    led = ledger.load()
    known = set(led.observations.index) | set(led.events.index)
    records = _records()
    problems = []
    for nb_path in sorted((SITE / "chapters").glob("*.ipynb")):
        wheres = {w for places in records.get(nb_path.stem, {}).values() for w in places}
        for key in _glue_keys(nb_path):
            base = key[: -len("-period")] if key.endswith("-period") else key
            if base in known or key in wheres:
                continue
            problems.append(f"{nb_path.stem}: glue key {key!r} is neither a ledger id nor a recorded derived value")
    assert not problems, "\n".join(problems)


def test_every_shown_row_has_a_source_with_url():
    led = ledger.load()
    problems = []
    for chapter, used in _records().items():
        for item in used:
            try:
                entry = led.entry(item)
            except KeyError:
                problems.append(f"{chapter}: {item!r} has no ledger row")
                continue
            url = led.sources[entry["source"]].url
            if not re.match(r"^https?://", url):
                problems.append(f"{chapter}: {item!r} cites {entry['source']} without a URL")
    assert not problems, "\n".join(problems)


def test_every_chart_point_is_a_ledger_row():
    led = ledger.load()
    charts = sorted((SITE / "_static" / "chart-data").glob("*.csv"))
    assert charts, "no chart data written"
    problems = []
    for f in charts:
        for row in csv.DictReader(open(f, encoding="utf-8")):
            if "id" not in row:
                problems.append(f"{f.name}: no id column")
                break
            try:
                led.entry(row["id"])
            except KeyError:
                problems.append(f"{f.name}: id {row['id']!r} not in the ledger")
    assert not problems, "\n".join(problems)


def test_audit_page_lists_every_shown_row_with_its_url():
    """Every row the audit finds shown (helpers.audit: a pasted glue key, a table, fold or chart that displays
    it, or an input of a computed value) has an entry with its source URL; rows nothing shows have none."""
    from helpers import audit

    from helpers import auditpage

    led = ledger.load()
    page = (SITE / "chapters" / "figure_audit.md").read_text(encoding="utf-8")
    data = auditpage.entries(SITE)
    book = audit.build(SITE, led)
    listed = set()
    for ch in book:
        assert f"```{{pk-audit}} {ch.stem}\n```" in page, f"the audit page has no entries block for {ch.stem}"
        texts = {e["label"]: auditpage.entry_text(e) for e in data[ch.stem]}
        for e in ch.entries:
            assert e.label in texts, f"{e.label} missing from the audit page"
            if not e.derived:
                listed.add((ch.stem, e.key))
                assert led.sources[led.entry(e.key)["source"]].url in texts[e.label]
    labels = {e["label"] for entries in data.values() for e in entries}
    for chapter, used in _records().items():
        for item in used:
            if (chapter, item) not in listed:
                assert f"audit-{chapter}-{item}" not in labels, f"{item}: listed as shown in {chapter}, which shows it nowhere"

"""Every glued number is one click from its evidence: a link to an existing figure-audit entry; and every
audit entry marked shown is shown by its chapter (`helpers.audit.book_problems`).

The first test runs on the built book; the others craft a tiny built book to show the check fails when a
link is missing, an anchor is missing, or an entry is marked shown that nothing shows.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import audit, paths

STEM = "mobile_manufacturing"
ANCHOR = "audit-mobile-manufacturing-hs-local-2024-pta"
LINK = f'<a class="reference internal" href="figure_audit.html#{ANCHOR}" title="t">31.38 million units</a>'


@pytest.mark.book
def test_built_book_links_every_glued_number_to_a_shown_entry():
    html, site = paths.BUILD / "html", paths.BUILD / "site"
    if not (html / "chapters" / "figure_audit.html").exists():
        pytest.fail("build the book first (make html)")
    problems = audit.book_problems(html, site)
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems[:40])


@pytest.mark.book
def test_built_chapter_links_carry_hover_titles():
    page = (paths.BUILD / "html" / "chapters" / f"{STEM}.html").read_text(encoding="utf-8")
    links = audit._hrefs(page)
    titled = [a for a in page.split("<a ")[1:] if 'href="figure_audit.html#audit-' in a.split(">")[0]
              and ' title="' in a.split(">")[0]]
    assert links and len(titled) == len(links), f"{len(links) - len(titled)} of {len(links)} audit links have no title"


def _book(tmp: Path, chapter_html: str, audit_html: str, places=None) -> tuple[Path, Path]:
    html, site = tmp / "html", tmp / "site"
    (html / "chapters").mkdir(parents=True)
    (site / "chapters").mkdir(parents=True)
    (site / "_static").mkdir(parents=True)
    nb = {"cells": [
        {"cell_type": "markdown", "source": ["## Production\n",
                                             "Plants made {glue}`hs-local-2024-pta` in {glue}`hs-local-2024-pta-period`."]},
        {"cell_type": "code", "source": [], "outputs": [
            {"data": {"application/papermill.record/text/plain": "31.38 million units"},
             "metadata": {"scrapbook": {"name": "hs-local-2024-pta"}}}]}]}
    (site / "chapters" / f"{STEM}.ipynb").write_text(json.dumps(nb))
    index = {"titles": {}, "entries": {"hs-local-2024-pta": [{
        "chapter": STEM, "chapter_title": "Mobile", "label": f"audit-{STEM}-hs-local-2024-pta",
        "text": "31.38 million units", "derived": False, "inputs": [],
        "places": places or [{"place": "hs-local-2024-pta", "section": "Production"}]}]}}
    (site / "_static" / "audit-index.json").write_text(json.dumps(index))
    (html / "chapters" / f"{STEM}.html").write_text(chapter_html)
    (html / "chapters" / "figure_audit.html").write_text(audit_html)
    return html, site


def test_check_passes_on_a_linked_number(tmp_path):
    assert audit.book_problems(*_book(tmp_path, f"<p>Plants made {LINK}</p>", f'<div id="{ANCHOR}"></div>')) == []


def test_check_fails_on_a_plain_number(tmp_path):
    problems = audit.book_problems(*_book(tmp_path, "<p>Plants made 31.38 million units</p>", f'<div id="{ANCHOR}"></div>'))
    assert len(problems) == 2
    assert "pasted 1 times, 0 of them inside a link" in problems[0]
    assert "marked shown" in problems[1]


def test_check_fails_on_a_missing_anchor(tmp_path):
    problems = audit.book_problems(*_book(tmp_path, f"<p>Plants made {LINK}</p>", "<div></div>"))
    assert problems == [f"{STEM}: glued value 'hs-local-2024-pta' links to #{ANCHOR}, which the figure audit lacks"]


def test_check_fails_on_an_entry_nothing_shows(tmp_path):
    places = [{"place": "hs-local-2024-pta", "section": ""}, {"place": "fold:units", "section": ""}]
    html, site = _book(tmp_path, f"<p>Plants made {LINK}</p>", f'<div id="{ANCHOR}"></div>', places)
    assert audit.book_problems(html, site) == []
    page = html / "chapters" / f"{STEM}.html"
    # the prose no longer pastes the row, and no table prints its value: the entry claims a place nothing fills
    nb_path = site / "chapters" / f"{STEM}.ipynb"
    nb = json.loads(nb_path.read_text())
    nb["cells"][0]["source"] = ["## Production\n", "Nothing here."]
    nb_path.write_text(json.dumps(nb))
    page.write_text("<p>Plants made many phones.</p>")
    problems = audit.book_problems(html, site)
    assert len(problems) == 1 and "marked shown (hs-local-2024-pta, fold:units)" in problems[0]


def test_build_copy_links_plain_glued_values(tmp_path):
    from helpers import glue

    def out(name, md, text):
        return {"data": {"application/papermill.record/text/markdown": md,
                         "application/papermill.record/text/plain": text},
                "metadata": {"scrapbook": {"name": name}}}

    nb = tmp_path / "c.ipynb"
    nb.write_text(json.dumps({"cells": [{"cell_type": "code", "source": [], "outputs": [
        out("share", "95%", "95%"), out("share-period", "CY2024", "CY2024"),
        out("units", "{ref}`31 units <audit-c-units>`", "31 units")]}]}))
    targets = {"share": "audit-c-share", "units": "audit-c-units"}
    assert glue.link_outputs(nb, targets) == ["share"]
    outs = json.loads(nb.read_text())["cells"][0]["outputs"]
    assert [o["data"]["application/papermill.record/text/markdown"] for o in outs] == [
        "{ref}`95% <audit-c-share>`", "CY2024", "{ref}`31 units <audit-c-units>`"]
    assert glue.link_outputs(nb, targets) == []

"""The book reads as a report: findings first, short human tables, nothing past the printed text block.

Browser measures (headless Chromium, 1400 px wide) per theme chapter: the share of page height taken by
visible tables (folded blocks not counted) must stay at or under 35%; no visible table header is a
snake_case pipeline name; no ledger id shows in the visible text. PDF measures (pdftotext -bbox): no word
outside the text block; no near-blank page that is not a part or chapter opener and holds no figure.
"""
from __future__ import annotations

import csv
import re
import subprocess

import pytest

from helpers import paths

from test_book import HTML, PDF
from test_browser import browser, server  # noqa: F401 (fixtures)

pytestmark = pytest.mark.book
THEMES = ["mobile_manufacturing", "chromebooks_evs", "cpec_it_cooperation", "telecom_infrastructure", "peers",
          "promises_vs_outcomes", "reading_the_numbers"]
MAX_TABLE_SHARE = 0.35
#: A4 with Sphinx's 1in margins: the text block in PDF points (x from 72 to 595.28 - 72), with a point of slack.
TEXT_LEFT, TEXT_RIGHT, SLACK = 72.0, 523.28, 1.5

MEASURE_JS = """
() => {
  const main = document.querySelector('main') || document.body;
  const visible = el => { for (let e = el; e; e = e.parentElement) { if (e.tagName === 'DETAILS' && !e.open) return false; } return true; };
  const tables = [...main.querySelectorAll('table')].filter(t => visible(t) && t.offsetParent !== null);
  const tableHeight = tables.filter(t => !tables.some(o => o !== t && o.contains(t)))
      .reduce((s, t) => s + t.getBoundingClientRect().height, 0);
  const heads = tables.flatMap(t => [...t.querySelectorAll('th')].map(th => th.innerText.trim()));
  const wide = tables.filter(t => t.scrollWidth > t.parentElement.clientWidth + 2).length
      + [...main.querySelectorAll('.pst-scrollable-table-container')].filter(c => visible(c) && c.scrollWidth > c.clientWidth + 2).length;
  return {height: main.getBoundingClientRect().height, tableHeight, heads, wide, text: main.innerText};
}
"""


def _ledger_ids() -> set[str]:
    ids = set()
    for name in ("observations.csv", "events.csv"):
        with open(paths.DATA / name, newline="", encoding="utf-8") as fh:
            ids |= {row["id"] for row in csv.DictReader(fh)}
    return ids


@pytest.mark.parametrize("stem", THEMES)
def test_chapter_reads_as_an_article(browser, server, stem):  # noqa: F811
    ctx = browser.new_context(viewport={"width": 1400, "height": 900})
    tab = ctx.new_page()
    tab.goto(f"{server}/chapters/{stem}.html", wait_until="load")
    m = tab.evaluate(MEASURE_JS)
    ctx.close()
    share = m["tableHeight"] / m["height"]
    snake = [h for h in m["heads"] if re.fullmatch(r"[a-z0-9]+(_[a-z0-9]+)+", h) or h in ("id", "change_id")]
    words = set(re.findall(r"[a-z0-9][a-z0-9_.-]*[a-z0-9]", m["text"]))
    ids = sorted(i for i in words & _ledger_ids() if "-" in i)
    problems = []
    if share > MAX_TABLE_SHARE:
        problems.append(f"visible tables take {share:.0%} of the page height (at most {MAX_TABLE_SHARE:.0%})")
    if snake:
        problems.append(f"pipeline names as table headers: {sorted(set(snake))}")
    if ids:
        problems.append(f"ledger ids in the visible text: {ids[:10]}")
    if m["wide"]:
        problems.append(f"{m['wide']} tables wider than the text column at 1400 px")
    assert not problems, f"{stem}: " + "; ".join(problems)


def test_landing_page_leads_with_findings_and_a_chart():
    html = (HTML / "chapters" / "intro.html").read_text(encoding="utf-8")
    body = html.split('id="key-figures"', 1)[0]
    links = re.findall(r'href="figure_audit\.html#audit-[^"]+"', body)
    assert len(links) >= 5, f"the landing page's first part links {len(links)} glued figures to the audit (want 5+)"
    assert "<img" in body, "the landing page has no chart before its key figures"
    assert re.search(r"were met", body), "the scorecard verdict is not on the landing page's first part"


def _pdf_pages() -> list[str]:
    assert PDF.exists(), "no PDF: run `make pdf`"
    out = subprocess.run(["pdftotext", "-bbox", str(PDF), "-"], capture_output=True, text=True, check=True).stdout
    return out.split("<page ")[1:]


def _words(page: str):
    for m in re.finditer(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', page):
        yield (*map(float, m.groups()[:4]), m.group(5))


def outside_text_block(pages: list[str]) -> list[str]:
    """'page N: word' for each word whose box lies left or right of the text block."""
    return [f"page {n}: {w}" for n, page in enumerate(pages, 1) for x0, _, x1, _, w in _words(page)
            if x0 < TEXT_LEFT - SLACK or x1 > TEXT_RIGHT + SLACK]


def near_blank(pages: list[str], figure_pages: set[int]) -> list[int]:
    """Pages with fewer than 5 lines of body text that are not a title, part or chapter opener and hold no figure."""
    out = []
    for n, page in enumerate(pages, 1):
        words = list(_words(page))
        body = [w for w in words if 80 < w[1] < 760]            # not the running head or the folio
        text = " ".join(w[4] for w in words)
        lines = {round(w[1]) for w in body}
        opener = n <= 2 or re.search(r"\b(CHAPTER|Part|PART)\b", text[:200]) is not None
        if len(lines) < 5 and not opener and n not in figure_pages and n != len(pages):
            out.append(n)
    return out


def test_pdf_words_stay_inside_the_text_block():
    bad = outside_text_block(_pdf_pages())
    assert not bad, f"{len(bad)} words outside the text block, e.g. {bad[:8]}"


def test_pdf_has_no_near_blank_pages():
    listing = subprocess.run(["pdfimages", "-list", str(PDF)], capture_output=True, text=True, check=True).stdout
    figures = {int(line.split()[0]) for line in listing.splitlines()[2:] if line.strip()}
    blank = near_blank(_pdf_pages(), figures)
    assert not blank, f"near-blank pages: {blank}"


def test_pdf_measures_catch_a_bad_page():
    def page(n_lines, x1=120):
        return " " + "".join(f'<word xMin="80" yMin="{100 + 12 * i}" xMax="{x1}" yMax="{110 + 12 * i}">w{i}</word>'
                             for i in range(n_lines))
    pages = [page(6), page(6), page(6, x1=560), page(3), page(6), page(1)]
    assert outside_text_block(pages) == [f"page 3: w{i}" for i in range(6)]
    assert near_blank(pages, set()) == [4], "a sparse page is caught; the title pages and the last page are not"
    assert near_blank(pages, {4}) == [], "a page with a figure is not near blank"

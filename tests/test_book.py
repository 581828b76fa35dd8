"""Checks of the built book: every page, image, citation and reference resolves; the PDF is whole."""
from __future__ import annotations

import functools
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from helpers import paths

pytestmark = pytest.mark.book
HTML = paths.BUILD / "html"
PDF = paths.BUILD / "latex" / "book.pdf"


def _toc_files() -> list[str]:
    toc = yaml.safe_load((paths.ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [c["file"] for c in part["chapters"]]
    return files


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.imgs, self.links, self.ids = [], [], set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "img":
            self.imgs.append(a)
        if tag == "a" and "href" in a:
            self.links.append(a)


@functools.lru_cache(maxsize=None)
def _parse(page: Path) -> _Page:
    p = _Page()
    p.feed(page.read_text(encoding="utf-8"))
    return p


@pytest.fixture(scope="module")
def pages() -> dict[str, Path]:
    if not (HTML / "index.html").exists():
        pytest.fail("no built HTML: run `make html` first")
    return {f: HTML / f"{f}.html" for f in _toc_files()}


def test_every_toc_page_exists(pages):
    missing = [f for f, p in pages.items() if not p.exists()]
    assert not missing, f"pages in _toc.yml not built: {missing}"


def test_images_exist_and_have_specific_alt_text(pages):
    for name, page in pages.items():
        for img in _parse(page).imgs:
            src = (page.parent / img["src"]).resolve()
            assert src.exists() and src.stat().st_size > 0, f"{name}: missing image {img['src']}"
            alt = (img.get("alt") or "").strip()
            assert len(alt) >= 25 and alt.lower() not in {"chart", "figure", "image", "png"}, \
                f"{name}: image {img['src']} has no specific alt text ({alt!r})"


def test_no_unresolved_citations_or_references(pages):
    for name, page in pages.items():
        text = page.read_text(encoding="utf-8")
        assert "??" not in re.sub(r"<script.*?</script>", "", text, flags=re.S), f"{name}: unresolved '??'"
        assert 'class="xref std std-ref"' not in text or "not found" not in text
        assert "{cite" not in text and "{glue" not in text, f"{name}: a role was not rendered"


def test_internal_links_resolve(pages):
    for name, page in pages.items():
        for a in _parse(page).links:
            href = a["href"]
            if re.match(r"^(https?:|mailto:|#$|javascript:)", href):
                continue
            target, _, frag = href.partition("#")
            dest = (page.parent / target).resolve() if target else page.resolve()
            assert dest.exists(), f"{name}: broken link {href}"
            if frag and dest.suffix == ".html":
                assert frag in _parse(dest).ids, f"{name}: link {href} points to a missing anchor"


def test_citations_link_to_bibliography_entries(pages):
    bib = HTML / "chapters" / "bibliography.html"
    ids = _parse(bib).ids
    cited = 0
    for name, page in pages.items():
        for a in _parse(page).links:
            if "bibliography.html#" in a["href"]:
                cited += 1
                assert a["href"].split("#", 1)[1] in ids, f"{name}: citation {a['href']} has no entry"
    assert cited > 0


def test_pdf_exists_with_chapters_and_tables():
    assert PDF.exists() and PDF.stat().st_size > 50_000, "no PDF: run `make pdf`"
    text = subprocess.run(["pdftotext", "-layout", str(PDF), "-"], capture_output=True, text=True, check=True).stdout
    assert "??" not in text, "unresolved reference or citation in the PDF"
    site = paths.BUILD / "site"   # the mirrored sources, including generated pages such as the figure audit
    for f in _toc_files():
        src = site / (f + (".md" if (site / f"{f}.md").exists() else ".ipynb"))
        if src.suffix == ".md":
            title = next(l[2:].strip() for l in src.read_text().splitlines() if l.startswith("# "))
        else:
            import json
            cells = json.loads(src.read_text())["cells"]
            title = next(l[2:].strip() for c in cells if c["cell_type"] == "markdown"
                         for l in "".join(c["source"]).splitlines() if l.startswith("# "))
        words = title.split()[:3]
        assert re.search(r"\s+".join(map(re.escape, words)), text, flags=re.I), f"PDF lacks the title {title!r}"


def test_pdf_has_no_undefined_references():
    """Every internal link of the PDF has its target (xelatex's last pass found no undefined reference)."""
    log = (PDF.parent / "book.log").read_text(encoding="utf-8", errors="replace")
    undefined = sorted(set(re.findall(r"Hyper reference `([^']+)'", log)))
    assert "There were undefined references" not in log and not undefined, undefined[:10]


def test_pdf_tables_are_tables():
    tex = (paths.BUILD / "latex" / "book.tex").read_text(encoding="utf-8")
    assert tex.count(r"\begin{longtable}") + tex.count(r"\begin{tabulary}") + tex.count(r"\begin{tabular}") >= 3
    assert "| :---" not in tex and "|---" not in tex, "a Markdown table reached the PDF as text"

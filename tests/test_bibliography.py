"""Checks of the built bibliography, figure audit and "What changed" pages (issue 13 item 5, issue 20)."""
from __future__ import annotations

import collections
import functools
import re
from html.parser import HTMLParser

import pytest

from helpers import changes, paths
from helpers.archive import archive_url
from helpers.ledger import load_bibliography

pytestmark = pytest.mark.book
HTML = paths.BUILD / "html" / "chapters"


class _Entries(HTMLParser):
    """The text and links of each bibliography entry (role="doc-biblioentry") of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.entries: list[dict] = []
        self._depth = 0  # open elements inside the current entry
        self._href: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if self._depth:
            self._depth += tag not in ("br", "img", "wbr")
            if tag == "a":
                self._href = a.get("href")
                self.entries[-1]["links"].append([a.get("href"), ""])
        elif a.get("role") == "doc-biblioentry":
            self._depth = 1
            self.entries.append({"text": "", "label": "", "links": []})

    def handle_endtag(self, tag):
        if self._depth:
            self._depth -= 1
            if tag == "a":
                self._href = None

    def handle_data(self, data):
        if self._depth:
            self.entries[-1]["text"] += data
            if self._href is not None:
                self.entries[-1]["links"][-1][1] += data


@functools.cache
def _entries() -> list[dict]:
    page = HTML / "bibliography.html"
    if not page.exists():
        pytest.fail(f"{page} is missing: run make html")
    parser = _Entries()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.entries


def _body(entry: dict) -> str:
    """An entry's text without its label ([1]) and without the addresses it shows."""
    text = entry["text"]
    for href, shown in entry["links"]:
        text = text.replace(shown, "")
    return re.sub(r"^\s*\[[^\]]*\]\s*", "", text)


def test_every_entry_shows_its_archived_copy():
    sources = load_bibliography()
    entries = _entries()
    assert len(entries) == len(sources)
    expected = collections.Counter(archive_url(s.url, s.urldate) for s in sources.values())
    shown = collections.Counter(href for e in entries for href, text in e["links"] if text.strip() == "Archived copy")
    assert shown == expected
    assert all(sum(t.strip() == "Archived copy" for _, t in e["links"]) == 1 for e in entries)


def test_entries_show_no_tex_escapes():
    bad = [e["text"] for e in _entries() if re.search(r"\\[$&%#_{}]|[{}]", e["text"])]
    assert not bad, "\n".join(bad[:10])


def test_every_field_is_followed_by_a_space():
    bad = [e["text"].strip() for e in _entries() if re.search(r"\.[A-Z]", _body(e))]
    assert not bad, f"{len(bad)} entries run a field into the next:\n" + "\n".join(bad[:10])


def test_every_entry_has_publisher_date_url_and_access_date():
    sources = collections.defaultdict(list)
    for s in load_bibliography().values():
        sources[s.url].append(s)
    for e in _entries():
        urls = [href for href, text in e["links"] if text.strip() != "Archived copy"]
        assert len(urls) == 1 and urls[0] in sources, e["text"]
        assert any(f"{s.publisher}, {s.date.rstrip('.')}." in e["text"] and f"Accessed {s.urldate}." in e["text"]
                   for s in sources[urls[0]]), e["text"]


def test_no_two_entries_cite_the_same_url():
    urls = collections.Counter(href for e in _entries() for href, text in e["links"] if text.strip() != "Archived copy")
    twice = sorted(u for u, n in urls.items() if n > 1)
    assert not twice, f"{len(twice)} URLs are cited by more than one entry (merge their keys):\n" + "\n".join(twice)


def test_every_audit_row_carries_an_archived_copy():
    from helpers import auditpage

    paras = [p for entries in auditpage.entries(paths.BUILD / "site").values() for e in entries for p in e["body"]
             if p[0] == ["t", p[0][1]] and p[0][1].startswith("Produced by") and any(r[0] == "cite" for r in p)]
    assert len(paras) > 100, f"the figure audit lists {len(paras)} cited entries"
    missing = [p for p in paras if not any(r[0] == "u" and r[1].startswith("https://web.archive.org/web/")
                                           and r[2] == "archived" for r in p)]
    assert not missing, "\n".join(map(str, missing[:5]))


def test_changes_page_is_built_and_names_its_edition():
    html = (HTML / "changes.html").read_text(encoding="utf-8")
    assert "What changed since the last edition" in html
    tags = changes.edition_tags()
    if tags:
        assert f"Compared with edition <code" in html and tags[0] in html
    else:
        assert "This is the first edition" in html

"""Archived-copy addresses (helpers.archive) and the bibliography style that prints them (_ext/bibstyle.py)."""
from __future__ import annotations

import re
import sys

import pytest
from pybtex.database import parse_file, parse_string

from helpers import paths
from helpers.archive import archive_url
from helpers.ledger import load_bibliography

sys.path.insert(0, str(paths.ROOT / "_ext"))
from bibstyle import BookStyle, plain  # noqa: E402


def test_archive_url_is_a_wayback_lookup_at_the_access_date():
    assert archive_url("https://www.dawn.com/news/1", "2026-11-25") == \
        "https://web.archive.org/web/20261125/https://www.dawn.com/news/1"


@pytest.mark.parametrize("url, urldate", [("www.dawn.com/news/1", "2026-11-25"),
                                          ("https://dawn.com/x", "25/11/2026"), ("https://dawn.com/x", "2026-11")])
def test_archive_url_refuses_bad_input(url, urldate):
    with pytest.raises(ValueError, match=re.escape(urldate) if "/" in urldate or len(urldate) < 10 else "http"):
        archive_url(url, urldate)


def test_every_bibliography_entry_has_an_archive_address():
    sources = load_bibliography()
    addresses = {k: archive_url(s.url, s.urldate) for k, s in sources.items()}
    assert len(addresses) == len(sources) > 0
    for key, address in addresses.items():
        s = sources[key]
        assert address == f"https://web.archive.org/web/{s.urldate.replace('-', '')}/{s.url}", key


def _render(bibtex: str, backend: str = "text") -> str:
    entries = parse_string(bibtex, "bibtex").entries.values()
    return next(iter(BookStyle().format_entries(entries))).text.render_as(backend)


ENTRY = r"""@misc{k, title = {IT ministry says exports rose to \$3.2 bn, up 24\%; {PTA} \& PBS agree},
  author = {{Dawn}}, publisher = {Dawn}, date = {2024-06-20}, url = {https://www.dawn.com/news/1},
  urldate = {2026-11-25}}"""


def test_style_spaces_fields_keeps_capitals_and_undoes_tex():
    text = _render(ENTRY)
    assert text == ("Dawn. IT ministry says exports rose to $3.2 bn, up 24%; PTA & PBS agree. Dawn, 2024-06-20. "
                    "URL: https://www.dawn.com/news/1. Accessed 2026-11-25. Archived copy.")


def test_style_links_the_url_and_the_archived_copy():
    html = _render(ENTRY, "html")
    assert '<a href="https://www.dawn.com/news/1">https://www.dawn.com/news/1</a>' in html
    assert '<a href="https://web.archive.org/web/20261125/https://www.dawn.com/news/1">Archived copy</a>' in html


def test_every_entry_renders_with_publisher_date_and_archive():
    data = parse_file(str(paths.BIBLIOGRAPHY), bib_format="bibtex")
    for entry in BookStyle().format_entries(data.entries.values()):
        fields = data.entries[entry.key].fields
        text = entry.text.render_as("text")
        assert "\\" not in text and "{" not in text, (entry.key, text)
        assert f"{plain(fields['publisher'])}, {fields['date']}" in text, (entry.key, text)
        assert text.endswith(f"Accessed {fields['urldate']}. Archived copy."), (entry.key, text)
        assert not re.search(r"\.[A-Z]", text.replace(fields["url"], "")), (entry.key, text)

"""The book's bibliography style (pybtex plugin "bookstyle"): web sources as an editor would set them.

Every entry of references.bib is a web source (@misc with title, publisher, date, url and urldate):

    Author. Title as written. Publisher, 2024-06-20. URL: <url>. Accessed 2026-11-25. Archived copy.

Fields are separated by a space; titles keep their capitals (no sentence-casing, so "IT ministry" stays);
TeX escapes (\\$, \\&, \\%, \\#, \\_) and protecting braces are shown as plain text; the last link is the
Wayback Machine copy nearest the access date (helpers.archive).
"""
from __future__ import annotations

import re

from pybtex.richtext import HRef, Text
from pybtex.style.formatting.unsrt import Style as UnsrtStyle
from pybtex.style.template import FieldIsMissing, join, node, optional, sentence, words

from helpers.archive import archive_url


def plain(text: str) -> str:
    """BibTeX field text as a reader sees it: TeX escapes undone, protecting braces dropped."""
    return re.sub(r"\\([&%$#_])", r"\1", text).replace("{", "").replace("}", "")


@node
def plain_field(children, context, name: str):
    """A field's text with TeX markup undone and its capitals as written."""
    if children:
        raise ValueError(children)
    entry = context["entry"]
    try:
        return Text(plain(entry._find_field(name, bib_data=context.get("bib_data"))))
    except KeyError:
        raise FieldIsMissing(name, entry)


@node
def link(children, context):
    """The entry's url as a link showing the address."""
    if children:
        raise ValueError(children)
    url = context["entry"].fields["url"]
    return HRef(url, Text(url))


@node
def archived(children, context):
    """A link to the archived copy of the entry's url, as of its access date."""
    if children:
        raise ValueError(children)
    entry = context["entry"]
    url = entry.fields["url"]
    return HRef(archive_url(url, entry.fields["urldate"]), Text("Archived copy"))


class BookStyle(UnsrtStyle):
    """unsrt, with a web-source template for @misc entries."""

    def get_misc_template(self, e):
        return join(sep=" ")[
            optional[sentence[self.format_names("author")]],
            sentence[plain_field("title")],
            sentence[plain_field("publisher"), plain_field("date")],
            sentence[words["URL:", link]],
            sentence[words["Accessed", plain_field("urldate")]],
            sentence[archived],
        ]

"""Sphinx extension: a bibliography style that prints who, what, where, when, the URL and the access date.

Every entry of references.bib is a web source (@misc) with title, publisher, date, url and urldate.
"""
from pybtex.plugin import register_plugin
from pybtex.style.formatting.unsrt import Style as UnsrtStyle
from pybtex.style.template import field, join, optional, sentence, words


class BookStyle(UnsrtStyle):
    """unsrt, with a web-source template for @misc entries."""

    def get_misc_template(self, e):
        return join[
            optional[sentence[self.format_names("author")]],
            self.format_title(e, "title"),
            sentence[field("publisher"), field("date")],
            sentence[join["URL: ", field("url", raw=True)]],
            sentence[words["Accessed", field("urldate")]],
        ]


def setup(app):
    register_plugin("pybtex.style.formatting", "bookstyle", BookStyle)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

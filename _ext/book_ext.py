"""Sphinx extension for the book.

- A bibliography style that prints who, what, where, when, the URL and the access date (every entry
  of references.bib is a web source, @misc, with title, publisher, date, url and urldate).
- Each page lists every script once: sphinx-thebe and the book theme both add thebe's configuration
  script, and the second copy is a JavaScript error ("THEBE_JS_URL has already been declared").
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


def _dedupe_scripts(app, pagename, templatename, context, doctree):
    seen, unique = set(), []
    for script in context.get("script_files", []):
        body = getattr(script, "attributes", {}).get("body", "")
        key = body if body else str(script)
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def setup(app):
    register_plugin("pybtex.style.formatting", "bookstyle", BookStyle)
    app.connect("html-page-context", _dedupe_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

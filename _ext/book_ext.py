"""Sphinx extension for the book.

- The bibliography style "bookstyle" (bibstyle.py): who, what, where, when, the URL, the access date
  and an archived copy of every web source in references.bib.
- pybtex looks up its plugins by scanning every installed package's entry points, on every citation
  (about 4,000 scans a build, over half of the HTML build's time); the installed entry points cannot
  change during a build, so the scan is cached per (group, name). Plugins registered at run time
  (register_plugin) are still looked up first, as before.
- Each page lists every script once: sphinx-thebe and the book theme both add thebe's configuration
  script, and the second copy is a JavaScript error ("THEBE_JS_URL has already been declared").
- A chart's alt text travels in its output's metadata (`plots.show` builds it from the data drawn), so
  it follows the ledger like the chart; myst-nb reads only width and height from there, so the image
  renderer is wrapped to read `alt` too (cell metadata alt, if any, is overridden).
- Pages read in this build are walked in memory for figure numbering and `{numref}` instead of being
  unpickled again (`_share_read_doctrees`, `_cache_numref_doctrees`).
- The PDF takes two xelatex passes (`_latexmk_two_passes`); a link to the first page's title goes to that
  page (`_print_title_links`).
- sphinxcontrib-bibtex's entry filter gathers the citing pages in one pass (`_index_cited_pages`).
- The fast path for big tables, ```{pk-table}``` (fasttable.py).
- auditentries.py: the figure audit's entries built as nodes from their data (```{pk-audit}```).
- audit_links.py: section labels for the figure audit, hover titles on every link to an audit entry,
  and the audit page's text filter.
"""
import functools
from pathlib import Path

import pybtex.plugin
from docutils import nodes
from pybtex.plugin import register_plugin

from bibstyle import BookStyle
from myst_nb.core.render import NbElementRenderer

_render_image = NbElementRenderer.render_image


def _render_image_with_alt(self, data):
    nodes = _render_image(self, data)
    alt = data.output_metadata.get(data.mime_type, {}).get("alt")
    if alt:
        for node in nodes:
            node["alt"] = str(alt)
    return nodes


NbElementRenderer.render_image = _render_image_with_alt


def _dedupe_scripts(app, pagename, templatename, context, doctree):
    seen, unique = set(), []
    for script in context.get("script_files", []):
        body = getattr(script, "attributes", {}).get("body", "")
        key = body if body else str(script)
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def _cache_entry_points() -> None:
    scan = pybtex.plugin.entry_points
    if getattr(scan, "_book_cached", False):
        return

    @functools.lru_cache(maxsize=None)
    def cached(group, name):
        return tuple(scan(group=group) if name is None else scan(group=group, name=name))

    def entry_points(*, group, name=None):
        return cached(group, name)

    entry_points._book_cached = True
    pybtex.plugin.entry_points = entry_points


#: The sphinxcontrib-bibtex release whose `get_filtered_entries` `_index_cited_pages` restates (requirements.txt).
BIBTEX_VERSION = "2.7.0"


def _index_cited_pages() -> None:
    """sphinxcontrib-bibtex finds the pages citing each bibliography entry by scanning every citation once per
    entry (430 entries x 4,000 citations: 1.7 million small sets, half a second of every build, the PDF's
    too). This is the same method with the pages of each key gathered in one pass: same entries, same
    order, same filter. Only for the release it restates; any other keeps its own method.
    """
    from importlib.metadata import version

    from sphinxcontrib.bibtex import domain as bib

    real = bib.BibtexDomain.get_filtered_entries
    if getattr(real, "_book_cached", False) or version("sphinxcontrib-bibtex") != BIBTEX_VERSION:
        return

    def get_filtered_entries(self, bibliography_key):
        bibliography = self.bibliographies[bibliography_key]
        pages: dict[str, set[str]] = {}
        for citation_ref in self.citation_refs:
            for target in citation_ref.targets:
                pages.setdefault(target.key, set()).add(citation_ref.docname)
        for entry in self.get_entries(bibliography.bibfiles):
            key = bibliography.keyprefix + entry.key
            cited_docnames = set(pages.get(key, ()))
            visitor = bib._FilterVisitor(entry=entry, docname=bibliography_key.docname, cited_docnames=cited_docnames)
            try:
                success = visitor.visit(bibliography.filter_)
            except ValueError as err:
                bib.logger.warning("syntax error in :filter: expression; %s" % err,
                                   location=(bibliography_key.docname, bibliography.line),
                                   type="bibtex", subtype="filter_syntax_error")
                success = bool(cited_docnames)
            if success or entry.key in bibliography.keys:
                yield key, entry

    get_filtered_entries._book_cached = True
    get_filtered_entries._book_real = real
    bib.BibtexDomain.get_filtered_entries = get_filtered_entries


def _read_this_run(env, docname):
    """The doctree of a page read in this build, as Sphinx keeps it in memory until it writes the page, or None.

    Only for readers that do not change it (figure numbering, `{numref}`): Sphinx unpickles a fresh copy for
    them otherwise, and in a clean build that is every page once more.
    """
    memory = getattr(env, "_write_doc_doctree_cache", None)
    return memory.get(docname) if isinstance(memory, dict) else None


def _reading_doctrees(cls, method: str, otherwise) -> None:
    """Wrap `cls.method(self, env, ...)`, a Sphinx step that only reads the doctrees it asks for: while it runs,
    `env.get_doctree(docname)` gives the page read in this build if Sphinx holds it, else
    `otherwise(env, docname, fresh)` (`fresh`: Sphinx's own unpickling). Wrapped once."""
    real = getattr(cls, method)
    if getattr(real, "_book_cached", False):
        return

    def wrapper(self, env, *args, **kwargs):
        fresh = type(env).get_doctree

        def get(docname):
            read = _read_this_run(env, docname)
            return read if read is not None else otherwise(env, docname, lambda d: fresh(env, d))

        env.get_doctree = get
        try:
            return real(self, env, *args, **kwargs)
        finally:
            del env.get_doctree

    wrapper._book_cached = True
    setattr(cls, method, wrapper)


def _share_read_doctrees() -> None:
    """Figure numbering walks every page's doctree on every build; a page read in this build is walked in
    memory instead of being unpickled again (the numbers are the same: the walk only reads)."""
    from sphinx.environment.collectors.toctree import TocTreeCollector

    _reading_doctrees(TocTreeCollector, "assign_figure_numbers", lambda env, docname, fresh: fresh(docname))


#: docname -> (the pickled bytes it came from, the unpickled doctree), for `{numref}` resolution only.
_NUMREF_TREES: dict = {}


def _numref_doctree(env, docname, fresh):
    """One unpickled copy per page for every `{numref}` to it, while Sphinx holds the same pickled bytes."""
    raw = getattr(env, "_pickled_doctree_cache", None)
    if not isinstance(raw, dict):
        return fresh(docname)
    hit = _NUMREF_TREES.get(docname)
    if hit is not None and hit[0] is not None and raw.get(docname) is hit[0]:
        return hit[1]
    tree = fresh(docname)
    _NUMREF_TREES[docname] = (raw.get(docname), tree)
    return tree


def _cache_numref_doctrees() -> None:
    """`{numref}` resolution unpickles the target page's whole doctree once per reference (27 times a build,
    the figure audit's among them); it only reads it, so one unpickled copy per page serves every numref.

    A copy is reused only while Sphinx's own cache holds the very bytes it was made from, so a page re-read
    in the same process is unpickled afresh. Every other caller of `get_doctree` gets a fresh tree as before.
    """
    from sphinx.domains.std import StandardDomain

    _reading_doctrees(StandardDomain, "_resolve_numref_xref", _numref_doctree)


#: latexmk reruns xelatex when the .aux changes; the one line that still changes after the second pass is the
#: absolute number of the last page (the contents grow by a page once they are filled in), which nothing in
#: the book prints. latexmk ignores it, so the PDF takes two passes (the pages and text are those of three).
LATEXMK_IGNORE = r"$hash_calc_ignore_pattern{'aux'} = '^\\\\gdef \\\\@abspage\@last\\{';" "\n"


def _latexmk_two_passes(app, exc) -> None:
    rc = Path(app.outdir) / "latexmkrc"
    if exc is None and app.builder.name == "latex" and rc.exists():
        text = rc.read_text(encoding="utf-8")
        if LATEXMK_IGNORE not in text:
            rc.write_text(text.rstrip("\n") + "\n" + LATEXMK_IGNORE, encoding="utf-8")


def _print_title_links(app, doctree, docname) -> None:
    """In print the first page's title is the book's title and carries no label, so a link to it (the figure
    audit has 60) would be an undefined reference: it links to the start of that page instead."""
    if app.builder.format != "latex":
        return
    root = app.config.root_doc
    top = next(iter(app.env.get_doctree(root).findall(nodes.section)), None)
    targets = {f"%{root}#{i}" for i in top["ids"]} if top is not None else set()
    for ref in doctree.findall(nodes.reference):
        if ref.get("refuri") in targets:
            ref["refuri"] = f"%{root}"


def setup(app):
    # A digest of _ext (helpers.site writes it into the config): when the extensions change, every page is re-read.
    app.add_config_value("pk_ext_digest", "", "env")
    _cache_entry_points()
    _cache_numref_doctrees()
    _share_read_doctrees()
    _index_cited_pages()
    register_plugin("pybtex.style.formatting", "bookstyle", BookStyle)
    app.setup_extension("fasttable")
    app.connect("html-page-context", _dedupe_scripts, priority=900)
    app.connect("build-finished", _latexmk_two_passes)
    app.connect("doctree-resolved", _print_title_links, priority=600)   # after the audit's entries are expanded
    app.setup_extension("audit_links")
    app.setup_extension("auditentries")
    return {"parallel_read_safe": True, "parallel_write_safe": True}

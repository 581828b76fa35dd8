"""Numbers one click (and one hover) from their evidence.

- Every section of a chapter gets the label `audit-sec-<chapter>-<slug of its title>`
  (`helpers.audit.section_label`), so the figure audit links each value to the sections that show it.
- In the HTML, every link to a figure-audit entry carries a title (producer, outlet, date, as of; for a
  computed value, its inputs) read from `_static/audit-index.json`, which the audit page writes. The PDF's
  links are left as they are: internal hyperlinks with no visual mark.
- The audit page gets an offline text filter (`_static/audit-filter.js`); in the PDF its entries are set small.
"""
from __future__ import annotations

import json
from pathlib import Path

from docutils import nodes

from helpers.audit import section_label

INDEX = Path("_static") / "audit-index.json"


def _titles(app) -> dict[str, str]:
    path = Path(app.srcdir) / INDEX
    stamp = path.stat().st_mtime if path.exists() else None
    cached = getattr(app, "_audit_titles", None)
    if cached is None or cached[0] != stamp:
        titles = json.loads(path.read_text(encoding="utf-8"))["titles"] if path.exists() else {}
        app._audit_titles = (stamp, titles)
    return app._audit_titles[1]


def _depend(app, docname, source) -> None:
    """A changed audit index re-reads every page (its titles are in them)."""
    if (Path(app.srcdir) / INDEX).exists():
        app.env.note_dependency(str(Path(app.srcdir) / INDEX))


def _label_sections(app, doctree) -> None:
    docname = app.env.docname
    if not docname.startswith("chapters/"):
        return
    stem = docname.rsplit("/", 1)[-1]
    std = app.env.get_domain("std")
    for section in doctree.findall(nodes.section):
        if not section.children or not isinstance(section[0], nodes.title) or not section["ids"]:
            continue
        title = section[0].astext()
        name = section_label(stem, title)
        if name not in std.anonlabels:
            std.anonlabels[name] = (docname, section["ids"][0])
            std.labels[name] = (docname, section["ids"][0], title)


def _add_titles(app, doctree, docname) -> None:
    if app.builder.format != "html":
        return
    titles = _titles(app)
    for ref in doctree.findall(nodes.reference):
        target = ref.get("refid") or ref.get("refuri", "").rpartition("#")[2]
        if target.startswith("audit-") and target in titles and "reftitle" not in ref:
            ref["reftitle"] = titles[target]


#: In print, an audit entry is set small and tight: it is reference matter, read one entry at a time.
LATEX_ENTRY = r"\newenvironment{sphinxclassaudit-entry}{\par\small\setlength{\parskip}{0.5pt}}{\par\smallskip}"


def _latex(app, config) -> None:
    elements = dict(config.latex_elements or {})
    elements["preamble"] = elements.get("preamble", "") + LATEX_ENTRY
    config.latex_elements = elements


def setup(app):
    app.connect("config-inited", _latex)
    app.connect("source-read", _depend)
    app.connect("doctree-read", _label_sections)
    app.connect("doctree-resolved", _add_titles)
    app.add_js_file("audit-filter.js")
    return {"parallel_read_safe": True, "parallel_write_safe": True}

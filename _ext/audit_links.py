"""Numbers one click (and one hover) from their evidence.

- Every section of a chapter gets the label `audit-sec-<chapter>-<slug of its title>`
  (`helpers.audit.section_label`), so the figure audit links each value to the sections that show it.
- In the HTML, every link to a figure-audit entry carries a title (producer, outlet, date, as of; for a
  computed value, its inputs) read from `_static/audit-index.json`, which the audit page writes. The PDF's
  links are left as they are: internal hyperlinks with no visual mark. A page is re-read when the titles of the
  entries it links to change, not when any entry of the index changes (a one-row data fix re-reads only the
  pages that show that row).
- The audit page gets an offline text filter (`_static/audit-filter.js`); in the PDF its entries are set small.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from docutils import nodes
from sphinx import addnodes

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


def _audit_targets(doctree) -> list[str]:
    """The audit labels a page links to (before references are resolved), sorted."""
    found = {n.get("reftarget", "") for n in doctree.findall(addnodes.pending_xref)}
    found |= {n.get("refid") or n.get("refuri", "").rpartition("#")[2] for n in doctree.findall(nodes.reference)}
    return sorted(t for t in found if t and t.startswith("audit-"))


def _titles_digest(titles: dict[str, str], targets: list[str]) -> str:
    return hashlib.sha256(json.dumps([[t, titles.get(t)] for t in targets]).encode()).hexdigest()


def _record_targets(app, doctree) -> None:
    """Remember which audit entries a page links to, and the hover titles it was read with."""
    if app.env.docname.startswith("chapters/"):
        targets = _audit_targets(doctree)
        _store(app.env)[app.env.docname] = (targets, _titles_digest(_titles(app), targets))


def _store(env) -> dict:
    if not hasattr(env, "pk_audit_titles"):
        env.pk_audit_titles = {}
    return env.pk_audit_titles


def _outdated(app, env, added, changed, removed) -> list[str]:
    """Re-read a page whose linked audit entries' titles changed; a change elsewhere in the index leaves it alone."""
    titles = _titles(app)
    return [doc for doc, (targets, digest) in sorted(_store(env).items())
            if doc not in changed and doc not in added and doc not in removed
            and _titles_digest(titles, targets) != digest]


def _purge(app, env, docname) -> None:
    _store(env).pop(docname, None)


def _merge(app, env, docnames, other) -> None:
    for doc in docnames:
        if doc in _store(other):
            _store(env)[doc] = _store(other)[doc]


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
    app.connect("doctree-read", _label_sections)
    app.connect("doctree-read", _record_targets)
    app.connect("env-get-outdated", _outdated)
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    app.connect("doctree-resolved", _add_titles)
    app.add_js_file("audit-filter.js")
    return {"parallel_read_safe": True, "parallel_write_safe": True, "env_version": 2}

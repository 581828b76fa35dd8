"""The figure audit's entries, from their data: ```{pk-audit} <chapter>```.

`helpers.auditpage` writes the entries of every chapter to `chapters/figure_audit.json` (a list of
paragraphs per entry, each a list of runs: text, bold, code, link, cross-reference, citation) and one
`pk-audit` block per chapter on the page.

About 950 entries made the page half of the HTML build: Sphinx parsed their Markdown, then walked and
pickled some 40,000 nodes in every transform, post-transform and doctree load. Here an entry stays one
light node through all that (a labelled target, then an `audit_entry` holding its runs, with only its
citations as child nodes, so sphinxcontrib-bibtex numbers and links them as anywhere else). When the page
is written (`doctree-resolved`, before the hover titles are added) each entry becomes the very nodes its
Markdown made: an `audit-entry` container of paragraphs, with Sphinx's own reference nodes. The HTML and the
PDF are unchanged; smart quotes are applied to the runs as Sphinx applies them to a paragraph.

A change to the data re-reads the page (the file is a dependency of the page). A run of an unknown kind, a
chapter the data does not list, a file that is not JSON, or a cross-reference to a label that does not exist
stops the build (a warning, and the build runs with -W) naming the entry.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from docutils import nodes
from docutils.utils import escape2null, smartquotes
from markdown_it import MarkdownIt
from sphinx.transforms import SphinxSmartQuotes
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from helpers.auditpage import ENTRIES

#: How MyST shows an autolink's address: percent-escapes decoded where safe, a backslash escaping the next
#: character (kept out of smart quotes), so the page reads as before.
_LINK_TEXT = MarkdownIt().normalizeLinkText
#: Text smart quotes can change (quotes, backslash escapes, dashes, ellipses); other paragraphs are left as they are.
_EDUCABLE = re.compile(r"['\"\\]|--|\.\.\.|\. \. \.")
KINDS = {"t", "b", "c", "u", "r", "cite"}
logger = logging.getLogger(__name__)


class audit_entry(nodes.General, nodes.Element):
    """One figure-audit entry: node["body"] is its paragraphs of runs; its children are its citations."""


def _data(app) -> dict | None:
    """The entries' data, read once per build (kept on the application: the environment is pickled)."""
    path = Path(app.srcdir) / ENTRIES
    stamp = (path.stat().st_mtime_ns, path.stat().st_size) if path.exists() else None
    cached = getattr(app, "_pk_audit_entries", None)
    if cached is None or cached[0] != stamp:
        try:
            data = json.loads(path.read_text(encoding="utf-8")) if stamp else None
        except ValueError as exc:
            raise ValueError(f"{path}: not JSON ({exc})") from exc
        app._pk_audit_entries = (stamp, data)
    return app._pk_audit_entries[1]


def _tokens(para: list) -> list[tuple[str, str]]:
    """The (kind, text) tokens SmartQuotes would see in the paragraph the runs make."""
    out = []
    for run in para:
        if run[0] == "c":
            out.append(("literal", run[1]))
        else:
            out.append(("plain", re.sub(r"(?<=\x00)([-\\'\".`])", r"\\\1", run[-1] if run[0] != "cite" else run[1])))
    return out


class PkAudit(SphinxDirective):
    required_arguments = 1
    has_content = False

    def run(self):
        path = Path(self.env.srcdir) / ENTRIES
        self.env.note_dependency(str(path))
        try:
            data = _data(self.env.app)
        except ValueError as exc:
            raise self.error(str(exc))
        if data is None:
            raise self.error(f"pk-audit: {path} does not exist (helpers.auditpage writes it)")
        stem = self.arguments[0]
        if stem not in data:
            raise self.error(f"pk-audit: {path} has no entries for chapter {stem!r}")
        document = self.state.document
        quotes = SphinxSmartQuotes(document, None)
        action = self.config.smartquotes_action if quotes.is_available() else None
        language = document.settings.language_code
        cite = self.env.get_domain("cite").role("p")
        out = []
        for n, entry in enumerate(data[stem]):
            where = f"pk-audit: {path}, chapter {stem!r}, entry {n} ({entry.get('label')})"
            node = audit_entry(classes=["audit-entry"], docname=self.env.docname, where=where)
            body = []
            for para in entry["body"]:
                runs = []
                for run in para:
                    if run[0] not in KINDS:
                        raise self.error(f"{where}: unknown run kind {run[0]!r}")
                    if run[0] == "u" and run[1] == run[2]:
                        run = ["u", run[1], escape2null(_LINK_TEXT(run[2]))]
                    runs.append(list(run))
                tokens = _tokens(runs)
                if action and any(_EDUCABLE.search(t) for _, t in tokens):
                    for run, text in zip(runs, smartquotes.educate_tokens(tokens, attr=action, language=language)):
                        if run[0] not in ("c", "cite"):   # a citation key is not text; it is replaced
                            run[-1] = text
                for run in runs:
                    if run[0] == "cite":   # the key, as the role saw it
                        made, messages = cite("cite:p", f":cite:p:`{run[1]}`", run[1], self.lineno, self.state.inliner)
                        node += messages
                        run[:] = ["n", len(node.children)]
                        node += made
                body.append(runs)
            node["body"] = body
            target = nodes.target(entry["label"])
            target["names"].append(nodes.fully_normalize_name(entry["label"]))
            document.note_explicit_target(target, target)
            out += [target, node]
        return out


def _reference(app, entry, label: str, text: str, fromdocname: str):
    std = app.env.get_domain("std")
    docname, labelid = std.anonlabels.get(label, ("", ""))
    if not docname:
        logger.warning(f"{entry['where']}: undefined label {label!r}", location=entry)
        return nodes.inline(text, text)
    return std.build_reference_node(fromdocname, app.builder, docname, labelid, text, "ref")


def _expand(app, doctree, docname) -> None:
    """Each entry becomes its container of paragraphs (the nodes its Markdown made)."""
    for entry in list(doctree.findall(audit_entry)):
        paras = []
        for runs in entry["body"]:
            p = nodes.paragraph()
            for run in runs:
                kind = run[0]
                if kind == "t":
                    p += nodes.Text(run[1])
                elif kind == "b":
                    p += nodes.strong("", "", nodes.Text(run[1]))
                elif kind == "c":
                    p += nodes.literal(run[1], run[1])
                elif kind == "u":
                    p += nodes.reference("", "", nodes.Text(run[2]), refuri=run[1])
                elif kind == "r":
                    p += _reference(app, entry, run[1], run[2], entry["docname"])   # as Sphinx: from the page that links
                else:   # "n": a citation, resolved by now
                    p += entry.children[run[1]].deepcopy()
            paras.append(p)
        container = nodes.container("", *paras, ids=entry["ids"], names=entry["names"], classes=entry["classes"])
        entry.replace_self(container)


def _skip(self, node):
    raise nodes.SkipNode


def setup(app):
    app.add_directive("pk-audit", PkAudit)
    app.add_node(audit_entry, **{fmt: (_skip, None) for fmt in ("html", "latex", "text", "man", "texinfo")})
    app.connect("doctree-resolved", _expand, priority=400)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "env_version": 2}   # 2: no entries in the env

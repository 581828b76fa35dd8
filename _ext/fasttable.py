"""The fast path for big tables (folded blocks and the appendix "Data behind each chapter").

A ```{pk-table}``` block holds one JSON line: columns, alignment, LaTeX column widths and font size, and
rows of cell texts (written by helpers.tables). Docutils builds no table, row, entry and paragraph node
per cell: plain cells stay strings on one node, rendered straight to HTML (the same markup as a
Markdown table: `<table class="table">`, `text-left`/`text-right` cells) or to a LaTeX longtable with the
widths helpers.tables computed. A cell holding Markdown (a citation role, a link, emphasis) is parsed as
inline Markdown and rendered by the builder, so citations still number and link as elsewhere.
"""
from __future__ import annotations

import json
import re

from docutils import nodes
from docutils.parsers.rst import Directive

#: What makes a cell Markdown rather than plain text: markup characters, and what Sphinx's smart quotes
#: rewrite (quotes, dashes, ellipses), so the cell reads exactly as in a Markdown table.
MARKUP = re.compile(r"[`*_{}\[\]<>\\$&~'\"]|--|\.\.\.")


class fast_table(nodes.General, nodes.Element):
    """A table whose plain cells are strings (node["grid"]) and whose Markdown cells are child nodes."""


class PkTable(Directive):
    has_content = True

    def run(self):
        try:
            spec = json.loads("\n".join(self.content))
        except ValueError as exc:
            raise self.error(f"pk-table: the block is not JSON ({exc})")
        node = fast_table()
        node["columns"], node["align"] = spec["columns"], spec["align"]
        node["widths"], node["size"] = spec.get("widths") or [], spec.get("size", "normalsize")
        grid = []
        for row in [spec["columns"], *spec["rows"]]:
            out = []
            for text in row:
                text = str(text)
                if MARKUP.search(text):
                    parsed, messages = self.state.inline_text(text, self.lineno)
                    holder = nodes.inline("", "", *parsed)
                    node += holder
                    node += messages
                    out.append(len(node.children) - 1 - len(messages))
                else:
                    out.append(text)
            grid.append(out)
        node["grid"] = grid
        return [node]


def _cells(self, node, row, tag, align):
    for i, cell in enumerate(row):
        self.body.append(f'<{tag} class="{"head " if tag == "th" else ""}text-{align[i]}"><p>')
        if isinstance(cell, int):
            for child in node.children[cell].children:
                child.walkabout(self)
        else:
            self.body.append(self.encode(cell))
        self.body.append(f"</p></{tag}>\n")


def visit_html(self, node):
    head, *rows = node["grid"]
    self.body.append('<div class="pst-scrollable-table-container"><table class="table">\n<thead>\n<tr class="row-odd">')
    _cells(self, node, head, "th", node["align"])
    self.body.append("</tr>\n</thead>\n<tbody>\n")
    for n, row in enumerate(rows):
        self.body.append(f'<tr class="row-{"even" if n % 2 == 0 else "odd"}">')
        _cells(self, node, row, "td", node["align"])
        self.body.append("</tr>\n")
    self.body.append("</tbody>\n</table>\n</div>\n")
    raise nodes.SkipNode


def _latex_cell(self, node, cell, head=False):
    if isinstance(cell, int):
        start = len(self.body)
        for child in node.children[cell].children:
            child.walkabout(self)
        text = "".join(self.body[start:])
        del self.body[start:]
    else:
        text = self.encode(cell)
    return r"\sphinxstyletheadfamily " + text if head else text


def visit_latex(self, node):
    head, *rows = node["grid"]
    # Column widths in proportion to those helpers.tables computed, as fractions of the line (Sphinx's \X{w}{total}),
    # so a table always spans the text block and never runs past it.
    widths = node["widths"] or [1] * len(head)
    total = sum(widths)
    cols = "".join((r">{\raggedleft\arraybackslash}" if a == "right" else r">{\raggedright\arraybackslash}")
                   + f"\\X{{{w}}}{{{total}}}" for w, a in zip(widths, node["align"]))
    out = [f"\n\\begingroup\\{node['size']}\n", f"\\begin{{longtable}}{{{cols}}}\n\\hline\n"]
    header = " & ".join(_latex_cell(self, node, c, head=True) for c in head) + r" \\ \hline" + "\n"
    out += [header, r"\endfirsthead" + "\n", r"\hline" + "\n", header, r"\endhead" + "\n"]
    for row in rows:
        out.append(" & ".join(_latex_cell(self, node, c) for c in row) + r" \\" + "\n")
    out.append("\\hline\n\\end{longtable}\n\\endgroup\n")
    self.body.append("".join(out))
    raise nodes.SkipNode


def visit_text(self, node):
    for row in node["grid"]:
        self.add_text(" | ".join(c if isinstance(c, str) else node.children[c].astext() for c in row) + "\n")
    raise nodes.SkipNode


def write_durations(app, error):
    """With sphinx.ext.duration on, write every page's reading time to _build/durations-<builder>.json."""
    if error is not None or "duration" not in app.env.domains:
        return
    times = dict(sorted(app.env.get_domain("duration").reading_durations.items()))
    (app.outdir.parent / f"durations-{app.builder.name}.json").write_text(json.dumps(times, indent=1))


def setup(app):
    app.connect("build-finished", write_durations)
    app.add_node(fast_table, html=(visit_html, None), latex=(visit_latex, None), text=(visit_text, None))
    app.add_directive("pk-table", PkTable)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

"""The book's Sphinx extensions: pybtex's plugin lookup is cached, pages re-read only when their audit links change,
numref loads each page once, and the figure audit built from data matches its Markdown."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from helpers import paths

SCRIPT = r"""
import sys

import pytest
sys.path.insert(0, {ext!r})
import pybtex.plugin
from pybtex.plugin import find_plugin, register_plugin

calls = []
real = pybtex.plugin.entry_points
def counting(**kw):
    calls.append(kw)
    return real(**kw)
pybtex.plugin.entry_points = counting

before = [find_plugin("pybtex.backends", "plaintext"), find_plugin("pybtex.style.formatting", "plain")]
import book_ext
book_ext._cache_entry_points()
book_ext._cache_entry_points()          # a second setup must not wrap the cache again
calls.clear()
for _ in range(200):
    after = [find_plugin("pybtex.backends", "plaintext"), find_plugin("pybtex.style.formatting", "plain")]
assert after == before, (after, before)
assert len(calls) == 2, f"{{len(calls)}} scans of the installed entry points for 400 look-ups"

class Mine(pybtex.plugin.Plugin):
    pass
register_plugin("pybtex.backends", "plaintext", Mine, force=True)
assert find_plugin("pybtex.backends", "plaintext") is Mine, "a plugin registered at run time must win"
print("ok")
"""


def test_pybtex_plugin_lookup_is_cached_and_unchanged():
    proc = subprocess.run([sys.executable, "-c", SCRIPT.format(ext=str(paths.ROOT / "_ext"))],
                          capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stdout + proc.stderr


def _ext_module(name: str):
    """One of the book's Sphinx extensions (in _ext/), imported as Sphinx imports it."""
    import importlib

    sys.path.insert(0, str(paths.ROOT / "_ext"))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(paths.ROOT / "_ext"))


def test_a_page_is_re_read_only_when_the_titles_of_its_own_audit_links_change(tmp_path):
    from types import SimpleNamespace

    from docutils import nodes
    from sphinx import addnodes

    al = _ext_module("audit_links")
    index = tmp_path / "_static" / "audit-index.json"
    index.parent.mkdir()

    def app_with(titles: dict, docname: str = "", env=None):
        index.write_text(json.dumps({"titles": titles, "entries": {}}))
        env = env or SimpleNamespace()
        env.docname = docname
        return SimpleNamespace(srcdir=str(tmp_path), env=env)

    def page(*targets: str):
        doc = nodes.paragraph()
        doc += addnodes.pending_xref("", reftarget=targets[0])
        doc += [nodes.reference("", "", refuri=f"figure_audit.html#{t}") for t in targets[1:]]
        return doc

    env = SimpleNamespace()
    before = {"audit-a-x": "PTA, 2024", "audit-b-y": "PBS, 2023", "audit-b-z": "SBP, 2025"}
    for doc, tree in (("chapters/a", page("audit-a-x")), ("chapters/b", page("audit-b-y", "audit-b-z"))):
        app = app_with(before, doc, env)
        al._record_targets(app, tree)
    assert env.pk_audit_titles["chapters/b"][0] == ["audit-b-y", "audit-b-z"]
    assert al._outdated(app_with(before, env=env), env, set(), set(), set()) == []
    after = {**before, "audit-b-z": "SBP, 2026"}           # one entry of page b changed: b only
    assert al._outdated(app_with(after, env=env), env, set(), set(), set()) == ["chapters/b"]
    assert al._outdated(app_with(after, env=env), env, set(), {"chapters/b"}, set()) == []   # already re-read
    added = {**before, "audit-c-w": "new"}                 # an entry no page links to: nothing
    assert al._outdated(app_with(added, env=env), env, set(), set(), set()) == []
    gone = {k: v for k, v in before.items() if k != "audit-a-x"}
    assert al._outdated(app_with(gone, env=env), env, set(), set(), set()) == ["chapters/a"]


#: The end of a build script: build the book in `src`, counting the doctrees Sphinx unpickles (`loads`).
COUNTED_BUILD = r"""
loads = []
real = pickle.loads
def counting(data, *a, **k):
    loads.append(len(data))
    return real(data, *a, **k)
sphinx.environment.pickle.loads = counting
app = Sphinx(str(src), str(src), str(src / "_out"), str(src / "_doctrees"), "html", status=None, warningiserror=True)
app.build()
"""

NUMREF_SCRIPT = r"""
import pickle, sys
from pathlib import Path
sys.path.insert(0, {ext!r})
import sphinx.environment
from sphinx.application import Sphinx

src = Path({src!r})
(src / "conf.py").write_text("numfig = True\n" + ("import book_ext\nextensions = ['_numref_only']\n" if {cached} else ""))
(src / "_numref_only.py").write_text("import book_ext\ndef setup(app):\n    book_ext._cache_numref_doctrees()\n"
                                    "    return {{'parallel_read_safe': True}}\n")
sys.path.insert(0, str(src))
(src / "index.rst").write_text("Index\n=====\n\n.. toctree::\n\n   figs\n   refs\n")
(src / "figs.rst").write_text("Figs\n====\n\n.. _tab-a:\n\n.. table:: A\n\n   = =\n   a b\n   = =\n\n"
                             ".. _tab-b:\n\n.. table:: B\n\n   = =\n   c d\n   = =\n")
(src / "refs.rst").write_text("Refs\n====\n\n" + "".join(f"See :numref:`tab-{{x}}` ({{i}}).\n\n"
                                                        for i in range(6) for x in "ab"))
""" + COUNTED_BUILD + r"""html = (src / "_out" / "refs.html").read_text()
assert html.count("Table 1") == 6 and html.count("Table 2") == 6, html
print(len(loads))
"""


def test_numref_resolution_unpickles_each_target_page_once(tmp_path):
    counts = {}
    for cached in (False, True):
        src = tmp_path / str(cached)
        src.mkdir()
        proc = subprocess.run([sys.executable, "-c", NUMREF_SCRIPT.format(ext=str(paths.ROOT / "_ext"), src=str(src),
                                                                          cached=cached)],
                              capture_output=True, text=True)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        counts[cached] = int(proc.stdout.split()[-1])
    # 12 numrefs to one page: without the cache 12 extra unpickles of it, with it one.
    assert counts[False] - counts[True] == 11, counts


AUDIT_SCRIPT = r"""
import json, re, sys
from pathlib import Path
ext, src, variant, builder, ENTRIES = json.loads(sys.argv[1])
sys.path.insert(0, ext)
from sphinx.application import Sphinx

src = Path(src)
(src / "conf.py").write_text(
    "extensions = ['myst_parser', 'sphinxcontrib.bibtex', 'book_ext']\n"
    "bibtex_bibfiles = ['refs.bib']\nmyst_enable_extensions = ['colon_fence']\n"
    "suppress_warnings = ['myst.domains']\n")
(src / "refs.bib").write_text("@misc{src-a, title={A title}, author={Someone}, year={2024}}\n")
# The referenced section is on the master page: in the PDF every page is resolved from it, and a reference
# must still point from the audit page to that section.
(src / "index.md").write_text("(index-title)=\n# Index\n\n(sec-label)=\n## The section's \"title\"\n\nText.\n\n"
                              "```{toctree}\nchapters/ch\nchapters/figure_audit\n```\n")
(src / "chapters").mkdir(exist_ok=True)
(src / "chapters" / "ch.md").write_text("# Chapter\n\nText.\n\n```{bibliography}\n```\n")

def md(text):
    return re.sub(r"([\\`*_\[\]<>|{}])", r"\\\1", text)

def run_md(r):
    k = r[0]
    if k == "t": return md(r[1])
    if k == "b": return "**" + md(r[1]) + "**"
    if k == "c": return "`" + r[1] + "`"
    if k == "u": return "<" + r[1] + ">" if r[1] == r[2] else "[" + md(r[2]) + "](" + r[1] + ")"
    if k == "r": return "{ref}`" + r[2] + " <" + r[1] + ">`"
    if k == "cite": return "{cite:p}`" + r[1] + "`"

if variant == "markdown":
    body = "\n\n".join("(" + e["label"] + ")=\n:::{container} audit-entry\n" +
                       "\n\n".join("".join(run_md(r) for r in p) for p in e["body"]) + "\n:::" for e in ENTRIES)
else:
    (src / "chapters" / "figure_audit.json").write_text(json.dumps({"ch": ENTRIES}))
    body = "```{pk-audit} ch\n```"
(src / "chapters" / "figure_audit.md").write_text("# Figure audit\n\n## Chapter\n\n" + body + "\n")
app = Sphinx(str(src), str(src), str(src / "_out"), str(src / "_doctrees"), builder, status=None,
             warningiserror=True, confoverrides={"latex_documents": [("index", "book.tex", "B", "A", "manual")]})
app.build()
if builder == "html":
    page = (src / "_out" / "chapters" / "figure_audit.html").read_text()
    print(page[page.index('<section id="figure-audit">'):page.index('class="sphinxsidebar"')])
else:
    tex = (src / "_out" / "book.tex").read_text()
    print(tex[tex.index("{Figure audit}"):tex.index("end{document}")])
"""

#: Entries that exercise every kind of run and what smart quotes do to them (an apostrophe, double quotes,
#: a dash, an ellipsis, an address with a backslash-escaped quote and percent-escapes), in-page and
#: cross-page references and a citation.
AUDIT_ENTRIES = [
    {"label": "audit-ch-a", "body": [
        [["b", "USD 1.5 billion"], ["t", ", "], ["c", "a-id"], ["t", ": the \"bill\" -- Pakistan's... (level)"]],
        [["t", "Outlet: "], ["u", "https://x.example/China%E2%80%99s-Pakistan%5C's-fibre", "https://x.example/China%E2%80%99s-Pakistan%5C's-fibre"],
         ["t", " ("], ["u", "https://web.archive.org/web/2026/https://x.example/", "archived"], ["t", "); as of 2024 "],
         ["cite", "src-a"], ["t", "."]],
        [["t", "Shown in: computed "], ["r", "audit-ch-b", "b"], ["t", " in "], ["r", "sec-label", "The section's \"title\""], ["t", "."]]]},
    {"label": "audit-ch-b", "body": [[["b", "12%"], ["t", ", computed value "], ["c", "b"]],
                                     [["t", "Computed from: "], ["r", "audit-ch-a", "a-id"], ["t", "."]]]},
]


def _audit_build(tmp_path, variant: str, builder: str, entries=AUDIT_ENTRIES):
    src = tmp_path / f"{variant}-{builder}"
    src.mkdir()
    args = json.dumps([str(paths.ROOT / "_ext"), str(src), variant, builder, entries])
    return subprocess.run([sys.executable, "-c", AUDIT_SCRIPT, args], capture_output=True, text=True)


def test_audit_entries_built_from_data_match_their_markdown_in_html_and_latex(tmp_path):
    """`{pk-audit}` skips the Markdown parser and the transforms, not what they made: the page's HTML and its
    LaTeX are byte for byte those of the same entries written as Markdown."""
    for builder in ("html", "latex"):
        out = {}
        for variant in ("markdown", "data"):
            proc = _audit_build(tmp_path, variant, builder)
            assert proc.returncode == 0, proc.stdout + proc.stderr
            out[variant] = proc.stdout
        assert "audit-ch-a" in out["data"] and "src-a" not in out["data"].replace("id=\"id", ""), out["data"][:2000]
        assert out["data"] == out["markdown"], (builder, out["markdown"], out["data"])
    assert "Pakistan’s" in out["data"], "smart quotes were applied"


def test_audit_entry_linking_to_an_unknown_label_stops_the_build(tmp_path):
    bad = [{"label": "audit-ch-a", "body": [[["t", "See "], ["r", "audit-ch-missing", "x"]]]}]
    proc = _audit_build(tmp_path, "data", "html", entries=bad)
    assert proc.returncode != 0 and "undefined label 'audit-ch-missing'" in proc.stderr + proc.stdout, proc.stderr[-2000:]
    bad = [{"label": "audit-ch-a", "body": [[["q", "?"]]]}]
    (tmp_path / "kind").mkdir()
    proc = _audit_build(tmp_path / "kind", "data", "html", entries=bad)
    assert proc.returncode != 0 and "unknown run kind 'q'" in proc.stderr + proc.stdout, proc.stderr[-2000:]


def test_latexmk_ignores_only_the_last_page_number_and_the_line_is_added_once(tmp_path):
    """The PDF takes two xelatex passes because latexmk ignores one .aux line (the last page's absolute number);
    the pattern is Perl (latexmkrc): it must match that line and no label, page or contents line."""
    import shutil
    from types import SimpleNamespace

    be = _ext_module("book_ext")
    rc = tmp_path / "latexmkrc"
    rc.write_text("$pdflatex = 'xelatex %O %S';\n")
    app = SimpleNamespace(outdir=str(tmp_path), builder=SimpleNamespace(name="latex"))
    be._latexmk_two_passes(app, None)
    be._latexmk_two_passes(app, None)
    assert rc.read_text().count("hash_calc_ignore_pattern") == 1
    be._latexmk_two_passes(SimpleNamespace(outdir=str(tmp_path), builder=SimpleNamespace(name="html")), None)
    assert rc.read_text().count("hash_calc_ignore_pattern") == 1
    if shutil.which("perl") is None:
        pytest.skip("no perl")
    lines = [r"\gdef \@abspage@last{332}", r"\newlabel{chapters/intro:x}{{1.1}{5}{Title}{section.1.1}{}}",
             r"\@writefile{toc}{\contentsline {chapter}{\numberline {1}What the book finds}{1}{chapter.1}}%",
             r"\HyPL@Entry{4<</S/D>>}"]
    script = be.LATEXMK_IGNORE + "".join(
        f"print((q|{line}| =~ /$hash_calc_ignore_pattern{{'aux'}}/) ? 1 : 0);\n" for line in lines)
    out = subprocess.run(["perl", "-e", script], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout == "1000", out.stdout + out.stderr


SHARE_SCRIPT = r"""
import json, pickle, sys
from pathlib import Path
ext, src, shared = json.loads(sys.argv[1])
sys.path.insert(0, ext)
import sphinx.environment
from sphinx.application import Sphinx

src = Path(src)
(src / "conf.py").write_text("numfig = True\nextensions = ['_share']\n")
(src / "_share.py").write_text("import book_ext\ndef setup(app):\n" + ("    book_ext._share_read_doctrees()\n" if shared else "")
                               + "    return {'parallel_read_safe': True}\n")
sys.path.insert(0, str(src))
pages = ["a", "b", "c"]
(src / "index.rst").write_text("Index\n=====\n\n.. toctree::\n   :numbered:\n\n" + "".join(f"   {p}\n" for p in pages))
for p in pages:
    (src / f"{p}.rst").write_text(f"Page {p}\n======\n\n" + "".join(
        f".. _tab-{p}{i}:\n\n.. table:: Table {p}{i}\n\n   = =\n   x y\n   = =\n\n" for i in range(3)))
""" + COUNTED_BUILD + r"""print(json.dumps({"loads": len(loads), "html": [(src / "_out" / f"{p}.html").read_text() for p in pages]}))
"""


def test_figure_numbering_walks_pages_read_in_this_build_without_unpickling_them(tmp_path):
    out = {}
    for shared in (False, True):
        src = tmp_path / str(shared)
        src.mkdir()
        proc = subprocess.run([sys.executable, "-c", SHARE_SCRIPT, json.dumps([str(paths.ROOT / "_ext"), str(src), shared])],
                              capture_output=True, text=True)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        out[shared] = json.loads(proc.stdout.splitlines()[-1])
    assert out[True]["html"] == out[False]["html"], "the figure numbers changed"
    assert "Table 3.3" in out[True]["html"][2], "tables are numbered by chapter"
    # numbering walks index, a, b, c: unpickled without the share, walked in memory with it
    assert out[False]["loads"] - out[True]["loads"] == 4, (out[False]["loads"], out[True]["loads"])


def test_in_print_a_link_to_the_first_page_s_title_goes_to_that_page(tmp_path):
    """The first page's title is the PDF's own title and has no label there: an audit entry that links to it
    links to the page instead of leaving an undefined reference."""
    entries = [{"label": "audit-ch-a", "body": [[["t", "Shown in "], ["r", "index-title", "Index"], ["t", "."]]]}]
    proc = _audit_build(tmp_path, "data", "latex", entries=entries)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert r"\hyperref[\detokenize{index::doc}]" in proc.stdout, proc.stdout[-2000:]


BIB_SCRIPT = r"""
import json, sys
from pathlib import Path
ext, src = json.loads(sys.argv[1])
sys.path.insert(0, ext)
from sphinx.application import Sphinx

src = Path(src)
(src / "conf.py").write_text("extensions = ['sphinxcontrib.bibtex']\nbibtex_bibfiles = ['refs.bib']\n")
(src / "refs.bib").write_text("".join(f"@misc{{k{i}, title={{T{i}}}, author={{A{i}}}, year={{20{i:02d}}}}}\n" for i in range(8)))
(src / "index.rst").write_text("Index\n=====\n\n.. toctree::\n\n   a\n   b\n\n:cite:p:`k3` :cite:p:`k1,k5`\n\n"
                               ".. bibliography::\n\n.. bibliography::\n   :filter: docname in docnames and key != 'k5'\n")
(src / "a.rst").write_text("A\n=\n\n:cite:p:`k5` :cite:t:`k0`\n")
(src / "b.rst").write_text("B\n=\n\n:cite:p:`k1`\n\n.. bibliography::\n   :filter: cited\n   :keyprefix: b-\n\n:cite:p:`b-k7`\n")
app = Sphinx(str(src), str(src), str(src / "_out"), str(src / "_doctrees"), "html", status=None, warningiserror=False)
import book_ext
book_ext._index_cited_pages()
app.build()
domain = app.env.get_domain("cite")
fast = type(domain).get_filtered_entries
assert getattr(fast, "_book_cached", False), "not patched"
out = {}
for bkey in domain.bibliographies:
    mine = [(k, e.key) for k, e in fast(domain, bkey)]
    theirs = [(k, e.key) for k, e in fast._book_real(domain, bkey)]
    assert mine == theirs, (bkey, mine, theirs)
    out[str(bkey)] = mine
print(json.dumps(out))
"""


def test_bibtex_entry_filter_gathers_citing_pages_once_and_selects_the_same_entries(tmp_path):
    proc = subprocess.run([sys.executable, "-c", BIB_SCRIPT, json.dumps([str(paths.ROOT / "_ext"), str(tmp_path)])],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    chosen = json.loads(proc.stdout.splitlines()[-1])
    assert len(chosen) == 3 and len({tuple(map(tuple, v)) for v in chosen.values()}) == 3, chosen

"""The build rewrites a generated page or an executed notebook only when its content changes (Sphinx then re-reads only it)."""
from __future__ import annotations

import os

import nbformat

from helpers import execute, site


def test_a_generated_page_keeps_its_mtime_when_its_text_is_unchanged(tmp_path):
    page = tmp_path / "figure_audit.md"
    site._write_if_changed(page, "# Figure audit\n")
    os.utime(page, ns=(1_000_000_000, 1_000_000_000))
    site._write_if_changed(page, "# Figure audit\n")
    assert page.stat().st_mtime_ns == 1_000_000_000
    site._write_if_changed(page, "# Figure audit\n\nA new row.\n")
    assert page.stat().st_mtime_ns != 1_000_000_000 and "A new row" in page.read_text()


def test_an_executed_notebook_keeps_its_mtime_when_its_content_is_unchanged(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Title", id="m1")])
    target = tmp_path / "chapter.ipynb"
    execute.write(nb, target)
    os.utime(target, ns=(1_000_000_000, 1_000_000_000))
    execute.write(nb, target)
    assert target.stat().st_mtime_ns == 1_000_000_000
    nb.cells[0].source = "# Another title"
    execute.write(nb, target)
    assert target.stat().st_mtime_ns != 1_000_000_000

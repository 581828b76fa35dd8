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


def test_the_quick_check_sees_every_input_and_nothing_else(tmp_path, monkeypatch):
    from helpers import site

    root = tmp_path / "book"
    for rel in ("_config.yml", "requirements.txt", "data/observations.csv", "chapters/intro.ipynb",
                "src/helpers/plots.py", "_ext/book_ext.py", "_build/site/chapters/intro.ipynb"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(rel)
    monkeypatch.setattr(site.paths, "ROOT", root)
    monkeypatch.setattr(site, "SITE", root / "_build" / "site")
    monkeypatch.setattr(site, "commit_date", lambda: "2026-12-07")
    monkeypatch.delenv("PKBOOK_DURATION", raising=False)

    def inputs_key(builder: str) -> tuple[str, str]:       # what the quick check compares
        return site.project_digest(builder), site.site_digest(builder)

    key = inputs_key("html")
    assert inputs_key("html") == key                                    # nothing changed: same key
    (root / "src/helpers/__pycache__").mkdir()
    (root / "src/helpers/__pycache__/plots.cpython-311.pyc").write_bytes(b"\0")
    (root / "_build/site/_ext/__pycache__").mkdir(parents=True)       # Sphinx imports the extensions
    (root / "_build/site/_ext/__pycache__/book_ext.cpython-311.pyc").write_bytes(b"\0")
    (root / "_build/html").mkdir(parents=True)
    (root / "_build/html/index.html").write_text("output")
    assert inputs_key("html") == key                                    # bytecode and outputs are not inputs
    assert inputs_key("pdf") != key
    for rel in ("data/observations.csv", "chapters/intro.ipynb", "src/helpers/plots.py", "_ext/book_ext.py",
                "_config.yml"):
        saved = (root / rel).read_text()
        (root / rel).write_text(saved + " edited")
        assert inputs_key("html")[0] != key[0], rel
        (root / rel).write_text(saved)
    (root / "_build/site/chapters/intro.ipynb").write_text("adopted")        # execute --adopt writes the site
    assert inputs_key("html")[1] != key[1]
    monkeypatch.setattr(site, "commit_date", lambda: "2026-12-08")
    assert inputs_key("html")[0] != key[0]

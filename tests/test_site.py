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


def test_the_second_format_reuses_the_site_the_first_made_until_an_input_changes(tmp_path, monkeypatch):
    """`make pdf` after `make html` does not mirror, execute and generate the site again; after any change to
    an input (or to the site) it does."""
    from helpers import appendix, auditpage, changes, execute, site

    root = tmp_path / "book"
    for rel in ("_config.yml", "requirements.txt", "data/observations.csv", "src/helpers/plots.py"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(rel)
    build = root / "_build"
    monkeypatch.setattr(site.paths, "ROOT", root)
    monkeypatch.setattr(site.paths, "BUILD", build)
    monkeypatch.setattr(site, "SITE", build / "site")
    monkeypatch.setattr(site, "commit_date", lambda: "2026-12-08")
    made = []

    def mirror():
        made.append("mirror")
        (build / "site" / "chapters").mkdir(parents=True, exist_ok=True)
        (build / "site" / "_config.yml").write_text("config")

    def jupyter_book(cmd, env=None):
        out = build / ("latex/book.pdf" if "pdflatex" in cmd else "html/index.html")
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text("built")
        return 0

    monkeypatch.setattr(site, "mirror", mirror)
    monkeypatch.setattr(site, "link_glued", lambda s: {})
    monkeypatch.setattr(site, "publish_pdf", lambda: None)
    monkeypatch.setattr(site.subprocess, "call", jupyter_book)
    monkeypatch.setattr(execute, "run", lambda *a, **k: made.append("execute"))
    monkeypatch.setattr(execute, "notebooks", lambda: [])
    monkeypatch.setattr(auditpage, "audit_page", lambda: "# Figure audit\n")
    monkeypatch.setattr(appendix, "behind_page", lambda *a: "# Data behind\n")
    monkeypatch.setattr(changes, "page", lambda: "# Changes\n")

    assert site.build("html") == 0 and made == ["mirror", "execute"]
    made.clear()
    assert site.build("pdf") == 0 and made == []                    # the site HTML made is reused
    made.clear()
    (root / "data/observations.csv").write_text("a changed row")
    (build / "latex/book.pdf").unlink()
    assert site.build("pdf") == 0 and made == ["mirror", "execute"]  # an input changed: made again
    made.clear()
    (build / "site" / "chapters" / "intro.ipynb").write_text("adopted")  # the site changed (execute --adopt)
    (build / "html/index.html").unlink()
    assert site.build("html") == 0 and made == ["mirror", "execute"]

"""Build the book: mirror the sources into _build/site, execute what changed, generate pages, run jupyter-book.

    python -m helpers.site html     # HTML into _build/html
    python -m helpers.site pdf      # PDF into _build/latex/book.pdf

The mirror keeps file times of unchanged files, so Sphinx rebuilds only the pages that changed. When no input
at all changed since the last successful build of the same format (the quick check, before pandas is even
imported), the build stops at once.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from . import paths

SITE = paths.BUILD / "site"
COPY = ["_toc.yml", "references.bib", "_ext", "_static"]
#: Everything a build reads from the project (with the built site's own files, which `execute --adopt` writes).
INPUTS = ["_config.yml", "_toc.yml", "references.bib", "requirements.txt", "pyproject.toml", "_ext", "_static",
          "chapters", "data", "src"]
DATA_FILES = ["observations.csv", "events.csv", "indicators.csv", "breaks.csv", "scorecard.csv", "consistency_notes.csv", "datapackage.json", "README.md"]


def _sync_file(src: Path, dest: Path) -> None:
    if dest.exists() and dest.read_bytes() == src.read_bytes():
        return
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dest)


def _write_if_changed(dest: Path, text: str) -> None:
    paths.write_if_changed(dest, text)


def version() -> str:
    """The project's version, from pyproject.toml."""
    import tomllib

    return tomllib.loads((paths.ROOT / "pyproject.toml").read_text())["project"]["version"]


def commit_date() -> str:
    """Date of the last commit (YYYY-MM-DD), so a rebuild of the same commit prints the same date."""
    try:
        out = subprocess.run(["git", "-C", str(paths.ROOT), "log", "-1", "--format=%cs"], capture_output=True,
                             text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        out = ""
    return out or "undated"


def config_text() -> str:
    """_config.yml with the version and the last commit's date in the title page and the footer."""
    import yaml

    config = yaml.safe_load((paths.ROOT / "_config.yml").read_text(encoding="utf-8"))
    ver, when = version(), commit_date()
    sphinx = config.setdefault("sphinx", {}).setdefault("config", {})
    sphinx["release"] = sphinx["version"] = ver
    sphinx["today"] = when
    # The book's Sphinx extensions are code Sphinx does not track: a change to them re-reads every page.
    sphinx["pk_ext_digest"] = paths.digest_files(_files(paths.ROOT / "_ext"), paths.ROOT / "_ext")
    if os.environ.get("PKBOOK_DURATION") == "1":   # make bench: per-page reading times (sphinx.ext.duration)
        config["sphinx"].setdefault("extra_extensions", []).append("sphinx.ext.duration")
    config.setdefault("html", {})["extra_footer"] = (
        f"Version {ver}, built from the commit of {when}. Text CC BY 4.0; code MIT; "
        "data as their sources allow. How to cite: see the first page.")
    return yaml.safe_dump(config, sort_keys=False, allow_unicode=True)


def _files(root: Path) -> list[Path]:
    """The files under `root` (or `root` itself), sorted, without bytecode and notebook checkpoints."""
    found = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
    return [f for f in found if "__pycache__" not in f.parts and ".ipynb_checkpoints" not in f.parts]


def project_digest(builder: str) -> str:
    """Hash of every project file a build reads, with the commit date, the builder and the build options."""
    salt = f"{builder}\0{commit_date()}\0{os.environ.get('PKBOOK_DURATION', '')}\0".encode()
    return paths.digest_files([f for name in INPUTS for f in _files(paths.ROOT / name)], paths.ROOT, salt)


def mirror() -> None:
    """Copy the book's sources (not the notebooks: they are executed into place) into the mirror."""
    from . import execute

    wanted: set[Path] = {SITE / "_config.yml"}
    _write_if_changed(SITE / "_config.yml", config_text())
    for name in COPY:
        src = paths.ROOT / name
        for f in _files(src):
            dest = SITE / f.relative_to(paths.ROOT)
            _sync_file(f, dest)
            wanted.add(dest)
    for f in sorted(paths.CHAPTERS.glob("*.md")):
        _sync_file(f, SITE / "chapters" / f.name)
        wanted.add(SITE / "chapters" / f.name)
    for name in DATA_FILES:
        dest = SITE / "_static" / "data" / name
        _sync_file(paths.DATA / name, dest)
        wanted.add(dest)
    for nb in execute.notebooks():
        wanted.add(SITE / "chapters" / nb.name)
    wanted.add(SITE / "chapters" / "figure_audit.md")
    wanted.add(SITE / "chapters" / "figure_audit.json")
    wanted.add(SITE / "chapters" / "data_behind.md")
    wanted.add(SITE / "chapters" / "changes.md")
    for folder in ("chapters", "_ext"):
        for f in list((SITE / folder).glob("*")):
            if f.is_file() and f not in wanted:
                f.unlink()


def title_of(nb_path: Path) -> str:
    """The first '# ' heading of a notebook's markdown cells (its chapter title)."""
    import nbformat

    for cell in nbformat.read(nb_path, as_version=4).cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return nb_path.stem


def link_glued(site: Path) -> dict[str, list[str]]:
    """Link every glued value of the executed copies that has an audit entry (legacy chapters glue plain text)."""
    from . import glue

    index = json.loads((site / "_static" / "audit-index.json").read_text(encoding="utf-8"))
    targets: dict[str, dict[str, str]] = {}
    for key, entries in index["entries"].items():
        for e in entries:
            targets.setdefault(e["chapter"], {})[key] = e["label"]
    return {stem: glue.link_outputs(site / "chapters" / f"{stem}.ipynb", keys) for stem, keys in targets.items()}


def site_digest(builder: str) -> str:
    """Hash of everything Sphinx reads: the mirrored sources, the builder and the dependency lock (not the
    bytecode Sphinx leaves beside the extensions it imports)."""
    lock = paths.ROOT / "requirements.txt"
    return paths.digest_files(_files(SITE), SITE, salt=builder.encode() + lock.read_bytes())


def build(builder: str, jobs: int | None = None) -> int:
    """Mirror, execute (cached), generate, then run jupyter-book with warnings as errors.

    When no input changed since the last successful build of the same format (the quick check: the project's
    files and the built site, which `execute --adopt` also writes), or nothing Sphinx reads changed
    (`site_digest`), and the output is still there, the build is skipped: the output would be identical.
    """
    output = paths.BUILD / ("html/index.html" if builder == "html" else "latex/book.pdf")
    quick, project = paths.BUILD / f".{builder}.inputs", project_digest(builder)
    if output.exists() and quick.exists() and quick.read_text() == f"{project}\n{site_digest(builder)}":
        print(f"{builder}: up to date (no input changed since the last build)")
        publish_pdf()
        return 0
    quick.unlink(missing_ok=True)
    from . import appendix, changes, execute
    from .auditpage import audit_page

    t0 = time.perf_counter()
    generated, shared = paths.BUILD / ".site.inputs", project_digest("site")
    if generated.exists() and generated.read_text() == f"{shared}\n{site_digest('site')}":
        # The other format's build left the site as these inputs make it: mirroring, executing and generating
        # again would write the same files (`make pdf` after `make html`).
        print("site: up to date (no input changed since the site was last made)", flush=True)
        t1 = t2 = t3 = time.perf_counter()
    else:
        generated.unlink(missing_ok=True)
        mirror()
        t1 = time.perf_counter()
        execute.run(SITE / "chapters", jobs=jobs or os.cpu_count() or 1)
        t2 = time.perf_counter()
        _write_if_changed(SITE / "chapters" / "figure_audit.md", audit_page())
        link_glued(SITE)
        titles = {nb.stem: title_of(nb) for nb in execute.notebooks()}
        _write_if_changed(SITE / "chapters" / "data_behind.md", appendix.behind_page(SITE / "_static" / "audit", titles))
        _write_if_changed(SITE / "chapters" / "changes.md", changes.page())
        t3 = time.perf_counter()
        if project_digest("site") == shared:          # unless the project changed while the site was made
            generated.write_text(f"{shared}\n{site_digest('site')}")
    digest = site_digest(builder)
    print(f"timings: mirror {t1 - t0:.1f}s, execute {t2 - t1:.1f}s, generated pages {t3 - t2:.1f}s, "
          f"site digest {time.perf_counter() - t3:.1f}s", flush=True)
    stamp = paths.BUILD / f".{builder}.stamp"
    if output.exists() and stamp.exists() and stamp.read_text() == digest:
        print(f"{builder}: up to date (no source, data, helper or notebook changed since the last build)")
        _stamp_inputs(quick, builder, project, digest)
        publish_pdf()
        return 0
    stamp.unlink(missing_ok=True)
    jb = Path(sys.executable).parent / "jupyter-book"
    if paths.BUILD.name != "_build":
        raise SystemExit(f"PKBOOK_BUILD_DIR must end in /_build, not {paths.BUILD}")
    cmd = [str(jb), "build", str(SITE), "--path-output", str(paths.BUILD.parent), "-W", "-n", "--keep-going"]
    if builder == "pdf":
        cmd += ["--builder", "pdflatex"]
    # latexmk's xelatex mode: the passes write .xdv and xdvipdfmx makes the PDF once at the end, instead of
    # embedding every chart into a PDF on each of the three passes (14 s of a 48 s xelatex run).
    env = {**os.environ, "LATEXMKOPTS": os.environ.get("LATEXMKOPTS", "-xelatex")}
    print("+", " ".join(cmd), flush=True)
    t4 = time.perf_counter()
    code = subprocess.call(cmd, env=env)
    print(f"timings: jupyter-book {time.perf_counter() - t4:.1f}s", flush=True)
    if code == 0:
        stamp.write_text(digest)
        _stamp_inputs(quick, builder, project, digest)
        publish_pdf()
    return code


def _stamp_inputs(quick: Path, builder: str, project: str, site: str) -> None:
    """Record the inputs of a successful build for the quick check: the project as it was when the build
    began (unless it changed while the build ran) and the site as the build left it (`site`)."""
    if project_digest(builder) == project:
        quick.write_text(f"{project}\n{site}")


def publish_pdf() -> None:
    """Put the latest PDF where the HTML landing page links to it (_build/html/_static/book.pdf)."""
    pdf, html_static = paths.BUILD / "latex" / "book.pdf", paths.BUILD / "html" / "_static"
    if pdf.exists() and html_static.is_dir():
        shutil.copyfile(pdf, html_static / "book.pdf")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("builder", choices=["html", "pdf"])
    parser.add_argument("--jobs", type=int, default=None, help="notebooks executed at once (default: all cores)")
    args = parser.parse_args(argv)
    return build(args.builder, args.jobs)


if __name__ == "__main__":
    sys.exit(main())

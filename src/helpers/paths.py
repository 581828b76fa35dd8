"""Every path the project uses, built from the project root."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path


def _find_root() -> Path:
    """The project root: PKBOOK_ROOT if set, else the nearest parent holding _config.yml."""
    env = os.environ.get("PKBOOK_ROOT")
    if env:
        return Path(env).resolve()
    for start in (Path.cwd(), Path(__file__).resolve().parent):
        for candidate in (start, *start.parents):
            if (candidate / "_config.yml").is_file() and (candidate / "data").is_dir():
                return candidate
    raise FileNotFoundError("cannot find the project root (a folder with _config.yml and data/)")


ROOT: Path = _find_root()
DATA: Path = ROOT / "data"
CHAPTERS: Path = ROOT / "chapters"
#: The build folder; PKBOOK_BUILD_DIR moves it (it must be named _build: jupyter-book writes there).
BUILD: Path = Path(os.environ["PKBOOK_BUILD_DIR"]).resolve() if os.environ.get("PKBOOK_BUILD_DIR") else ROOT / "_build"
OBSERVATIONS: Path = DATA / "observations.csv"
INDICATORS: Path = DATA / "indicators.csv"
EVENTS: Path = DATA / "events.csv"
BREAKS: Path = DATA / "breaks.csv"
COUNTRIES: Path = DATA / "countries.csv"
DATAPACKAGE: Path = DATA / "datapackage.json"
BIBLIOGRAPHY: Path = ROOT / "references.bib"


def chart_data_dir() -> Path:
    """Where chart helpers write the tidy CSV behind each chart (set by the book build)."""
    return Path(os.environ.get("PKBOOK_CHART_DIR", BUILD / "chart-data"))


def digest_files(files, base: Path, salt: bytes = b"") -> str:
    """sha256 over each file's path (relative to `base`) and bytes, in the order given."""
    h = hashlib.sha256(salt)
    for f in files:
        h.update(str(f.relative_to(base)).encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def write_if_changed(dest: Path, text: str) -> None:
    """Write `text` to `dest` only if it differs, so an unchanged generated page keeps its time (Sphinx skips it)."""
    if dest.exists() and dest.read_text(encoding="utf-8") == text:
        return
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(text, encoding="utf-8")

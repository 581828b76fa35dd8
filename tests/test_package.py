"""The data package and the citation file validate with their own tools."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from helpers import paths


def test_datapackage_is_valid_frictionless():
    from frictionless import Package, system

    with system.use_context(trusted=True):
        report = Package(str(paths.DATAPACKAGE)).validate()
    errors = [f"{t.name}: {e.message}" for t in report.tasks for e in t.errors]
    assert report.valid, "\n".join(errors[:20])


def test_datapackage_lists_every_data_csv():
    import json

    listed = {r["path"] for r in json.loads(paths.DATAPACKAGE.read_text())["resources"]}
    assert {p.name for p in paths.DATA.glob("*.csv")} == listed


def test_citation_cff_validates():
    cff = Path(sys.executable).parent / "cffconvert"
    out = subprocess.run([str(cff), "--validate", "-i", str(paths.ROOT / "CITATION.cff")],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr

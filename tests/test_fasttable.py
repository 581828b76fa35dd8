"""The fast table path (_ext/fasttable.py): the same table as the Markdown one, in HTML and in LaTeX."""
from __future__ import annotations

import html
import json
import re
import subprocess
import sys

import pandas as pd
import pytest

from helpers import paths, tables

FRAME = pd.DataFrame({"Period": ["CY2016", "CY2019"], "What": ["PTA's count -- local", "Assembled *locally*"],
                      "Value": [0.29, 11.74], "Unit": ["million units", "a|b"]})


def _build(tmp_path, builder: str, body: str) -> str:
    src = tmp_path / "src"
    src.mkdir(exist_ok=True)
    (src / "conf.py").write_text(
        "import sys\n"
        f"sys.path.insert(0, {str(paths.ROOT / '_ext')!r})\n"
        "extensions = ['myst_parser', 'fasttable']\n"
        "myst_enable_extensions = ['colon_fence']\n")
    (src / "index.md").write_text("# Tables\n\n" + body + "\n")
    out = tmp_path / builder
    proc = subprocess.run([sys.executable, "-m", "sphinx", "-q", "-W", "-b", builder, str(src), str(out)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return (out / ("index.html" if builder == "html" else "projectnamenotset.tex")).read_text(encoding="utf-8")


def _cells(fragment: str) -> list[str]:
    return [re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", c))).strip()
            for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", fragment, flags=re.S)]


def test_the_block_carries_the_markdown_tables_layout():
    block = tables.fast_table(FRAME)
    spec = json.loads(block.splitlines()[1])
    assert block.startswith("```{pk-table}\n") and block.endswith("\n```")
    assert spec["columns"] == ["Period", "What", "Value", "Unit"]
    assert spec["align"] == ["left", "left", "right", "left"]
    assert spec["rows"][1] == ["CY2019", "Assembled *locally*", "11.74", "a|b"]
    md = tables.markdown_table(FRAME)
    assert ":widths: " + " ".join(map(str, spec["widths"])) in md


def test_fold_takes_the_fast_path_only_in_the_build(monkeypatch):
    class Ch:
        class record:
            @staticmethod
            def record(ids, where):
                pass

            @staticmethod
            def fold(name, title, content):
                pass
        ledger = None

    monkeypatch.delenv("PKBOOK_FAST_TABLES", raising=False)
    assert "{pk-table}" not in tables.fold(Ch, [("", FRAME, None)], title="t", name="n").data
    monkeypatch.setenv("PKBOOK_FAST_TABLES", "1")
    assert "{pk-table}" in tables.fold(Ch, [("", FRAME, None)], title="t", name="n").data


@pytest.mark.parametrize("builder", ["html", "latex"])
def test_fast_and_markdown_tables_read_the_same(tmp_path, builder):
    page = _build(tmp_path, builder, "## Slow\n\n" + tables.markdown_table(FRAME) + "\n\n## Fast\n\n"
                  + tables.fast_table(FRAME))
    if builder == "html":
        slow, fast = page.split('id="fast"')[0], page.split('id="fast"')[1]
        assert _cells(slow) and _cells(fast) == _cells(slow)
        assert "PTA\u2019s count \u2013 local" in _cells(fast)          # smart quotes and dashes, as in Markdown
        assert "<em>locally</em>" in fast and 'class="head text-right"' in fast
    else:
        fast = page.split("{Fast}")[1]
        assert r"\begin{longtable}" in fast and r">{\raggedleft\arraybackslash}" in fast
        assert r"\sphinxstyleemphasis{locally}" in fast and "11.74" in fast

"""Figures are claims: no number typed into prose, every glued ledger value cited with its own source."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from helpers import ledger, paths

#: Names that contain digits but are not figures (policy titles, technology generations).
ALLOWED = [r"\b[2-5]G\b", r"\b3G/4G\b", r"Policy 20\d\d(-\d\d)?", r"Policy 20\d\d-\d\d", r"\bNEV Policy 2025-30\b",
           r"\bFY20\d\d\b", r"\bCY20\d\d\b", r"\bPakSat-MM1\b", r"\bPRSS-1\b", r"\bBelt and Road\b",
           r"\bWeb 3\.0\b", r"\bVision 2025\b", r"\bUraan Pakistan\b", r"\bCOVID-19\b", r"\bJ[5-7]\b", r"\bE5\b",
           r"\bJ6\b", r"\bC7\b", r"\bHS \d{4}\b", r"\bSDG\s?\d+\b", r"\b10MFY\d\d\b", r"\b\d+MFY\d\d\b",
           r"\bFY\d\d\b", r"\bCC BY 4\.0\b", r"\bAttribution 4\.0\b"]


def _markdown_cells(path: Path) -> list[str]:
    if path.suffix == ".md":
        return [path.read_text(encoding="utf-8")]
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return ["".join(c["source"]) for c in cells if c["cell_type"] == "markdown"]


def strip_markup(text: str) -> str:
    """Prose without code, roles, directive fences and options, link targets, labels and list markers."""
    text = re.sub(r"^```(?!\{).*?^```\s*$", "", text, flags=re.S | re.M)   # code blocks: not prose
    text = re.sub(r"^```\{.*$", "", text, flags=re.M)                      # directive fences: keep content
    text = re.sub(r"^```\s*$", "", text, flags=re.M)
    text = re.sub(r"\{[a-z:]+\}`[^`]*`", "", text)          # roles: {glue}`x`, {cite:p}`k`, {term}`T`
    text = re.sub(r"`[^`\n]*`", "", text)                    # code spans
    text = re.sub(r"\]\([^)]*\)", "]", text)                # link targets
    text = re.sub(r"<[^>\n]*>", "", text)                     # inline HTML tags
    text = re.sub(r"^\(.*\)=\s*$", "", text, flags=re.M)    # labels
    text = re.sub(r"^:[a-z]+:.*$", "", text, flags=re.M)    # directive options
    text = re.sub(r"^\s*\d+\.\s", "", text, flags=re.M)      # numbered-list markers
    for pat in ALLOWED:
        text = re.sub(pat, "", text)
    return text


def _chapters() -> list[Path]:
    return sorted(p for p in paths.CHAPTERS.glob("*") if p.suffix in (".md", ".ipynb"))


@pytest.mark.parametrize("path", _chapters(), ids=lambda p: p.name)
def test_no_number_typed_into_prose(path):
    offenders = []
    for text in _markdown_cells(path):
        for line in strip_markup(text).splitlines():
            if re.search(r"(?<![A-Za-z\-])\d", line):
                offenders.append(line.strip())
    assert not offenders, f"{path.name}: numbers typed into prose (glue them from the ledger):\n" + "\n".join(offenders)


def test_strip_markup_catches_a_typed_number():
    assert re.search(r"\d", strip_markup("Plants made 31.4 million phones {glue}`x` in 2024."))
    assert re.search(r"\d", strip_markup("```{glossary}\nCPEC\n  Launched in 2015.\n```\n"))
    assert re.search(r"\d", strip_markup("A ``code`` span then 5 phones"))
    assert not re.search(r"\d", strip_markup("```python\nx = 5\n```\n"))
    assert not re.search(r"\d", strip_markup("Plants made {glue}`hs-1` in {glue}`hs-1-period` {cite:p}`k1`."))


@pytest.mark.parametrize("path", _chapters(), ids=lambda p: p.name)
def test_glued_ledger_values_cite_their_source(path):
    """A paragraph that glues a ledger value cites that row's source (or one of its other_sources) in the same paragraph."""
    led = ledger.load()
    missing = []
    for text in _markdown_cells(path):
        for para in re.split(r"\n\s*\n|\n(?=\|)", text):
            cited = set()
            for keys in re.findall(r"\{cite:[a-z]+\}`([^`]*)`", para):
                cited |= {k.strip() for k in keys.split(",")}
            for key in re.findall(r"\{glue(?::[a-z]+)?\}`([^`]*)`", para):
                key = key.split("::")[-1]
                if key in led.observations.index and not key.endswith("-period"):
                    row = led.row(key)
                    src = row["source"]
                    if not cited & {src, *row["other_sources"].split(";")}:
                        missing.append(f"{key} (source {src})")
    assert not missing, f"{path.name}: glued values without their source cited in the paragraph: {missing}"


@pytest.mark.parametrize("path", [p for p in _chapters() if p.suffix == ".ipynb" and p.stem not in ("cross_checks", "intro")],
                         ids=lambda p: p.name)
def test_chapter_opens_with_takeaways_and_how_we_know(path):
    cells = _markdown_cells(path)
    head = cells[0]
    assert "Key takeaways" in head, f"{path.name}: no key takeaways at the top"
    bullets = re.findall(r"^- ", head.split("Key takeaways", 1)[1], flags=re.M)
    assert 3 <= len(bullets) <= 5, f"{path.name}: {len(bullets)} takeaways (want three to five)"
    assert "{glue" in head and "{cite" in head, f"{path.name}: takeaways must glue and cite their numbers"
    assert "How we know" in "\n".join(cells[:2]), f"{path.name}: no 'How we know' note"

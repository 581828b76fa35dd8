"""Every acronym the chapters use in capitals has a glossary entry."""
from __future__ import annotations

import re

import pytest

from helpers import paths

from test_prose import _chapters, _markdown_cells

#: Capitalised words that are units, file formats or ordinary words, not subject acronyms.
NOT_ACRONYMS = {"CSV", "PDF", "HTML", "URL", "USD", "PKR", "CY", "FY", "ID", "OK", "II", "III", "IV", "IT", "CC", "BY",
                "MIT", "README", "JSON"}


def glossary_terms() -> set[str]:
    text = (paths.CHAPTERS / "glossary.md").read_text(encoding="utf-8")
    terms = set()
    for block in re.findall(r"```\{glossary\}\n(.*?)```", text, flags=re.S):
        terms |= {line.strip() for line in block.splitlines() if line and not line.startswith((" ", "\t"))}
    return terms


def acronyms(text: str) -> set[str]:
    """All-capital words of two or more letters (digits allowed after the first letter), outside code."""
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    text = re.sub(r"\{(?!term)[a-z:]+\}`[^`]*`", "", text)   # roles other than {term}
    text = re.sub(r"\{term\}`([^`<]*)(<[^>]*>)?`", r"\1", text)
    text = re.sub(r"`[^`]*`", "", text)
    text = re.sub(r"\]\([^)]*\)", "]", text)
    return {w for w in re.findall(r"(?<![\w-])([A-Z][A-Z0-9]+)(?:s)?(?![\w-])", text)
            if re.search(r"[A-Z].*[A-Z]", w) and not re.fullmatch(r"(FY|CY)\d+", w)} - NOT_ACRONYMS


def test_acronym_finder():
    assert acronyms("The PTA and {term}`CPEC` and PBSs, but not `SBP` or CY2024 or FY") == {"PTA", "CPEC", "PBS"}


@pytest.mark.parametrize("path", [p for p in _chapters() if p.name != "glossary.md"], ids=lambda p: p.name)
def test_every_acronym_is_in_the_glossary(path):
    terms = glossary_terms()
    used = set()
    for text in _markdown_cells(path):
        used |= acronyms(text)
    missing = sorted(used - terms)
    assert not missing, f"{path.name}: acronyms without a glossary entry: {missing}"

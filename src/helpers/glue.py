"""Glue exactly the values the book's pages paste: every `{glue}` key a page references, nothing else.

A key is a ledger id (the value with its unit), `<id>-period` (the reader's label of its period), an event
id (its date), or a derived value that the chapter declares in code with a literal key.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from . import paths

#: `{glue}`key``, `{glue:text}`nb.ipynb::key``, `{glue:md}`key:myst``, and ```{glue:figure} key``` fences.
_ROLE = re.compile(r"\{glue(?::[a-z]+)?\}`([^`]+)`")
_FENCE = re.compile(r"^(?:```|:::)\{glue(?::[a-z]+)?\}\s+(\S+)", re.M)


class Value:
    """A glued string: renders without quotes in `{glue}` roles, in this page and in others."""

    def __init__(self, text: str, key: str = "", target: str = "") -> None:
        self.text, self.key, self.target = text, key, target

    def __repr__(self) -> str:
        return self.text

    def _repr_pretty_(self, p, cycle) -> None:  # IPython's text/plain
        p.text(self.text)

    def _repr_markdown_(self) -> str:
        """Plain text, or with a `target` a link to that label (the value's entry in the figure audit)."""
        if self.target:
            return f"{{ref}}`{self.text.replace('<', '&lt;')} <{self.target}>`"
        return re.sub(r"([\\`*_\[\]<>|])", r"\\\1", self.text)


def _markdown_of(page: Path) -> str:
    if page.suffix == ".md":
        return page.read_text(encoding="utf-8")
    cells = json.loads(page.read_text(encoding="utf-8"))["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")


def keys_in(text: str) -> list[str]:
    return [k.strip() for k in _ROLE.findall(text) + _FENCE.findall(text)]


def referenced(stem: str, chapters: Path | None = None) -> list[str]:
    """Keys the book pastes from notebook `stem`: its own markdown, plus `stem.ipynb::key` on other pages."""
    folder = chapters or paths.CHAPTERS
    out: dict[str, None] = {}
    for page in sorted(folder.glob("*")):
        if page.suffix not in (".md", ".ipynb"):
            continue
        for key in keys_in(_markdown_of(page)):
            key = key.removesuffix(":myst")
            if "::" in key:
                nb, _, key = key.partition("::")
                if Path(nb).stem != stem:
                    continue
            elif page.stem != stem:
                continue
            out[key] = None
    return list(out)


def paste(key: str, text: str, target: str = "") -> Value:
    """Glue `text` under `key` (not displayed where it is glued), linked to the label `target` if given."""
    from myst_nb import glue as _glue

    value = Value(text, key, target)
    _glue(key, value, display=False)
    return value


_MD = "application/papermill.record/text/markdown"
_TEXT = "application/papermill.record/text/plain"


def link_outputs(nb_path: Path, targets: dict[str, str]) -> list[str]:
    """In an executed copy for the book build, make every glued value whose key has a `targets` label a link.

    Chapters on `chapter.begin` glue links already; legacy chapters glue computed values as plain text.
    Only the build's copy is changed (never the stored outputs nbval compares). Returns the keys linked.
    """
    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    linked = []
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            key = out.get("metadata", {}).get("scrapbook", {}).get("name")
            if _MD not in data or key not in targets or "{ref}" in "".join(data[_MD]):
                continue
            text = "".join(data.get(_TEXT, data[_MD])).strip("'\"")
            data[_MD] = Value(text, key, targets[key])._repr_markdown_()
            linked.append(key)
    if linked:
        nb_path.write_text(json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    return linked

"""The "Data behind each chapter" appendix: every folded block of every chapter, in book order.

In the HTML the blocks stay folded in their chapters and this page links to them; the PDF prints them
here, so the printed chapters read as articles and nothing is lost.
"""
from __future__ import annotations

import json
from pathlib import Path

import yaml

from . import paths


def chapter_order(toc: Path | None = None) -> list[str]:
    """Notebook and page stems in the order of _toc.yml."""
    data = yaml.safe_load((toc or paths.ROOT / "_toc.yml").read_text(encoding="utf-8"))
    root = [Path(data["root"]).stem] if data.get("root") else []
    return root + [Path(c["file"]).stem for part in data.get("parts", []) for c in part.get("chapters", [])]


def behind_page(audit: Path, titles: dict[str, str]) -> str:
    """Markdown of the appendix from the chapters' records in `audit` (<stem>.json with a "folds" list)."""
    parts = ["(data-behind)=", "# Data behind each chapter", "",
             "Each chapter keeps the figures behind its sections (the ledger rows, the sources that disagree, "
             "the changes we recompute) one click away, in blocks headed *Show the figures behind this*. "
             "The printed edition collects those blocks here, chapter by chapter.", ""]
    for stem in chapter_order():
        record = audit / f"{stem}.json"
        if not record.exists():
            continue
        folds = json.loads(record.read_text(encoding="utf-8")).get("folds", [])
        if not folds:
            continue
        parts += [f"## {titles.get(stem, stem)}", ""]
        for fold in folds:
            parts += [f"(behind-pdf-{fold['name']})=", f"### {fold['title']}", "",
                      "```{only} html", f"Folded in the chapter: {{ref}}`{fold['title']} <behind-{fold['name']}>`.",
                      "```", "", "````{only} latex", fold["markdown"], "````", ""]
    return "\n".join(parts)

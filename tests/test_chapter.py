"""The chapter API: glue exactly what pages reference, fold the machinery, keep tables short and human."""
from __future__ import annotations

import json

import nbformat
import pandas as pd
import pytest

from helpers import appendix, chapter, glue, ledger, paths, tables
from helpers.record import Record


def _page(folder, stem, markdown):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(m) for m in markdown])
    nbformat.write(nb, folder / f"{stem}.ipynb")


def test_referenced_finds_own_and_cross_page_keys(tmp_path):
    _page(tmp_path, "demo", ["Made {glue}`a` in {glue:text}`a-period`.", "```{glue:figure} fig-x\n```"])
    _page(tmp_path, "other", ["{glue}`b` is not ours"])
    (tmp_path / "intro.md").write_text("{glue}`demo.ipynb::c` and {glue:md}`demo.ipynb::d:myst`, {glue}`other.ipynb::e`")
    assert glue.referenced("demo", tmp_path) == ["a", "a-period", "fig-x", "c", "d"]
    assert glue.referenced("other", tmp_path) == ["e", "b"]


class _FakeChapter(chapter.Chapter):
    def __init__(self, refs):
        self.name, self.ledger, self.record = "demo", ledger.load(), Record("demo")
        self.references, self.glued = refs, {}


def test_auto_glue_glues_ledger_ids_periods_and_events(monkeypatch):
    pasted = {}
    monkeypatch.setattr(glue, "paste", lambda k, t, target="": pasted.setdefault(k, (t, target)))
    led = ledger.load()
    obs_id, ev_id = led.observations.index[0], led.events.index[0]
    ch = _FakeChapter([obs_id, f"{obs_id}-period", ev_id, "derived-x"])
    assert ch.auto_glue() == ["derived-x"]
    assert set(pasted) == {obs_id, f"{obs_id}-period", ev_id}
    assert pasted[obs_id][1] == f"audit-demo-{obs_id}" and pasted[f"{obs_id}-period"][1] == "", \
        "a value links to its audit entry; a period label does not"
    assert ch.unresolved() == (["derived-x"], [])
    with pytest.raises(KeyError, match="referenced but not glued: \\['derived-x'\\]"):
        ch.finish()
    ch.text("unused", "x")
    assert ch.unresolved() == (["derived-x"], ["unused"])
    assert obs_id in ch.record.used()


def test_glue_twice_fails(monkeypatch):
    monkeypatch.setattr(glue, "paste", lambda k, t, target="": None)
    ch = _FakeChapter(["k"])
    ch.text("k", "one")
    with pytest.raises(ValueError, match="glued twice"):
        ch.text("k", "two")


def test_show_rejects_long_tables_and_pipeline_headers():
    ch = _FakeChapter([])
    with pytest.raises(ValueError, match="pipeline names"):
        tables.show(ch, pd.DataFrame({"change_id": ["a"]}))
    with pytest.raises(ValueError, match="13 rows"):
        tables.show(ch, pd.DataFrame({"Value": range(13)}))
    out = tables.show(ch, pd.DataFrame({"id": ["r1"], "Value": [1.5], "Source": ["k1;k2"]}), name="t")
    assert "r1" not in out.data and "{cite:p}`k1`, {cite:p}`k2`" in out.data
    assert ch.record.used() == {"r1": ["table:t"]}


def test_fold_records_rows_and_feeds_the_appendix(tmp_path, monkeypatch):
    ch = _FakeChapter([])
    frame = pd.DataFrame({"id": ["r1", "r2"], "value": [1, 2], "source": ["k1", "k2"]})
    out = tables.fold(ch, [("Ledger rows", frame, "source")], title="the rows", name="rows")
    assert ":::{dropdown} Show the figures behind this: the rows" in out.data
    assert "{only} html" in out.data and "behind-pdf-rows" in out.data
    assert ch.record.used() == {"r1": ["fold:rows"], "r2": ["fold:rows"]}
    with pytest.raises(ValueError, match="two folded blocks"):
        tables.fold(ch, [("", frame, None)], title="again", name="rows")
    ch.record.write(tmp_path)
    monkeypatch.setattr(appendix, "chapter_order", lambda toc=None: ["demo"])
    page = appendix.behind_page(tmp_path, {"demo": "Demo chapter"})
    assert "## Demo chapter" in page and "(behind-pdf-rows)=" in page and "{cite:p}`k1`" in page
    assert json.loads((tmp_path / "demo.json").read_text())["folds"][0]["name"] == "rows"


def test_a_linked_value_renders_as_a_reference():
    assert glue.Value("31.38 million units", "k", "audit-x-k")._repr_markdown_() == "{ref}`31.38 million units <audit-x-k>`"
    assert glue.Value("a_b", "k")._repr_markdown_() == "a\\_b"


def test_fold_without_a_chapter_records_into_the_chapter_begun(monkeypatch):
    """A chart's data fold (plots.data passes no chapter) must reach the chapter's record, so the PDF's
    data appendix prints it and its reference resolves."""
    ch = _FakeChapter([])
    monkeypatch.setattr(chapter, "CURRENT", ch)
    obs_id = ch.ledger.observations.index[0]
    tables.fold(None, [("", pd.DataFrame({"id": [obs_id], "value": [1]}), None)], title="t", name="x-data")
    assert [f["name"] for f in ch.record._folds] == ["x-data"]
    assert "fold:x-data" in ch.record._used[obs_id]


def test_a_chart_records_its_rows_in_the_chapter_begun(monkeypatch, tmp_path):
    """Rows a chart draws are shown: they must reach the chapter's audit record, not a legacy module."""
    from helpers import plots, paths

    ch = _FakeChapter([])
    monkeypatch.setattr(chapter, "CURRENT", ch)
    monkeypatch.setattr(paths, "chart_data_dir", lambda: tmp_path)
    ids = ["hs-local-2024-pta", "hs-imp-2024-pta"]
    frame = plots.tidy(ch.ledger, ch.ledger.observations.loc[ids], series="s")
    plots.bars(ch.ledger, frame, name="demo-chart", title="t", ylabel="y")
    assert all("chart:demo-chart" in ch.record._used[i] for i in ids)


def test_appendix_table_prints_every_row_with_worded_headers():
    ch = _FakeChapter([])
    obs_id = ch.ledger.observations.index[0]
    frame = pd.DataFrame({"change_id": [obs_id] * 20, "base_period": ["2020"] * 20, "source": ["k"] * 20})
    text = tables.appendix_table(ch, frame, cite="source", ids=[obs_id], name="x").data
    assert text.count(obs_id) == 20 and "Stated change (ledger id)" in text and "change_id" not in text
    assert "{cite:p}`k`" in text and "table:x" in ch.record._used[obs_id]


def test_no_chapter_shows_its_code():
    """The book reads as a report: every code cell hides its input (remove-input/remove-cell) or folds it."""
    shown = []
    for path in sorted(paths.CHAPTERS.glob("*.ipynb")):
        for i, cell in enumerate(nbformat.read(path, as_version=4).cells):
            tags = set(cell.get("metadata", {}).get("tags", []))
            if cell.cell_type == "code" and not tags & {"remove-input", "remove-cell", "hide-input"}:
                shown.append(f"{path.name} cell {i}: {cell.source[:40]!r}")
    assert not shown, "code cells shown to the reader:\n" + "\n".join(shown)


def _literals_over(source: str, limit: int = 5) -> list[str]:
    import ast

    tree = ast.parse(source)
    return [ast.get_source_segment(source, n)[:60] for n in ast.walk(tree)
            if (isinstance(n, ast.Dict) and len(n.keys) > limit)
            or (isinstance(n, (ast.List, ast.Tuple, ast.Set)) and len(n.elts) > limit)]


@pytest.mark.parametrize("path", sorted(paths.CHAPTERS.glob("*.ipynb")), ids=lambda p: p.stem)
def test_notebooks_stay_thin(path):
    """A chapter reads as a chapter: at most 120 code lines, no cell over 25 lines, no literal over 5 entries
    (editorial lists live in data/editorial/*.yaml, logic in src/helpers)."""
    cells = [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
    assert sum(len(c.splitlines()) for c in cells) <= 120
    assert max(len(c.splitlines()) for c in cells) <= 25
    assert not [lit for c in cells for lit in _literals_over(c)]


def test_the_literal_limit_is_enforced():
    assert _literals_over("x = [1, 2, 3, 4, 5, 6]") and not _literals_over("x = {'a': 1, 'b': 2}")


def test_the_chapter_fold_helpers_give_what_the_calls_they_replace_gave():
    """tables.fold_rows, promises.section_table / section_notes and cpec.timeline_fold: the same blocks, names
    and recorded rows as the tables.show / tables.fold calls the chapters made before."""
    from types import SimpleNamespace

    from helpers import cpec, editorial, promises, verdicts

    mine, theirs = _FakeChapter([]), _FakeChapter([])
    led = mine.ledger
    rows = led.observations.iloc[:3]
    assert tables.fold_rows(mine, led, rows, "Rows", title="three rows", name="rows").data == \
        tables.fold(theirs, [("Rows", tables.ledger_rows(led, rows), "Source")], title="three rows", name="rows").data
    card = verdicts.scorecard(led, verdicts.ledger_as_of(led))
    sections = editorial.load(led, "promises_vs_outcomes")["sections"]
    themes = sections.set_index("section").loc["it", "themes"]
    assert promises.section_table(mine, led, card, sections, "it").data == \
        tables.show(theirs, promises.card_table(led, card, themes), name="scorecard-it").data
    assert promises.section_notes(mine, led, card, sections, "it", title="notes on it").data == tables.fold(
        theirs, [("How each target is linked to its outcome", promises.card_notes(led, card, themes), None)],
        title="notes on it", name="scorecard-it-notes", ids=[]).data
    events = pd.DataFrame({"lane": ["a"], "status": ["operating"], "label": ["x"], "source": ["k1"], "when": [1]})
    chart = SimpleNamespace(name="cpec-timeline-early", data=events)
    assert cpec.timeline_fold(mine, chart).data == tables.fold(
        theirs, [("Events on this chart", events[["lane", "status", "label", "source"]], "source")],
        title="every event on this chart, with its source", name="timeline-early-events").data
    assert mine.record.used() == theirs.record.used()
    assert [f["name"] for f in mine.record._folds] == [f["name"] for f in theirs.record._folds] == \
        ["rows", "scorecard-it-notes", "timeline-early-events"]

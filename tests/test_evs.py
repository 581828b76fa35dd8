"""The Chromebooks-and-EVs chapter: its helpers (helpers.evs), its editorial yaml and its notebook's limits."""
from __future__ import annotations

import ast
import dataclasses

import nbformat
import pandas as pd
import pytest

from helpers import chapter, editorial, evs, glue, ledger, paths
from helpers.record import Record

L = ledger.load()
ED = editorial.load(L, "chromebooks_evs")
SECTIONS = ED["sections"]


class _Chapter(chapter.Chapter):
    def __init__(self):
        self.name, self.ledger, self.record = "chromebooks_evs", L, Record("chromebooks_evs")
        self.references, self.glued = [], {}


def _with_rows(**changes) -> ledger.Ledger:
    """A copy of the ledger whose rows (by id) have their columns replaced: _with_rows(x={"value": 1.0})."""
    obs = L.observations.copy()
    for obs_id, cols in changes.items():
        for col, value in cols.items():
            obs.loc[obs_id, col] = value
    return ledger.Ledger(obs, L.indicators, L.events.copy(), L.sources, L.breaks, L.countries)


def test_bare_glues_counts_and_years(monkeypatch):
    monkeypatch.setattr(glue, "paste", lambda k, t, target="": None)
    ch = _Chapter()
    evs.bare(ch, "chromebooks-mofept-order-n", "cb-target-2026-launch-year")
    assert ch.glued == {"chromebooks-mofept-order-n": "8,000", "cb-target-2026-launch-year": "2026"}
    assert ch.record.used()["chromebooks-mofept-order"] == ["chromebooks-mofept-order-n"]
    with pytest.raises(ValueError, match="ends in '-n' or '-year'"):
        evs.bare(ch, "chromebooks-mofept-order-period")
    with pytest.raises(KeyError, match="no ledger row"):
        evs.bare(ch, "no-such-row-n")


def test_sections_select_by_indicator_dimension_prefix_and_kind():
    line = evs.section(L, SECTIONS, "cbev-chromebook-line")
    assert "cb-jobs-profit" in set(line["id"]), "jobs on the Chromebook line belong to the line"
    policy = evs.section(L, SECTIONS, "cbev-policy")
    assert not set(line["id"]) & set(policy["id"]), "a job count is either the line's or the policy's"
    assert set(evs.section(L, SECTIONS, "cbev-nishat")["id"]) >= {"nexgen-capacity-double", "npl-nexgen-2025-07"}
    demand = evs.section(L, SECTIONS, "cbev-demand")
    assert (demand["kind"] != "stated_change").all() and "offmach-fy2024" in set(demand["id"])
    market = evs.section(L, SECTIONS, "cbev-market")
    assert "pama-cars-total-fy2025" in set(market["id"])
    assert not set(market["id"]) & set(evs.section(L, SECTIONS, "cbev-nishat")["id"]), "not_in leaves them out"
    assert list(market["as_of"]) == sorted(market["as_of"]), "rows come in the order they were stated"
    with pytest.raises(KeyError, match="no section named 'cbev-nothing'"):
        evs.section(L, SECTIONS, "cbev-nothing")


def test_every_row_of_the_theme_is_one_click_away():
    shown = set().union(*(set(evs.section(L, SECTIONS, n)["id"]) for n in SECTIONS["name"]))
    changes = {i for ids in evs.changes(L)["id"] for i in ids}
    missing = sorted(set(evs.theme_rows(L)["id"]) - shown - changes)
    assert not missing, f"theme rows no folded table shows: {missing}"


def test_volumes_in_thousands_and_guarded():
    vol = evs.volumes(L, ED["volumes"], ED["volume_groups"])
    assert vol.loc[vol["id"] == "cb-capacity-initial-lou", "value"].item() == 500
    assert vol.loc[vol["id"] == "cb-capacity-initial-lou", "series"].item().endswith("(Jun 2024)")
    assert vol.loc[vol["id"] == "pmls-2024", "series"].item() == "PM laptop scheme, CY2024", "undated label"
    assert set(vol["group"]) == set(ED["volume_groups"]["legend"])
    big = _with_rows(**{"pmls-2024": {"value": 500000.0}})
    with pytest.raises(ValueError, match="past laptop volume now reaches a goal"):
        evs.volumes(big, ED["volumes"], ED["volume_groups"])


def test_goal_over_past_compares_smallest_goal_with_largest_past():
    d = evs.goal_over_past(L, ED["volumes"])
    assert d.inputs == ("cb-capacity-initial-lou", "laptops-imports-fy2012-units")
    assert d.value == pytest.approx(500000 / 282559)


def test_market_shares_and_goal_applied():
    market = L.value("pama-cars-total-fy2025")
    one = evs.capacity_share(L, ["nexgen-capacity-double"], "pama-cars-total-fy2025")
    assert one.value == pytest.approx(L.value("nexgen-capacity-double") / market * 100)
    both = evs.capacity_share(L, list(ED["plants"]["id"]), "pama-cars-total-fy2025")
    assert both.value == pytest.approx((32000 + 25000) / market * 100)
    assert both.inputs == ("nexgen-capacity-double", "byd-capacity", "pama-cars-total-fy2025")
    cars = evs.goal_cars(L, "nev-2030-share-launch", "pama-cars-total-fy2025")
    assert cars.value == round(0.30 * market, -2) and cars.unit == "cars a year"


def test_scale_puts_the_goal_where_the_yaml_does():
    scale = evs.scale(L, ED["scale"])
    goal = scale[scale["group"] == "Our illustration"]
    assert goal.index.item() == 5 and goal["inputs"].item() == "nev-2030-share-launch / pama-cars-total-fy2025"
    assert goal["value"].item() == pytest.approx(round(round(0.3 * L.value("pama-cars-total-fy2025"), -2) / 1000, 1))
    assert scale.loc[scale["id"] == "byd-capacity", "value"].item() == 25


def test_models_and_powertrain_counts():
    models, ids = evs.models(L)
    assert len(models) == L.value("nexgen-models-total") and "id" not in models.columns
    assert set(models["Brand (by name)"]) == {"Omoda", "Jaecoo"}
    assert models.loc[models["Model"] == "J7", "First local car"].item() != "none reported"
    assert "ev-nexgen-first-ckd" in ids and "nexgen-ckd-models-bev" in ids
    stage = evs.powertrain(L)
    assert evs.powertrain_title(stage) == "4 of 5 unveiled models plug in; 2 are named for local assembly"
    fake = pd.DataFrame({"series": ["Unveiled (x)", "Unveiled (x)", "Named (y)"], "powertrain": ["hybrid", "battery", "battery"],
                         "value": [3, 1, 1]})
    assert evs.powertrain_title(fake) == "1 of 4 unveiled models plug in; 1 are named for local assembly"


def test_timeline_lanes_and_counts():
    deals = evs.timeline_events(L, ED["timeline"], list(ED["lanes"]["lane"]))
    assert list(deals["id"]) == list(ED["timeline"]["id"]) and set(deals["lane"]) <= set(ED["lanes"]["lane"])
    with pytest.raises(ValueError, match="timeline lanes \\['BYD-Hubco'\\] are not in `lanes`"):
        evs.timeline_events(L, ED["timeline"], ["Chromebook line", "Nishat-Chery", "Policy"])
    n = evs.status_counts(deals)
    assert n["all"] == len(deals) == n["announced"] + n["under_way"] + n["operating"]


def test_line_volumes_guard_the_claim_that_no_output_is_published():
    vol = evs.line_volumes(L)
    assert set(vol["kind"]) <= {"plan", "target"} and "cb-target-2026-launch" in set(vol["id"])
    made = _with_rows(**{"cb-target-2026-launch": {"indicator": "chromebooks_produced", "kind": "level"}})
    with pytest.raises(ValueError, match="count of Chromebooks made"):
        evs.line_volumes(made)


def test_reader_tables_have_human_headers():
    from helpers.tables import check_headers

    every = list(ED["timeline"]["id"]) + list(ED["other_events"]["id"])
    for name, frame in [("roles", evs.roles(ED["roles"])), ("events", evs.events_table(L, every)),
                        ("disagreements", evs.disagreements(L, ED["disagreements"])), ("conflicts", evs.conflicts(L)),
                        ("changes", evs.changes(L))]:
        check_headers(frame.drop(columns="id", errors="ignore"), name)
    dis = evs.disagreements(L, ED["disagreements"])
    assert len(dis) == sum(len(i) for i in ED["disagreements"]["ids"]) and dis["Question"].iloc[0].startswith("Chromebooks")


def test_editorial_yaml_names_real_rows(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("timeline:\n  - {id: ev-no-such-event, lane: Policy, label: x}\n", encoding="utf-8")
    with pytest.raises(ledger.LedgerError, match="ev-no-such-event"):
        editorial.load(L, "chromebooks_evs", bad)


def _code_cells():
    nb = nbformat.read(paths.CHAPTERS / "chromebooks_evs.ipynb", as_version=4)
    return [c.source for c in nb.cells if c.cell_type == "code"]


def test_notebook_is_thin():
    cells = _code_cells()
    lines = [len([ln for ln in c.splitlines() if ln.strip()]) for c in cells]
    assert max(lines) <= 25 and sum(lines) <= 120, f"code lines per cell {lines}, total {sum(lines)}"
    for source in cells:
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
                assert len(node.elts) <= 5, f"a literal of {len(node.elts)} entries in: {source[:80]}"
            if isinstance(node, ast.Dict):
                assert len(node.keys) <= 5, f"a dict literal of {len(node.keys)} entries in: {source[:80]}"
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") in ("derived", "text", "rounded"):
                assert isinstance(node.args[0], ast.Constant), "glue keys are literal strings"


def test_alt_text_and_chart_fold_come_from_the_drawn_data(monkeypatch):
    from types import SimpleNamespace

    data = pd.DataFrame({"id": ["cb-capacity-initial-lou"], "period": ["2024-06-25"], "series": ["LoU"],
                         "group": ["goal"], "value": [500.0], "unit": ["thousand units per year"],
                         "source": ["dailypakistan_2024_06_chromebook_lou"]})
    chart = SimpleNamespace(data=data, csv_link="../_static/chart-data/x.csv")
    assert evs.bar_alt(chart, "Bars") == "Bars. LoU: 500 thousand units per year."
    data.loc[0, "value"] = 750.0
    assert "750" in evs.bar_alt(chart, "Bars"), "alt text follows the data"
    deals = evs.timeline_events(L, ED["timeline"], list(ED["lanes"]["lane"]))
    n = evs.status_counts(deals)
    alt = evs.timeline_alt(deals, list(ED["lanes"]["lane"]))
    assert alt.startswith(f"Timeline of {n['all']} milestones") and f"{n['announced']} announced" in alt
    ch = _Chapter()
    out = evs.chart_fold(ch, chart, "the bars", "x-data").data
    assert "| Period | Bar | Group | Value | Unit | Source |" in out and "25 Jun 2024" in out and "x.csv" in out
    assert ch.record.used() == {"cb-capacity-initial-lou": ["fold:x-data"]}


def test_a_section_naming_an_unknown_indicator_fails():
    """A renamed indicator left in the yaml would silently empty a fold; it must stop the build."""
    led = ledger.load()
    sections = pd.DataFrame([{"name": "x", "title": "t", "indicators": ["no_such_indicator"]}])
    with pytest.raises(ValueError, match="no_such_indicator"):
        evs.section(led, sections, "x")

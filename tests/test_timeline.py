"""Unit tests of plots.timeline on a small ledger of events built here."""
from __future__ import annotations

import itertools

import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from helpers import chapter, plots
from helpers.record import Record
from helpers.ledger import Ledger, Source

EVENTS = [
    # id, date, category, status, event, source
    ("e-sign", "2024-06-25", "manufacturing", "announced", "Agreement signed for an assembly line", "a"),
    ("e-plan", "2025-10", "manufacturing", "announced", "Planned start of assembly, per the company", "b"),
    ("e-start", "2025-11", "manufacturing", "operating", "Assembly starts at the plant", "b"),
    ("e-first", "2025-11-04", "manufacturing", "under_way", "Line launched at a ceremony", "a"),
    ("e-mou", "2025-11-04", "training", "announced", "Training pledge signed on the same day", "a"),
    ("e-policy", "2025-06-19", "policy", "announced", "Policy launched with targets", "b"),
    ("e-year", "2026", "policy", "announced", "Target year for the policy", "b"),
]


@pytest.fixture
def led() -> Ledger:
    rows = [dict(zip(("id", "date", "category", "status", "event", "source"), e)) for e in EVENTS]
    events = pd.DataFrame(rows)
    events.index = list(events["id"])
    src = {k: Source(k, "T", f"Publisher {k.upper()}", "2025-01-01", "https://example.org", "2026-11-25")
           for k in ("a", "b")}
    return Ledger(pd.DataFrame(columns=["id"]), {}, events, src)


@pytest.fixture(autouse=True)
def chart_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("PKBOOK_CHART_DIR", str(tmp_path / "chart-data"))
    plots.set_theme()
    # A stand-in for the chapter a notebook begins, so the rows a chart draws are recorded somewhere to check.
    monkeypatch.setattr(chapter, "CURRENT", type("Ch", (), {"record": Record("test")})())
    return tmp_path / "chart-data"


def _label_boxes(chart):
    canvas = FigureCanvasAgg(chart.figure)
    canvas.draw()
    ax = chart.figure.axes[0]
    return [t.get_window_extent(canvas.get_renderer()) for t in ax.texts if t.get_text()]


def test_timeline_data_sorted_labelled_and_recorded(led, chart_dir):
    chart = plots.timeline(led, led.events, "tl", "Events by date")
    assert list(chart.data.columns) == ["id", "date", "lane", "status", "label", "source", "date_drawn"]
    assert chart.data.set_index("id").loc["e-plan", "date_drawn"] == "2025-10-01"
    assert list(chart.data["id"]) == ["e-sign", "e-policy", "e-plan", "e-start", "e-first", "e-mou", "e-year"]
    assert chart.data.set_index("id").loc["e-plan", "label"].startswith("Oct 2025: ")
    assert chart.data.set_index("id").loc["e-sign", "label"].startswith("25 Jun 2024: ")
    assert (chart_dir / "tl.csv").read_text().splitlines()[0] == "id,date,lane,status,label,source,date_drawn"
    assert all(chapter.CURRENT.record.used()[i] == ["chart:tl"] for i in led.events["id"])
    assert len(_label_boxes(chart)) == len(EVENTS)


def test_timeline_labels_do_not_overlap(led):
    crowded = pd.concat([led.events] * 3, ignore_index=True)
    crowded["id"] = [f"{i}-{n}" for n, i in enumerate(crowded["id"])]
    chart = plots.timeline(led, crowded, "crowded", "Many events in a few months", lane=None)
    assert "lane" not in chart.data.columns
    boxes = _label_boxes(chart)
    for a, b in itertools.combinations(boxes, 2):
        assert not a.overlaps(b), "two event labels overlap"
    frame = chart.figure.axes[0].get_window_extent()
    assert all(frame.x0 - 1 <= b.x0 and b.x1 <= frame.x1 + 1 for b in boxes), "a label leaves the plot"


def test_timeline_lane_order_and_colour_column(led):
    chart = plots.timeline(led, led.events, "lanes", "By category", lane="category", colour="category",
                           lanes=["policy", "manufacturing", "training"])
    ticks = [t.get_text() for t in chart.figure.axes[0].get_yticklabels()]
    assert ticks == ["policy", "manufacturing", "training"]
    assert "category" in chart.data.columns and "status" not in chart.data.columns


def test_timeline_is_deterministic(led):
    one = plots.timeline(led, led.events, "same", "Same input").png()
    two = plots.timeline(led, led.events, "same", "Same input").png()
    assert one == two


def test_timeline_rejects_bad_input(led):
    with pytest.raises(KeyError, match="lacks the columns"):
        plots.timeline(led, led.events.drop(columns=["status"]), "bad", "t")
    with pytest.raises(ValueError, match="not in `lanes`"):
        plots.timeline(led, led.events, "bad", "t", lanes=["policy"])
    with pytest.raises(ValueError, match="no events"):
        plots.timeline(led, led.events.iloc[:0], "bad", "t")


def _markers_under_labels(chart) -> int:
    canvas = FigureCanvasAgg(chart.figure)
    canvas.draw()
    r = canvas.get_renderer()
    ax = chart.figure.axes[0]
    labels = [t.get_window_extent(r) for t in ax.texts if t.get_text()]
    markers = [ax.transData.transform((line.get_xdata()[0], line.get_ydata()[0])) for line in ax.get_lines()
               if len(line.get_xdata()) == 1]
    assert len(markers) == len(labels)
    return sum(b.x0 - 3 < x < b.x1 + 3 and b.y0 - 3 < y < b.y1 + 3 for x, y in markers for b in labels)


@pytest.mark.parametrize("copies", [1, 3])
def test_each_label_sits_beside_its_own_marker_only(led, copies):
    events = pd.concat([led.events] * copies, ignore_index=True)
    events["id"] = [f"{i}-{n}" for n, i in enumerate(events["id"])]
    chart = plots.timeline(led, events, "beside", "Labels beside markers", lane=None, wrap=18)
    assert _markers_under_labels(chart) == 0, "a label covers a marker"
    assert not any(t.arrow_patch for t in chart.figure.axes[0].texts), "no leader lines"


def test_empty_lanes_are_dropped_and_duplicates_merged(led):
    chart = plots.timeline(led, led.events, "merged", "t", lanes=["policy", "empty", "manufacturing", "training"],
                           same_as={"e-start": "e-plan"})
    ticks = [t.get_text() for t in chart.figure.axes[0].get_yticklabels()]
    assert ticks == ["policy", "manufacturing", "training"]
    assert "e-start" not in set(chart.data["id"])
    assert chart.data.set_index("id").loc["e-plan", "source"] == "b"        # both reports cite b: kept once
    other = plots.timeline(led, led.events, "merged2", "t", same_as={"e-first": "e-sign"})
    assert other.data.set_index("id").loc["e-sign", "source"] == "a"
    again = plots.timeline(led, led.events, "merged3", "t", same_as={"e-mou": "e-year"})
    assert again.data.set_index("id").loc["e-year", "source"] == "b;a"
    with pytest.raises(ValueError, match="not on this chart"):
        plots.timeline(led, led.events, "bad", "t", same_as={"e-mou": "nope"})


def test_status_colours_are_the_same_on_every_chart(led):
    some = led.events[led.events["status"] != "announced"]
    one = plots.timeline(led, led.events, "all", "t")
    two = plots.timeline(led, some, "some", "t")
    def colour_of(chart, status):
        return next(h.get_color() for h in chart.figure.axes[0].get_legend().legend_handles
                    if h.get_label() == status)
    assert colour_of(one, "operating") == colour_of(two, "operating")


def test_timeline_alt_text_lists_the_events(led):
    chart = plots.timeline(led, led.events, "alt", "t")
    assert chart.alt.startswith("Timeline of 7 events from 25 Jun 2024 to 2026 in the lanes manufacturing, policy, "
                                "training: 5 announced, 1 under way, 1 operating. 25 Jun 2024: Agreement signed")

"""Unit tests of the period-to-date mapping that time axes use."""
from datetime import date

import pytest

from helpers.periods import axis_basis, period_date, period_span


@pytest.mark.parametrize("text,drawn,span", [
    ("2021", date(2021, 7, 2), (date(2021, 1, 1), date(2021, 12, 31))),
    ("FY2024", date(2023, 12, 30), (date(2023, 7, 1), date(2024, 6, 30))),
    ("2022-H1", date(2022, 4, 1), (date(2022, 1, 1), date(2022, 6, 30))),
    ("2023-Q3", date(2023, 8, 15), (date(2023, 7, 1), date(2023, 9, 30))),
    ("2024-04", date(2024, 4, 30), (date(2024, 4, 1), date(2024, 4, 30))),
    ("2019-12-08", date(2019, 12, 8), (date(2019, 12, 8), date(2019, 12, 8))),
    ("FY2024-M10", date(2023, 11, 30), (date(2023, 7, 1), date(2024, 4, 30))),
])
def test_every_period_form_maps_to_a_date(text, drawn, span):
    assert period_date(text) == drawn
    assert period_span(text) == span


def test_axis_basis():
    assert axis_basis(["FY2024", "FY2025-M10"]) == "FY"
    assert axis_basis(["2024", "2024-04"]) == "CY"
    assert axis_basis(["2024", "FY2024"]) == "mixed"
    with pytest.raises(ValueError):
        axis_basis([])


# ---- charts on a small ledger built here ---------------------------------------------------------------

import matplotlib.dates as mdates  # noqa: E402
import pandas as pd  # noqa: E402

from helpers import plots  # noqa: E402
from helpers.ledger import Ledger, Source  # noqa: E402
from helpers.periods import parse_period  # noqa: E402
from helpers.values import Derived  # noqa: E402

ROWS = [  # id, period, series, value, origin, source
    ("a-2016", "2016", "local", 0.3, "Topline Securities", "news"),
    ("a-2019", "2019", "local", 11.7, "PTA", "news"),
    ("a-2020", "2020", "local", 13.1, "PTA", "news"),
    ("a-2021", "2021", "local", 24.7, "PTA", "pta"),
    ("a-2022", "2022", "local", 21.9, "PTA", "pta"),
    ("b-fy23", "FY2023", "bill", 570.0, "PBS", "news"),
    ("b-fy24", "FY2024", "bill", 1900.0, "PBS", "news"),
]


@pytest.fixture
def led() -> Ledger:
    obs = pd.DataFrame([{"id": i, "period": p, "period_obj": parse_period(p), "dimension": s, "value": v,
                         "unit": "million units" if s == "local" else "USD million", "origin": o, "source": k}
                        for i, p, s, v, o, k in ROWS])
    obs.index = list(obs["id"])
    src = {"news": Source("news", "T", "Dawn", "2025-01-01", "https://example.org/a", "2026-11-25"),
           "pta": Source("pta", "T", "Pakistan Telecommunication Authority", "2025-01-01", "https://example.org/b",
                         "2026-11-25")}
    events = pd.DataFrame(columns=["id", "origin", "source"])
    return Ledger(obs, {}, events, src)


@pytest.fixture(autouse=True)
def chart_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("PKBOOK_CHART_DIR", str(tmp_path / "chart-data"))
    plots.set_theme()
    return tmp_path / "chart-data"


def _local(led, **kw):
    return plots.bars(led, plots.tidy(led, led.observations.loc[["a-2016", "a-2019", "a-2020", "a-2021"]]),
                      name="local", title="Local output", ylabel="Handsets (million units)", hue=None, **kw)


def test_year_bars_sit_on_their_year_with_the_gap_visible(led, chart_dir):
    chart = _local(led)
    ax = chart.figure.axes[0]
    centres = sorted(mdates.num2date(p.get_x() + p.get_width() / 2).date() for p in ax.patches)
    assert [c.year for c in centres] == [2016, 2019, 2020, 2021]          # nothing drawn for 2017-2018
    assert all(abs((c - date(c.year, 7, 2)).days) <= 1 for c in centres)   # each at the middle of its year
    x = sorted(p.get_x() + p.get_width() / 2 for p in ax.patches)
    assert x[1] - x[0] == pytest.approx(3 * (x[2] - x[1]), rel=0.01)       # three years look like three years
    assert ax.get_xlabel() == "Calendar year"
    csv = pd.read_csv(chart_dir / "local.csv")
    assert list(csv["date"]) == ["2016-07-01", "2019-07-02", "2020-07-01", "2021-07-02"]
    assert list(csv["date_start"])[0] == "2016-01-01" and list(csv["date_end"])[0] == "2016-12-31"


def test_fiscal_axis_says_so(led):
    chart = plots.bars(led, plots.tidy(led, led.observations.loc[["b-fy23", "b-fy24"]]), name="bill", hue=None,
                       title="Bill", ylabel="USD million")
    ax = chart.figure.axes[0]
    assert ax.get_xlabel() == "Fiscal year (July-June)"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["FY23", "FY24"]
    again = plots.bars(led, chart.data, name="bill2", hue=None, title="Bill", ylabel="USD", xlabel="Year")
    assert again.figure.axes[0].get_xlabel() == "Year (fiscal year, July-June)"


def test_overlapping_periods_fall_back_to_categories(led):
    frame = pd.DataFrame({"id": ["x", "y"], "period": ["FY2024", "FY2024-M10"], "period_label": ["FY24", "10MFY24"],
                          "series": ["s", "s"], "value": [1.0, 2.0], "unit": ["USD million"] * 2,
                          "source": ["news", "news"]})
    chart = plots.bars(led, frame, name="overlap", hue=None, title="t", ylabel="y")
    assert not chart.time_axis
    assert [t.get_text() for t in chart.figure.axes[0].get_xticklabels()] == ["FY24", "10MFY24"]


def test_gaps_and_segments():
    years = [2016, 2019, 2020, 2021, 2022]
    assert plots.gaps(years) == [1]
    assert plots.segments(years) == [(0, 1), (1, 5)]
    months = [mdates.date2num(parse_period(p).end) for p in ["2024-01", "2024-02", "2024-03", "2024-05", "2024-06"]]
    assert plots.segments(months) == [(0, 3), (3, 5)]                      # a missing month breaks the line
    assert plots.segments([1, 2]) == [(0, 2)]


def test_a_line_is_broken_across_a_gap(led):
    frame = plots.tidy(led, led.observations.loc[["a-2016", "a-2019", "a-2020", "a-2021", "a-2022"]])
    chart = plots.lines(led, frame, name="share", title="t", ylabel="y")
    drawn = [len(line.get_xdata()) for line in chart.figure.axes[0].get_lines()]
    assert drawn == [1, 4], "2016 stands alone; 2019-2022 are joined"
    xs = chart.figure.axes[0].get_lines()[1].get_xdata()
    assert [mdates.num2date(x).year for x in xs] == [2019, 2020, 2021, 2022]


def test_source_line_names_producers(led):
    chart = _local(led)
    assert chart.source == "Data: PTA; Topline Securities (reported by Dawn)"
    chart.png()
    texts = [t.get_text() for t in chart.figure.texts]
    assert texts == ["Data: PTA; Topline Securities (reported by Dawn)"]


def test_clipped_text_fails_naming_chart_and_text(led):
    chart = plots.bars(led, plots.tidy(led, led.observations.loc[["a-2016", "a-2019"]]), name="local", hue=None,
                       title="Local output", ylabel="Handsets assembled in Pakistan, million units " * 3)
    with pytest.raises(plots.ChartTextError, match=r"chart 'local': text 'Handsets assembled.*' is clipped: it runs "
                                                   r"\d+ px past the (top|bottom) edge"):
        chart.png()


def test_a_long_source_line_is_wrapped_inside_the_figure(led):
    chart = _local(led, note="A long note that names every outlet and every table behind the chart. " * 3)
    chart.png()                                                            # wrapped to fit, so no error
    line = chart.figure.texts[0]
    assert line.get_text().count("\n") >= 1
    plots.check_text(chart.figure, "local")


def test_tiny_text_fails(led):
    chart = _local(led, notes=[plots.Note("2019", 5.0, "fine")])
    chart.figure.axes[0].annotate("tiny label", (0.5, 0.5), xycoords="axes fraction", fontsize=4)
    with pytest.raises(plots.ChartTextError, match=r"chart 'local': text 'tiny label' prints at 3\.\d pt"):
        chart.png()


def test_text_too_small_for_the_screen_fails(led):
    chart = _local(led)
    chart.figure.axes[0].annotate("small on screen", (0.5, 0.5), xycoords="axes fraction", fontsize=9)
    with pytest.raises(plots.ChartTextError, match=r"'small on screen' shows at 10\.2 px on screen"):
        chart.png()


def test_default_text_sizes_pass_the_print_check(led):
    chart = _local(led, refs=[plots.Ref(10, "target")], notes=[plots.Note("2019", 5.0, "a note")])
    chart.png()                                                            # does not raise
    plots.check_text(chart.figure, "local")


def test_finishing_options_apply_once_when_shown(led):
    chart = _local(led)
    image = plots.show(chart, limits=(0, 40), integer=True, size=(6, 4), legend="none",
                       refs=[plots.Ref(20, "goal")])
    ax = chart.figure.axes[0]
    assert ax.get_ylim() == (0, 40)
    assert tuple(chart.figure.get_size_inches()) == (6, 4)
    assert all(float(t).is_integer() for t in ax.get_yticks())
    assert any(t.get_text() == "goal" for t in ax.texts)
    assert image.metadata == {"alt": chart.alt}
    with pytest.raises(RuntimeError, match="already finished"):
        plots.show(chart, limits=(0, 50))
    with pytest.raises(TypeError, match="unknown finishing options"):
        _local(led, ylimit=(0, 3))


def test_headroom_raises_the_value_axis(led):
    chart = _local(led, headroom=0.5)
    chart.png()
    assert chart.figure.axes[0].get_ylim()[1] == pytest.approx(24.7 * 1.5)


def test_words_follow_the_ledger(led):
    title = "Output {a-2021:.0} in {a-2021:year}, up from {a-2016:n} ({share:.0} of supply)"
    share = Derived(93.6, "percent", ("a-2021",))
    assert plots.words(led, title, share=share) == "Output 25 million units in 2021, up from 0.3 (94% of supply)"
    led.observations.loc["a-2021", "value"] = 31.4                        # a corrected ledger value
    assert plots.words(led, title, share=share).startswith("Output 31 million units in 2021")
    assert plots.words(led, "{last:.0} in {last:year}; {who}", last="a-2022", who="PTA") == "22 million units in 2022; PTA"
    with pytest.raises(KeyError, match="no-such-id"):
        plots.words(led, "{no-such-id}")


def test_alt_text_is_built_from_the_data(led):
    chart = _local(led)
    assert chart.alt == ("Bar chart of handsets (million units), CY2016 to CY2021. 0.3 million units in "
                         "CY2016, 24.7 million units in CY2021.")
    frame = plots.tidy(led, led.observations.loc[["a-2016", "a-2019", "a-2021", "a-2022"]])
    frame.loc[1, "value"] = 30.0
    lines = plots.lines(led, frame, name="peak", title="t", ylabel="ICT exports (USD million)")
    assert lines.alt == ("Line chart of ICT exports (USD million), CY2016 to CY2022. local: 0.3 million units in "
                         "CY2016, 21.9 million units in CY2022, peak 30 million units in CY2019.")
    cats = plots.bars(led, frame, name="cats", x="id", hue=None, horizontal=True, title="t", ylabel="Units")
    assert cats.alt.startswith("Bar chart of units. a-2016: 0.3 million units, a-2019: 30 million units")


def test_a_long_title_over_long_bar_labels_moves_to_the_figure_edge(led):
    frame = plots.tidy(led, led.observations.loc[["a-2016", "a-2019"]])
    frame["label"] = ["A promise with a long description, due 2016", "Another long promise, due 2019"]
    chart = plots.bars(led, frame, name="wide", x="label", hue=None, horizontal=True, ylabel="Percent",
                       title="A title that states the finding of the chart in a full sentence")
    chart.png()                                                            # fits: no ChartTextError


# ---- words in figure metadata and chart titles follow the data -----------------------------------------

import json  # noqa: E402
import re  # noqa: E402

from helpers import paths  # noqa: E402

#: Chapters whose charts are built with `plots.words` / `chart.alt` (the others are being migrated).
MIGRATED = ["intro", "mobile_manufacturing", "promises_vs_outcomes", "cpec_it_cooperation", "cross_checks",
            "chromebooks_evs", "telecom_infrastructure", "reading_the_numbers", "peers"]
_NAMES = r"\b[2-5]G\b|\b3G/4G\b|\bPC-1\b|\bFY\d\d\b|\bCY20\d\d\b|\bPakSat-MM1\b"


def typed_numbers(cell: dict) -> list[str]:
    """Digits typed into a code cell's figure caption, alt text or a chart title literal (not data-derived)."""
    meta = cell.get("metadata", {}).get("mystnb", {})
    texts = [meta.get("figure", {}).get("caption", ""), meta.get("image", {}).get("alt", "")]
    code = "".join(cell["source"]) if cell["cell_type"] == "code" else ""
    texts += [re.sub(r"\{[^{}]*\}", "", t) for t in re.findall(r"title=f?\"([^\"]*)\"", code)]
    return [t for t in texts if re.search(r"\d", re.sub(_NAMES, "", t))]


def test_typed_numbers_are_found():
    assert typed_numbers({"cell_type": "code", "source": ['c = plots.bars(L, d, title="Up 88% in 2024")'],
                          "metadata": {}})
    assert typed_numbers({"cell_type": "code", "source": [],
                          "metadata": {"mystnb": {"image": {"alt": "about 31 million in 2024"}}}})
    assert not typed_numbers({"cell_type": "code", "source": ['title=f"{share:.0f} of 3G/4G", x=plots.words(L, "{a:.0}")'],
                              "metadata": {"mystnb": {"figure": {"caption": "By fiscal year (FY24 to FY25)."}}}})


@pytest.mark.parametrize("stem", MIGRATED)
def test_no_number_typed_into_figure_words(stem):
    cells = json.loads((paths.CHAPTERS / f"{stem}.ipynb").read_text(encoding="utf-8"))["cells"]
    found = [t for c in cells for t in typed_numbers(c)]
    assert not found, f"{stem}: numbers typed into captions, alt text or chart titles: {found}"


def test_two_points_far_apart_are_not_joined():
    """A two-point series has no usual step; one period's length stands in, so CY2016 and CY2024 stay apart."""
    assert plots.gaps([0.0, 2922.0], unit=366.0) == [1]
    assert plots.gaps([0.0, 365.0], unit=366.0) == []
    assert plots.segments([0.0, 2922.0], unit=366.0) == [(0, 1), (1, 2)]


def test_a_note_follows_the_source_line_after_a_full_stop(led):
    chart = _local(led, note="Points are PTA's own counts.")
    chart.png()
    assert [t.get_text() for t in chart.figure.texts] == [
        "Data: PTA; Topline Securities (reported by Dawn). Points are PTA's own counts."]


def test_a_computed_value_is_drawn_at_its_first_input(led):
    point = plots.derived_point(led, "a-2019", "share", Derived(41.666, "percent", ("a-2019", "a-2020")), "percent")
    assert (point["period"], point["series"], point["value"], point["unit"]) == ("2019", "share", 41.7, "percent")
    assert point["inputs"] == ["a-2019", "a-2020"] and point["source"] == "news"

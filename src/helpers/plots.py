"""One chart style for the book; every chart states its finding, units and producers, and ships its data.

A chart is drawn by `bars`, `lines` or `timeline` and finished once, when it is shown or saved: the options
a notebook used to patch by hand (size, value-axis limits and headroom, legend position, reference lines,
annotations, whole-number ticks) are keyword parameters of the drawing function or of `show`. Time runs on a
real date axis (a year or fiscal year drawn over its span, a month at its end; gaps stay visible; a line
breaks across a gap larger than its usual step). Saving checks that every text lies inside the figure and
prints at 7 pt or more on the PDF page, and fails naming the chart and the text otherwise.
"""
from __future__ import annotations

import io
import math
import textwrap
from dataclasses import dataclass, field, fields, replace
from datetime import date

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.image  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402
from IPython.display import Image, Markdown  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.text import Text  # noqa: E402
from matplotlib.ticker import FixedLocator, MaxNLocator  # noqa: E402

from . import paths  # noqa: E402
from .fmt import number, with_unit  # noqa: E402
from .ledger import Ledger  # noqa: E402
from .periods import Period, axis_basis, parse_period, period_date  # noqa: E402

#: Colour-blind-safe palette (seaborn's "colorblind", after Wong 2011) used for every chart.
PALETTE = sns.color_palette("colorblind")

#: Width of the PDF's text block (A4 less Sphinx's one-inch margins): a wider figure is printed scaled down.
PRINT_WIDTH_IN = 8.27 - 2.0
#: The smallest font a printed chart may carry, in points on the page.
MIN_PRINT_PT = 7.0
#: Width at which the HTML page shows a chart (its content column), and the smallest text it may show there.
SCREEN_WIDTH_PX = 650
MIN_SCREEN_PX = 10.5
#: Size of small chart text (source line, bar values, legend, reference-line labels), in figure points: in an
#: 8-inch figure it prints at 7.8 pt and shows at about 11.5 px in the HTML column (about 650 px wide).
SMALL_PT = 10.0
#: A step between two points of a line this many times the series' usual step is a gap: the line breaks.
GAP_FACTOR = 1.5


def small_pt(fig: plt.Figure) -> float:
    """Size of the helper's small text in `fig`: SMALL_PT, or more in a figure wide enough to print scaled down."""
    return max(SMALL_PT, math.ceil(MIN_PRINT_PT * fig.get_figwidth() / PRINT_WIDTH_IN * 2) / 2)


def set_theme() -> None:
    """The book's seaborn theme: white grid, colour-blind palette, sizes legible in the PDF."""
    sns.set_theme(style="whitegrid", palette=PALETTE, context="notebook", font_scale=1.05)
    plt.rcParams.update({
        "figure.figsize": (8, 4.6), "figure.dpi": 110, "savefig.dpi": 160,
        "axes.titleweight": "bold", "axes.titlesize": 13, "axes.titlelocation": "left",
        "legend.fontsize": SMALL_PT, "svg.hashsalt": "pk-digital-book", "figure.autolayout": False,
    })


def short_source(ledger: Ledger, key: str) -> str:
    """'Publisher (year)' for a chart's note."""
    src = ledger.sources[key]
    return f"{src.publisher} ({src.date[:4]})"


def source_line(ledger: Ledger, keys) -> str:
    """'Source: Publisher (year); ...' of BibTeX keys (kept for old callers; charts name producers instead)."""
    keys = list(dict.fromkeys(k for ks in keys if ks for k in str(ks).split(";") if k))
    return "Source: " + "; ".join(dict.fromkeys(short_source(ledger, k) for k in keys)) + "."


def producer_line(ledger: Ledger, data: pd.DataFrame, extra_ids=(), max_chars: int | None = None) -> str:
    """'Data: PTA; SBP (reported by Dawn)': the producers (ledger `origin`) of the rows a chart draws.

    Rows are found by the `id` column (observations or events) plus `extra_ids` (e.g. the targets a chart
    compares against); a chart whose rows carry no ledger id falls back to its sources' publishers.
    """
    known = {i for frame in (ledger.observations, ledger.events) if "origin" in frame.columns for i in frame.index}
    ids = [i for i in list(data["id"] if "id" in data.columns else []) + list(extra_ids) if i in known]
    if ids:
        return ledger.producers(list(dict.fromkeys(ids)), **({"max_chars": max_chars} if max_chars else {}))
    if "source" not in data.columns:
        raise ValueError("a chart needs ledger ids or source keys to name where its data come from")
    return source_line(ledger, data["source"]).replace("Source: ", "Data: ", 1)


@dataclass
class Ref:
    """A reference line: at a value (`axis='y'`, or 'x' on a horizontal bar chart's value axis) or at a
    time (`axis='x'`, `at` a period like '2015-06' or a date; drawn at the period's start), with a label."""

    at: object
    text: str = ""
    axis: str = "y"
    style: str = "--"
    above: bool = False          # label outside the plot, above its top edge (a vertical line only)


@dataclass
class Note:
    """An annotation: `text` at (`x`, `y`) in data units; `x` may be a period on a time axis."""

    x: object
    y: float
    text: str


@dataclass
class Finish:
    """How a chart is finished when shown: every option a notebook used to patch after drawing.

    size: (width, height) in inches. limits: (low, high) of the value axis (either may be None).
    headroom: room above the largest value, as a fraction of it (the value axis's top becomes at least
    max * (1 + headroom)). legend: a matplotlib location, 'above' (a row under the title), or 'none'.
    legend_cols: columns of the legend. refs: reference lines (`Ref`). notes: annotations (`Note`).
    integer: whole-number ticks on the value axis. Options left None keep what the drawing chose.
    """

    size: tuple[float, float] | None = None
    limits: tuple[float | None, float | None] | None = None
    headroom: float | None = None
    legend: str | None = None
    legend_cols: int | None = None
    refs: tuple = ()
    notes: tuple = ()
    integer: bool = False
    axes_height_pt: float | None = None


FINISH_OPTIONS = tuple(f.name for f in fields(Finish) if f.name != "axes_height_pt")


def _finish_options(where: str, options: dict) -> dict:
    unknown = sorted(set(options) - set(FINISH_OPTIONS))
    if unknown:
        raise TypeError(f"{where}: unknown finishing options {unknown}; known: {list(FINISH_OPTIONS)}")
    return {k: (tuple(v) if k in ("refs", "notes") else v) for k, v in options.items()}


class ChartTextError(ValueError):
    """A chart's text is clipped by the figure's edge or too small to read in print."""


@dataclass
class Chart:
    """A drawn chart and the tidy data it plots; finished (layout, source line, checks) when first shown."""

    figure: plt.Figure
    data: pd.DataFrame
    name: str
    source: str = ""
    note: str = ""
    finish: Finish = field(default_factory=Finish)
    value_axis: str = "y"
    time_axis: bool = False
    alt: str = ""
    finished: bool = False
    x: str = "period_label"
    hue: str | None = "series"

    def png(self) -> bytes:
        """The finished chart as PNG bytes (checked, without timestamp or software tag: reruns are identical)."""
        self.finalize()
        fig, dpi = self.figure, plt.rcParams["savefig.dpi"]
        dpi = fig.dpi if dpi == "figure" else dpi
        # One draw serves the text check and the PNG (what savefig would draw at savefig.dpi, written the same way).
        shown_dpi, fig.dpi = fig.dpi, dpi
        try:
            check_text(fig, self.name)
            buf = io.BytesIO()
            matplotlib.image.imsave(buf, _canvas(fig).buffer_rgba(), format="png", origin="upper",
                                    dpi=dpi, metadata={"Software": None})
        finally:
            fig.dpi = shown_dpi
        return buf.getvalue()

    @property
    def csv_link(self) -> str:
        return f"../_static/chart-data/{self.name}.csv"

    @property
    def title(self) -> str:
        """The chart's title, wherever it is placed (the book's theme puts titles on the left)."""
        if not self.figure.axes:
            return ""
        ax = self.figure.axes[0]
        return next((t for t in (ax.get_title(loc) for loc in ("left", "center", "right")) if t), "")

    def finalize(self) -> None:
        """Apply the finishing options, add the source line and lay the figure out; only the first call acts."""
        if self.finished:
            return
        fig, f = self.figure, self.finish
        _canvas(fig)                    # a figure closed by pyplot gets an Agg canvas to measure text with
        ax = fig.axes[0]
        if f.size:
            fig.set_size_inches(*f.size)
        small = small_pt(fig)
        _apply_value_axis(ax, self, f)
        for ref in f.refs:
            _draw_ref(ax, ref, self.time_axis, small)
        for n in f.notes:
            x = _x_of(n.x) if self.time_axis and isinstance(n.x, (str, date)) else n.x
            ax.annotate(n.text, (x, n.y), xytext=(4, 4), textcoords="offset points", fontsize=small,
                        color="#333333")
        _place_legend(ax, f)
        legend = ax.get_legend()
        for t in [t for t in ax.texts if t.get_gid() == "pk-small"] + (list(legend.get_texts()) if legend else []):
            t.set_fontsize(max(t.get_fontsize(), small))
        # "Data: PTA (reported by Dawn). Note ...": the source line ends with a full stop before a note.
        source = self.source + "." if self.source and self.note and not self.source.endswith(".") else self.source
        line = " ".join(t for t in (source, self.note) if t)
        text = fig.text(0.01, 0.01, line, fontsize=small, color="#444444", ha="left", va="bottom")
        renderer = _canvas(fig).get_renderer()
        width = int(fig.get_figwidth() * 72 / (small * 0.5))     # characters of small text across the figure
        while width > 20:                                          # wrap at the widest that fits the figure
            text.set_text("\n".join(textwrap.wrap(line, width)))
            if text.get_window_extent(renderer).x1 <= fig.bbox.width * 0.99:
                break
            width -= 4
        rect = (0, text.get_window_extent().y1 / fig.bbox.height + 0.01, 1, 1)
        fig.tight_layout(rect=rect)
        _title_inside(fig, ax, renderer, rect)
        if f.axes_height_pt:
            _keep_axes_height(fig, ax, f.axes_height_pt)
        self.finished = True


def _title_inside(fig: plt.Figure, ax: plt.Axes, renderer, rect) -> None:
    """A title wider than the room right of the axes' left edge starts at the figure's left margin instead."""
    title = next((t for t in (ax._left_title, ax.title, ax._right_title) if t.get_text()), None)
    if title is None or title.get_window_extent(renderer).x1 <= fig.bbox.width - 2:
        return
    title.set_in_layout(False)
    fig.tight_layout(rect=rect)
    axes = ax.get_window_extent(renderer)
    title.set_x((0.01 * fig.bbox.width - axes.x0) / axes.width)
    title.set_horizontalalignment("left")


def _canvas(fig: plt.Figure) -> FigureCanvasAgg:
    """The figure's Agg canvas (a figure closed by pyplot has lost its own); text is measured without a draw."""
    return fig.canvas if hasattr(fig.canvas, "get_renderer") else FigureCanvasAgg(fig)


def _x_of(when) -> float:
    """A time axis position: a period string at its start, a date as itself."""
    if isinstance(when, str):
        return float(mdates.date2num(parse_period(when).start))
    return float(mdates.date2num(when))


def _apply_value_axis(ax: plt.Axes, chart: Chart, f: Finish) -> None:
    get, put = (ax.get_xlim, ax.set_xlim) if chart.value_axis == "x" else (ax.get_ylim, ax.set_ylim)
    axis = ax.xaxis if chart.value_axis == "x" else ax.yaxis
    lo, hi = get()
    if f.headroom is not None and "value" in chart.data.columns and len(chart.data):
        hi = max(hi, float(chart.data["value"].max()) * (1 + f.headroom))
    if f.limits is not None:
        lo = lo if f.limits[0] is None else f.limits[0]
        hi = hi if f.limits[1] is None else f.limits[1]
    if (lo, hi) != get():
        put(lo, hi)
    if f.integer:
        axis.set_major_locator(MaxNLocator(integer=True))


def _draw_ref(ax: plt.Axes, ref: Ref, time_axis: bool, small: float = SMALL_PT) -> None:
    style = {"color": "#555555", "linestyle": ref.style, "linewidth": 1, "zorder": 1}
    label = {"fontsize": small, "color": "#333333", "textcoords": "offset points",
             "bbox": {"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.85}}
    if ref.axis == "x":
        at = _x_of(ref.at) if time_axis and isinstance(ref.at, (str, date)) else float(ref.at)
        ax.axvline(at, **style)
        if ref.text:
            ax.annotate(ref.text, (at, 1), xycoords=("data", "axes fraction"), xytext=(0, 2) if ref.above else (3, -3),
                        ha="center" if ref.above else "left", va="bottom" if ref.above else "top", **label)
    else:
        ax.axhline(float(ref.at), **style)
        if ref.text:
            ax.annotate(ref.text, (0, float(ref.at)), xycoords=("axes fraction", "data"), xytext=(3, 3), ha="left",
                        va="bottom", **label)


def _place_legend(ax: plt.Axes, f: Finish) -> None:
    if f.legend is None and f.legend_cols is None:
        return
    handles, labels = ax.get_legend_handles_labels()
    old = ax.get_legend()
    if old is not None:
        handles, labels = old.legend_handles, [t.get_text() for t in old.get_texts()]
        old.remove()
    if f.legend == "none" or not handles:
        return
    cols = f.legend_cols or 1
    if f.legend == "above":
        ax.legend(handles, labels, loc="lower left", bbox_to_anchor=(0, 1.0), ncol=cols, frameon=False,
                  borderaxespad=0.2)
    else:
        ax.legend(handles, labels, loc=f.legend or "best", ncol=cols, frameon=True, facecolor="white",
                  edgecolor="none", framealpha=0.9)           # a white box: reference lines pass behind it


def _drawn_texts(fig: plt.Figure):
    """Every non-empty, visible text the figure draws (tick labels only for the ticks actually drawn)."""
    out = list(fig.texts)
    for leg in fig.legends:
        out += list(leg.get_texts()) + [leg.get_title()]
    for ax in fig.axes:
        out += [ax.title, getattr(ax, "_left_title", None), getattr(ax, "_right_title", None),
                ax.xaxis.label, ax.yaxis.label, ax.xaxis.get_offset_text(), ax.yaxis.get_offset_text()]
        out += [t for t in ax.texts]
        leg = ax.get_legend()
        if leg is not None:
            out += list(leg.get_texts()) + [leg.get_title()]
        for axis in (ax.xaxis, ax.yaxis):
            for tick in axis._update_ticks():
                out += [tick.label1, tick.label2]
    return [t for t in out if isinstance(t, Text) and t.get_visible() and t.get_text().strip()]


def check_text(fig: plt.Figure, name: str, print_width: float = PRINT_WIDTH_IN, min_pt: float = MIN_PRINT_PT,
               screen_width: float = SCREEN_WIDTH_PX, min_px: float = MIN_SCREEN_PX) -> None:
    """Raise ChartTextError naming chart and text if a text leaves the figure, prints below `min_pt` or shows
    below `min_px` on screen.

    A figure wider than `print_width` inches is scaled down to it in the PDF, and the HTML shows it
    `screen_width` pixels wide, so its fonts shrink by the same factors.
    """
    canvas = _canvas(fig)
    canvas.draw()                       # legend and tick positions are settled only by a draw
    renderer = canvas.get_renderer()
    scale = min(1.0, print_width / fig.get_figwidth())
    box = fig.bbox
    for t in _drawn_texts(fig):
        shown = t.get_text().replace("\n", " ")
        shown = shown if len(shown) <= 70 else shown[:67] + "..."
        printed = t.get_fontsize() * scale
        if printed < min_pt - 1e-6:
            raise ChartTextError(f"chart {name!r}: text {shown!r} prints at {printed:.1f} pt, below {min_pt:g} pt "
                                 f"(font {t.get_fontsize():g} pt in a {fig.get_figwidth():g}-inch figure printed "
                                 f"{print_width:g} inches wide)")
        px = t.get_fontsize() / 72 * screen_width / fig.get_figwidth()
        if px < min_px - 1e-6:
            raise ChartTextError(f"chart {name!r}: text {shown!r} shows at {px:.1f} px on screen, below {min_px:g} px "
                                 f"(font {t.get_fontsize():g} pt in a {fig.get_figwidth():g}-inch figure shown "
                                 f"{screen_width:g} px wide)")
        b = t.get_window_extent(renderer)
        over = {"left": box.x0 - b.x0, "right": b.x1 - box.x1, "bottom": box.y0 - b.y0, "top": b.y1 - box.y1}
        side, by = max(over.items(), key=lambda kv: kv[1])
        if by > 1.0:
            raise ChartTextError(f"chart {name!r}: text {shown!r} is clipped: it runs {by:.0f} px past the "
                                 f"{side} edge of the figure")


def _periods(data: pd.DataFrame) -> list[Period] | None:
    """The parsed period of each row, or None if a row has no period in the grammar."""
    if "period" not in data.columns:
        return None
    try:
        return [parse_period(str(p)) for p in data["period"]]
    except ValueError:
        return None


def _with_dates(data: pd.DataFrame, periods: list[Period]) -> pd.DataFrame:
    """The chart data with the ISO date each row is drawn at, and the first and last day of its period."""
    out = data.copy()
    out["date"] = [period_date(p.text).isoformat() for p in periods]
    out["date_start"] = [p.start.isoformat() for p in periods]
    out["date_end"] = [p.end.isoformat() for p in periods]
    return out


def _time_label(xlabel: str, periods: list[Period]) -> str:
    """An x label that says the calendar basis; a fiscal-year axis always says 'fiscal year (July-June)'."""
    basis = axis_basis([p.text for p in periods])
    kinds = {p.kind for p in periods}
    if basis == "FY":
        if "fiscal" in xlabel.lower():
            return xlabel
        return f"{xlabel} (fiscal year, July-June)" if xlabel else "Fiscal year (July-June)"
    if basis == "mixed":
        return xlabel if "fiscal" in xlabel.lower() else (xlabel + " " if xlabel else "") + \
            "(fiscal years July-June, and calendar periods)"
    if xlabel:
        return xlabel
    return "Calendar year" if kinds == {"year"} else "Date (calendar)"


def _time_ticks(ax: plt.Axes, periods: list[Period], max_labels: int = 12) -> None:
    """Ticks at each year (or fiscal year) of the span, labelled '2016' or 'FY16'; dates otherwise."""
    kinds = {p.kind for p in periods}
    if kinds in ({"year"}, {"fy"}):
        fy = kinds == {"fy"}
        years = range(min(p.end.year for p in periods), max(p.end.year for p in periods) + 1)
        step = 1 + (len(years) - 1) // max_labels
        shown = [y for y in years if (y - years[0]) % step == 0]
        text = (lambda y: f"FY{y % 100:02d}") if fy else str
        at = [mdates.date2num(period_date(f"FY{y}" if fy else str(y))) for y in shown]
        ax.xaxis.set_major_locator(FixedLocator(at))
        ax.set_xticks(at, [text(y) for y in shown])
        ax.xaxis.set_minor_locator(FixedLocator([mdates.date2num(period_date(f"FY{y}" if fy else str(y)))
                                                 for y in years]))
    else:
        locator = mdates.AutoDateLocator(minticks=4, maxticks=10)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.grid(axis="x", visible=False)


def _time_limits(ax: plt.Axes, periods: list[Period]) -> None:
    lo = min(mdates.date2num(p.start) for p in periods)
    hi = max(mdates.date2num(p.end) + 1 for p in periods)
    pad = max((hi - lo) * 0.02, 20)
    ax.set_xlim(lo - pad, hi + pad)


def _overlapping_spans(periods: list[Period], groups) -> bool:
    """True if two periods of one group overlap (e.g. FY2024 and FY2024-M10): such bars need categories."""
    by: dict[object, list[Period]] = {}
    for p, g in zip(periods, groups):
        by.setdefault(g, []).append(p)
    for ps in by.values():
        ps = sorted(ps, key=lambda p: (p.start, p.end))
        if any(b.start <= a.end for a, b in zip(ps, ps[1:])):
            return True
    return False


def gaps(x: list[float], factor: float = GAP_FACTOR, unit: float | None = None) -> list[int]:
    """Indexes i where the step from x[i-1] to x[i] exceeds `factor` times the usual (median) step.

    A series of two points has no usual step of its own: `unit` (the length of one of its periods, in the
    same units as x) stands in, so two yearly points eight years apart are drawn as points, not joined.
    """
    steps = np.diff(np.asarray(x, dtype=float))
    if len(steps) < 2:
        if unit is None or not len(steps):
            return []
        return [i + 1 for i, s in enumerate(steps) if s > factor * unit]
    usual = float(np.median(steps))
    return [i + 1 for i, s in enumerate(steps) if s > factor * usual]


def segments(x: list[float], factor: float = GAP_FACTOR, unit: float | None = None) -> list[tuple[int, int]]:
    """(start, stop) index ranges of the runs a line joins: a gap larger than the usual step breaks it."""
    cuts = [0, *gaps(x, factor, unit), len(x)]
    return [(a, b) for a, b in zip(cuts, cuts[1:]) if b > a]


def _tag(texts) -> None:
    """Mark texts the helper made (bar values), so finishing can size them for print."""
    for t in texts:
        t.set_gid("pk-small")


def _record_and_save(data: pd.DataFrame, name: str) -> None:
    out = paths.chart_data_dir()
    out.mkdir(parents=True, exist_ok=True)
    data.to_csv(out / f"{name}.csv", index=False, lineterminator="\n")
    if "id" in data.columns:
        _record([i for i in data["id"] if isinstance(i, str) and i], f"chart:{name}")


def _record(ids: list[str], where: str) -> None:
    """Note the ledger rows a chart draws in the audit record of the chapter begun with `chapter.begin`
    (a chart drawn outside a chapter, as in a unit test, has no record to go to)."""
    from . import chapter

    if chapter.CURRENT is not None:
        chapter.CURRENT.record.record(ids, where)


def _chart(ledger: Ledger, fig: plt.Figure, ax: plt.Axes, data: pd.DataFrame, name: str, title: str,
           xlabel: str, ylabel: str, note: str = "", source_ids=(), finish: dict | None = None,
           value_axis: str = "y", time_axis: bool = False, kind: str = "chart", x: str = "period_label",
           hue: str | None = "series") -> Chart:
    """Label the axes, write the CSV, record the ids; layout waits for `Chart.finalize` (when shown)."""
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    _record_and_save(data, name)
    plt.close(fig)
    chart = Chart(fig, data, name, source=producer_line(ledger, data, source_ids), note=note,
                  finish=Finish(**_finish_options(name, finish or {})), value_axis=value_axis, time_axis=time_axis,
                  x=x, hue=hue)
    chart.alt = describe(chart, kind)
    return chart


def tidy(ledger: Ledger, frame: pd.DataFrame, series: str | None = None) -> pd.DataFrame:
    """The columns a chart plots and ships: id, period, label, series, value, unit, source."""
    out = pd.DataFrame({
        "id": frame["id"].to_numpy(), "period": frame["period"].to_numpy(),
        "period_label": [p.short for p in frame["period_obj"]],
        "series": series if series is not None else frame["dimension"].to_numpy(),
        "value": frame["value"].to_numpy(), "unit": frame["unit"].to_numpy(),
        "source": frame["source"].to_numpy(),
    })
    return out.reset_index(drop=True)


def derived_point(ledger: Ledger, anchor_id: str, series: str, value, unit: str, decimals: int = 1) -> dict:
    """A chart row for a value computed from ledger rows (a `Derived`): drawn at `anchor_id`'s period and
    source, with the computed value and the ids it was computed from."""
    row = tidy(ledger, ledger.observations.loc[[anchor_id]], series=series).iloc[0].to_dict()
    return {**row, "value": round(value.value, decimals), "unit": unit, "inputs": list(value.inputs)}


def bars(ledger: Ledger, data: pd.DataFrame, name: str, title: str, ylabel: str, xlabel: str = "",
         hue: str | None = "series", horizontal: bool = False, note: str = "", x: str = "period_label",
         annotate: bool = True, time: bool | None = None, source_ids=(), decimals: int | None = None,
         **finish) -> Chart:
    """Grouped bars of `value` by `x` (and `hue`); values are written on the bars.

    With `x='period_label'` and periods in the grammar (and no two periods of one group overlapping) the
    bars sit on a date axis, each over its own period, so a missing year shows as a gap; `time=False`
    keeps categories. `decimals` rounds the written values (default: up to four significant digits).
    Finishing options (`Finish` fields: size, limits, headroom, legend, ...) are keyword parameters.
    """
    periods = _periods(data)
    groups = list(data[hue]) if hue else [""] * len(data)
    if time is None:
        time = x == "period_label" and not horizontal and periods is not None and not _overlapping_spans(periods, groups)
    if time and (periods is None or horizontal):
        raise ValueError(f"chart {name!r}: a time axis needs vertical bars and periods in the grammar")
    fmt = "%.4g" if decimals is None else f"%.{decimals}f"
    fig, ax = plt.subplots()
    if time:
        data = _with_dates(data, periods)
        keys = list(dict.fromkeys(groups))
        present = {}                              # the groups drawn in each period share its span
        for p, g in zip(periods, groups):
            present.setdefault(p.text, [])
            if g not in present[p.text]:
                present[p.text].append(g)
        for k, key in enumerate(keys):
            rows = [i for i, g in enumerate(groups) if g == key]
            left = [mdates.date2num(periods[i].start) for i in rows]
            span = [mdates.date2num(periods[i].end) + 1 - mdates.date2num(periods[i].start) for i in rows]
            width = [s * 0.8 / len(present[periods[i].text]) for i, s in zip(rows, span)]
            xs = [lo + s * 0.1 + w * present[periods[i].text].index(key)
                  for i, lo, s, w in zip(rows, left, span, width)]
            bar = ax.bar(xs, data["value"].iloc[rows], width=width, align="edge", color=PALETTE[k % len(PALETTE)],
                         label=str(key) if hue else None)
            if annotate:
                _tag(ax.bar_label(bar, fmt=fmt, fontsize=SMALL_PT, padding=2))
        _time_limits(ax, periods)
        _time_ticks(ax, periods)
        xlabel = _time_label(xlabel, periods)
    else:
        order = list(dict.fromkeys(data[x]))
        if horizontal:
            sns.barplot(data=data, y=x, x="value", hue=hue, order=order, ax=ax, orient="h")
        else:
            sns.barplot(data=data, x=x, y="value", hue=hue, order=order, ax=ax)
        if annotate:
            for container in ax.containers:
                _tag(ax.bar_label(container, fmt=fmt, fontsize=SMALL_PT, padding=2))
        if not horizontal and len(order) > 8:
            ax.tick_params(axis="x", labelrotation=45)
            for label in ax.get_xticklabels():
                label.set_horizontalalignment("right")
        if periods is not None and x == "period_label" and not horizontal:
            xlabel = _time_label(xlabel, periods)
    if annotate:                                  # room for the values written above the tallest bar
        (ax.set_xlim if horizontal else ax.set_ylim)(0, max(float(data["value"].max()) * 1.12, 1e-9))
    if hue and data[hue].nunique() > 1:
        ax.legend(title=None, frameon=False)
    elif ax.get_legend() is not None:
        ax.get_legend().remove()
    if horizontal:
        xlabel, ylabel = ylabel, xlabel
    return _chart(ledger, fig, ax, data, name, title, xlabel, ylabel, note, source_ids, finish,
                  value_axis="x" if horizontal else "y", time_axis=bool(time), kind="Bar chart", x=x, hue=hue)


def lines(ledger: Ledger, data: pd.DataFrame, name: str, title: str, ylabel: str, xlabel: str = "",
          hue: str = "series", note: str = "", breaks: dict[str, str] | None = None, time: bool | None = None,
          source_ids=(), **finish) -> Chart:
    """Lines with markers of `value` over time, one per `hue` value.

    With periods in the grammar (the default) each point sits at its period's date (a month at its end, a
    year or fiscal year mid-span) and a line breaks where a step exceeds 1.5 times the series' usual step.
    `time=False` spaces `period_label` evenly in data order (for categories). `breaks` ({period: text},
    e.g. `ledger.breaks_for(indicator)`) draws a dashed line at the start of each period from which the
    series is not comparable with what came before.
    """
    periods = _periods(data)
    time = periods is not None if time is None else time
    if time and periods is None:
        raise ValueError(f"chart {name!r}: a time axis needs a `period` column in the grammar")
    fig, ax = plt.subplots()
    refs = list(finish.pop("refs", ()))
    if time:
        data = _with_dates(data, periods)
        xpos = [float(mdates.date2num(period_date(p.text))) for p in periods]
        for (label, grp), colour in zip(data.groupby(hue, sort=False), PALETTE):
            rows = list(grp.index.map(data.index.get_loc))
            pts = sorted(zip([xpos[i] for i in rows], grp["value"]))
            xs, ys = [p[0] for p in pts], [p[1] for p in pts]
            span = float(np.median([(periods[i].end - periods[i].start).days + 1 for i in rows]))
            for n, (a, b) in enumerate(segments(xs, unit=span)):
                ax.plot(xs[a:b], ys[a:b], marker="o", color=colour, label=label if n == 0 else None)
        _time_limits(ax, periods)
        _time_ticks(ax, periods)
        xlabel = _time_label(xlabel, periods)
        refs = [Ref(p, text, axis="x") for p, text in (breaks or {}).items()
                if min(q.start for q in periods) <= parse_period(p).start <= max(q.end for q in periods)] + refs
    else:
        order = list(dict.fromkeys(data["period_label"]))
        pos = {p: i for i, p in enumerate(order)}
        for (label, grp), colour in zip(data.groupby(hue, sort=False), PALETTE):
            ax.plot([pos[p] for p in grp["period_label"]], grp["value"], marker="o", label=label, color=colour)
        ax.set_xticks(range(len(order)), order, rotation=45 if len(order) > 8 else 0,
                      ha="right" if len(order) > 8 else "center")
        for period, text in (breaks or {}).items():
            short = parse_period(period).short
            if short in pos:
                refs.append(Ref(pos[short] - 0.5, text, axis="x"))
    if data[hue].nunique() > 1:
        ax.legend(frameon=False)
    ax.set_ylim(bottom=0)
    return _chart(ledger, fig, ax, data, name, title, xlabel, ylabel, note, source_ids,
                  {**finish, "refs": refs}, time_axis=bool(time), kind="Line chart", hue=hue)


def show(chart: Chart, alt: str | None = None, **finish) -> Image:
    """The finished chart image (a figure cell's only output); finishing options given here override the
    drawing's. `alt` (default: `chart.alt`, built from the data) travels in the output's metadata."""
    if finish:
        if chart.finished:
            raise RuntimeError(f"chart {chart.name!r} is already finished; pass the options before showing it")
        chart.finish = replace(chart.finish, **_finish_options(chart.name, finish))
    if alt is not None:
        chart.alt = alt
    return Image(data=chart.png(), format="png", metadata={"alt": chart.alt} if chart.alt else None)


def data(chart: Chart, columns=("period", "series", "value", "unit", "source"), ch=None) -> Markdown:
    """The numbers a chart draws, as a table (so regression tests see them), and its CSV link.

    Pass the chapter `ch` of `chapter.begin` so the block reaches the PDF's data appendix through its record.
    """
    from .tables import fold

    cols = [c for c in columns if c in chart.data.columns]
    link = f"[Download the data of this chart (CSV)]({chart.csv_link})"
    return fold(ch, [("", chart.data[cols], "source" if "source" in cols else None), ("", link, None)],
                title=f"the numbers drawn in \u201c{chart.title}\u201d", name=f"{chart.name}-data",
                ids=[])


# ---- words that follow the data -------------------------------------------------------------------------

class _Value:
    """A ledger value for `words`: '{id}' its glued text, '{id:period}', '{id:short}', '{id:year}', '{id:n}'
    (number alone), '{id:.1}' (one decimal, with unit), '{id:n.0}' (no decimals, no unit)."""

    def __init__(self, ledger: Ledger, key: str) -> None:
        self.ledger, self.key = ledger, key

    def __format__(self, spec: str) -> str:
        r = self.ledger.row(self.key)
        value, unit, period = float(r["value"]), r["unit"], r["period_obj"]
        if spec in ("period", "short", "year"):
            return {"period": period.label, "short": period.short, "year": str(period.end.year)}[spec]
        bare = spec.startswith("n")
        spec = spec.removeprefix("n")
        decimals = int(spec.removeprefix(".")) if spec else None
        return number(value, decimals) if bare or unit == "count" else with_unit(value, unit, decimals)


class _Values(dict):
    def __init__(self, ledger: Ledger, extra: dict) -> None:
        super().__init__()
        self.ledger, self.extra, self.used = ledger, extra, []

    def __missing__(self, key: str):
        if key in self.extra and isinstance(self.extra[key], str) and self.extra[key] in self.ledger.observations.index:
            key = self.extra[key]                 # a name for a ledger id chosen in code, e.g. the latest year
        elif key in self.extra:
            v = self.extra[key]
            inputs = getattr(v, "inputs", ())
            self.used += list(inputs)
            return _DerivedText(v) if hasattr(v, "unit") else v
        self.ledger.row(key)                      # KeyError naming the id if it is not in the ledger
        self.used.append(key)
        return _Value(self.ledger, key)


class _DerivedText:
    def __init__(self, v) -> None:
        self.v = v

    def __format__(self, spec: str) -> str:
        bare = spec.startswith("n")
        spec = spec.removeprefix("n")
        decimals = int(spec.removeprefix(".")) if spec else 1
        return number(self.v.value, decimals) if bare else with_unit(self.v.value, self.v.unit, decimals)


def words(ledger: Ledger, template: str, **values) -> str:
    """A title, caption or alt text with its numbers filled from the ledger, formatted as glued values.

    `{hs-local-2024-pta}` -> '31.38 million units'; `{hs-local-2024-pta:.0}` -> '31 million units';
    `{id:n}` the number alone; `{id:period}` / `{id:short}` / `{id:year}` its period. Keyword `values` fill
    other names: a `Derived` (`{share:.0}` -> '94%'), a ledger id chosen in code (`last="hs-local-2025-pta"`,
    then `{last:year}`), or plain text.
    """
    return template.format_map(_Values(ledger, values))


def span_text(data: pd.DataFrame) -> str:
    """'CY2016 to CY2025' or 'FY15 to FY25': the first and last period a chart draws."""
    periods = _periods(data)
    if not periods:
        return ""
    first, last = min(periods, key=lambda p: p.end), max(periods, key=lambda p: p.end)
    return first.short if first == last else f"{first.short} to {last.short}"


def _describe_events(d: pd.DataFrame) -> str:
    """Alt text of a timeline: how many events, from when to when, in which lanes, by status, and each label."""
    from .fmt import date_label
    from .ledger import EVENT_STATUSES

    head = f"Timeline of {len(d)} events from {date_label(d['date'].iloc[0])} to {date_label(d['date'].iloc[-1])}"
    if "lane" in d.columns:
        head += " in the lanes " + ", ".join(dict.fromkeys(d["lane"]))
    if "status" in d.columns:
        counts = d["status"].value_counts()
        order = [k for k in EVENT_STATUSES if k in counts] + [k for k in counts.index if k not in EVENT_STATUSES]
        head += ": " + ", ".join(f"{counts[k]} {k.replace('_', ' ')}" for k in order)
    return head + ". " + "; ".join(d["label"]) + "."


def describe(chart: Chart, kind: str = "Chart") -> str:
    """Alt text built from the drawn data: kind, axes, span, and per series its first, last and peak value
    (time) or each bar's label and value (categories)."""
    d, ax = chart.data, chart.figure.axes[0]
    if {"date", "label"} <= set(d.columns) and "value" not in d.columns:
        return _describe_events(d)
    axes = f"{ax.get_ylabel() or ax.get_xlabel()}" if chart.value_axis == "y" else ax.get_xlabel()
    lower = axes[:1].lower() if axes[1:2].islower() else axes[:1]
    head = f"{kind} of {lower + axes[1:]}" if axes else kind
    if not {"value", "unit"} <= set(d.columns) or d.empty:
        return head + "."
    span = span_text(d) if chart.time_axis else ""
    hue = chart.hue if chart.hue in d.columns and chart.hue != chart.x else None
    parts = []
    for name, grp in (d.groupby(hue, sort=False) if hue else [("", d)]):
        said = (lambda r: f"{with_unit(float(r['value']), r['unit'])} in {parse_period(str(r['period'])).short}")
        if chart.time_axis:
            grp = grp.sort_values("date")
            items = [said(grp.iloc[0])] + ([said(grp.iloc[-1])] if len(grp) > 1 else [])
            if len(grp) > 2 and grp["value"].idxmax() not in (grp.index[0], grp.index[-1]):
                items.append("peak " + said(grp.loc[grp["value"].idxmax()]))
        else:
            x = chart.x if chart.x in grp.columns else None
            items = [(f"{r[x]}: " if x else "") + with_unit(float(r['value']), r['unit'])
                     for _, r in grp.head(8).iterrows()] + ([f"and {len(grp) - 8} more"] if len(grp) > 8 else [])
        parts.append((f"{name}: " if name else "") + ", ".join(items))
    return f"{head}{', ' + span if span else ''}. " + "; ".join(parts) + "."


def timeline(ledger: Ledger, events_frame: pd.DataFrame, name: str, title: str, lane: str | None = "category",
             colour: str = "status", label: str = "event", xlabel: str = "Date (calendar)", note: str = "",
             lanes: list[str] | None = None, wrap: int = 40, fontsize: float = SMALL_PT,
             same_as: dict[str, str] | None = None, **finish) -> Chart:
    """Events on a date axis: one row per `lane` value, markers coloured by `colour`, each labelled with its date.

    `events_frame` holds rows of `ledger.events` (at least id, date and source, plus the columns named by `lane`,
    `colour` and `label`). A filled marker is an exact day, a hollow one a date known only to the month or year.
    Each label (wrapped at `wrap` characters) sits beside its marker on the lowest row of its lane where it
    overlaps no other label, so no leader lines are needed; `lanes` orders the lanes, and lanes with no event are left out. `same_as`
    ({duplicate id: kept id}) draws a twice-reported event once, its row citing both sources. Status colours
    are the same on every chart. The chart records the event ids and ships its CSV.
    """
    from matplotlib.lines import Line2D

    from .fmt import date_label
    from .ledger import EVENT_STATUSES
    from .periods import parse_date

    need = ["id", "date", "source", colour, label] + ([lane] if lane else [])
    missing = [c for c in need if c not in events_frame.columns]
    if missing:
        raise KeyError(f"timeline {name!r}: events_frame lacks the columns {missing}")
    if events_frame.empty:
        raise ValueError(f"timeline {name!r}: no events to draw")
    ev = _merge_reports(events_frame, same_as or {}, name)
    ev["when"] = [pd.Timestamp(parse_date(str(d))) for d in ev["date"]]
    ev["exact"] = [len(str(d)) == 10 for d in ev["date"]]
    ev["lane_"] = ev[lane].astype(str) if lane else ""
    ev = ev.sort_values(["when", "id"], kind="mergesort").reset_index(drop=True)
    ev["text"] = [date_label(str(d)) + ": " + "\n".join(textwrap.wrap(str(t), wrap))
                  for d, t in zip(ev["date"], ev[label])]
    lane_order = list(lanes) if lanes is not None else list(dict.fromkeys(ev["lane_"]))
    unknown = sorted(set(ev["lane_"]) - set(lane_order))
    if unknown:
        raise ValueError(f"timeline {name!r}: lanes {unknown} are not in `lanes`")
    lane_order = [ln for ln in lane_order if ln in set(ev["lane_"])]
    keys = list(dict.fromkeys(ev[colour].astype(str)))
    if colour == "status":
        keys = [k for k in EVENT_STATUSES if k in keys] + [k for k in keys if k not in EVENT_STATUSES]
        colours = {k: PALETTE[(list(EVENT_STATUSES).index(k) if k in EVENT_STATUSES else len(EVENT_STATUSES) + i)
                              % len(PALETTE)] for i, k in enumerate(keys)}
    else:
        colours = {k: PALETTE[i % len(PALETTE)] for i, k in enumerate(keys)}
    span = ev["when"].max() - ev["when"].min()
    pad = max(span * 0.04, pd.Timedelta(days=20))
    xlim = (mdates.date2num(ev["when"].min() - pad), mdates.date2num(ev["when"].max() + pad))
    row = fontsize * 1.4                          # points: one text line
    width = plt.rcParams["figure.figsize"][0]
    style = {"fontsize": fontsize, "color": "#222222", "zorder": 5, "va": "bottom",
             "bbox": {"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.9}}

    def frame(height: float, tops: dict[str, float], total: float):
        fig, ax = plt.subplots(figsize=(width, height))
        ax.set_xlim(*xlim)
        ax.set_ylim(0, total)
        ax.set_yticks([tops[ln] for ln in lane_order], lane_order)
        ax.grid(axis="y", visible=False)
        locator = mdates.AutoDateLocator(minticks=4, maxticks=10)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
        ax.set_title(title)
        ax.set_xlabel(xlabel)
        fig.tight_layout(rect=(0, 0.06, 1, 1))    # provisional; _finish and _keep_axes_height settle it
        for _ in range(3):                         # at least one point of height per data unit
            short = total - ax.get_position().height * fig.get_figheight() * 72
            if short <= 0:
                break
            fig.set_size_inches(width, fig.get_figheight() + short / 72 + 0.02)
            fig.tight_layout(rect=(0, 0.06, 1, 1))
        return fig, ax

    # Pass 1: measure each label (in pixels) and put it beside its marker on the lowest free row of its lane.
    fig, ax = frame(4.0, {ln: 10.0 * i for i, ln in enumerate(lane_order)}, 10.0 * len(lane_order))
    renderer = _canvas(fig).get_renderer()
    left, right = ax.get_window_extent(renderer).x0, ax.get_window_extent(renderer).x1
    px_per_pt = fig.dpi / 72
    sep, off = 5 * px_per_pt, 6.0                # px kept between labels on a row; pt from marker to its label
    taken: dict[str, list[tuple[float, float, int, int]]] = {ln: [] for ln in lane_order}
    place = []
    for _, e in ev.iterrows():
        x = ax.transData.transform((mdates.date2num(e["when"]), 0))[0]
        probe = ax.text(0, 0, e["text"], **style)
        w = probe.get_window_extent(renderer).width + 2 * px_per_pt
        probe.remove()
        lines = e["text"].count("\n") + 1
        reach = off * px_per_pt
        spans = [(x - reach, x + reach + w, "left"), (x - reach - w, x + reach, "right")]
        spans = [sp for sp in spans if sp[0] >= left and sp[1] <= right] or [min(spans, key=lambda sp: abs(
            min(sp[0] - left, 0)) + abs(max(sp[1] - right, 0)))]
        boxes = taken[e["lane_"]]
        level, ha, x0, x1 = next((level, ha, x0, x1) for level in range(len(ev) * 3) for x0, x1, ha in spans
                                 if not any(x0 < b1 + sep and b0 < x1 + sep and level < l1 and l0 < level + lines
                                            for b0, b1, l0, l1 in boxes))
        boxes.append((x0, x1, level, level + lines))
        place.append((level, ha))
    plt.close(fig)

    # Pass 2: each lane a band as tall as its rows, in points (one data unit is one point); no leader lines.
    pad = 6.0
    heights = {ln: 2 * pad + row * max(l1 for _, _, _, l1 in taken[ln]) for ln in lane_order}
    legend_room = 22.0
    total = sum(heights.values()) + legend_room
    bottoms, y = {}, 0.0
    for ln in reversed(lane_order):
        bottoms[ln] = y
        y += heights[ln]
    centres = {ln: bottoms[ln] + heights[ln] / 2 for ln in lane_order}
    fig, ax = frame((total + 120) / 72, centres, total)
    for ln in lane_order[1:]:
        ax.axhline(bottoms[ln] + heights[ln], color="#bbbbbb", linewidth=0.8, zorder=1)
    label_style = {**style, "va": "center"}
    for (_, e), (level, ha) in zip(ev.iterrows(), place):
        lines = e["text"].count("\n") + 1
        x, col = mdates.date2num(e["when"]), colours[str(e[colour])]
        y0 = bottoms[e["lane_"]] + pad + row * (level + lines / 2)
        ax.plot([x], [y0], marker="o", markersize=7, color=col, markerfacecolor=col if e["exact"] else "white",
                markeredgewidth=1.6, zorder=4, linestyle="")
        ax.annotate(e["text"], (x, y0), xytext=(off if ha == "left" else -off, 0), textcoords="offset points", ha=ha,
                    **label_style)
    handles = [Line2D([], [], marker="o", linestyle="", color=colours[k], label=k.replace("_", " ")) for k in keys]
    handles.append(Line2D([], [], marker="o", linestyle="", markerfacecolor="white", color="#555555",
                          label="month or year only"))
    ax.legend(handles=handles, loc="upper left", ncol=len(handles), frameon=False, fontsize=SMALL_PT,
              handletextpad=0.3, columnspacing=1.0, borderaxespad=0.2)

    data = pd.DataFrame({"id": ev["id"].to_numpy(), "date": ev["date"].astype(str).to_numpy()})
    if lane:
        data["lane"] = ev["lane_"].to_numpy()
    data[colour] = ev[colour].astype(str).to_numpy()
    data["label"] = ev["text"].str.replace("\n", " ").to_numpy()
    data["source"] = ev["source"].to_numpy()
    data["date_drawn"] = [w.date().isoformat() for w in ev["when"]]   # the day the marker sits on
    chart = _chart(ledger, fig, ax, data, name, title, xlabel, "", note, finish=finish, kind="Timeline")
    chart.finish.axes_height_pt = total
    return chart


def _merge_reports(events: pd.DataFrame, same_as: dict[str, str], name: str) -> pd.DataFrame:
    """Events with each duplicate report folded into the event it repeats: one row, both sources."""
    ev = events.copy()
    for dup, kept in same_as.items():
        if dup not in set(ev["id"]):
            continue
        if kept not in set(ev["id"]):
            raise ValueError(f"timeline {name!r}: {dup!r} repeats {kept!r}, which is not on this chart")
        extra = ev.loc[ev["id"] == dup, "source"].iloc[0]
        row = ev["id"] == kept
        ev.loc[row, "source"] = ";".join(dict.fromkeys(str(ev.loc[row, "source"].iloc[0]).split(";") + [extra]))
        ev = ev[ev["id"] != dup]
    return ev


def _keep_axes_height(fig: plt.Figure, ax: plt.Axes, points: float) -> None:
    """Make the figure taller if the final layout left the axes shorter than `points`, keeping its margins."""
    pos, height = ax.get_position(), fig.get_figheight()
    extra = (points - pos.height * height * 72) / 72
    if extra <= 0:
        return
    fig.set_size_inches(fig.get_figwidth(), height + extra)
    ax.set_position([pos.x0, pos.y0 * height / (height + extra), pos.width,
                     (pos.height * height + extra) / (height + extra)])

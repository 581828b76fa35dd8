"""One chart style for the book; every chart states its finding, units and sources, and ships its data."""
from __future__ import annotations

import io
import textwrap
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402
from IPython.display import Image, Markdown  # noqa: E402

from . import paths  # noqa: E402
from .cite import record  # noqa: E402
from .ledger import Ledger  # noqa: E402
from .periods import parse_period  # noqa: E402

#: Colour-blind-safe palette (seaborn's "colorblind", after Wong 2011) used for every chart.
PALETTE = sns.color_palette("colorblind")


def set_theme() -> None:
    """The book's seaborn theme: white grid, colour-blind palette, sizes legible in the PDF."""
    sns.set_theme(style="whitegrid", palette=PALETTE, context="notebook", font_scale=1.05)
    plt.rcParams.update({
        "figure.figsize": (8, 4.6), "figure.dpi": 110, "savefig.dpi": 160,
        "axes.titleweight": "bold", "axes.titlesize": 13, "axes.titlelocation": "left",
        "svg.hashsalt": "pk-digital-book", "figure.autolayout": False,
    })


def short_source(ledger: Ledger, key: str) -> str:
    """'Publisher (year)' for a chart's source line."""
    src = ledger.sources[key]
    return f"{src.publisher} ({src.date[:4]})"


def source_line(ledger: Ledger, keys) -> str:
    keys = list(dict.fromkeys(k for k in keys if k))
    return "Source: " + "; ".join(dict.fromkeys(short_source(ledger, k) for k in keys)) + "."


@dataclass
class Chart:
    """A drawn chart and the tidy data it plots."""

    figure: plt.Figure
    data: pd.DataFrame
    name: str

    def png(self) -> bytes:
        """The chart as PNG bytes, without a timestamp or software tag, so reruns are identical."""
        buf = io.BytesIO()
        self.figure.savefig(buf, format="png", metadata={"Software": None})
        return buf.getvalue()

    @property
    def csv_link(self) -> str:
        return f"../_static/chart-data/{self.name}.csv"


def _finish(ledger: Ledger, fig: plt.Figure, ax: plt.Axes, data: pd.DataFrame, name: str, title: str,
            xlabel: str, ylabel: str, note: str = "") -> Chart:
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    line = source_line(ledger, data["source"])
    if note:
        line += " " + note
    width = int(fig.get_figwidth() * 72 / (8.5 * 0.52))   # characters of 8.5 pt text across the figure
    text = fig.text(0.01, 0.01, "\n".join(textwrap.wrap(line, width)), fontsize=8.5, color="#444444",
                    ha="left", va="bottom")
    fig.canvas.draw()
    fig.tight_layout(rect=(0, text.get_window_extent().y1 / fig.bbox.height + 0.01, 1, 1))
    out = paths.chart_data_dir()
    out.mkdir(parents=True, exist_ok=True)
    data.to_csv(out / f"{name}.csv", index=False, lineterminator="\n")
    if "id" in data.columns:
        record(list(data["id"]), f"chart:{name}")
    plt.close(fig)
    return Chart(fig, data, name)


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


def bars(ledger: Ledger, data: pd.DataFrame, name: str, title: str, ylabel: str, xlabel: str = "",
         hue: str | None = "series", horizontal: bool = False, note: str = "", x: str = "period_label",
         annotate: bool = True) -> Chart:
    """Grouped bars of `value` by `x` (and `hue`); values are written on the bars."""
    fig, ax = plt.subplots()
    order = list(dict.fromkeys(data[x]))
    if horizontal:
        sns.barplot(data=data, y=x, x="value", hue=hue, order=order, ax=ax, orient="h")
    else:
        sns.barplot(data=data, x=x, y="value", hue=hue, order=order, ax=ax)
    if annotate:
        for container in ax.containers:
            ax.bar_label(container, fmt="%.4g", fontsize=8, padding=2)
    if not horizontal and len(order) > 8:
        ax.tick_params(axis="x", labelrotation=45)
        for label in ax.get_xticklabels():
            label.set_horizontalalignment("right")
    if hue and data[hue].nunique() > 1:
        ax.legend(title=None, frameon=False)
    elif ax.get_legend() is not None:
        ax.get_legend().remove()
    if horizontal:
        xlabel, ylabel = ylabel, xlabel
    return _finish(ledger, fig, ax, data, name, title, xlabel, ylabel, note)


def lines(ledger: Ledger, data: pd.DataFrame, name: str, title: str, ylabel: str, xlabel: str = "",
          hue: str = "series", note: str = "", breaks: dict[str, str] | None = None) -> Chart:
    """Lines with markers of `value` over `period_label` in data order.

    `breaks` ({period: text}, e.g. from `ledger.breaks_for(indicator)`) draws a dashed line before each
    period from which the series is not comparable with what came before.
    """
    fig, ax = plt.subplots()
    order = list(dict.fromkeys(data["period_label"]))
    pos = {p: i for i, p in enumerate(order)}
    for (label, grp), colour in zip(data.groupby(hue, sort=False), PALETTE):
        ax.plot([pos[p] for p in grp["period_label"]], grp["value"], marker="o", label=label, color=colour)
    ax.set_xticks(range(len(order)), order, rotation=45 if len(order) > 8 else 0, ha="right" if len(order) > 8 else "center")
    for period, text in (breaks or {}).items():
        period = parse_period(period).short
        if period in pos:
            ax.axvline(pos[period] - 0.5, color="#555555", linestyle="--", linewidth=1)
            ax.annotate(text, (pos[period] - 0.45, ax.get_ylim()[1]), fontsize=8, va="top", color="#333333")
    if data[hue].nunique() > 1:
        ax.legend(frameon=False)
    ax.set_ylim(bottom=0)
    return _finish(ledger, fig, ax, data, name, title, xlabel, ylabel, note)


def show(chart: Chart) -> Image:
    """The chart image alone (a figure cell's only output, so its caption and name apply once)."""
    return Image(data=chart.png(), format="png")


def data(chart: Chart, columns=("period", "series", "value", "unit", "source")) -> Markdown:
    """The numbers a chart draws, as a table (so regression tests see them), and its CSV link."""
    from .tables import fold

    cols = [c for c in columns if c in chart.data.columns]
    link = f"[Download the data of this chart (CSV)]({chart.csv_link})"
    ax = chart.figure.axes[0]
    heading = next((t for t in (ax.get_title(loc) for loc in ("left", "center", "right")) if t), chart.name)
    return fold(None, [("", chart.data[cols], "source" if "source" in cols else None), ("", link, None)],
                title=f"the numbers drawn in \u201c{heading}\u201d", name=f"{chart.name}-data",
                ids=[])



def timeline(ledger: Ledger, events_frame: pd.DataFrame, name: str, title: str, lane: str | None = "category",
             colour: str = "status", label: str = "event", xlabel: str = "Date (calendar)", note: str = "",
             lanes: list[str] | None = None, wrap: int = 40, fontsize: float = 9.0) -> Chart:
    """Events on a date axis: one row per `lane` value, markers coloured by `colour`, each labelled with its date.

    `events_frame` holds rows of `ledger.events` (at least id, date and source, plus the columns named by `lane`,
    `colour` and `label`). A filled marker is an exact day, a hollow one a date known only to the month or year.
    Labels (wrapped at `wrap` characters) are stacked so that none overlaps another; the chart records the event
    ids and ships its CSV.
    """
    import textwrap

    import matplotlib.dates as mdates
    from matplotlib.lines import Line2D

    from .cite import date_label
    from .ledger import EVENT_STATUSES
    from .periods import parse_date

    need = ["id", "date", "source", colour, label] + ([lane] if lane else [])
    missing = [c for c in need if c not in events_frame.columns]
    if missing:
        raise KeyError(f"timeline {name!r}: events_frame lacks the columns {missing}")
    if events_frame.empty:
        raise ValueError(f"timeline {name!r}: no events to draw")
    ev = events_frame.copy()
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
    keys = list(dict.fromkeys(ev[colour].astype(str)))
    if colour == "status":
        keys = [k for k in EVENT_STATUSES if k in keys] + [k for k in keys if k not in EVENT_STATUSES]
    colours = {k: PALETTE[i % len(PALETTE)] for i, k in enumerate(keys)}
    span = ev["when"].max() - ev["when"].min()
    pad = max(span * 0.04, pd.Timedelta(days=20))
    xlim = (mdates.date2num(ev["when"].min() - pad), mdates.date2num(ev["when"].max() + pad))
    row, gap = fontsize * 1.4, 9.0               # points: one text line, marker to first label
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

    # Pass 1: measure each label (in pixels) and stack it on the lowest free rows of its lane.
    fig, ax = frame(4.0, {ln: 10.0 * i for i, ln in enumerate(lane_order)}, 10.0 * len(lane_order))
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    left, right = ax.get_window_extent(renderer).x0, ax.get_window_extent(renderer).x1
    px_per_pt = fig.dpi / 72
    sep = 5 * px_per_pt                          # horizontal space kept between labels on one row
    taken: dict[str, list[tuple[float, float, int, int]]] = {ln: [] for ln in lane_order}
    place = []
    for _, e in ev.iterrows():
        x = ax.transData.transform((mdates.date2num(e["when"]), 0))[0]
        probe = ax.text(0, 0, e["text"], **style)
        w = probe.get_window_extent(renderer).width + 4 * px_per_pt
        probe.remove()
        lines = e["text"].count("\n") + 1
        spans = [(x, x + w, "left"), (x - w, x, "right")]
        spans = [sp for sp in spans if sp[0] >= left and sp[1] <= right] or [min(spans, key=lambda sp: abs(
            min(sp[0] - left, 0)) + abs(max(sp[1] - right, 0)))]
        choice = None
        for level in range(len(ev) * 3):
            for x0, x1, ha in spans:
                clash = any(x0 < b1 + sep and b0 < x1 + sep and level < l1 and l0 < level + lines
                            for b0, b1, l0, l1 in taken[e["lane_"]])
                if not clash:
                    choice = (level, ha, x0, x1)
                    break
            if choice:
                break
        level, ha, x0, x1 = choice
        taken[e["lane_"]].append((x0, x1, level, level + lines))
        place.append((level, ha))
    plt.close(fig)

    # Pass 2: each lane as tall as its stack of labels, in points, so one data unit is one point.
    heights = {ln: gap + row * max([l1 for _, _, _, l1 in taken[ln]] or [1]) + 8 for ln in lane_order}
    legend_room = 22.0
    total = sum(heights.values()) + legend_room
    tops, y = {}, 0.0
    for ln in reversed(lane_order):
        tops[ln] = y + 6                               # the lane's baseline, near the foot of its band
        y += heights[ln]
    fig, ax = frame((total + 120) / 72, tops, total)
    for ln in lane_order:
        ax.axhline(tops[ln], color="#bbbbbb", linewidth=0.8, zorder=1)
    for (_, e), (level, ha) in zip(ev.iterrows(), place):
        x, y0, col = mdates.date2num(e["when"]), tops[e["lane_"]], colours[str(e[colour])]
        ax.plot([x], [y0], marker="o", markersize=7, color=col, markerfacecolor=col if e["exact"] else "white",
                markeredgewidth=1.6, zorder=4, linestyle="")
        ax.annotate("", (x, y0), xytext=(0, gap + row * level), textcoords="offset points", zorder=3,
                    arrowprops={"arrowstyle": "-", "color": col, "linewidth": 0.8, "shrinkA": 0, "shrinkB": 0})
        ax.annotate(e["text"], (x, y0), xytext=(0, gap + row * level), textcoords="offset points", ha=ha, **style)
    handles = [Line2D([], [], marker="o", linestyle="", color=colours[k], label=k.replace("_", " ")) for k in keys]
    handles.append(Line2D([], [], marker="o", linestyle="", markerfacecolor="white", color="#555555",
                          label="month or year only"))
    ax.legend(handles=handles, loc="upper left", ncol=len(handles), frameon=False, fontsize=8,
              handletextpad=0.3, columnspacing=1.0, borderaxespad=0.2)

    data = pd.DataFrame({"id": ev["id"].to_numpy(), "date": ev["date"].astype(str).to_numpy()})
    if lane:
        data["lane"] = ev["lane_"].to_numpy()
    data[colour] = ev[colour].astype(str).to_numpy()
    data["label"] = ev["text"].str.replace("\n", " ").to_numpy()
    data["source"] = ev["source"].to_numpy()
    chart = _finish(ledger, fig, ax, data, name, title, xlabel, "", note)
    _keep_axes_height(fig, ax, total)
    return chart


def _keep_axes_height(fig: plt.Figure, ax: plt.Axes, points: float) -> None:
    """Make the figure taller if the final layout left the axes shorter than `points`, keeping its margins."""
    pos, height = ax.get_position(), fig.get_figheight()
    extra = (points - pos.height * height * 72) / 72
    if extra <= 0:
        return
    fig.set_size_inches(fig.get_figwidth(), height + extra)
    ax.set_position([pos.x0, pos.y0 * height / (height + extra), pos.width,
                     (pos.height * height + extra) / (height + extra)])

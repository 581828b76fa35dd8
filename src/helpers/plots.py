"""One chart style for the book; every chart states its finding, units and sources, and ships its data."""
from __future__ import annotations

import io
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
from .tables import markdown_table  # noqa: E402

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
    return "Source: " + "; ".join(short_source(ledger, k) for k in keys) + "."


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
    fig.text(0.01, 0.005, line, fontsize=8.5, color="#444444", ha="left", va="bottom", wrap=True)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
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
    cols = [c for c in columns if c in chart.data.columns]
    return Markdown(markdown_table(chart.data[cols], cite="source" if "source" in cols else None)
                    + f"\n\n[Download the data of this chart (CSV)]({chart.csv_link})")

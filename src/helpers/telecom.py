"""The telecom chapter's calculations: subscriptions per 100 people, the population behind teledensity, the
3G/4G share, and the reader and folded tables built from them. "How to read the numbers" uses the same ones.

Which ledger rows stand for each series and pair is editorial metadata in
`data/editorial/telecom_infrastructure.yaml`, validated by `helpers.editorial`.
"""
from __future__ import annotations

import pandas as pd

from . import checks, editorial
from .fmt import with_unit
from .plots import derived_point, tidy
from .values import Derived

STEM = "telecom_infrastructure"


def _sources(led, ids) -> str:
    """The distinct sources of `ids`, in order, separated by ';' (a table's citation cell)."""
    return ";".join(dict.fromkeys(led.row(i)["source"] for i in ids if isinstance(i, str) and i))


def per_100(led, count_id: str, population_id: str) -> Derived:
    """Subscriptions per 100 people: checks.ratio of a count and a population in the same unit."""
    d = checks.ratio(led, count_id, population_id)
    return Derived(d.value, "per 100 people", d.inputs)


def total(led, ids) -> Derived:
    """The sum of ledger rows in one unit (e.g. the parts of an export total); raises on mixed units."""
    ids = tuple(ids)
    units = {led.row(i)["unit"] for i in ids}
    if len(units) != 1:
        raise ValueError(f"cannot add {list(ids)}: they are in different units {sorted(units)}")
    return Derived(sum(led.value(i) for i in ids), units.pop(), ids)


def difference(led, new_id: str, old_id: str, unit: str | None = None) -> Derived:
    """`new_id` minus `old_id` (same unit); `unit` renames the result's unit (e.g. 'percentage points')."""
    if led.row(new_id)["unit"] != led.row(old_id)["unit"]:
        raise ValueError(f"{new_id} and {old_id} are in different units")
    return Derived(led.value(new_id) - led.value(old_id), unit or led.row(new_id)["unit"], (new_id, old_id))


def part_of(led, ids, whole_id: str) -> Derived:
    """The sum of `ids` as a percent of `whole_id` (same unit), e.g. fibre laid against fibre planned."""
    part = total(led, ids)
    if part.unit != led.row(whole_id)["unit"]:
        raise ValueError(f"{whole_id} is not in {part.unit!r}")
    return Derived(part.value / led.value(whole_id) * 100, "percent", (*part.inputs, whole_id))


def event_amount(led, event_id: str) -> tuple[str, list[str]]:
    """An event's amount with its unit as a reader writes it ('50%', 'USD 44 million'), and the event's id
    (the two arguments after the key of `Chapter.text`)."""
    ev = led.events.loc[event_id]
    return with_unit(float(ev["amount"]), ev["unit"]), [event_id]


def implied_population(led, subs_id: str, density_id: str) -> Derived:
    """The population a teledensity figure divides by: subscriptions / (teledensity / 100), in million.

    The two rows must be of the same month and the same report, or the ratio mixes two releases.
    """
    subs, rate = led.row(subs_id), led.row(density_id)
    if subs["period"] != rate["period"] or subs["source"] != rate["source"]:
        raise ValueError(f"{subs_id} and {density_id} are not from the same month and report")
    if subs["unit"] != "million":
        raise ValueError(f"{subs_id}: subscriptions must be in million, not {subs['unit']!r}")
    return Derived(subs["value"] / rate["value"] * 100, "million", (subs_id, density_id))


def editorial_tables(led) -> dict[str, pd.DataFrame]:
    """The chapter's editorial tables (data/editorial/telecom_infrastructure.yaml)."""
    return editorial.load(led, STEM)


def implied_pairs(led) -> pd.DataFrame:
    """The book's one list of (subscriptions, teledensity) pairs, in period order."""
    pairs = editorial_tables(led)["implied_population"]
    return pairs.sort_values("subs_id", key=lambda s: s.map(lambda i: led.row(i)["period_end"])).reset_index(drop=True)


def implied_frame(led, pairs: pd.DataFrame | None = None) -> pd.DataFrame:
    """Chart data (plots.tidy columns) of the implied population of each pair, with its two input ids."""
    pairs = implied_pairs(led) if pairs is None else pairs
    rows = []
    for s, r in zip(pairs["subs_id"], pairs["density_id"]):
        d = implied_population(led, s, r)
        rows.append(derived_point(led, s, "Population PTA divides by", d, "million"))
    return pd.DataFrame(rows)


def implied_table(led, frame: pd.DataFrame) -> pd.DataFrame:
    """The implied populations as a reader reads them, with the two published figures behind each."""
    return pd.DataFrame({
        "id": list(frame["inputs"]), "Month": [led.row(i[0])["period_obj"].label for i in frame["inputs"]],
        "Cellular subscriptions (million)": [led.value(i[0]) for i in frame["inputs"]],
        "Cellular teledensity (%)": [led.value(i[1]) for i in frame["inputs"]],
        "Implied population (million, ours)": list(frame["value"]),
        "Source": [_sources(led, i) for i in frame["inputs"]],
    })


def series_frame(led, series: pd.DataFrame, chart: str) -> pd.DataFrame:
    """Chart data of the editorial series drawn on `chart`, in month-end order (ties by id)."""
    part = series[series["chart"] == chart]
    if part.empty:
        raise KeyError(f"no series for chart {chart!r} in the editorial yaml")
    frame = pd.concat([tidy(led, led.observations.loc[list(ids)], series=name)
                       for name, ids in zip(part["series"], part["ids"])])
    frame["end"] = [led.row(i)["period_end"] for i in frame["id"]]
    return frame.sort_values(["end", "id"], kind="stable").drop(columns="end").reset_index(drop=True)


def mbb_share(led, pairs: pd.DataFrame) -> pd.DataFrame:
    """Chart data: 3G/4G subscriptions as a percent of cellular ones, per pair from one and the same report."""
    rows = []
    for mbb_id, cell_id in zip(pairs["mbb_id"], pairs["cell_id"]):
        if led.row(mbb_id)["source"] != led.row(cell_id)["source"]:
            raise ValueError(f"{mbb_id} and {cell_id} should come from the same report")
        d = checks.ratio(led, mbb_id, cell_id)
        point = derived_point(led, mbb_id, "3G/4G share (computed)", d, "percent")
        rows.append({**point, "inputs": " / ".join(d.inputs)})
    return pd.DataFrame(rows)


def per_100_table(led, rows: pd.DataFrame) -> pd.DataFrame:
    """Subscriptions per 100 people on a census population, beside PTA's own rate (reader table)."""
    rate = [r if isinstance(r, str) else None for r in rows.get("rate_id", [None] * len(rows))]
    return pd.DataFrame({
        "id": [[c, p, *([r] if r else [])] for c, p, r in zip(rows["count_id"], rows["population_id"], rate)],
        "Subscriptions": list(rows["what"]), "Period": [led.row(i)["period_obj"].label for i in rows["count_id"]],
        "Million": [led.value(i) for i in rows["count_id"]],
        "Population (million)": [round(led.value(i), 2) for i in rows["population_id"]],
        "Per 100 people (ours)": [round(per_100(led, c, p).value, 1) for c, p in zip(rows["count_id"], rows["population_id"])],
        "PTA's rate (%)": [led.value(r) if r else None for r in rate],
        "Source": [_sources(led, [c, p, r]) for c, p, r in zip(rows["count_id"], rows["population_id"], rate)],
    })


def seed_table(led, rows: pd.DataFrame, population_id: str) -> pd.DataFrame:
    """A news item's figures beside PTA's or the census, and its ratios to its own population (reader table)."""
    return pd.DataFrame({
        "id": [[s, c] for s, c in zip(rows["seed_id"], rows["check_id"])], "Figure": list(rows["what"]),
        "News item (million)": [led.value(i) for i in rows["seed_id"]],
        "PTA or census (million)": [round(led.value(i), 2) for i in rows["check_id"]],
        "PTA or census period": [led.row(i)["period_obj"].label for i in rows["check_id"]],
        "Per 100 people, news item (ours)": [None if s == population_id else round(per_100(led, s, population_id).value, 1)
                                             for s in rows["seed_id"]],
        "Source": [_sources(led, [s, c]) for s, c in zip(rows["seed_id"], rows["check_id"])],
    })


_STATUS = {"level": "built", "plan": "planned", "target": "planned (target)"}


def fibre_table(led, fibre: pd.DataFrame) -> pd.DataFrame:
    """Every fibre length with its builder and status, built before planned, then by date (folded table)."""
    fib = led.observations.loc[list(fibre["id"])].copy()
    fib["builder"] = list(fibre["builder"])
    fib["status"] = fib["kind"].map(_STATUS)
    fib = fib.sort_values(["status", "period_end", "id"])
    return pd.DataFrame({
        "id": list(fib["id"]), "What": list(fib["dimension"]), "Km (rounded)": [round(v) for v in fib["value"]],
        "Status": list(fib["status"]), "When": [p.label for p in fib["period_obj"]], "Builder": list(fib["builder"]),
        "Source": list(fib["source"]),
    })


def fibre_national(led, fibre: pd.DataFrame) -> pd.DataFrame:
    """Chart data: the national totals of fibre in the ground (the rows marked `national`), by date."""
    ids = list(fibre.loc[fibre.get("national", pd.Series(False, index=fibre.index)).fillna(False).astype(bool), "id"])
    frame = tidy(led, led.observations.loc[ids], series="Fibre in the ground")
    frame["label"] = [f"{led.row(i)['origin']}, {led.row(i)['period_obj'].label}" for i in ids]
    return frame


def highest(frame: pd.DataFrame, before=None) -> str:
    """The id of the largest value in `frame` (rows ending before `before` only, if given)."""
    part = frame if before is None else frame[frame["period_end"] < before]
    return str(part["value"].idxmax())


def export_months(led, monthly: pd.DataFrame, start: str, skip_source: str) -> pd.DataFrame:
    """Monthly ICT exports from `start`: one level per month (the latest report), without `skip_source`'s copies."""
    month = monthly[(monthly["kind"] == "level") & (monthly["period_end"] >= pd.Timestamp(start))]
    month = month[month["source"] != skip_source]
    return month.sort_values(["period_end", "as_of"]).drop_duplicates("period", keep="last")


def wide_table(led, columns: pd.DataFrame, charted: set[str]) -> pd.DataFrame:
    """Every month-end with a subscriber or teledensity figure, one value per column (the charted row where
    there is one, else the latest report); the news items the project started from are left out."""
    picked = []
    for column, indicator, dimension in zip(columns["column"], columns["indicator"],
                                            columns.get("dimension", pd.Series([""] * len(columns)))):
        rows = led.select(indicator, dimension=dimension if isinstance(dimension, str) else "")
        rows = rows[~rows["source"].str.startswith("seed_") & ~rows["id"].str.contains("seed")]
        rows = rows.assign(charted=rows["id"].isin(charted)).sort_values(["period", "charted", "as_of", "id"])
        picked.append(rows.drop_duplicates("period", keep="last").assign(column=column))
    picked = pd.concat(picked)
    wide = picked.pivot(index="period", columns="column", values="value").reindex(columns=list(columns["column"]))
    ends = picked.groupby("period")["period_end"].first()
    ids = picked.groupby("period")["id"].agg(list)
    srcs = picked.groupby("period")["source"].agg(lambda s: ";".join(dict.fromkeys(s)))
    wide = wide.assign(end=ends, id=ids, Source=srcs).sort_values(["end"]).drop(columns="end").round(2)
    labels = {p: led.row(i[0])["period_obj"].short for p, i in ids.items()}
    wide.insert(0, "Month", [labels[p] for p in wide.index])
    return wide.reset_index(drop=True).rename(columns=lambda c: c[:1].upper() + c[1:] if c not in ("id",) else c)


def all_agree(changes: pd.DataFrame, change_ids) -> bool:
    """True if every recomputation of the stated changes `change_ids` agrees with its levels (and each is present)."""
    rows = changes[changes["change_id"].isin(list(change_ids))]
    return set(rows["change_id"]) == set(change_ids) and bool((rows["verdict"] == "agrees").all())


def census_refs(led, population_ids) -> list:
    """Reference lines at census populations, each labelled with its year and count (e.g. 'Census 2017: 207.7 million')."""
    from .plots import Ref, words

    return [Ref(led.value(i), words(led, "Census {" + i + ":year}: {" + i + ":.1}"), style=":") for i in population_ids]


#: Human headers of a chart's data columns in its folded table.
CHART_HEADERS = {"period": "Period", "label": "Measure", "series": "Series", "value": "Value", "unit": "Unit",
                 "inputs": "Computed from", "source": "Source"}


def chart_fold(ch, chart, columns=("period", "series", "value", "unit", "source")):
    """The numbers a chart draws, folded under it with human headers and period labels, and its CSV link.

    The block goes to the chapter's own audit record (so the PDF appendix prints it), unlike `plots.data`, and
    so do the rows the chart draws and the rows its computed values come from (`inputs`).
    """
    from .periods import parse_period
    from .tables import fold

    drawn = [i for i in chart.data.get("id", []) if isinstance(i, str)]
    for inputs in chart.data.get("inputs", []):
        drawn += list(inputs) if isinstance(inputs, (list, tuple)) else [i for i in str(inputs).split(" / ") if i]
    ch.record.record(list(dict.fromkeys(drawn)), f"chart:{chart.name}")

    frame = chart.data[[c for c in columns if c in chart.data.columns]].copy()
    if "period" in frame.columns:
        frame["period"] = [parse_period(str(p)).label for p in frame["period"]]
    if "inputs" in frame.columns:
        frame["inputs"] = [" / ".join(i) if isinstance(i, (list, tuple)) else i for i in frame["inputs"]]
    frame = frame.rename(columns=CHART_HEADERS)
    link = f"[Download the data of this chart (CSV)]({chart.csv_link})"
    title = chart.title or chart.figure.axes[0].get_title(loc="left")    # the book's titles sit on the left
    return fold(ch, [("", frame, "Source"), ("", link, None)], title=f"the numbers drawn in \u201c{title}\u201d",
                name=f"{chart.name}-data", ids=[])


#: Rows of one printed table of recomputed changes (its wrapped cells make a row up to three lines tall; a
#: LaTeX table shorter than 30 rows cannot break across pages, so longer ones are cut into parts).
CHANGE_ROWS_PER_TABLE = 10


def change_blocks(led, changes: pd.DataFrame, rows: int = CHANGE_ROWS_PER_TABLE) -> list:
    """Folded blocks of recomputed changes: whole fiscal years first, then months and parts of years, each cut
    into tables of at most `rows` rows so the printed appendix can break the page between them."""
    from .tables import change_rows

    whole = changes["period"].str.fullmatch(r"FY\d{4}")
    groups = [("Changes over whole fiscal years, against the levels", changes[whole]),
              ("Changes over months and parts of a year, against the levels", changes[~whole])]
    blocks = []
    for title, part in groups:
        for start in range(0, len(part), rows):
            heading = title if start == 0 else f"{title} (continued)"
            blocks.append((heading, change_rows(led, part.iloc[start:start + rows]), "Source"))
    return blocks


def conflict_blocks(led, conflicts: pd.DataFrame, indicators) -> list:
    """Folded blocks of disagreeing values, one per indicator in the order given (short tables the printed
    appendix can break between); indicators without a conflict are left out."""
    from .tables import conflict_rows

    return [(f"{led.indicators[i].label}: every value the sources give for the same period",
             conflict_rows(led, conflicts[conflicts["indicator"] == i]), "Source")
            for i in indicators if (conflicts["indicator"] == i).any()]

"""The Chromebooks-and-EVs chapter's selections and calculations (volumes, market scale, models, timeline, folds).

The chapter's editorial data (labels, groups, lanes, sections) is `data/editorial/chromebooks_evs.yaml`;
these functions turn it and the ledger into chart data and reader tables.
"""
from __future__ import annotations

import pandas as pd

from . import checks, deps, tables
from .fmt import date_label, number
from .cpec import status_counts  # noqa: F401 (the chapter counts its timeline the same way)
from .values import Derived

THEME = "chromebooks_evs"


def theme_rows(led) -> pd.DataFrame:
    """The chapter's ledger rows (a recorded selection: a change elsewhere in the ledger does not touch it)."""
    return deps.rows_where(led.observations, theme=THEME)


def bare(ch, *keys: str) -> None:
    """Glue literal keys `<id>-n` (the row's value as a bare number: '8,000', the prose names the thing counted)
    and `<id>-year` (the year a target or plan is due)."""
    for key in keys:
        obs_id, _, suffix = key.rpartition("-")
        if suffix == "n":
            text = number(ch.ledger.value(obs_id))
        elif suffix == "year":
            text = str(ch.ledger.period(obs_id).end.year)
        else:
            raise ValueError(f"glue key {key!r}: a bare key ends in '-n' or '-year'")
        ch.text(key, text, [obs_id])


def by_date(frame: pd.DataFrame) -> pd.DataFrame:
    """Ledger rows in the order they were stated."""
    return frame.sort_values(["as_of", "period_end", "id"])


def _spec(sections: pd.DataFrame, name: str) -> dict:
    if name not in set(sections["name"]):
        raise KeyError(f"data/editorial/chromebooks_evs.yaml: no section named {name!r}")
    spec = sections.set_index("name").loc[name].to_dict()
    return {k: v for k, v in spec.items() if isinstance(v, (str, list, dict, bool))} | {"name": name}


def section(led, sections: pd.DataFrame, name: str) -> pd.DataFrame:
    """The theme's rows that one editorial section (`sections` in the yaml) selects, in the order stated."""
    spec, rows = _spec(sections, name), theme_rows(led)
    named = list(spec.get("indicators", [])) + [i for how in ("named", "unnamed") for i in (spec.get(how) or {}).get("indicators", [])]
    unknown = sorted(set(named) - set(led.indicators))
    if unknown:
        raise ValueError(f"data/editorial/chromebooks_evs.yaml: sections: {name}: indicators {unknown} "
                         f"are not in data/indicators.csv")
    mask = rows["indicator"].isin(spec.get("indicators", []))
    for how in ("named", "unnamed"):
        rule = spec.get(how)
        if rule:
            names = rows["dimension"].str.contains(rule["text"], regex=False)
            mask |= rows["indicator"].isin(rule["indicators"]) & (names if how == "named" else ~names)
    if "prefixes" in spec:
        mask |= rows["id"].str.startswith(tuple(spec["prefixes"]))
    if spec.get("levels_only"):
        mask &= rows["kind"] != "stated_change"
    if "not_in" in spec:
        mask &= ~rows["id"].isin(section(led, sections, spec["not_in"])["id"])
    return by_date(rows[mask])


def fold_section(ch, sections: pd.DataFrame, name: str):
    """The folded ledger table of one editorial section."""
    rows = tables.ledger_rows(ch.ledger, section(ch.ledger, sections, name))
    return tables.fold(ch, [("Ledger rows", rows, "Source")], title=_spec(sections, name)["title"], name=name)


def volumes(led, spec: pd.DataFrame, groups: pd.DataFrame) -> pd.DataFrame:
    """Chart data of the Chromebook volumes, in thousands; raises if a past volume reaches a goal of the line."""
    legend = dict(zip(groups["group"], groups["legend"]))
    rows = []
    for r in spec.itertuples():
        row = led.row(r.id)
        when = f" ({date_label(row['as_of'][:7])})" if r.dated else ""
        rows.append({"id": r.id, "period": row["period"], "series": r.label + when, "group": legend[r.group],
                     "value": float(row["value"]) / 1000, "unit": "thousand " + row["unit"], "source": row["source"]})
    out = pd.DataFrame(rows)
    goals, past = (out[spec["group"].to_numpy() == g]["value"] for g in ("goal", "past"))
    if goals.min() <= past.max():
        raise ValueError("a past laptop volume now reaches a goal of the Chromebook line: revise the chapter's text")
    return out


def goal_over_past(led, spec: pd.DataFrame) -> Derived:
    """How many times the smallest goal of the line is the largest past volume."""
    goals, past = (list(spec[spec["group"] == g]["id"]) for g in ("goal", "past"))
    low, high = min(goals, key=led.value), max(past, key=led.value)
    return Derived(led.value(low) / led.value(high), "times", (low, high))


def office_imports(led, spec: pd.DataFrame) -> pd.DataFrame:
    """Chart data of office-machinery imports: the yaml's rows under their series."""
    from .plots import tidy

    return pd.concat([tidy(led, led.observations.loc[[r.id]], series=r.series) for r in spec.itertuples()],
                     ignore_index=True)


def capacity_share(led, capacity_ids: list[str], market_id: str) -> Derived:
    """Yearly capacity of the plants as a percent of one year's car sales."""
    total = sum(led.value(i) for i in capacity_ids)
    return Derived(total / led.value(market_id) * 100, "percent", (*capacity_ids, market_id))


def goal_cars(led, share_id: str, market_id: str) -> Derived:
    """A sales-share goal applied to one year's car sales, rounded to hundreds (our illustration)."""
    cars = round(led.value(share_id) / 100 * led.value(market_id), -2)
    return Derived(cars, "cars a year", (share_id, market_id))


def scale(led, spec: pd.DataFrame) -> pd.DataFrame:
    """Chart data of the scale chart in thousands: the yaml's rows in order; a row with `share_id` and
    `market_id` is the goal applied to that year's sales (goal_cars)."""
    rows = []
    for r in spec.to_dict("records"):
        if isinstance(r.get("share_id"), str):
            cars = goal_cars(led, r["share_id"], r["market_id"])
            obs_id, inputs, value = r["share_id"], " / ".join(cars.inputs), round(cars.value / 1000, 1)
        else:
            obs_id, inputs, value = r["id"], r["id"], led.value(r["id"]) / 1000
        rows.append({"id": obs_id, "inputs": inputs, "series": r["label"], "group": r["group"], "value": value,
                     "unit": "thousand units", "source": led.row(obs_id)["source"]})
    return pd.DataFrame(rows)


def _models(led) -> tuple[pd.DataFrame, pd.DataFrame]:
    unveiled = led.select("ev_models_unveiled")
    return unveiled[unveiled["dimension"].str.contains(r"\(")], led.select("ev_models_local_assembly")


def models(led) -> tuple[pd.DataFrame, list[str]]:
    """One row per unveiled model (brand, powertrain, dates, sources) and the ledger ids behind the table."""
    unveiled, local = _models(led)
    ev, first = led.events, "ev-nexgen-first-ckd"
    rows = []
    for _, r in unveiled.iterrows():
        powertrain, names = r["dimension"].rstrip(")").split(" (")
        for model in [m.strip() for m in names.split(",")]:
            event = ev.loc[f"ev-model-{model.lower()}"]
            named = local[local["dimension"].str.contains(rf"\b{model}\b")]
            built = model in ev.loc[first, "event"]
            rows.append({
                "id": event["id"], "Model": model, "Brand (by name)": "Jaecoo" if model.startswith("J") else "Omoda",
                "Powertrain": powertrain, "Unveiled": date_label(event["date"]),
                "Named for local assembly": date_label(named["period"].iloc[0]) if len(named) else "no",
                "First local car": date_label(ev.loc[first, "date"]) if built else "none reported",
                "Source": ";".join([r["source"], *named["source"], *([ev.loc[first, "source"]] if built else [])]),
            })
    out = pd.DataFrame(rows)
    return out.drop(columns="id"), list(out["id"]) + list(unveiled["id"]) + list(local["id"]) + [first]


def powertrain(led) -> pd.DataFrame:
    """Chart data: models unveiled and models named for local assembly, by powertrain."""
    unveiled, local = _models(led)
    launch, named = date_label(led.events.loc["ev-nexgen-launch", "date"][:7]), date_label(local["period"].iloc[0][:7])
    rows = []
    for frame, label in [(unveiled, f"Unveiled ({launch})"), (local, f"Named for local assembly ({named})")]:
        for _, r in frame.iterrows():
            rows.append({"id": r["id"], "period": r["period"], "powertrain": r["dimension"].split(" (")[0],
                         "series": label, "value": r["value"], "unit": "models", "source": r["source"]})
    return pd.DataFrame(rows)


def powertrain_title(stage: pd.DataFrame) -> str:
    """'4 of 5 unveiled models plug in; 2 are named for local assembly', from the chart data."""
    unveiled = stage[stage["series"].str.startswith("Unveiled")]
    plug = unveiled[~unveiled["powertrain"].str.startswith("hybrid")]["value"].sum()
    local = stage[~stage["series"].str.startswith("Unveiled")]["value"].sum()
    return f"{plug:.0f} of {unveiled['value'].sum():.0f} unveiled models plug in; {local:.0f} are named for local assembly"


def timeline_events(led, spec: pd.DataFrame, lanes: list[str]) -> pd.DataFrame:
    """The timeline's events with their lane and short label; raises on a lane not in `lanes`."""
    bad = sorted(set(spec["lane"]) - set(lanes))
    if bad:
        raise ValueError(f"data/editorial/chromebooks_evs.yaml: timeline lanes {bad} are not in `lanes`")
    out = led.events.loc[list(spec["id"])].copy()
    out["lane"], out["short"] = list(spec["lane"]), list(spec["label"])
    return out


def events_table(led, ids: list[str]) -> pd.DataFrame:
    """Events in full, by date: date, event, status, the date its source reported it, source."""
    ev = led.events.loc[ids].sort_values(["when", "id"])
    return pd.DataFrame({"id": list(ev["id"]), "Date": [date_label(str(d)) for d in ev["date"]],
                         "Event": list(ev["event"]), "Status": [s.replace("_", " ") for s in ev["status"]],
                         "As of": [date_label(str(a)) for a in ev["as_of"]], "Source": list(ev["source"])})


def disagreements(led, groups: pd.DataFrame) -> pd.DataFrame:
    """The figures that answer one question differently, side by side (question, what, period, value, source)."""
    rows = tables.ledger_rows(led, led.observations.loc[[i for ids in groups["ids"] for i in ids]])
    rows.insert(0, "Question", [g.topic for g in groups.itertuples() for _ in g.ids])
    return rows


@deps.derived
def conflicts(led) -> pd.DataFrame:
    """checks.conflicts restricted to the chapter's rows, as a reader table.

    A derived read (helpers.deps): the chapter depends on this table, not on every conflict in the ledger, so
    a changed handset row does not re-execute it."""
    conf = checks.conflicts(led)
    return tables.conflict_rows(led, conf[conf["id"].isin(theme_rows(led)["id"])].reset_index(drop=True))


@deps.derived
def changes(led) -> pd.DataFrame:
    """The chapter's stated changes recomputed from the levels, as a reader table (a derived read, as
    `conflicts`)."""
    ch = checks.recompute_changes(led)
    return tables.change_rows(led, ch[ch["change_id"].isin(theme_rows(led)["id"])].reset_index(drop=True))


def roles(spec: pd.DataFrame) -> pd.DataFrame:
    """The partners' roles as a reader table."""
    return pd.DataFrame({"Partner": spec["partner"], "Role in the project": spec["role"], "Source": spec["source"]})



def line_volumes(led) -> pd.DataFrame:
    """The Chromebook line's volume figures (capacity, production targets, output); raises if an output level
    has appeared, since the chapter says none has been published."""
    rows = theme_rows(led)
    made = rows["indicator"] == "chromebooks_produced"
    vol = rows[(made | rows["indicator"].isin(["chromebook_production_target", "chromebook_annual_production_target",
                                                         "production_capacity"]))
               & rows["dimension"].str.contains("Chromebook|NRTC")]
    if (made & (rows["kind"] == "level")).any():
        raise ValueError("the ledger now holds a count of Chromebooks made at Haripur: revise the chapter's text")
    return by_date(vol)


#: Reader headers of the columns chart data carries.
CHART_HEADERS = {"period": "Period", "series": "Bar", "group": "Group", "powertrain": "Powertrain", "date": "Date",
                 "lane": "Lane", "status": "Status", "label": "Label on the chart", "value": "Value", "unit": "Unit",
                 "inputs": "Computed from", "source": "Source"}


def chart_fold(ch, chart, title: str, name: str):
    """The numbers a chart draws, with human headers and period labels, and the link to its CSV, folded."""
    from .periods import parse_period

    data = chart.data[[c for c in ["id", *CHART_HEADERS] if c in chart.data.columns]].copy()
    if "period" in data.columns:
        data["period"] = [parse_period(str(p)).label for p in data["period"]]
    if "inputs" in data.columns:
        data["inputs"] = ["computed: " + i if " / " in str(i) else "ledger row" for i in data["inputs"]]
    data = data.rename(columns=CHART_HEADERS)
    link = f"[Download the data of this chart (CSV)]({chart.csv_link})"
    return tables.fold(ch, [("Numbers drawn in the chart", data, "Source"), ("", link, None)], title=title, name=name)


def bar_alt(chart, head: str, x: str = "series") -> str:
    """Alt text from the drawn data: `head`, then each bar's label (and group) with its value and unit."""
    d = chart.data
    parts = [f"{r[x]}{' (' + str(r['series']) + ')' if x != 'series' else ''}: {number(float(r['value']))} {r['unit']}"
             for _, r in d.iterrows()]
    return f"{head}. " + "; ".join(parts) + "."


def timeline_alt(events: pd.DataFrame, lanes: list[str]) -> str:
    """Alt text of the timeline from its events: how many, in which lanes, and how many of each status."""
    n = status_counts(events)
    per = "; ".join(f"{lane}: {number(int((events['lane'] == lane).sum()))}" for lane in lanes)
    states = ", ".join(f"{number(n[s])} {s.replace('_', ' ')}" for s in n if s != "all")
    return f"Timeline of {number(n['all'])} milestones by date, in {len(lanes)} lanes ({per}): {states}."

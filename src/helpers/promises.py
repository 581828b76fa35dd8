"""The promises chapter's tables and chart data, built from the scorecard (helpers.verdicts)."""
from __future__ import annotations

import pandas as pd

from .fmt import date_label, number, with_unit


def check_outcomes(card: pd.DataFrame, pairs: pd.DataFrame) -> None:
    """Fail if a verdict now rests on another outcome row than the one the prose names for it."""
    used = card.set_index("target_id")["outcome_id"]
    wrong = [(t, o, used.get(t)) for t, o in zip(pairs["target_id"], pairs["outcome_id"]) if used.get(t) != o]
    if wrong:
        raise ValueError(f"the prose names outcomes the verdicts no longer use (target, named, used): {wrong}")


def _when(led, obs_id: str) -> str:
    p = led.period(obs_id)
    return p.text if p.kind in ("fy", "fy_months") else p.label


def _amount(value: float, unit: str) -> str:
    return number(value) if unit == "count" else with_unit(value, unit)


def card_table(led, card: pd.DataFrame, themes) -> pd.DataFrame:
    """The scorecard rows of some themes as a reader's table; the `id` column lists target and outcome rows."""
    part = card[card["theme"].isin(list(themes))]
    return pd.DataFrame({
        "id": [[t] + ([o] if isinstance(o, str) else []) for t, o in zip(part["target_id"], part["outcome_id"])],
        "Promise (set by)": [f"{p} ({w}, {date_label(d)})" for p, w, d in zip(part["promise"], part["setter"], part["set"])],
        "Target, due": [("at least " if d == "at_least" else "at most ") + f"{_amount(v, u)}, {_when(led, t)}"
                        for d, v, u, t in zip(part["direction"], part["target"], part["unit"], part["target_id"])],
        "Outcome": [f"{_amount(v, u)} ({_when(led, o)})" if isinstance(o, str) else "–"
                    for v, u, o in zip(part["outcome"], part["unit"], part["outcome_id"])],
        "Verdict": list(part["verdict"]),
        "Source": [";".join(dict.fromkeys(k for k in (t, o) if isinstance(k, str)))
                   for t, o in zip(part["target_source"], part["outcome_source"])],
    })


def card_notes(led, card: pd.DataFrame, themes) -> str:
    """The notes on how each target of some themes is linked to its outcome, as a Markdown list."""
    part = card[card["theme"].isin(list(themes)) & card["note"].astype(bool)]
    return "\n".join(f"- *{p}, {_when(led, t)}*: {n}" for p, t, n in zip(part["promise"], part["target_id"], part["note"]))


def _section_themes(sections: pd.DataFrame, section: str):
    return sections.set_index("section").loc[section, "themes"]


def section_table(ch, led, card: pd.DataFrame, sections: pd.DataFrame, section: str):
    """The scorecard table of one section of the editorial `sections` (table `scorecard-<section>`)."""
    from .tables import show

    return show(ch, card_table(led, card, _section_themes(sections, section)), name=f"scorecard-{section}")


def section_notes(ch, led, card: pd.DataFrame, sections: pd.DataFrame, section: str, title: str):
    """Folded under a section's table: how each of its targets is linked to its outcome (`scorecard-<section>-notes`)."""
    from .tables import fold

    notes = card_notes(led, card, _section_themes(sections, section))
    return fold(ch, [("How each target is linked to its outcome", notes, None)], title=title,
                name=f"scorecard-{section}-notes", ids=[])


def progress(led, card: pd.DataFrame) -> pd.DataFrame:
    """Chart data: outcome as a percent of target for each scored target other than ICT exports with an outcome."""
    part = card[card["outcome_id"].notna() & ~card["promise"].str.startswith("ICT")]

    def due(t: str) -> str:
        p = led.period(t)
        return p.short if p.kind in ("year", "fy", "fy_months") else p.label

    out = pd.DataFrame({
        "id": part["outcome_id"].to_numpy(), "target_id": part["target_id"].to_numpy(),
        "label": [f"{p}, {due(t)}" for p, t in zip(part["promise"], part["target_id"])],
        "period": part["outcome_period"].to_numpy(), "series": part["verdict"].to_numpy(),
        "value": (part["outcome"] / part["target"] * 100).round(1).to_numpy(), "unit": "percent of target",
        "source": part["outcome_source"].to_numpy(), "target_source": part["target_source"].to_numpy(),
    })
    return out.sort_values("value", ascending=False, kind="stable").reset_index(drop=True)


def itx_targets(led, card: pd.DataFrame, legend: pd.DataFrame) -> pd.DataFrame:
    """Chart data: ICT export targets, forecasts and outturns by fiscal year, in the legend order of `legend`."""
    it = card[(card["theme"] == "it_exports") & card["due"].str.match(r"FY202[2-6] ")
              & card["promise"].str.startswith("ICT exports")]
    names = dict(zip(legend["when"], legend["series"]))

    def who(setter: str, promise: str) -> str:
        if "forecast" in promise:
            return names["forecast"]
        return names["pm_office"] if setter.startswith("Prime Minister") else names["target"]

    rows = [{"id": r["target_id"], "period": led.row(r["target_id"])["period"],
             "period_label": led.period(r["target_id"]).short, "series": who(r["setter"], r["promise"]),
             "value": r["target"], "unit": r["unit"], "source": r["target_source"]} for _, r in it.iterrows()]
    for oid in dict.fromkeys(i for i in it["outcome_id"] if isinstance(i, str)):
        o = led.row(oid)
        rows.append({"id": oid, "period": o["period"], "period_label": led.period(oid).short,
                     "series": names["outturn"], "value": o["value"], "unit": o["unit"], "source": o["source"]})
    frame = pd.DataFrame(rows)
    order = list(legend["series"])
    frame["rank"] = [order.index(x) for x in frame["series"]]
    return frame.sort_values(["rank", "period"], kind="stable").drop(columns="rank").reset_index(drop=True)


def progress_table(progress: pd.DataFrame) -> pd.DataFrame:
    """The progress chart's numbers for the reader: promise and due date, outcome period, verdict, percent of target."""
    return pd.DataFrame({"id": progress["id"], "Promise, due": progress["label"], "Outcome period": progress["period"],
                         "Verdict": progress["series"], "Percent of target": progress["value"],
                         "Source": progress["source"]})

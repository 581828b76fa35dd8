"""The mobile-manufacturing chapter's selections and calculations (handset counts, shares, policy rows)."""
from __future__ import annotations

import pandas as pd

from . import checks, series
from .deps import rows_where
from .fmt import number
from .plots import derived_point

LOCAL, IMPORTS = "handsets_local_production", "handsets_commercial_imports"


def unit_conflicts(led) -> pd.DataFrame:
    """Disagreeing yearly or half-yearly handset counts (checks.conflicts of local output and imports)."""
    conf = checks.for_indicators(checks.conflicts(led), [LOCAL, IMPORTS])
    return conf[conf["period"].str.fullmatch(r"\d{4}|\d{4}-H\d")].reset_index(drop=True)


def stated_changes(led) -> pd.DataFrame:
    """Stated changes in handset counts and the import bill, recomputed from the levels."""
    return checks.for_indicators(checks.recompute_changes(led), [LOCAL, IMPORTS, "mobile_phone_import_bill"])


def local_share(led) -> pd.DataFrame:
    """Chart data: local output / (local output + commercial imports) per calendar year of the handset series.

    The `inputs` column lists the two ledger rows behind each share.
    """
    imports = {led.row(i)["period"]: i for i in series.ids(led, "handsets-imports")}
    rows = []
    for local_id in series.ids(led, "handsets-local"):
        period = led.row(local_id)["period"]
        if period not in imports:
            continue
        d = checks.share(led, local_id, [imports[period]])
        rows.append(derived_point(led, local_id, "Local share (computed)", d, "percent"))
    return pd.DataFrame(rows)


def share_table(led, share: pd.DataFrame) -> pd.DataFrame:
    """The computed shares with the two counts behind each, for the folded block under the chart."""
    return pd.DataFrame({
        "id": list(share["inputs"]), "Period": [led.row(i[0])["period_obj"].label for i in share["inputs"]],
        "Local share (%)": list(share["value"]),
        "Assembled locally (million)": [number(led.value(i[0])) for i in share["inputs"]],
        "Imported commercially (million)": [number(led.value(i[1])) for i in share["inputs"]],
        "Source": [";".join(dict.fromkeys(led.row(x)["source"] for x in i)) for i in share["inputs"]],
    })


def localization(led) -> pd.DataFrame:
    """Every localization target and reported level of the handset policy, by period."""
    loc = pd.concat([led.select("localization", kind="target"), led.select("localization", kind="level")])
    return loc[loc["theme"] == "mobile_manufacturing"]


def jobs(led) -> pd.DataFrame:
    """Every job count and job target of the handset industry, by period."""
    frame = pd.concat([led.select("jobs"), led.select("jobs", kind="target")])
    return frame[frame["theme"] == "mobile_manufacturing"].sort_values(["period_end", "id"])


def import_bill(led) -> pd.DataFrame:
    """PBS's mobile-phone import values by fiscal year (the series `mobile-import-bill`)."""
    return led.observations.loc[series.ids(led, "mobile-import-bill")]


def plants(led) -> pd.DataFrame:
    """Handset plants and investments on record (manufacturing and investment events of the theme)."""
    return rows_where(led.events, theme="mobile_manufacturing", category=["manufacturing", "investment"])

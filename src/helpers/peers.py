"""Pakistan among its peers: one figure per country, ranked, with the period and basis each one covers.

Rows of theme `peers` name their country's ISO code in `dimension` (checked by the loader against
data/countries.csv); rows of the Pakistan themes describe Pakistan. A comparison is a list of ledger ids,
one per country, chosen in data/editorial/peers.yaml.
"""
from __future__ import annotations

import pandas as pd

from . import plots
from .fmt import date_label, with_unit
from .ledger import Ledger
from .values import Derived

PAKISTAN = "PAK"
#: The `series` of a ranked bar: Pakistan stands out from its peers.
HIGHLIGHT, PEER = "Pakistan", "peers"


def country_of(led: Ledger, obs_id: str) -> str:
    """The ISO code of the country a ledger row describes: its dimension for theme `peers`, else Pakistan."""
    r = led.row(obs_id)
    return r["dimension"] if r["theme"] == "peers" else PAKISTAN


def comparison(led: Ledger, ids) -> pd.DataFrame:
    """One row per country (id, code, country, period, period label, value, unit, origin, source), highest first.

    Raises if two ids describe the same country or if their units differ: a ranking compares like with like.
    """
    rows = []
    for obs_id in ids:
        r, code = led.row(obs_id), country_of(led, obs_id)
        rows.append({"id": obs_id, "code": code, "country": led.countries[code].name, "period": r["period"],
                     "period_label": r["period_obj"].label, "value": float(r["value"]), "unit": r["unit"],
                     "origin": r["origin"], "source": r["source"]})
    frame = pd.DataFrame(rows)
    dup = frame["code"][frame["code"].duplicated()]
    if len(dup):
        raise ValueError(f"two rows for {sorted(set(dup))} in one comparison: {list(ids)}")
    if frame["unit"].nunique() != 1:
        raise ValueError(f"a comparison mixes units {sorted(set(frame['unit']))}: {list(ids)}")
    return frame.sort_values(["value", "code"], ascending=[False, True]).reset_index(drop=True)


def same_period(frame: pd.DataFrame) -> bool:
    """Whether every country's figure covers the same period."""
    return frame["period"].nunique() == 1


def periods_text(frame: pd.DataFrame) -> str:
    """'all for CY2023', or each country's period when they differ ('India CY2019, Bangladesh FY2021 (...)')."""
    if same_period(frame):
        return f"all for {frame['period_label'].iloc[0]}"
    return "; ".join(f"{c} {p}" for c, p in zip(frame["country"], frame["period_label"]))


def rank_of(frame: pd.DataFrame, code: str = PAKISTAN) -> tuple[int, int]:
    """(rank, number of countries) of `code` in a ranked comparison, 1 = highest."""
    codes = list(frame["code"])
    if code not in codes:
        raise KeyError(f"{code} is not in the comparison")
    return codes.index(code) + 1, len(codes)


def ratio(frame: pd.DataFrame, top: str, bottom: str = PAKISTAN) -> Derived:
    """The value of country `top` divided by that of `bottom` (times as large), with the ids it comes from."""
    by = frame.set_index("code")
    return Derived(float(by.loc[top, "value"]) / float(by.loc[bottom, "value"]), "times",
                   (by.loc[top, "id"], by.loc[bottom, "id"]))


def ranked_bars(led: Ledger, frame: pd.DataFrame, name: str, title: str, xlabel: str, note: str = "") -> plots.Chart:
    """Horizontal bars, highest first, Pakistan in its own colour; each label names the country and its period."""
    data = pd.DataFrame({
        "id": frame["id"], "period": frame["period"],
        "period_label": [f"{c} ({p.split(' (')[0]})" for c, p in zip(frame["country"], frame["period_label"])],
        "series": [HIGHLIGHT if c == PAKISTAN else PEER for c in frame["code"]],
        "value": frame["value"], "unit": frame["unit"], "source": frame["source"]})
    return plots.bars(led, data, name=name, title=title, ylabel=xlabel, xlabel="",
                      hue="series", horizontal=True, note=note)


def share_paths(led: Ledger, ids) -> pd.DataFrame:
    """Tidy rows for a line per country (series = country name), in time order, for `plots.lines`."""
    frame = pd.DataFrame([{"id": i, "code": country_of(led, i), "end": led.row(i)["period_end"]} for i in ids])
    frame = frame.sort_values(["end", "code"])
    rows = led.observations.loc[list(frame["id"])]
    return plots.tidy(led, rows, series=None).assign(series=[led.countries[c].name for c in frame["code"]])


def reader_table(frame: pd.DataFrame, value_header: str, fiscal: dict[str, str]) -> pd.DataFrame:
    """A comparison as a reader's table: country, period, value with unit, the country's fiscal year, producer, source."""
    return pd.DataFrame({
        "id": frame["id"], "Country": frame["country"], "Period": frame["period_label"],
        value_header: [with_unit(v, u) for v, u in zip(frame["value"], frame["unit"])],
        "Fiscal year": [fiscal[c] for c in frame["code"]], "Producer": frame["origin"], "Source": frame["source"]})


def policy_table(led: Ledger, ids) -> pd.DataFrame:
    """Dated policy events as a reader's table (country, date, instrument, status, source): Pakistan first, then by country and date."""
    ev = led.events.loc[list(ids)]
    country = [led.countries[PAKISTAN].name if t != "peers" else a.split(";")[0].strip()
               for t, a in zip(ev["theme"], ev["actors"])]
    out = pd.DataFrame({"id": list(ev.index), "Country": country, "when": list(ev["when"]),
                        "Date": [date_label(str(d)) for d in ev["date"]], "Instrument": list(ev["event"]),
                        "Status": [s.replace("_", " ") for s in ev["status"]], "Source": list(ev["source"])})
    out = out.assign(peer=out["Country"] != led.countries[PAKISTAN].name)
    return out.sort_values(["peer", "Country", "when", "id"]).drop(columns=["peer", "when"]).reset_index(drop=True)



def side_by_side(led: Ledger, columns: dict[str, list[str]]) -> pd.DataFrame:
    """Several comparisons of one period as one reader's table: a row per country, a column per comparison.

    The `id` column lists each row's ledger ids. Raises if the comparisons cover different periods or
    countries: side by side means like with like.
    """
    frames = {header: comparison(led, ids).set_index("code") for header, ids in columns.items()}
    first = next(iter(frames.values()))
    periods = {p for f in frames.values() for p in f["period_label"]}
    if len(periods) != 1 or any(sorted(f.index) != sorted(first.index) for f in frames.values()):
        raise ValueError(f"side-by-side comparisons must share one period and one set of countries: {sorted(periods)}")
    out = pd.DataFrame({"id": [[f.loc[c, "id"] for f in frames.values()] for c in first.index],
                        "Country": list(first["country"]), "Period": list(first["period_label"])})
    for header, f in frames.items():
        out[header] = [with_unit(float(f.loc[c, "value"]), f.loc[c, "unit"]) for c in first.index]
    out["Source"] = [";".join(dict.fromkeys(f.loc[c, "source"] for f in frames.values())) for c in first.index]
    return out

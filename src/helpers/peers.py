"""Pakistan among its peers: one figure per country, ranked, with the period and basis each one covers.

Rows of theme `peers` name their country's ISO code in `dimension` (checked by the loader against
data/countries.csv); rows of the Pakistan themes describe Pakistan. A comparison is a list of ledger ids,
one per country, chosen in data/editorial/peers.yaml.
"""
from __future__ import annotations

import pandas as pd

from . import deps, plots
from .fmt import date_label, with_unit
from .ledger import Ledger
from .values import Derived

PAKISTAN = "PAK"
#: The `series` of a ranked bar: Pakistan stands out from its peers.
HIGHLIGHT, PEER = "Pakistan", "peers"


def peer_rows(led: Ledger) -> pd.DataFrame:
    """Every peer figure in the ledger (theme `peers`), as a recorded selection: the chapter re-executes when a
    peer row changes or is added, not when a Pakistani row does."""
    return deps.rows_where(led.observations, theme="peers")


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


def pakistan_shares(led: Ledger) -> pd.DataFrame:
    """Pakistan's local share of legal handset supply for every calendar year with both counts, computed from
    the ledger levels exactly as the mobile chapter computes it (`mobile.local_share`, i.e. `checks.share` of
    local assembly and commercial imports). `inputs` lists the two ledger rows behind each share."""
    from . import mobile

    frame = mobile.local_share(led)
    if frame.empty:
        raise ValueError("no calendar year has both a local-assembly and a commercial-import count in the ledger")
    return frame.assign(series=led.countries[PAKISTAN].name, code=PAKISTAN)


def local_share_paths(led: Ledger, peer_ids) -> pd.DataFrame:
    """The local-share chart's data: Pakistan's computed yearly shares and each peer's reported ones, in time order.

    `peer_ids` are the peers' reported shares (data/editorial/peers.yaml); a Pakistan row among them is refused,
    since Pakistan's line is computed from its counts and a reported share would draw a second Pakistan path.
    `inputs` names the ledger rows behind each point ('local;imports' for Pakistan, the row itself for a peer).
    """
    peer = share_paths(led, peer_ids)
    mine = [i for i in peer_ids if country_of(led, i) == PAKISTAN]
    if mine:
        raise ValueError(f"Pakistan's local share is computed from its counts; drop its reported rows {mine}")
    peer = peer.assign(code=[country_of(led, i) for i in peer["id"]], inputs=list(peer["id"]))
    pak = pakistan_shares(led)
    pak = pak.assign(inputs=[";".join(i) for i in pak["inputs"]])
    cols = ["id", "period", "period_label", "series", "value", "unit", "source", "inputs", "code"]
    out = pd.concat([pak[cols], peer[cols]], ignore_index=True)
    out["end"] = [led.row(i)["period_end"] for i in out["id"]]
    return out.sort_values(["end", "code"], kind="stable").drop(columns=["end", "code"]).reset_index(drop=True)


def share_sources(led: Ledger, data: pd.DataFrame) -> pd.DataFrame:
    """The local-share chart's points as a reader's table: country, period, share, how it was obtained, producer,
    source and the ledger ids behind it (`id` lists them for the audit)."""
    ids = [s.split(";") for s in data["inputs"]]
    return pd.DataFrame({
        "id": ids, "Country": list(data["series"]), "Period": [led.row(i[0])["period_obj"].label for i in ids],
        "Local share (%)": list(data["value"]),
        "How": ["computed: assembled / (assembled + imported)" if len(i) > 1 else "as reported" for i in ids],
        "Producer": ["; ".join(dict.fromkeys(led.row(x)["origin"] for x in i)) for i in ids],
        "Source": [";".join(dict.fromkeys(led.row(x)["source"] for x in i)) for i in ids],
        "Ledger ids": [", ".join(i) for i in ids]})

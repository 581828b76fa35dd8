"""What every chapter notebook calls first and last: load the ledger, set the chart theme, list sources."""
from __future__ import annotations

import pandas as pd
from IPython.display import Markdown

from . import cite, ledger, plots
from .tables import markdown_table


def start(name: str) -> ledger.Ledger:
    """Load and validate the ledger, set the book's chart theme and start the chapter's record."""
    cite.start_chapter(name)
    plots.set_theme()
    pd.set_option("display.width", 120)
    return ledger.load()


def figures_used(led: ledger.Ledger) -> pd.DataFrame:
    """Every ledger row this chapter has shown so far, in id order, with its source key."""
    rows = []
    for obs_id in sorted(cite.used()):
        if obs_id in led.observations.index:
            r = led.row(obs_id)
            rows.append({"id": obs_id, "value": float(r["value"]), "unit": r["unit"], "period": r["period"],
                         "kind": r["kind"], "source": r["source"]})
        elif obs_id in led.events.index:
            e = led.events.loc[obs_id]
            rows.append({"id": obs_id, "value": e["amount"], "unit": e["unit"] or "event", "period": e["date"],
                         "kind": "event", "source": e["source"]})
        else:
            raise KeyError(f"{obs_id!r} was shown but is neither an observation nor an event")
    return pd.DataFrame(rows, columns=["id", "value", "unit", "period", "kind", "source"])


def finish(led: ledger.Ledger) -> Markdown:
    """The closing table of every ledger row the chapter showed, and the chapter's audit record."""
    cite.write_audit()
    used = figures_used(led)
    return Markdown(f"{len(used)} ledger rows are shown in this chapter; the figure audit appendix lists "
                    "each with its full source.\n\n" + markdown_table(used, cite="source"))

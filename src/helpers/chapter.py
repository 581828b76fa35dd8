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
    """Every ledger row (observation or event) this chapter has shown so far, in id order."""
    rows = [led.entry(i) for i in sorted(cite.used())]
    return pd.DataFrame(rows, columns=["id", "value", "unit", "period", "kind", "source"])


def finish(led: ledger.Ledger) -> Markdown:
    """The closing table of every ledger row the chapter showed, and the chapter's audit record."""
    cite.write_audit()
    used = figures_used(led)
    return Markdown(f"{len(used)} ledger rows are shown in this chapter; the figure audit appendix lists "
                    "each with its full source.\n\n" + markdown_table(used, cite="source"))

"""What every chapter notebook calls first and last: `ch = chapter.begin(name)` ... `ch.finish()`.

`begin` loads and validates the ledger, sets the chart theme and glues every ledger value the book's
pages reference from this notebook. Values computed in the notebook are declared with literal keys
(`ch.derived("share-local-2024", ...)`); `finish` fails if a referenced key was never glued or a glued
key is referenced nowhere, then writes the chapter's audit record.
"""
from __future__ import annotations

import math

import pandas as pd

from . import glue, ledger, plots
from .fmt import date_label, prose, with_unit
from .record import Record
from .values import Derived


#: The chapter the running notebook began, so helpers called without one (a chart's data fold) record into it.
CURRENT: "Chapter | None" = None


class Chapter:
    """One chapter's ledger, audit record and glued values."""

    def __init__(self, name: str, led: ledger.Ledger) -> None:
        self.name, self.ledger, self.record = name, led, Record(name)
        self.references = glue.referenced(name)
        self.glued: dict[str, str] = {}

    def _paste(self, key: str, text: str, inputs=(), link: bool = True) -> str:
        if key in self.glued:
            raise ValueError(f"{self.name}: glue key {key!r} is glued twice")
        glue.paste(key, text, f"audit-{self.name}-{key}" if link else "")
        self.glued[key] = text
        self.record.record(list(inputs), key)
        return text

    def auto_glue(self) -> list[str]:
        """Glue each referenced key that names a ledger row, its period, or an event; return the others."""
        obs, events = self.ledger.observations, self.ledger.events
        rest = []
        for key in self.references:
            base = key.removesuffix("-period")
            if self.ledger.has_observation(key):
                r = obs.loc[key]
                self._paste(key, prose(float(r["value"]), r["unit"]), [key])
            elif key.endswith("-period") and self.ledger.has_observation(base):
                self._paste(key, obs.loc[base, "period_obj"].label, [base], link=False)
            elif self.ledger.has_event(key):
                self._paste(key, date_label(str(events.loc[key, "date"])), [key])
            else:
                rest.append(key)
        return rest

    def derived(self, key: str, value: Derived, decimals: int = 1) -> str:
        """Glue a value computed from ledger rows under a literal `key`; its inputs go to the audit."""
        if not math.isfinite(value.value):
            raise ValueError(f"derived value {key!r} is not finite: {value.value}")
        self.record.derived(key, value.inputs)
        return self._paste(key, with_unit(value.value, value.unit, decimals), value.inputs)

    def rounded(self, key: str, obs_id: str, decimals: int) -> str:
        """Glue one ledger value rounded for reading (e.g. 24.657 -> '24.7 million units') under `key`."""
        r = self.ledger.row(obs_id)
        self.record.derived(key, [obs_id])
        return self._paste(key, with_unit(float(r["value"]), r["unit"], decimals), [obs_id])

    def text(self, key: str, text: str, inputs=()) -> str:
        """Glue a short text built from ledger values (a list of names, a year) under `key`; it links to its inputs."""
        self.record.derived(key, inputs)
        return self._paste(key, text, inputs)

    def unresolved(self) -> tuple[list[str], list[str]]:
        """(referenced keys nothing glued, glued keys nothing references)."""
        refs = set(self.references)
        return sorted(refs - set(self.glued)), sorted(set(self.glued) - refs)

    def finish(self) -> None:
        """Fail on glue keys that are missing or unused; write the audit record."""
        missing, unused = self.unresolved()
        if missing or unused:
            raise KeyError(f"{self.name}: referenced but not glued: {missing}; glued but not referenced: {unused}")
        self.record.write()


def begin(name: str) -> Chapter:
    """Load and validate the ledger, set the chart theme and glue every ledger key the pages reference."""
    plots.set_theme()
    pd.set_option("display.width", 120)
    global CURRENT
    ch = Chapter(name, ledger.load())
    CURRENT = ch
    ch.auto_glue()
    return ch

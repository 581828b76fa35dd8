"""The value type of a number the book computes from ledger rows (a share, a change, a sum)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Derived:
    """A value computed from ledger rows, with the ids it comes from (so the audit traces it)."""

    value: float
    unit: str
    inputs: tuple[str, ...]

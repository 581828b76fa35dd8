"""Archived copies: the Wayback Machine address of a cited page as it was when we read it.

The address is a lookup, https://web.archive.org/web/<YYYYMMDD>/<url>: the Wayback Machine answers it
with the capture nearest to the access date, so a reader can reach the page after it moves or changes.
"""
from __future__ import annotations

import re

WAYBACK = "https://web.archive.org/web"
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def archive_url(url: str, urldate: str) -> str:
    """The Wayback Machine lookup address for `url` as accessed on `urldate` (YYYY-MM-DD)."""
    if not re.match(r"^https?://", url):
        raise ValueError(f"cannot archive {url!r}: the address must start with http:// or https://")
    m = _DATE.match(urldate.strip())
    if not m:
        raise ValueError(f"access date {urldate!r} of {url} is not YYYY-MM-DD")
    return f"{WAYBACK}/{''.join(m.groups())}/{url}"

"""The shop's calendar: one place that says what day it is."""

from __future__ import annotations

from datetime import date


def today() -> date:
    """Today's date on the server's local calendar (the shop's working day)."""
    return date.today()  # noqa: DTZ011 - the shop works in local dates

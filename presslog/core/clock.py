"""The shop's calendar: one place that says what day and hour it is at the shop.

The shop's time zone is ``SHOP_TIMEZONE`` (an IANA name, UTC when unset): "today"
for received dates, due outs, overdue badges and the 07:00 digest is the date on the
shop's wall clock, whatever zone the server runs in.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context


def shop_zone() -> ZoneInfo:
    """The shop's time zone (``SHOP_TIMEZONE``, checked when the settings are read)."""
    name = current_app.config.get("SHOP_TIMEZONE") if has_app_context() else None
    return ZoneInfo(name or "UTC")


def shop_now(now: datetime | None = None) -> datetime:
    """``now`` (default: this moment) on the shop's wall clock."""
    return (now or datetime.now(UTC)).astimezone(shop_zone())


def today() -> date:
    """Today's date at the shop (the shop's working day)."""
    return shop_now().date()

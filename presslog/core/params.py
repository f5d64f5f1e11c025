"""Parsing of query-string filters shared by pages (the API uses its schemas)."""

from __future__ import annotations

from datetime import date
from typing import Any

from werkzeug.datastructures import MultiDict


def text(args: MultiDict[str, str], name: str) -> str | None:
    """A trimmed text argument, or None when blank."""
    value = (args.get(name) or "").strip()
    return value or None


def iso_date(args: MultiDict[str, str], name: str, errors: dict[str, list[str]]) -> date | None:
    """A YYYY-MM-DD argument; a bad value is reported in ``errors`` and ignored."""
    value = text(args, name)
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors.setdefault(name, []).append(f"{value!r} is not a date (use YYYY-MM-DD).")
        return None


def boolean(args: MultiDict[str, str], name: str) -> bool | None:
    """yes/no style argument; anything else is None."""
    value = (args.get(name) or "").strip().lower()
    if value in ("1", "true", "yes", "y", "on"):
        return True
    if value in ("0", "false", "no", "n", "off"):
        return False
    return None


def choice(args: MultiDict[str, str], name: str, allowed: Any) -> str | None:
    """A value from ``allowed``; anything else is None."""
    value = text(args, name)
    return value if value in allowed else None

"""Small helpers shared by repositories: sort parsing and LIKE patterns."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement


def parse_sort(sort: str | None, allowed: Mapping[str, object], default: str) -> tuple[str, bool]:
    """Split ``-field`` into (field, descending); unknown fields fall back to ``default``."""
    sort = (sort or "").strip()
    desc = sort.startswith("-")
    key = sort.lstrip("-")
    if key not in allowed:
        return default.lstrip("-"), default.startswith("-")
    return key, desc


def like_pattern(term: str) -> str:
    r"""A lower-case ``%term%`` pattern with LIKE wildcards escaped (use ``escape='\\'``)."""
    escaped = term.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def contains(column: Any, term: str) -> ColumnElement[bool]:
    """Case-insensitive substring match that keeps the column bare (no ``lower()`` per row).

    SQLite's LIKE already ignores ASCII case; PostgreSQL uses ILIKE.
    """
    from presslog.extensions import db

    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped}%"
    if db.engine.dialect.name == "postgresql":
        return column.ilike(pattern, escape="\\")
    return column.like(pattern, escape="\\")

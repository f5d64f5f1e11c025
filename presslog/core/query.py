"""Small helpers shared by repositories: sort parsing and LIKE patterns."""

from __future__ import annotations

from collections.abc import Mapping


def parse_sort(sort: str | None, allowed: Mapping[str, object], default: str) -> tuple[str, bool]:
    """Split ``-field`` into (field, descending); unknown fields fall back to ``default``."""
    sort = (sort or "").strip()
    desc = sort.startswith("-")
    key = sort.lstrip("-")
    if key not in allowed:
        return default.lstrip("-"), default.startswith("-")
    return key, desc


def like_pattern(term: str) -> str:
    """A lower-case ``%term%`` pattern with LIKE wildcards escaped (use ``escape='\\\\'``)."""
    escaped = term.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"

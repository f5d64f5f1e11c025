"""Pagination of list queries: a page request, a page of results, a stable order."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, scoped_session

T = TypeVar("T")

DEFAULT_PER_PAGE = 25
MAX_PER_PAGE = 100
# Far beyond any real list (a million orders at 10 a page), and small enough that the
# offset fits every database's integer.
MAX_PAGE = 1_000_000
PER_PAGE_CHOICES = (10, 25, 50, 100)


@dataclass(frozen=True)
class PageRequest:
    """Which page the caller wants, clamped to sane bounds."""

    page: int = 1
    per_page: int = DEFAULT_PER_PAGE

    @classmethod
    def parse(cls, page: Any, per_page: Any) -> PageRequest:
        """Build from untrusted strings; bad or out-of-range values fall back to defaults."""

        def as_int(value: Any, default: int) -> int:
            try:
                return int(value)
            except (TypeError, ValueError):
                return default

        p = min(max(1, as_int(page, 1)), MAX_PAGE)
        pp = as_int(per_page, DEFAULT_PER_PAGE)
        pp = min(max(1, pp), MAX_PER_PAGE)
        return cls(page=p, per_page=pp)

    @property
    def offset(self) -> int:
        """Rows to skip."""
        return (self.page - 1) * self.per_page


@dataclass
class Page(Generic[T]):
    """One page of results and where it sits in the whole."""

    items: list[T]
    page: int
    per_page: int
    total: int
    # False when the matches were counted only so far: ``total`` is then a lower bound
    # (a broad search says "more than 1,000" rather than count 100,000 rows) and
    # ``more`` tells whether a next page exists.
    total_exact: bool = True
    more: bool = False

    @property
    def pages(self) -> int:
        """Number of pages (at least 1); a lower bound when the total is not exact."""
        return max(1, math.ceil(self.total / self.per_page)) if self.per_page else 1

    @property
    def has_prev(self) -> bool:
        """Whether a previous page exists."""
        return self.page > 1

    @property
    def has_next(self) -> bool:
        """Whether a next page exists."""
        return self.page < self.pages if self.total_exact else self.more

    @property
    def first_index(self) -> int:
        """1-based index of the first item on this page (0 when empty)."""
        return self.offset + 1 if self.items else 0

    @property
    def last_index(self) -> int:
        """1-based index of the last item on this page."""
        return self.offset + len(self.items)

    @property
    def offset(self) -> int:
        """Rows before this page."""
        return (self.page - 1) * self.per_page


def paginate(
    session: Session | scoped_session[Any],
    stmt: Select[Any],
    request: PageRequest,
    *,
    count_stmt: Select[Any] | None = None,
) -> Page[Any]:
    """Run ``stmt`` (already ordered with a unique tie-breaker) for one page.

    ``count_stmt`` may give a cheaper count than wrapping ``stmt`` (e.g. without joins
    only needed for display).
    """
    if count_stmt is None:
        count_stmt = select(func.count()).select_from(stmt.order_by(None).subquery())
    total = session.execute(count_stmt).scalar_one()
    items = list(
        session.execute(stmt.limit(request.per_page).offset(request.offset)).unique().scalars()
    )
    return Page(items=items, page=request.page, per_page=request.per_page, total=total)

"""Report fixtures: a fixed "today" and a few helpers to make orders on given dates."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from presslog.core import clock

# A Wednesday: its week ends on Sunday 2026-11-29.
TODAY = date(2026, 11, 25)


@pytest.fixture
def today(monkeypatch: pytest.MonkeyPatch) -> date:
    """Freeze the shop's calendar at TODAY for the reports."""
    monkeypatch.setattr(clock, "today", lambda: TODAY)
    return TODAY


@pytest.fixture
def count_statements(app: Any) -> Any:
    """A context manager counting the SQL statements run inside it."""
    from contextlib import contextmanager

    from sqlalchemy import event

    from presslog.extensions import db

    @contextmanager
    def counting() -> Any:
        seen: list[str] = []

        def listener(*args: Any) -> None:
            seen.append(args[2])

        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            yield seen
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)

    return counting

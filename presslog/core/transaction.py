"""The unit of work: one commit per request or command, rolled back on any error."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import scoped_session
from sqlalchemy.orm.exc import StaleDataError

from presslog.core.errors import Conflict, StaleVersion
from presslog.extensions import db


@contextmanager
def transaction() -> Iterator[scoped_session[Any]]:
    """Run a block of service calls atomically and commit once at the end.

    A concurrent update detected by the version column becomes
    :class:`StaleVersion`; a constraint the database refused becomes
    :class:`Conflict`. Nothing half-written is kept.
    """
    session = db.session
    try:
        yield session
        session.commit()
    except StaleDataError:
        session.rollback()
        raise StaleVersion(
            "Someone else saved this record while you were editing it. "
            "Reload to see their changes, then apply yours again."
        ) from None
    except IntegrityError as exc:
        session.rollback()
        raise Conflict(
            "The change clashes with data already stored (a duplicate or a record "
            "still in use). Reload and check the values."
        ) from exc
    except BaseException:
        session.rollback()
        raise


def check_version(record: Any, expected_version: int | None, what: str) -> None:
    """Refuse a write based on a stale read of ``record``."""
    if expected_version is not None and int(expected_version) != record.version:
        when = record.updated_at.strftime("%Y-%m-%d %H:%M UTC")
        raise StaleVersion(
            f"{what} was changed by someone else at {when}, after you opened it. "
            "Your changes were not saved. Reload to see the current values, then apply "
            "your changes again."
        )

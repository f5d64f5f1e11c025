"""Queries over the audit log."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, select

from presslog.audit.models import AuditEvent
from presslog.core.pagination import Page, PageRequest, paginate
from presslog.extensions import db
from presslog.users.models import User


@dataclass(frozen=True)
class AuditFilters:
    """What an audit search asks for; dates are whole days (UTC), both ends included."""

    actor: str | None = None
    action: str | None = None
    entity_type: str | None = None
    entity_key: str | None = None
    date_from: date | None = None
    date_to: date | None = None


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def search_statement(filters: AuditFilters) -> Select[Any]:
    """The filtered query behind the viewer, newest first with a unique tie-breaker."""
    stmt = select(AuditEvent)
    if filters.actor:
        # Usernames never change, so the name resolves to an id and the (actor_id, at)
        # index serves the filter (every event with an actor has its id).
        name = filters.actor.strip().lower()
        actor_id = select(User.id).where(User.username == name).scalar_subquery()
        stmt = stmt.where(AuditEvent.actor_id == actor_id)
    if filters.action:
        stmt = stmt.where(AuditEvent.action == filters.action)
    if filters.entity_type:
        stmt = stmt.where(AuditEvent.entity_type == filters.entity_type)
    if filters.entity_key:
        key = filters.entity_key.strip()
        # Keys are stored canonical (LOG and codes upper case, usernames lower case).
        stmt = stmt.where(AuditEvent.entity_key.in_({key, key.upper(), key.lower()}))
    if filters.date_from:
        stmt = stmt.where(AuditEvent.at >= _start_of(filters.date_from))
    if filters.date_to:
        stmt = stmt.where(AuditEvent.at < _start_of(filters.date_to + timedelta(days=1)))
    return stmt.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())


def search(filters: AuditFilters, page: PageRequest) -> Page[AuditEvent]:
    """One page of events."""
    return paginate(db.session, search_statement(filters), page)


def stream(filters: AuditFilters, batch: int = 1000) -> Iterator[AuditEvent]:
    """Every matching event, fetched in batches so memory stays flat."""
    result = db.session.execute(
        search_statement(filters).execution_options(yield_per=batch, stream_results=True)
    )
    yield from result.scalars()


def for_entity(entity_type: str, entity_key: str, limit: int = 50) -> list[AuditEvent]:
    """The latest events about one record."""
    return list(
        db.session.execute(
            search_statement(AuditFilters(entity_type=entity_type, entity_key=entity_key)).limit(
                limit
            )
        ).scalars()
    )

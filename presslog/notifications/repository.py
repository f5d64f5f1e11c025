"""Queries for notifications, follows and preferences: the only SQL of the package.

Writes that must not trip over a concurrent writer (a notification or a follow that
another request adds at the same moment) use ``INSERT … ON CONFLICT DO NOTHING``, which
SQLite and PostgreSQL both speak; nothing else in the transaction is lost.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Insert, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from presslog.core.pagination import Page, PageRequest, paginate
from presslog.extensions import db
from presslog.notifications.models import (
    DigestQueued,
    Notification,
    NotificationPreference,
    OrderFollow,
)
from presslog.orders.models import Order
from presslog.users.models import User


def _insert_ignoring_duplicates(model: type, rows: list[dict[str, Any]]) -> Insert:
    """An INSERT of ``rows`` that skips rows clashing with a unique key (both dialects)."""
    dialect = db.session.get_bind().dialect.name
    module: Any = postgresql if dialect == "postgresql" else sqlite
    return module.insert(model).values(rows).on_conflict_do_nothing()


# -- preferences ---------------------------------------------------------------------


def preference_rows(user_ids: Iterable[int], event: str | None = None) -> list[Any]:
    """Stored preference rows of these users (for one event, or all events)."""
    ids = sorted(set(user_ids))
    if not ids:
        return []
    stmt = select(NotificationPreference).where(NotificationPreference.user_id.in_(ids))
    if event is not None:
        stmt = stmt.where(NotificationPreference.event == event)
    return list(db.session.execute(stmt).scalars())


# -- notifications -------------------------------------------------------------------


def users_with_key(user_ids: Iterable[int], key: str) -> set[int]:
    """Which of ``user_ids`` already have a notification with ``key``."""
    ids = sorted(set(user_ids))
    if not ids:
        return set()
    stmt = select(Notification.user_id).where(
        Notification.event_key == key, Notification.user_id.in_(ids)
    )
    return set(db.session.execute(stmt).scalars())


def insert_notifications(rows: list[dict[str, Any]]) -> list[tuple[int, int]]:
    """Insert ``rows``, skipping any (user, key) already stored; (id, user_id) of the new."""
    if not rows:
        return []
    stmt = _insert_ignoring_duplicates(Notification, rows).returning(
        Notification.id, Notification.user_id
    )
    return [(row[0], row[1]) for row in db.session.execute(stmt)]


def mark_emailed(ids: Sequence[int], when: datetime) -> None:
    """Record that these notifications went out by e-mail."""
    if ids:
        db.session.execute(
            update(Notification)
            .where(Notification.id.in_(list(ids)), Notification.emailed_at.is_(None))
            .values(emailed_at=when)
        )


def unread_count(user_id: int) -> int:
    """How many of the user's notifications are unread."""
    stmt = select(func.count(Notification.id)).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)
    )
    return int(db.session.execute(stmt).scalar_one())


def page_for(user_id: int, request: PageRequest) -> Page[Notification]:
    """A page of the user's notifications, newest first."""
    stmt = (
        select(Notification).where(Notification.user_id == user_id).order_by(Notification.id.desc())
    )
    count = select(func.count(Notification.id)).where(Notification.user_id == user_id)
    return paginate(db.session, stmt, request, count_stmt=count)


def get_own(user_id: int, notification_id: int) -> Notification | None:
    """The user's notification with this id; None for anyone else's or none."""
    stmt = select(Notification).where(
        Notification.id == notification_id, Notification.user_id == user_id
    )
    return db.session.execute(stmt).scalar_one_or_none()


def mark_read(user_id: int, notification_id: int, when: datetime) -> bool:
    """Mark one of the user's notifications read; False when the user has no such one."""
    owned = db.session.execute(
        select(Notification.id, Notification.read_at).where(
            Notification.id == notification_id, Notification.user_id == user_id
        )
    ).first()
    if owned is None:
        return False
    if owned.read_at is None:
        db.session.execute(
            update(Notification)
            .where(Notification.id == notification_id, Notification.user_id == user_id)
            .values(read_at=when)
            .execution_options(synchronize_session=False)
        )
    return True


def mark_all_read(user_id: int, when: datetime) -> int:
    """Mark every unread notification of the user read; how many were."""
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=when)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def unemailed(user_ids: Iterable[int], events: Iterable[str]) -> list[Notification]:
    """Notifications of these users and events not yet e-mailed, oldest first."""
    ids = sorted(set(user_ids))
    kinds = list(events)
    if not ids or not kinds:
        return []
    stmt = (
        select(Notification)
        .where(
            Notification.user_id.in_(ids),
            Notification.event.in_(kinds),
            Notification.emailed_at.is_(None),
        )
        .order_by(Notification.user_id, Notification.id)
    )
    return list(db.session.execute(stmt).scalars())


# -- follows ---------------------------------------------------------------------------


def follow(user_id: int, order_id: int) -> None:
    """Make the user follow the order (nothing if they already do)."""
    db.session.execute(
        _insert_ignoring_duplicates(OrderFollow, [{"user_id": user_id, "order_id": order_id}])
    )


def unfollow(user_id: int, order_id: int) -> None:
    """Stop the user following the order (nothing if they did not)."""
    db.session.execute(
        delete(OrderFollow)
        .where(OrderFollow.user_id == user_id, OrderFollow.order_id == order_id)
        .execution_options(synchronize_session=False)
    )


def is_following(user_id: int, order_id: int) -> bool:
    """Whether the user follows the order."""
    stmt = select(OrderFollow.user_id).where(
        OrderFollow.user_id == user_id, OrderFollow.order_id == order_id
    )
    return db.session.execute(stmt).first() is not None


def followers(order_ids: Iterable[int]) -> dict[int, list[User]]:
    """Live, active followers of each order (order id → users)."""
    ids = sorted(set(order_ids))
    if not ids:
        return {}
    stmt = (
        select(OrderFollow.order_id, User)
        .join(User, User.id == OrderFollow.user_id)
        .where(OrderFollow.order_id.in_(ids), User.active.is_(True), User.deleted_at.is_(None))
        .order_by(OrderFollow.order_id, User.id)
    )
    result: dict[int, list[User]] = {}
    for order_id, user in db.session.execute(stmt):
        result.setdefault(order_id, []).append(user)
    return result


# -- users -----------------------------------------------------------------------------


def active_users(
    *, roles: Iterable[str] | None = None, ids: Iterable[int] | None = None
) -> list[User]:
    """Active, not deleted users, optionally only of ``roles`` or ``ids``."""
    stmt = select(User).where(User.active.is_(True), User.deleted_at.is_(None))
    if roles is not None:
        stmt = stmt.where(User.role.in_(list(roles)))
    if ids is not None:
        stmt = stmt.where(User.id.in_(sorted(set(ids))))
    return list(db.session.execute(stmt.order_by(User.id)).scalars())


# -- the schedule and the digest -------------------------------------------------------


def due_out_rows(start: date | None, end: date) -> list[dict[str, Any]]:
    """Due outs (the due-outs report's own rule) due from ``start`` through ``end``.

    Each row has the report's columns (``log``, ``title``, ``customer``,
    ``customer_name``, ``due_on`` …) and the order's ``id``.
    """
    from presslog.reports.repository import DateRange, DueOutCriteria, due_outs_statement

    stmt = due_outs_statement(DueOutCriteria(DateRange(start, end))).add_columns(
        Order.id.label("id")
    )
    return [dict(row) for row in db.session.execute(stmt).mappings()]


def digest_preference_rows(events: Iterable[str]) -> list[Any]:
    """Every stored preference for ``events`` (to resolve who takes which by digest)."""
    stmt = select(NotificationPreference).where(NotificationPreference.event.in_(list(events)))
    return list(db.session.execute(stmt).scalars())


def digest_users(shop_date: date) -> set[int]:
    """The people whose digest for ``shop_date`` is already queued."""
    stmt = select(DigestQueued.user_id).where(DigestQueued.shop_date == shop_date)
    return set(db.session.execute(stmt).scalars())


def add_digest(user_id: int, shop_date: date, now: datetime) -> None:
    """Record that ``user_id``'s digest for ``shop_date`` is queued (in the caller's unit)."""
    db.session.add(DigestQueued(user_id=user_id, shop_date=shop_date, queued_at=now))

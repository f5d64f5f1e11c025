"""Queries behind the monitoring gauges; each is one small, indexed query."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from presslog.core.pagination import Page, PageRequest, paginate
from presslog.extensions import db
from presslog.ops.models import JobFailure
from presslog.orders.models import Order, OrderTally
from presslog.orders.rules import OPEN_STATUSES


def open_orders_by_status() -> dict[str, int]:
    """Live open orders per status, from the tallies the database keeps (no row count)."""
    rows = db.session.execute(
        select(OrderTally.status, func.coalesce(func.sum(OrderTally.orders), 0))
        .where(OrderTally.deleted.is_(False), OrderTally.status.in_(OPEN_STATUSES))
        .group_by(OrderTally.status)
    )
    counts = dict.fromkeys(OPEN_STATUSES, 0)
    counts.update({status: int(n) for status, n in rows})
    return counts


def overdue_and_due_today(today: date) -> tuple[int, int]:
    """Live open orders due before ``today`` and due on it (ix_orders_status_due_on)."""
    overdue, due_today = db.session.execute(
        select(
            func.count().filter(Order.due_on < today),
            func.count().filter(Order.due_on == today),
        ).where(
            Order.status.in_(OPEN_STATUSES),
            Order.due_on <= today,
            Order.deleted_at.is_(None),
        )
    ).one()
    return int(overdue), int(due_today)


def job_failure_counts() -> dict[tuple[str, bool], int]:
    """Recorded job failures per (task, will Huey retry it?)."""
    rows = db.session.execute(
        select(JobFailure.task, JobFailure.will_retry, func.count()).group_by(
            JobFailure.task, JobFailure.will_retry
        )
    )
    return {(task, bool(will_retry)): int(n) for task, will_retry, n in rows}


def job_failures(task: str | None, page: PageRequest) -> Page[JobFailure]:
    """One page of recorded job failures, newest first, of one task or all."""
    stmt = select(JobFailure)
    if task:
        stmt = stmt.where(JobFailure.task == task)
    stmt = stmt.order_by(JobFailure.failed_at.desc(), JobFailure.id.desc())
    return paginate(db.session, stmt, page)


def failed_task_names() -> list[str]:
    """The tasks that have failed at least once, for the filter."""
    return list(
        db.session.execute(select(JobFailure.task).distinct().order_by(JobFailure.task)).scalars()
    )

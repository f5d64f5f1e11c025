"""Queries behind the reports.

Each report is one ordered SELECT of just the columns it shows (the customer joined in
the same statement) plus one aggregate SELECT for its counts and totals, so a report
costs the same few statements whatever the number of orders. Sums are done by the
database (GROUP BY), never by looping over orders in Python.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    case,
    cast,
    distinct,
    extract,
    func,
    literal,
    select,
)
from sqlalchemy.engine import RowMapping

from presslog.core.pagination import PageRequest
from presslog.customers.models import Customer
from presslog.extensions import db
from presslog.orders.models import Order
from presslog.orders.rules import OPEN_STATUSES, PRODUCTION_JOB_TYPES

Row = dict[str, Any]

ART_QUEUE_STATUSES = ("received", "art")
MONEY_FIELDS = ("subtotal", "sales_tax", "freight", "total")


@dataclass(frozen=True)
class DateRange:
    """Whole days, both ends included; ``None`` leaves that end open."""

    start: date | None = None
    end: date | None = None


@dataclass(frozen=True)
class DueOutCriteria:
    """Which due outs a report asks for."""

    due: DateRange
    job_type: str | None = None
    customer: str | None = None


@dataclass(frozen=True)
class ShippedCriteria:
    """Which shipped orders a report asks for."""

    shipped: DateRange
    customer: str | None = None


@dataclass(frozen=True)
class SalesCriteria:
    """Which orders the sales reports add up (by date received)."""

    received: DateRange
    customer: str | None = None


@dataclass(frozen=True)
class ArtQueueCriteria:
    """Which art jobs the art queue lists."""

    artist: str | None = None


@dataclass(frozen=True)
class HistoryCriteria:
    """One customer's orders, optionally limited to a range of dates received."""

    customer_id: int
    received: DateRange


# -- building blocks ------------------------------------------------------------------


def _within(column: Any, span: DateRange) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if span.start is not None:
        where.append(column >= span.start)
    if span.end is not None:
        where.append(column <= span.end)
    return where


def _live() -> ColumnElement[bool]:
    return Order.deleted_at.is_(None)


def _for_customer(code: str | None) -> list[ColumnElement[bool]]:
    # Every report statement joins the customer, so the code is compared directly.
    return [Customer.code == code] if code else []


def _money_sums(condition: ColumnElement[bool] | None = None) -> list[Any]:
    """SUM of each money column (only rows meeting ``condition`` when given)."""
    sums = []
    for name in MONEY_FIELDS:
        column = getattr(Order, name)
        value = column if condition is None else case((condition, column), else_=literal(0))
        sums.append(func.coalesce(func.sum(value), 0).label(name))
    return sums


def _order_columns(*names: str) -> list[Any]:
    """Order columns by SPEC name; ``customer`` and ``customer_name`` come from the join."""
    columns: list[Any] = []
    for name in names:
        if name == "customer":
            columns.append(Customer.code.label("customer"))
        elif name == "customer_name":
            columns.append(Customer.name.label("customer_name"))
        else:
            columns.append(getattr(Order, name).label(name))
    return columns


def _orders_with_customer(*names: str) -> Select[Any]:
    return select(*_order_columns(*names)).select_from(Order).join(Order.customer)


# -- due outs ---------------------------------------------------------------------------

DUE_OUT_FIELDS = (
    "log",
    "customer",
    "customer_name",
    "customer_po",
    "job_type",
    "title",
    "priority",
    "rush",
    "status",
    "received_on",
    "due_on",
    "quantity",
    "location",
)


def _due_out_conditions(criteria: DueOutCriteria) -> list[ColumnElement[bool]]:
    job_types = (criteria.job_type,) if criteria.job_type else PRODUCTION_JOB_TYPES
    return [
        _live(),
        Order.status.in_(OPEN_STATUSES),
        Order.job_type.in_(job_types),
        Order.due_on.is_not(None),
        *_within(Order.due_on, criteria.due),
        *_for_customer(criteria.customer),
    ]


def due_outs_statement(criteria: DueOutCriteria) -> Select[Any]:
    """Open production orders due in the range: by due date, then priority, then LOG."""
    return (
        _orders_with_customer(*DUE_OUT_FIELDS)
        .where(*_due_out_conditions(criteria))
        .order_by(Order.due_on.asc(), Order.priority.asc().nulls_last(), Order.log.asc())
    )


def due_out_counts(criteria: DueOutCriteria) -> dict[str, int]:
    """How many due outs of each job type (types without any are left out)."""
    stmt = (
        select(Order.job_type, func.count())
        .select_from(Order)
        .join(Order.customer)
        .where(*_due_out_conditions(criteria))
        .group_by(Order.job_type)
    )
    return {job_type: int(n) for job_type, n in db.session.execute(stmt)}


# -- shipped ----------------------------------------------------------------------------

SHIPPED_FIELDS = (
    "log",
    "customer",
    "customer_name",
    "customer_po",
    "job_type",
    "title",
    "received_on",
    "shipped_on",
    *MONEY_FIELDS,
)


def _shipped_conditions(criteria: ShippedCriteria) -> list[ColumnElement[bool]]:
    return [
        _live(),
        Order.status != "cancelled",
        Order.shipped_on.is_not(None),
        *_within(Order.shipped_on, criteria.shipped),
        *_for_customer(criteria.customer),
    ]


def shipped_statement(criteria: ShippedCriteria) -> Select[Any]:
    """Orders shipped in the range, by date out then LOG."""
    return (
        _orders_with_customer(*SHIPPED_FIELDS)
        .where(*_shipped_conditions(criteria))
        .order_by(Order.shipped_on.asc(), Order.log.asc())
    )


def shipped_totals(criteria: ShippedCriteria) -> Row:
    """``orders`` and the money sums of the shipped orders in the range."""
    stmt = (
        select(func.count().label("orders"), *_money_sums())
        .select_from(Order)
        .join(Order.customer)
        .where(*_shipped_conditions(criteria))
    )
    return dict(db.session.execute(stmt).mappings().one())


# -- sales ------------------------------------------------------------------------------


def _sales_conditions(criteria: SalesCriteria) -> list[ColumnElement[bool]]:
    return [
        _live(),
        Order.status != "cancelled",
        *_within(Order.received_on, criteria.received),
        *_for_customer(criteria.customer),
    ]


def sales_by_customer_statement(criteria: SalesCriteria) -> Select[Any]:
    """One row per customer: orders and money sums, the biggest customer first."""
    total = func.coalesce(func.sum(Order.total), 0)
    return (
        select(
            Customer.code.label("customer"),
            Customer.name.label("customer_name"),
            func.count().label("orders"),
            *_money_sums(),
        )
        .select_from(Order)
        .join(Order.customer)
        .where(*_sales_conditions(criteria))
        .group_by(Customer.id, Customer.code, Customer.name)
        .order_by(total.desc(), Customer.code.asc())
    )


def sales_by_month_statement(criteria: SalesCriteria) -> Select[Any]:
    """One row per calendar month with sales: ``year``, ``month``, orders, money sums."""
    year = cast(extract("year", Order.received_on), Integer)
    month = cast(extract("month", Order.received_on), Integer)
    return (
        select(
            year.label("year"),
            month.label("month"),
            func.count().label("orders"),
            *_money_sums(),
        )
        .select_from(Order)
        .join(Order.customer)
        .where(*_sales_conditions(criteria))
        .group_by(year, month)
        .order_by(year, month)
    )


def sales_totals(criteria: SalesCriteria) -> Row:
    """``customers`` (distinct), ``orders``, the money sums and the first and last
    dates received over the whole range."""
    stmt = (
        select(
            func.count(distinct(Order.customer_id)).label("customers"),
            func.count().label("orders"),
            func.min(Order.received_on).label("first_received_on"),
            func.max(Order.received_on).label("last_received_on"),
            *_money_sums(),
        )
        .select_from(Order)
        .join(Order.customer)
        .where(*_sales_conditions(criteria))
    )
    return dict(db.session.execute(stmt).mappings().one())


# -- art queue --------------------------------------------------------------------------

ART_QUEUE_FIELDS = (
    "artist",
    "log",
    "customer",
    "customer_name",
    "job_type",
    "title",
    "status",
    "rush",
    "art_log",
    "received_on",
    "art_due_on",
    "due_on",
)


def _art_queue_conditions() -> list[ColumnElement[bool]]:
    return [
        _live(),
        Order.status.in_(ART_QUEUE_STATUSES),
        Order.art_due_on.is_not(None),
    ]


def art_queue_statement(criteria: ArtQueueCriteria) -> Select[Any]:
    """Art jobs grouped by artist (unassigned last), each by art due date then LOG."""
    stmt = _orders_with_customer(*ART_QUEUE_FIELDS).where(*_art_queue_conditions())
    if criteria.artist:
        stmt = stmt.where(Order.artist == criteria.artist)
    return stmt.order_by(Order.artist.asc().nulls_last(), Order.art_due_on.asc(), Order.log.asc())


def art_queue_counts() -> dict[str | None, int]:
    """How many jobs each artist has in the queue (``None``: unassigned), whatever the
    filter, so the page can offer every artist."""
    stmt = (
        select(Order.artist, func.count())
        .where(*_art_queue_conditions())
        .group_by(Order.artist)
        .order_by(Order.artist.asc().nulls_last())
    )
    return {artist: int(n) for artist, n in db.session.execute(stmt)}


# -- one customer's history ---------------------------------------------------------------

HISTORY_FIELDS = (
    "log",
    "customer",
    "customer_po",
    "job_type",
    "title",
    "status",
    "received_on",
    "due_on",
    "shipped_on",
    *MONEY_FIELDS,
)


def _history_conditions(criteria: HistoryCriteria) -> list[ColumnElement[bool]]:
    return [
        _live(),
        Order.customer_id == criteria.customer_id,
        *_within(Order.received_on, criteria.received),
    ]


def history_statement(criteria: HistoryCriteria) -> Select[Any]:
    """The customer's live orders, newest first."""
    return (
        _orders_with_customer(*HISTORY_FIELDS)
        .where(*_history_conditions(criteria))
        .order_by(Order.received_on.desc(), Order.log.desc())
    )


def history_totals(criteria: HistoryCriteria) -> Row:
    """``orders`` (all), ``cancelled`` and the money sums of the orders not cancelled."""
    stmt = select(
        func.count().label("orders"),
        func.coalesce(func.sum(case((Order.status == "cancelled", 1), else_=0)), 0).label(
            "cancelled"
        ),
        *_money_sums(Order.status != "cancelled"),
    ).where(*_history_conditions(criteria))
    return dict(db.session.execute(stmt).mappings().one())


def customer_ref(code: str) -> Row | None:
    """``id``, ``code`` and ``name`` of the live customer with ``code``."""
    stmt = select(Customer.id, Customer.code, Customer.name).where(
        Customer.code == code, Customer.deleted_at.is_(None)
    )
    found = db.session.execute(stmt).mappings().one_or_none()
    return dict(found) if found is not None else None


# -- running a report statement -------------------------------------------------------------


def _as_dict(row: RowMapping) -> Row:
    return dict(row)


def page_rows(stmt: Select[Any], page: PageRequest) -> list[Row]:
    """One page of ``stmt`` (already ordered with a unique tie-breaker)."""
    result = db.session.execute(stmt.limit(page.per_page).offset(page.offset)).mappings()
    return [_as_dict(row) for row in result]


def first_rows(stmt: Select[Any], limit: int) -> list[Row]:
    """At most ``limit`` rows of ``stmt``."""
    return [_as_dict(row) for row in db.session.execute(stmt.limit(limit)).mappings()]


def all_rows(stmt: Select[Any]) -> list[Row]:
    """Every row of a statement known to be small (e.g. one row per month)."""
    return [_as_dict(row) for row in db.session.execute(stmt).mappings()]


def stream(stmt: Select[Any], batch: int = 1000) -> Iterator[Row]:
    """Every row of ``stmt``, fetched ``batch`` at a time through a server-side cursor,
    so an export of a million rows keeps memory flat."""
    result = db.session.execute(
        stmt.execution_options(stream_results=True, yield_per=batch)
    ).mappings()
    for row in result:
        yield _as_dict(row)

"""Queries for orders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import contains_eager, selectinload

from presslog.core.pagination import Page, PageRequest, paginate
from presslog.core.query import contains, parse_sort
from presslog.customers.models import Customer
from presslog.extensions import db
from presslog.orders.models import Order
from presslog.orders.rules import LOG, normalize_log

SORTS = {
    "log": Order.log,
    "customer": Customer.code,
    "title": func.lower(Order.title),
    "job_type": Order.job_type,
    "status": Order.status,
    "priority": Order.priority,
    "received_on": Order.received_on,
    "due_on": Order.due_on,
    "shipped_on": Order.shipped_on,
    "total": Order.total,
    "updated_at": Order.updated_at,
}
DEFAULT_SORT = "-received_on"


@dataclass(frozen=True)
class OrderFilters:
    """What an order search asks for. Every field is optional."""

    q: str | None = None
    log: str | None = None
    customer: str | None = None
    title: str | None = None
    job_type: str | None = None
    status: str | None = None
    rush: bool | None = None
    artist: str | None = None
    received_from: date | None = None
    received_to: date | None = None
    due_from: date | None = None
    due_to: date | None = None
    deleted: bool = False  # True: only the trash


def get_by_log(log: str, *, include_deleted: bool = False, full: bool = True) -> Order | None:
    """The order with ``log``; ``full`` loads every related record in a few queries."""
    stmt = select(Order).where(Order.log == normalize_log(log))
    if full:
        stmt = stmt.options(
            selectinload(Order.charges),
            selectinload(Order.art_proofs),
            selectinload(Order.print_items),
            selectinload(Order.setup_items),
            selectinload(Order.pack_items),
            selectinload(Order.shipment),
            selectinload(Order.status_changes),
        )
    if not include_deleted:
        stmt = stmt.where(Order.deleted_at.is_(None))
    return db.session.execute(stmt).unique().scalar_one_or_none()


def log_exists(log: str) -> bool:
    """Whether any order, deleted or not, holds ``log``."""
    return db.session.execute(select(Order.id).where(Order.log == log)).first() is not None


def _customer_ids(condition: ColumnElement[bool]) -> Select[Any]:
    """Ids of the customers matching ``condition`` (a small table: resolved once)."""
    return select(Customer.id).where(condition)


def _free_text(term: str) -> ColumnElement[bool]:
    """What the search box matches.

    A number-like term (digits only, as long as a LOG) is looked up in the numbered
    fields — LOG, customer PO, art log — through their indexes. Anything else also
    matches inside titles and customer names, and customer codes exactly.
    """
    upper = term.upper()
    numbers: list[ColumnElement[bool]] = [
        Order.customer_po == term,
        Order.art_log == upper,
    ]
    if not LOG.errors(upper):
        numbers.append(Order.log == upper)
    if term.isdigit() and len(term) >= 5:
        return or_(*numbers)
    customers = _customer_ids(or_(Customer.code == upper, contains(Customer.name, term)))
    return or_(*numbers, contains(Order.title, term), Order.customer_id.in_(customers))


def _conditions(filters: OrderFilters) -> list[ColumnElement[bool]]:
    """WHERE conditions for ``filters`` on the orders table alone (customers by subquery)."""
    where: list[ColumnElement[bool]] = [
        Order.deleted_at.is_not(None) if filters.deleted else Order.deleted_at.is_(None)
    ]
    if filters.q:
        where.append(_free_text(filters.q.strip()))
    if filters.log:
        where.append(Order.log == normalize_log(filters.log))
    if filters.customer:
        code = filters.customer.strip().upper()
        where.append(Order.customer_id == _customer_ids(Customer.code == code).scalar_subquery())
    if filters.title:
        where.append(contains(Order.title, filters.title.strip()))
    if filters.job_type:
        where.append(Order.job_type == filters.job_type)
    if filters.status:
        where.append(Order.status == filters.status)
    if filters.rush is not None:
        where.append(Order.rush.is_(filters.rush))
    if filters.artist:
        where.append(Order.artist == filters.artist.strip().upper())
    for column, bound, op in (
        (Order.received_on, filters.received_from, "ge"),
        (Order.received_on, filters.received_to, "le"),
        (Order.due_on, filters.due_from, "ge"),
        (Order.due_on, filters.due_to, "le"),
    ):
        if bound is not None:
            where.append(column >= bound if op == "ge" else column <= bound)
    return where


NULLABLE_SORTS = frozenset({"priority", "due_on", "shipped_on"})


def _ordered(key: str, column: Any, desc: bool) -> Any:
    """The sort term; blanks sort as the latest on every backend (PostgreSQL's own rule).

    Columns that cannot be blank get a bare term, so the database can walk their index.
    """
    if key not in NULLABLE_SORTS:
        return column.desc() if desc else column.asc()
    return column.desc().nulls_first() if desc else column.asc().nulls_last()


def search_statement(filters: OrderFilters, sort: str | None) -> Select[Any]:
    """The filtered, sorted query behind order lists (customer joined, no N+1)."""
    where = _conditions(filters)
    key, desc = parse_sort(sort, SORTS, default=DEFAULT_SORT)
    column = SORTS[key]
    return (
        select(Order)
        .join(Order.customer)
        .options(contains_eager(Order.customer))
        .where(*where)
        .order_by(_ordered(key, column, desc), Order.id.desc() if desc else Order.id.asc())
    )


def count_statement(filters: OrderFilters) -> Select[Any]:
    """How many orders match, counted on the orders table alone."""
    # count(*) lets PostgreSQL answer from an index alone (index-only scan).
    return select(func.count()).select_from(Order).where(*_conditions(filters))


def search(filters: OrderFilters, sort: str | None, page: PageRequest) -> Page[Order]:
    """One page of orders matching ``filters``."""
    return paginate(
        db.session, search_statement(filters, sort), page, count_stmt=count_statement(filters)
    )


def count_for_customer(customer_id: int) -> int:
    """How many live orders a customer has."""
    stmt = select(func.count()).where(Order.customer_id == customer_id, Order.deleted_at.is_(None))
    return db.session.execute(stmt).scalar_one()

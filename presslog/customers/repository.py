"""Queries for customers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import selectinload

from presslog.core import textsearch
from presslog.core.pagination import Page, PageRequest, paginate
from presslog.core.query import like_pattern, parse_sort
from presslog.customers.models import Customer
from presslog.extensions import db

SORTS = {
    "code": Customer.code,
    "name": func.lower(Customer.name),
    "city": Customer.billing_city,
    "customer_since": Customer.customer_since,
    "updated_at": Customer.updated_at,
}


@dataclass(frozen=True)
class CustomerFilters:
    """What a customer search asks for."""

    q: str | None = None
    city: str | None = None
    state: str | None = None
    deleted: bool = False  # True: only the trash


def get_by_code(code: str, *, include_deleted: bool = False) -> Customer | None:
    """The customer with ``code``, with its ship-to addresses."""
    stmt = (
        select(Customer)
        .where(Customer.code == code.strip().upper())
        .options(selectinload(Customer.ship_to))
    )
    if not include_deleted:
        stmt = stmt.where(Customer.deleted_at.is_(None))
    return db.session.execute(stmt).scalar_one_or_none()


def code_exists(code: str) -> bool:
    """Whether any customer, deleted or not, holds ``code``."""
    stmt = select(Customer.id).where(Customer.code == code)
    return db.session.execute(stmt).first() is not None


# A customer's search text (``core.textsearch``); the migration that built its trigram
# index writes the very same expression.
CUSTOMER_TEXT = textsearch.joined(Customer.code, Customer.name)


def _word_matches(word: str) -> ColumnElement[bool]:
    """One word of the search box: in the code or name (through the trigram index from
    three characters on, else the whole code), or in the city, e-mail or phone."""
    pattern = like_pattern(word)
    others = [
        func.lower(Customer.billing_city).like(pattern, escape="\\"),
        func.lower(Customer.email).like(pattern, escape="\\"),
        Customer.phone.like(pattern, escape="\\"),
    ]
    if len(word) < textsearch.MIN_LENGTH:
        return or_(Customer.code == word.upper(), *others)
    if db.engine.dialect.name == "postgresql":
        return or_(textsearch.text_contains(CUSTOMER_TEXT, word), *others)
    return or_(Customer.id.in_(textsearch.fts_ids(textsearch.CUSTOMERS, [word])), *others)


def search_statement(filters: CustomerFilters, sort: str | None) -> Select[Any]:
    """The filtered, sorted query behind the customer list."""
    stmt = select(Customer)
    if filters.deleted:
        stmt = stmt.where(Customer.deleted_at.is_not(None))
    else:
        stmt = stmt.where(Customer.deleted_at.is_(None))
    for word in textsearch.words(filters.q):
        stmt = stmt.where(_word_matches(word))
    if filters.city:
        stmt = stmt.where(func.lower(Customer.billing_city) == filters.city.strip().lower())
    if filters.state:
        stmt = stmt.where(Customer.billing_state == filters.state.strip().upper())
    key, desc = parse_sort(sort, SORTS, default="name")
    column = SORTS[key]
    stmt = stmt.order_by(
        column.desc() if desc else column.asc(), Customer.id.desc() if desc else Customer.id.asc()
    )
    return stmt


def search(filters: CustomerFilters, sort: str | None, page: PageRequest) -> Page[Customer]:
    """One page of customers matching ``filters``."""
    return paginate(db.session, search_statement(filters, sort), page)


def lookup(codes: list[str]) -> dict[str, Customer]:
    """Customers by code, for resolving many codes in one query."""
    if not codes:
        return {}
    stmt = select(Customer).where(Customer.code.in_(codes), Customer.deleted_at.is_(None))
    return {c.code: c for c in db.session.execute(stmt).scalars()}


def trash_page(page: PageRequest) -> Page[Customer]:
    """Customers in the trash, most recently deleted first."""
    stmt = (
        select(Customer)
        .where(Customer.deleted_at.is_not(None))
        .order_by(Customer.deleted_at.desc(), Customer.id.desc())
    )
    return paginate(db.session, stmt, page)

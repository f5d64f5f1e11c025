"""Pagination: clamped page requests, page arithmetic, and a page of a real query."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from presslog.core.pagination import DEFAULT_PER_PAGE, MAX_PER_PAGE, Page, PageRequest, paginate
from presslog.customers.models import Customer
from presslog.extensions import db
from presslog.orders.models import Order
from tests.factories import ChargeFactory, CustomerFactory, OrderFactory


@pytest.mark.parametrize(
    ("page", "per_page", "expected"),
    [
        (None, None, (1, DEFAULT_PER_PAGE)),
        ("", "", (1, DEFAULT_PER_PAGE)),
        ("3", "50", (3, 50)),
        (2, 10, (2, 10)),
        ("0", "10", (1, 10)),
        ("-4", "10", (1, 10)),
        ("two", "ten", (1, DEFAULT_PER_PAGE)),
        ("1.5", "10", (1, 10)),
        ("2", "1000", (2, MAX_PER_PAGE)),
        ("2", "101", (2, MAX_PER_PAGE)),
        ("2", "0", (2, 1)),
        ("2", "-10", (2, 1)),
    ],
)
def test_page_request_parse_clamps_untrusted_values(page, per_page, expected):
    request = PageRequest.parse(page, per_page)
    assert (request.page, request.per_page) == expected


def test_page_request_offset():
    assert PageRequest(page=1, per_page=25).offset == 0
    assert PageRequest(page=4, per_page=10).offset == 30


def test_empty_page_has_one_page_and_no_neighbours():
    page: Page[int] = Page(items=[], page=1, per_page=25, total=0)
    assert page.pages == 1
    assert not page.has_prev
    assert not page.has_next
    assert page.first_index == 0
    assert page.last_index == 0


def test_page_math_in_the_middle_and_at_the_end():
    middle = Page(items=list(range(10)), page=2, per_page=10, total=25)
    assert middle.pages == 3
    assert middle.has_prev
    assert middle.has_next
    assert (middle.first_index, middle.last_index) == (11, 20)
    last = Page(items=list(range(5)), page=3, per_page=10, total=25)
    assert not last.has_next
    assert (last.first_index, last.last_index) == (21, 25)
    exact = Page(items=list(range(10)), page=2, per_page=10, total=20)
    assert exact.pages == 2
    assert not exact.has_next
    assert Page(items=[1], page=1, per_page=10, total=1).pages == 1
    assert Page(items=[], page=1, per_page=10, total=11).pages == 2


def test_paginate_returns_one_page_of_an_ordered_query(app):
    codes = [f"PG{n:03d}" for n in range(7)]
    for code in reversed(codes):
        CustomerFactory(code=code)
    db.session.commit()
    stmt = select(Customer).where(Customer.code.like("PG%")).order_by(Customer.code, Customer.id)

    second = paginate(db.session, stmt, PageRequest(page=2, per_page=3))
    assert [c.code for c in second.items] == codes[3:6]
    assert second.total == 7
    assert second.pages == 3
    assert (second.first_index, second.last_index) == (4, 6)
    assert second.has_prev
    assert second.has_next

    last = paginate(db.session, stmt, PageRequest(page=3, per_page=3))
    assert [c.code for c in last.items] == codes[6:]
    assert not last.has_next

    beyond = paginate(db.session, stmt, PageRequest(page=9, per_page=3))
    assert beyond.items == []
    assert beyond.total == 7


def test_paginate_counts_rows_not_joined_children(app):
    """Eager-loaded one-to-many rows must not inflate the total or split a page."""
    for n in range(4):
        order = OrderFactory(log=f"PAG{n:02d}")
        ChargeFactory(order=order, kind="print")
        ChargeFactory(order=order, kind="rush")
    db.session.commit()
    stmt = (
        select(Order)
        .options(joinedload(Order.charges))
        .where(Order.log.like("PAG%"))
        .order_by(Order.log, Order.id)
    )
    page = paginate(db.session, stmt, PageRequest(page=1, per_page=3))
    assert page.total == 4
    assert [o.log for o in page.items] == ["PAG00", "PAG01", "PAG02"]
    assert all(len(o.charges) == 2 for o in page.items)

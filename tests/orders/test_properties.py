"""Property-based tests: the order rules hold for every input, not just the examples."""

from __future__ import annotations

import sqlite3
import string
from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from presslog.core.db import money
from presslog.core.errors import ValidationError
from presslog.core.pagination import MAX_PER_PAGE, Page, PageRequest
from presslog.core.query import like_pattern, parse_sort
from presslog.core.rules import date_order_errors
from presslog.extensions import db
from presslog.orders import repository, rules, service, workflow
from presslog.orders.models import Charge, Order
from tests.factories import CustomerFactory, UserFactory

PROPERTY = settings(max_examples=50, deadline=None, database=None)
DB_PROPERTY = settings(max_examples=20, deadline=None, database=None)

LOG_CHARACTERS = frozenset(string.ascii_uppercase + string.digits)
RECEIVED = date(2024, 3, 4)


def is_log(text: str) -> bool:
    """Oracle for a valid LOG, written without a regular expression."""
    return 5 <= len(text) <= 7 and set(text) <= LOG_CHARACTERS


def half_up_cents(value: Decimal) -> Decimal:
    """Oracle for rounding to cents, half away from zero, by integer arithmetic."""
    scaled = abs(value) * 100
    cents = int(scaled)  # truncates: the value is not negative
    if scaled - cents >= Decimal("0.5"):
        cents += 1
    rounded = Decimal(cents) / 100
    return (-rounded if value < 0 else rounded).quantize(Decimal("0.01"))


# Text that is often LOG-shaped (letters of both cases, digits, spaces, a stray symbol).
log_like = st.one_of(
    st.text(alphabet=st.sampled_from("aZ09xQ -é_ "), min_size=0, max_size=10),
    st.from_regex(r"\s*[A-Za-z0-9]{4,8}\s*", fullmatch=True),
    st.text(max_size=9),
)
# Mixed with short decimals so that exact half-cent ties come up often.
quantities = st.one_of(
    st.decimals(min_value=0, max_value=Decimal("99999999.999"), places=3),
    st.integers(0, 1000).map(Decimal),
)
unit_prices = st.one_of(
    st.decimals(min_value=0, max_value=Decimal("99999999.9999"), places=4),
    st.decimals(min_value=0, max_value=100, places=3),
)
cents = st.decimals(min_value=0, max_value=Decimal("99999.99"), places=2)


# -- the LOG rule -----------------------------------------------------------------------------


@PROPERTY
@given(log_like)
def test_log_rule_agrees_with_its_oracle(text):
    problems = rules.LOG.errors(text)
    assert (problems == []) == is_log(text)
    if text.strip() and problems:
        # One message, the pattern's, which describes the whole shape (length included).
        assert problems == [rules.LOG.pattern_message]


@PROPERTY
@given(log_like)
def test_an_order_keeps_only_normalized_valid_logs(text):
    expected = text.strip().upper()
    if not is_log(expected):
        with pytest.raises(ValidationError) as excinfo:
            Order(log=text)
        assert list(excinfo.value.errors) == ["log"]
        return
    order = Order(log=text)
    assert order.log == expected
    assert rules.normalize_log(order.log) == order.log


# -- money --------------------------------------------------------------------------------------


@PROPERTY
@given(
    st.one_of(
        st.decimals(min_value=-(10**10), max_value=10**10, places=6),
        st.decimals(min_value=-1000, max_value=1000, places=3),
        st.integers(-(10**6), 10**6).map(lambda n: Decimal(n) / 100 + Decimal("0.005")),
    )
)
def test_money_rounds_half_up_to_whole_cents(value):
    rounded = money(value)
    assert rounded == half_up_cents(value)
    assert rounded.as_tuple().exponent == -2
    assert abs(rounded - value) <= Decimal("0.005")
    assert money(rounded) == rounded


@PROPERTY
@given(
    st.decimals(min_value=0, max_value=10**8, places=4),
    st.decimals(min_value=0, max_value=10**8, places=4),
)
def test_money_rounding_keeps_the_order_of_values(a, b):
    low, high = sorted((a, b))
    assert money(low) <= money(high)


@PROPERTY
@given(st.sampled_from(list(rules.CHARGE_KINDS)), quantities, unit_prices)
def test_charge_line_total_is_quantity_times_price_in_cents(kind, quantity, unit_price):
    charge = Charge(kind=kind, quantity=quantity, unit_price=unit_price)
    total = charge.line_total()
    assert total == half_up_cents(quantity * unit_price)
    assert total >= 0
    assert total.as_tuple().exponent == -2


@PROPERTY
@given(
    st.lists(
        st.tuples(st.sampled_from(list(rules.CHARGE_KINDS)), quantities, unit_prices),
        max_size=len(rules.CHARGE_KINDS),
        unique_by=lambda c: c[0],
    ),
    cents,
    cents,
)
def test_order_totals_are_derived_from_charges_tax_and_freight(lines, sales_tax, freight):
    order = Order(log="10234", sales_tax=sales_tax, freight=freight)
    order.charges = [Charge(kind=k, quantity=q, unit_price=p) for k, q, p in lines]
    order.recalculate()
    assert [c.total for c in order.charges] == [half_up_cents(q * p) for _k, q, p in lines]
    assert order.subtotal == sum((c.total for c in order.charges), Decimal("0"))
    assert order.total == order.subtotal + sales_tax + freight


# -- paging and sorting -------------------------------------------------------------------------

untrusted = st.one_of(
    st.none(),
    st.integers(),
    st.integers(-1000, 1000).map(str),
    st.text(max_size=6),
    st.floats(allow_infinity=False),
    st.sampled_from(["", " 7 ", "1e3", "0x10", "-0", "٣"]),
)


@PROPERTY
@given(untrusted, untrusted)
def test_page_request_is_always_clamped(page, per_page):
    request = PageRequest.parse(page, per_page)
    assert request.page >= 1
    assert 1 <= request.per_page <= MAX_PER_PAGE
    assert request.offset == (request.page - 1) * request.per_page >= 0


@PROPERTY
@given(st.integers(-(10**6), 10**6), st.integers(-(10**6), 10**6))
def test_page_request_keeps_integers_in_range_and_clamps_the_rest(page, per_page):
    request = PageRequest.parse(page, str(per_page))
    assert request.page == max(1, page)
    assert request.per_page == min(max(1, per_page), MAX_PER_PAGE)


@PROPERTY
@given(st.integers(0, 10**6), st.integers(1, MAX_PER_PAGE), st.integers(1, 10**4))
def test_page_count_covers_every_row_and_no_more(total, per_page, number):
    page = Page(items=[], page=number, per_page=per_page, total=total)
    assert page.pages >= 1
    assert page.pages * per_page >= total
    assert (page.pages - 1) * per_page < max(total, 1)
    assert page.has_next == (number < page.pages)
    assert page.has_prev == (number > 1)


@PROPERTY
@given(
    st.one_of(
        st.text(max_size=15),
        st.sampled_from(list(repository.SORTS)),
        st.sampled_from([f"-{k}" for k in repository.SORTS]),
    )
)
def test_sort_key_is_always_whitelisted(sort):
    key, descending = parse_sort(sort, repository.SORTS, default=repository.DEFAULT_SORT)
    assert key in repository.SORTS
    asked = sort.strip()
    if asked.lstrip("-") in repository.SORTS:
        assert (key, descending) == (asked.lstrip("-"), asked.startswith("-"))
    else:
        assert (key, descending) == ("received_on", True)


# -- dates and search patterns ----------------------------------------------------------------

optional_dates = st.one_of(
    st.none(), st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31))
)


@PROPERTY
@given(optional_dates, optional_dates)
def test_date_order_complains_only_when_the_second_date_is_earlier(first, second):
    problems = date_order_errors(first, second, "Date received", "Due out")
    reverse = date_order_errors(second, first, "Date received", "Due out")
    earlier = first is not None and second is not None and second < first
    assert bool(problems) == earlier
    assert problems == (["Due out cannot be before date received."] if earlier else [])
    if first is not None and second is not None and first != second:
        assert bool(problems) != bool(reverse)
    else:
        assert problems == reverse == []


search_text = st.text(
    alphabet=st.one_of(
        st.sampled_from("%_\\aAbB "),
        st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    ),
    max_size=8,
)


terms = st.one_of(
    search_text,
    st.builds(
        lambda a, wild, b: a + wild + b, search_text, st.sampled_from(["_", "%", "\\"]), search_text
    ),
)


@PROPERTY
@given(terms, search_text, search_text, st.sampled_from(["inside", "apart", "lookalike"]))
def test_like_pattern_matches_exactly_the_texts_containing_the_term(term, before, after, how):
    haystack = {
        "inside": before + term + after,
        "apart": before,
        # what an unescaped wildcard would wrongly match
        "lookalike": before + term.replace("_", "x").replace("%", "yz").replace("\\", "") + after,
    }[how]
    like = sqlite3.connect(":memory:")
    try:
        matched = like.execute(
            "SELECT ? LIKE ? ESCAPE '\\'", (haystack.lower(), like_pattern(term))
        ).fetchone()[0]
    finally:
        like.close()
    assert bool(matched) == (term.lower() in haystack.lower())


# -- with a database ---------------------------------------------------------------------------


def test_stored_money_equals_the_exact_arithmetic(app):
    CustomerFactory(code="CEN15")
    db.session.commit()
    orders, charges = Order.__table__, Charge.__table__

    @DB_PROPERTY
    @given(
        st.lists(
            st.tuples(
                st.sampled_from(list(rules.CHARGE_KINDS)),
                st.one_of(
                    st.decimals(min_value=0, max_value=10_000, places=3),
                    st.integers(0, 1000).map(Decimal),
                ),
                st.one_of(
                    st.decimals(min_value=0, max_value=10_000, places=4),
                    st.decimals(min_value=0, max_value=100, places=3),
                ),
            ),
            max_size=4,
            unique_by=lambda c: c[0],
        ),
        cents,
        cents,
    )
    def check(lines, sales_tax, freight):
        lines = [line for line in lines if line[1] or line[2]]  # empty lines are dropped
        try:
            service.create_order(
                actor=None,
                data={
                    "log": "55555",
                    "customer": "CEN15",
                    "job_type": "DP",
                    "title": "Hoodies",
                    "received_on": RECEIVED,
                    "sales_tax": sales_tax,
                    "freight": freight,
                    "charges": [{"kind": k, "quantity": q, "unit_price": p} for k, q, p in lines],
                },
            )
            db.session.flush()
            stored_lines = dict(
                db.session.execute(sa.select(charges.c.kind, charges.c.total)).all()
            )
            row = db.session.execute(sa.select(orders.c.subtotal, orders.c.total)).one()
        finally:
            db.session.rollback()
        expected = {k: half_up_cents(q * p) for k, q, p in lines}
        assert stored_lines == expected
        assert row.subtotal == sum(expected.values(), Decimal("0"))
        assert row.total == row.subtotal + sales_tax + freight

    check()


def test_any_walk_through_the_workflow_is_recorded_step_by_step(app):
    CustomerFactory(code="CEN15")
    actor = UserFactory(role="staff")
    db.session.commit()
    actor_id = actor.id

    @DB_PROPERTY
    @given(st.lists(st.integers(min_value=0, max_value=10), max_size=8))
    def walk(choices):
        try:
            service.create_order(
                actor=actor,
                data={
                    "log": "77777",
                    "customer": "CEN15",
                    "job_type": "TR",
                    "title": "Caps",
                    "received_on": RECEIVED,
                },
            )
            expected = [(None, "received")]
            current, version = "received", 1
            for step, choice in enumerate(choices, start=1):
                options = workflow.allowed_next(current)
                target = options[choice % len(options)]
                order = service.change_status(
                    log="77777",
                    to_status=target,
                    expected_version=version,
                    actor=actor,
                    today=RECEIVED + timedelta(days=step),
                )
                assert order.version > version
                assert (order.shipped_on is not None) == (target == "shipped")
                expected.append((current, target))
                current, version = target, order.version
            db.session.expire_all()
            order = service.get_order("77777")
            history = [(h.from_status, h.to_status) for h in order.status_changes]
            assert order.status == current
            assert history == expected
            assert {h.changed_by_id for h in order.status_changes} == {actor_id}
        finally:
            db.session.rollback()

    walk()

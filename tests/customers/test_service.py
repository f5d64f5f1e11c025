"""The customer service: its rules, its conflicts and its searches."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

from presslog.core.errors import Conflict, NotFound, StaleVersion, ValidationError
from presslog.core.pagination import PageRequest
from presslog.core.transaction import transaction
from presslog.customers import rules, service
from presslog.customers.models import Customer, ShipToAddress
from presslog.customers.repository import CustomerFilters
from presslog.extensions import db
from tests.factories import CustomerFactory


def create(**data: Any) -> Customer:
    """Add a customer the way a request does: one committed unit of work."""
    with transaction():
        return service.create_customer(data={"name": "Central High Boosters", **data})


def update(which: str, version: int | None, **data: Any) -> Customer:
    with transaction():
        return service.update_customer(code=which, data=data, expected_version=version)


def reloaded(code: str) -> Customer:
    db.session.expire_all()
    return db.session.scalars(select(Customer).where(Customer.code == code)).one()


def count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def codes(q: str | None = None, sort: str | None = None, **filters: Any) -> list[str]:
    page = service.list_customers(
        CustomerFilters(q=q, **filters), sort=sort, page=PageRequest(page=1, per_page=100)
    )
    return [c.code for c in page.items]


# -- creating -------------------------------------------------------------------------


def test_create_normalizes_the_code_and_stores_every_part(app):
    customer = create(
        code="  cen15 ",
        contact="Pat Doe",
        phone="(614) 555-0100 x12",
        fax="614.555.0101",
        email="orders@central.example",
        tax_id="31-0000001",
        resale_no="R-9",
        customer_since=date(1998, 3, 2),
        notes="Net 30",
        billing_address={
            "line1": "1 Main St",
            "line2": None,
            "city": "Columbus",
            "state": "OH",
            "zip": "43215",
        },
        ship_to=[
            {"line1": "9 Dock Rd", "city": "Dublin", "state": "OH", "zip": "43017"},
            {"line1": None, "city": None},  # a blank row is no address
            {"line1": "2 Gym Ln", "city": "Worthington"},
        ],
    )
    stored = reloaded("CEN15")
    assert stored.id == customer.id
    assert (stored.name, stored.contact, stored.phone, stored.fax, stored.email) == (
        "Central High Boosters",
        "Pat Doe",
        "(614) 555-0100 x12",
        "614.555.0101",
        "orders@central.example",
    )
    assert (stored.tax_id, stored.resale_no, stored.customer_since, stored.notes) == (
        "31-0000001",
        "R-9",
        date(1998, 3, 2),
        "Net 30",
    )
    assert stored.billing_address.as_dict() == {
        "line1": "1 Main St",
        "line2": None,
        "city": "Columbus",
        "state": "OH",
        "zip": "43215",
    }
    assert [(a.position, a.line1, a.city) for a in stored.ship_to] == [
        (1, "9 Dock Rd", "Dublin"),
        (2, "2 Gym Ln", "Worthington"),
    ]
    assert stored.version == 1
    assert stored.deleted_at is None


def test_create_with_a_used_code_is_a_conflict(app):
    create(code="CEN15")
    with pytest.raises(Conflict, match="Customer code CEN15 is already taken"):
        create(code="cen15", name="Someone else")
    assert count(Customer) == 1
    assert reloaded("CEN15").name == "Central High Boosters"


def test_create_with_the_code_of_a_deleted_customer_is_a_conflict(app):
    old = create(code="CEN15")
    with transaction():
        service.delete_customer(code="CEN15", expected_version=old.version)
    with pytest.raises(Conflict, match="look in the trash"):
        create(code="CEN15")
    assert count(Customer) == 1


def test_create_with_a_bad_code_names_the_code(app):
    for code, message in [
        ("", rules.CODE.required_message),
        ("CEN1", rules.CODE.pattern_message),
        ("CEN-5", rules.CODE.pattern_message),
    ]:
        with pytest.raises(ValidationError) as caught:
            create(code=code)
        assert message in caught.value.errors["code"], code
    assert count(Customer) == 0


def test_create_with_bad_email_and_phone_names_both_fields(app):
    with pytest.raises(ValidationError) as caught:
        create(code="CEN15", email="orders at central", phone="call Pat", fax="614-555-0100")
    assert caught.value.errors == {
        "email": [rules.EMAIL.pattern_message],
        "phone": [rules.PHONE.pattern_message],
    }
    assert "email" in caught.value.detail
    assert "phone" in caught.value.detail
    assert count(Customer) == 0


def test_create_without_a_name_or_with_long_address_parts_names_them(app):
    with pytest.raises(ValidationError) as caught:
        service.create_customer(
            data={
                "code": "CEN15",
                "billing_address": {"zip": "4" * 16},
                "ship_to": [{"city": "C" * 61}],
            }
        )
    assert caught.value.errors == {
        "name": [rules.NAME.required_message],
        "billing_address.zip": [rules.ZIP.length_message],
        "ship_to.0.city": [rules.CITY.length_message],
    }
    db.session.rollback()
    assert count(Customer) == 0
    assert count(ShipToAddress) == 0


# -- updating -------------------------------------------------------------------------


def test_update_with_the_current_version_saves_and_bumps_it(app):
    customer = create(code="CEN15", email="old@central.example")
    update(
        "cen15",
        customer.version,
        name="Central HS Boosters",
        email="new@central.example",
        phone=None,
    )
    stored = reloaded("CEN15")
    assert (stored.name, stored.email, stored.phone) == (
        "Central HS Boosters",
        "new@central.example",
        None,
    )
    assert stored.version == 2


def test_update_with_a_stale_version_is_refused_and_changes_nothing(app):
    customer = create(code="CEN15")
    read_version = customer.version
    update("CEN15", read_version, name="First person's name")
    with pytest.raises(StaleVersion) as caught:
        update("CEN15", read_version, name="Second person's name", notes="lost?")
    assert "Customer CEN15 was changed by someone else" in caught.value.detail
    stored = reloaded("CEN15")
    assert (stored.name, stored.notes, stored.version) == (
        "First person's name",
        None,
        read_version + 1,
    )


def test_update_cannot_change_the_code(app):
    customer = create(code="CEN15")
    with pytest.raises(ValidationError) as caught:
        update("CEN15", customer.version, code="CEN16", name="Renamed")
    assert caught.value.errors == {"code": ["Customer code cannot be changed once created."]}
    assert reloaded("CEN15").name == "Central High Boosters"
    # Sending the same code (any case) is fine.
    update("CEN15", customer.version, code="cen15", name="Renamed")
    assert reloaded("CEN15").name == "Renamed"


def test_update_with_a_bad_email_names_it_and_changes_nothing(app):
    customer = create(code="CEN15", email="orders@central.example")
    with pytest.raises(ValidationError) as caught:
        update("CEN15", customer.version, name="New name", email="nobody")
    assert caught.value.errors == {"email": [rules.EMAIL.pattern_message]}
    stored = reloaded("CEN15")
    assert (stored.name, stored.email, stored.version) == (
        "Central High Boosters",
        "orders@central.example",
        1,
    )


def test_update_replaces_the_ship_to_addresses(app):
    customer = create(
        code="CEN15",
        ship_to=[
            {"line1": "9 Dock Rd", "city": "Dublin"},
            {"line1": "2 Gym Ln", "city": "Worthington"},
            {"line1": "7 Field Dr", "city": "Hilliard"},
        ],
    )
    update(
        "CEN15",
        customer.version,
        ship_to=[
            {"line1": "2 Gym Ln", "city": "Worthington", "zip": "43085"},
            {"line1": "", "city": ""},
        ],
    )
    stored = reloaded("CEN15")
    assert [(a.position, a.line1, a.city, a.zip) for a in stored.ship_to] == [
        (1, "2 Gym Ln", "Worthington", "43085")
    ]
    assert count(ShipToAddress) == 1

    update("CEN15", stored.version, name="Unchanged addresses")
    assert len(reloaded("CEN15").ship_to) == 1  # leaving ship_to out keeps them
    update("CEN15", reloaded("CEN15").version, ship_to=[])
    assert reloaded("CEN15").ship_to == []
    assert count(ShipToAddress) == 0


def test_update_of_an_unknown_customer_is_not_found(app):
    with pytest.raises(NotFound, match="No customer with code 'NOPE1'"):
        update("nope1", 1, name="x")


# -- trash ------------------------------------------------------------------------------


def test_delete_hides_the_customer_and_restore_brings_it_back(app):
    customer = create(code="CEN15")
    create(code="RIV01", name="Riverside")
    with transaction():
        service.delete_customer(code="CEN15", expected_version=customer.version)
    assert reloaded("CEN15").deleted_at is not None
    with pytest.raises(NotFound):
        service.get_customer("CEN15")
    assert service.get_customer("CEN15", include_deleted=True).code == "CEN15"
    assert codes() == ["RIV01"]
    assert codes(deleted=True) == ["CEN15"]

    with transaction():
        service.restore_customer(code="cen15")
    assert reloaded("CEN15").deleted_at is None
    assert codes() == ["CEN15", "RIV01"]
    with pytest.raises(Conflict, match="Customer CEN15 is not in the trash"):
        service.restore_customer(code="CEN15")


def test_delete_with_a_stale_version_is_refused(app):
    read_version = create(code="CEN15").version
    update("CEN15", read_version, name="Changed meanwhile")
    with pytest.raises(StaleVersion), transaction():
        service.delete_customer(code="CEN15", expected_version=read_version)
    assert reloaded("CEN15").deleted_at is None


def test_a_deleted_customer_cannot_be_edited_or_deleted_again(app):
    customer = create(code="CEN15")
    with transaction():
        service.delete_customer(code="CEN15", expected_version=customer.version)
    with pytest.raises(NotFound):
        update("CEN15", reloaded("CEN15").version, name="Ghost")
    with pytest.raises(NotFound):
        service.delete_customer(code="CEN15")


# -- searching ------------------------------------------------------------------------


@pytest.fixture
def three(app: Any) -> None:
    CustomerFactory(
        code="CEN15",
        name="Central High Boosters",
        billing_city="Columbus",
        billing_state="OH",
        email="orders@central.example",
        phone="614-555-0100",
        customer_since=date(2001, 1, 1),
    )
    CustomerFactory(
        code="RIV01",
        name="riverside bowling league",
        billing_city="Dayton",
        billing_state="OH",
        email="league@river.example",
        phone="937-555-0199",
        customer_since=date(1995, 6, 1),
    )
    CustomerFactory(
        code="ACM99",
        name="Acme 100% Cotton",
        billing_city="Erie",
        billing_state="PA",
        email="buy@acme.example",
        phone="814-555-0123",
        customer_since=None,
    )
    db.session.commit()


SEARCHES = [
    ("cen15", ["CEN15"]),  # code, any case
    ("CEN1", ["CEN15"]),  # codes match in part too
    ("BOWLING", ["RIV01"]),  # name, in part, any case
    ("dayt", ["RIV01"]),  # billing city
    ("@ACME.example", ["ACM99"]),  # e-mail
    ("555-01", ["ACM99", "CEN15", "RIV01"]),  # phone, in part
    ("937-555", ["RIV01"]),
    ("100%", ["ACM99"]),  # % is a character, not a wildcard
    ("_", []),  # so is _
    ("nobody", []),
]


def test_search_finds_by_code_name_city_email_and_phone(three):
    for q, expected in SEARCHES:
        assert sorted(codes(q)) == expected, q


def test_filters_by_city_and_state(three):
    assert codes(city="columbus") == ["CEN15"]
    assert codes(state="oh") == ["CEN15", "RIV01"]
    assert codes(q="league", state="PA") == []


SORTS = [
    (None, ["ACM99", "CEN15", "RIV01"]),  # by name, case-insensitive
    ("name", ["ACM99", "CEN15", "RIV01"]),
    ("-name", ["RIV01", "CEN15", "ACM99"]),
    ("code", ["ACM99", "CEN15", "RIV01"]),
    ("-code", ["RIV01", "CEN15", "ACM99"]),
    ("city", ["CEN15", "RIV01", "ACM99"]),
    ("-city", ["ACM99", "RIV01", "CEN15"]),
    ("nonsense", ["ACM99", "CEN15", "RIV01"]),
]


def test_sorts_by_the_asked_column(three):
    for sort, expected in SORTS:
        assert codes(sort=sort) == expected, sort


def test_list_pages_through_customers_in_a_stable_order(app):
    for n in range(5):
        CustomerFactory(code=f"SAME{n}", name="Same Name")
    db.session.commit()
    first = service.list_customers(
        CustomerFilters(), sort="name", page=PageRequest(page=1, per_page=2)
    )
    rest = [
        service.list_customers(CustomerFilters(), sort="name", page=PageRequest(page=p, per_page=2))
        for p in (2, 3)
    ]
    seen = [c.code for page in (first, *rest) for c in page.items]
    assert sorted(seen) == [f"SAME{n}" for n in range(5)]
    assert (first.total, first.pages) == (5, 3)

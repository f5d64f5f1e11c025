"""Customer pages: list, search, the customer page, and the real add/edit forms."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

from presslog.core.error_handlers import PAGES
from presslog.customers import rules
from presslog.customers.models import Customer
from presslog.extensions import db
from tests.factories import CustomerFactory, OrderFactory, ShipToAddressFactory
from tests.helpers import (
    error_beside,
    form_data,
    invalid_controls,
    link,
    page_text,
    sort_link,
)


def listed_codes(page: str) -> list[str]:
    return re.findall(r'<a class="fw-semibold" href="/customers/([^"/]+)">', page)


def stored(code: str) -> Customer:
    db.session.expire_all()
    return db.session.scalars(select(Customer).where(Customer.code == code)).one()


def customer_count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Customer)) or 0


def new_customer_form(client: Any, **values: Any) -> dict[str, str]:
    """The add-customer form as served, filled with a valid customer plus ``values``."""
    page = client.get("/customers/new")
    assert page.status_code == 200
    data = form_data(page.text, has="code")
    data.update(
        {
            "code": "cen15",
            "name": "Central High Boosters",
            "contact": "Pat Doe",
            "email": "orders@central.example",
            "phone": "614-555-0100",
            "billing_address-line1": "1 Main St",
            "billing_address-city": "Columbus",
            "billing_address-state": "oh",
            "billing_address-zip": "43215",
        }
    )
    data.update({k: str(v) for k, v in values.items()})
    return data


@pytest.fixture
def central(app: Any) -> Customer:
    customer = CustomerFactory(
        code="CEN15",
        name="Central High Boosters",
        contact="Pat Doe",
        billing_city="Columbus",
        email="orders@central.example",
        phone="614-555-0100",
        notes="Net 30",
    )
    ShipToAddressFactory(customer=customer, position=1, line1="9 Dock Rd", city="Dublin")
    db.session.commit()
    return customer


# -- list and page ----------------------------------------------------------------------


def test_customer_list_searches_and_sorts(as_role):
    client = as_role("viewer")
    CustomerFactory(
        code="CEN15",
        name="Central High Boosters",
        billing_city="Columbus",
        email="orders@central.example",
        phone="614-555-0100",
    )
    CustomerFactory(
        code="RIV01",
        name="Riverside Bowling",
        billing_city="Dayton",
        email="league@river.example",
        phone="937-555-0199",
    )
    CustomerFactory(
        code="ACM99",
        name="Acme Cotton",
        billing_city="Erie",
        email="buy@acme.example",
        phone="814-555-0123",
    )
    db.session.commit()

    assert listed_codes(client.get("/customers").text) == ["ACM99", "CEN15", "RIV01"]
    assert listed_codes(client.get("/customers?q=riv01").text) == ["RIV01"]
    assert listed_codes(client.get("/customers?q=boost").text) == ["CEN15"]
    assert listed_codes(client.get("/customers?q=erie").text) == ["ACM99"]
    assert listed_codes(client.get("/customers?q=@river").text) == ["RIV01"]
    assert listed_codes(client.get("/customers?q=614-555").text) == ["CEN15"]
    assert listed_codes(client.get("/customers?city=dayton").text) == ["RIV01"]
    empty = client.get("/customers?q=nobody")
    assert listed_codes(empty.text) == []
    assert "No customers match." in empty.text

    by_city = client.get("/customers?sort=-city&q=e")
    assert listed_codes(by_city.text) == ["ACM99", "RIV01", "CEN15"]
    query, state = sort_link(by_city.text, "City")
    assert state == "descending"
    assert query == {"q": ["e"], "sort": ["city"]}
    assert 'name="q" value="e"' in by_city.text


def test_customer_list_pages_keep_the_search(as_role):
    client = as_role("viewer")
    for n in range(5):
        CustomerFactory(code=f"TEAM{n}", name=f"Team {n}")
    CustomerFactory(code="OTHER", name="Other")
    db.session.commit()
    first = client.get("/customers?q=team&per_page=2")
    assert listed_codes(first.text) == ["TEAM0", "TEAM1"]
    assert "1–2 of 5" in first.text
    nxt = link(first.text, "next")
    assert nxt == {"q": ["team"], "per_page": ["2"], "page": ["2"]}
    second = client.get("/customers", query_string={k: v[0] for k, v in nxt.items()})
    assert listed_codes(second.text) == ["TEAM2", "TEAM3"]


def test_customer_page_shows_details_addresses_and_recent_orders(as_role, central):
    client = as_role("staff")
    OrderFactory(log="10234", customer=central, title="Eagles Team Shirts")
    OrderFactory(log="10235", customer=central, title="Boosters Banner")
    OrderFactory(log="10236", title="Someone else's")
    deleted = OrderFactory(log="10237", customer=central, title="In the trash")
    deleted.deleted_at = deleted.created_at
    db.session.commit()

    response = client.get("/customers/cen15")
    assert response.status_code == 200
    text = page_text(response.text)
    assert "Central High Boosters CEN15" in text
    assert "Bill-to contact Pat Doe" in text
    assert "9 Dock Rd, Dublin, OH 43017" in text
    assert "Recent orders (2 in all)" in text
    assert sorted(re.findall(r'href="/orders/(\d+)"', response.text)) == ["10234", "10235"]
    assert 'href="/orders?customer=CEN15"' in response.text
    assert 'href="/orders/new?customer=CEN15"' in response.text
    assert 'href="/customers/CEN15/edit"' in response.text


def test_missing_customer_gets_the_404_page(as_role):
    client = as_role("viewer")
    response = client.get("/customers/NOPE1")
    assert response.status_code == 404
    assert PAGES[404][1] in response.text
    assert "No customer with code &#39;NOPE1&#39;." in response.text


# -- adding ---------------------------------------------------------------------------


def test_add_customer_through_the_form(as_role):
    client = as_role("staff")
    data = new_customer_form(
        client,
        customer_since="2001-09-04",
        notes="Net 30",
        **{"ship_to-1-line1": "9 Dock Rd", "ship_to-1-city": "Dublin", "ship_to-1-state": "oh"},
    )
    response = client.post("/customers/new", data=data)
    assert response.status_code == 302, page_text(response.text)
    assert response.headers["Location"] == "/customers/CEN15"
    customer = stored("CEN15")
    assert (customer.name, customer.contact, customer.email, customer.phone) == (
        "Central High Boosters",
        "Pat Doe",
        "orders@central.example",
        "614-555-0100",
    )
    assert (customer.customer_since, customer.notes, customer.fax) == (
        date(2001, 9, 4),
        "Net 30",
        None,
    )
    assert customer.billing_address.as_dict() == {
        "line1": "1 Main St",
        "line2": None,
        "city": "Columbus",
        "state": "OH",
        "zip": "43215",
    }
    # The blank first row is skipped: the one address given becomes the first.
    assert [(a.position, a.line1, a.city, a.state) for a in customer.ship_to] == [
        (1, "9 Dock Rd", "Dublin", "OH")
    ]
    assert "Customer CEN15 added." in client.get("/customers/CEN15").text


def test_add_customer_with_bad_email_and_phone_shows_both_beside_the_fields(as_role):
    client = as_role("staff")
    response = client.post(
        "/customers/new",
        data=new_customer_form(client, email="orders at central", phone="call Pat"),
    )
    assert response.status_code == 422
    assert error_beside(response.text, "email") == rules.EMAIL.pattern_message
    assert error_beside(response.text, "phone") == rules.PHONE.pattern_message
    assert invalid_controls(response.text) == {"email", "phone"}
    again = form_data(response.text, has="code")
    assert (again["name"], again["email"]) == ("Central High Boosters", "orders at central")
    assert customer_count() == 0


def test_add_customer_with_a_bad_code_or_no_name_names_them(as_role):
    client = as_role("staff")
    response = client.post("/customers/new", data=new_customer_form(client, code="CE-1", name=""))
    assert response.status_code == 422
    assert rules.CODE.pattern_message in error_beside(response.text, "code")
    assert error_beside(response.text, "name") == rules.NAME.required_message
    long_zip = client.post(
        "/customers/new", data=new_customer_form(client, **{"billing_address-zip": "4" * 16})
    )
    assert long_zip.status_code == 422
    assert error_beside(long_zip.text, "billing_address-zip") == rules.ZIP.length_message
    assert customer_count() == 0


def test_add_customer_with_a_used_code_is_refused(as_role, central):
    client = as_role("staff")
    response = client.post("/customers/new", data=new_customer_form(client, name="Impostor"))
    assert response.status_code == 409
    assert "Customer code CEN15 is already taken" in response.text
    assert customer_count() == 1
    assert stored("CEN15").name == "Central High Boosters"


# -- editing ------------------------------------------------------------------------


def test_saving_the_customer_form_unchanged_keeps_every_value(as_role, central):
    client = as_role("staff")

    def values(c: Customer) -> tuple[Any, ...]:
        return (
            c.name,
            c.contact,
            c.email,
            c.phone,
            c.phone_alt,
            c.fax,
            c.notes,
            c.customer_since,
            c.billing_address,
            [(a.position, a.address) for a in c.ship_to],
        )

    before = values(stored("CEN15"))
    data = form_data(client.get("/customers/CEN15/edit").text, has="version")
    assert "code" not in data  # shown, but disabled
    response = client.post("/customers/CEN15/edit", data=data)
    assert response.status_code == 302
    assert values(stored("CEN15")) == before


def test_edit_customer_changes_details_and_ship_to(as_role, central):
    client = as_role("staff")
    version = stored("CEN15").version
    data = form_data(client.get("/customers/CEN15/edit").text, has="version")
    assert (data["ship_to-0-line1"], data["ship_to-0-city"]) == ("9 Dock Rd", "Dublin")
    data.update(
        {
            "name": "Central HS Boosters",
            "email": "",
            "code": "ZZZ99",
            "ship_to-0-line1": "",
            "ship_to-0-city": "",
            "ship_to-0-state": "",
            "ship_to-0-zip": "",
            "ship_to-1-line1": "2 Gym Ln",
            "ship_to-1-city": "Worthington",
        }
    )
    response = client.post("/customers/CEN15/edit", data=data)
    assert response.status_code == 302
    assert response.headers["Location"] == "/customers/CEN15"
    customer = stored("CEN15")
    assert (customer.name, customer.email) == ("Central HS Boosters", None)
    assert [(a.position, a.line1, a.city) for a in customer.ship_to] == [
        (1, "2 Gym Ln", "Worthington")
    ]
    assert customer.version == version + 1
    assert customer_count() == 1  # the posted code was ignored
    assert "Customer CEN15 saved." in client.get("/customers/CEN15").text


def test_edit_customer_with_a_bad_email_shows_it_and_changes_nothing(as_role, central):
    client = as_role("staff")
    data = form_data(client.get("/customers/CEN15/edit").text, has="version")
    data.update({"name": "Changed", "email": "nobody"})
    response = client.post("/customers/CEN15/edit", data=data)
    assert response.status_code == 422
    assert error_beside(response.text, "email") == rules.EMAIL.pattern_message
    customer = stored("CEN15")
    assert (customer.name, customer.email, customer.version) == (
        "Central High Boosters",
        "orders@central.example",
        1,
    )


def test_stale_customer_edit_is_refused_and_the_first_change_kept(as_role, central):
    alice, bob = as_role("staff"), as_role("staff")
    alice_form = form_data(alice.get("/customers/CEN15/edit").text, has="version")
    bob_form = form_data(bob.get("/customers/CEN15/edit").text, has="version")
    alice_form["phone"] = "614-555-0111"
    assert alice.post("/customers/CEN15/edit", data=alice_form).status_code == 302

    bob_form.update({"name": "Bob's name", "phone": "614-555-0999"})
    response = bob.post("/customers/CEN15/edit", data=bob_form)
    assert response.status_code == 409
    assert "Your changes were <strong>not saved</strong>" in response.text
    assert "Customer CEN15 was changed by someone else" in response.text
    customer = stored("CEN15")
    assert (customer.name, customer.phone, customer.version) == (
        "Central High Boosters",
        "614-555-0111",
        2,
    )


def test_customer_edit_with_a_missing_or_bad_version_is_refused(as_role, central):
    client = as_role("staff")
    data = form_data(client.get("/customers/CEN15/edit").text, has="version")
    for version in ("", "abc"):
        data.update({"version": version, "name": "Changed"})
        response = client.post("/customers/CEN15/edit", data=data)
        assert response.status_code == 422, version
        assert "The form is missing its version" in response.text
        assert stored("CEN15").name == "Central High Boosters"
        deleting = client.post(
            "/customers/CEN15/delete", data={"csrf_token": data["csrf_token"], "version": version}
        )
        assert deleting.status_code == 422, version
        assert stored("CEN15").deleted_at is None


# -- trash and roles ----------------------------------------------------------------


def test_delete_customer_moves_it_to_the_trash_and_a_manager_restores_it(as_role, central):
    staff, manager = as_role("staff"), as_role("manager")
    page = staff.get("/customers/CEN15").text
    response = staff.post(
        "/customers/CEN15/delete", data=form_data(page, action="/customers/CEN15/delete")
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/customers"
    listing = staff.get("/customers")
    assert listed_codes(listing.text) == []
    assert "Customer CEN15 moved to the trash." in listing.text
    assert staff.get("/customers/CEN15").status_code == 404
    assert stored("CEN15").deleted_at is not None

    token = form_data(staff.get("/customers").text, has="csrf_token")["csrf_token"]
    assert staff.post("/customers/CEN15/restore", data={"csrf_token": token}).status_code == 403
    token = form_data(manager.get("/customers").text, has="csrf_token")["csrf_token"]
    restored = manager.post("/customers/CEN15/restore", data={"csrf_token": token})
    assert restored.status_code == 302
    assert restored.headers["Location"] == "/customers/CEN15"
    assert stored("CEN15").deleted_at is None
    assert listed_codes(manager.get("/customers").text) == ["CEN15"]


def test_delete_customer_from_a_stale_page_is_refused(as_role, central):
    client = as_role("staff")
    page = client.get("/customers/CEN15").text
    edit = form_data(client.get("/customers/CEN15/edit").text, has="version")
    assert (
        client.post("/customers/CEN15/edit", data={**edit, "notes": "changed"}).status_code == 302
    )
    response = client.post(
        "/customers/CEN15/delete", data=form_data(page, action="/customers/CEN15/delete")
    )
    assert response.status_code == 409
    assert stored("CEN15").deleted_at is None


def test_viewer_reads_customers_but_cannot_change_them(as_role, central):
    viewer = as_role("viewer")
    page = viewer.get("/customers/CEN15").text
    assert "/customers/CEN15/edit" not in page
    assert "/customers/CEN15/delete" not in page
    assert "/customers/new" not in viewer.get("/customers").text
    assert viewer.get("/customers/CEN15/edit").status_code == 403
    staff_form = form_data(as_role("staff").get("/customers/CEN15/edit").text, has="version")
    token = form_data(viewer.get("/customers").text, has="csrf_token")["csrf_token"]
    for url in ("/customers/CEN15/edit", "/customers/CEN15/delete"):
        response = viewer.post(url, data={**staff_form, "csrf_token": token, "name": "V"})
        assert response.status_code == 403
    customer = stored("CEN15")
    assert (customer.name, customer.deleted_at) == ("Central High Boosters", None)

"""The customers JSON API (/api/v1/customers) end to end: HTTP answers and what is stored."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from presslog.customers.models import Customer, ShipToAddress
from presslog.extensions import db
from tests.factories import CustomerFactory, ShipToAddressFactory
from tests.helpers import assert_problem

URL = "/api/v1/customers"


# -- helpers -------------------------------------------------------------------------


def new_customer_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "code": "CEN15",
        "name": "Central High Boosters",
        "billing_address": {
            "line1": "100 Main St",
            "line2": "Suite 4",
            "city": "Columbus",
            "state": "OH",
            "zip": "43215",
        },
        "contact": "Pat Jones",
        "phone": "(614) 555-0101",
        "email": "pat@central.example.com",
        "tax_id": "31-1234567",
        "resale_no": "R-889",
        "customer_since": "2011-04-01",
        "ship_to": [
            {"line1": "1 Dock Rd", "city": "Dublin", "state": "OH", "zip": "43017"},
            {"line1": "77 Field Ave", "city": "Worthington", "state": "OH", "zip": "43085"},
        ],
        "notes": "Net 30.",
    }
    body.update(overrides)
    return body


def count(model: Any) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()


def stored(code: str) -> Customer:
    """The customer as the database holds it now."""
    db.session.expire_all()
    return db.session.execute(sa.select(Customer).where(Customer.code == code)).scalar_one()


def committed_customer(**kwargs: Any) -> Customer:
    customer = CustomerFactory(**kwargs)
    db.session.commit()
    return customer


def codes_of(response: Any) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["code"] for item in response.get_json()["items"]]


# -- list ----------------------------------------------------------------------------


def test_list_returns_envelope_and_link_headers(api):
    client = api("viewer")
    for i in range(5):
        CustomerFactory(code=f"CUST{i}", name=f"Customer {i}")
    db.session.commit()

    response = client.get(f"{URL}?per_page=2&page=3&sort=code")

    assert response.status_code == 200
    body = response.get_json()
    assert [c["code"] for c in body["items"]] == ["CUST4"]
    assert (body["page"], body["per_page"], body["total"], body["pages"]) == (3, 2, 5, 3)
    rels = {}
    for part in response.headers["Link"].split(","):
        url, rel = part.split(";")
        rels[rel.strip()[5:-1]] = parse_qs(urlsplit(url.strip()[1:-1]).query)
    assert set(rels) == {"first", "prev", "last"}
    assert (rels["first"]["page"], rels["prev"]["page"], rels["last"]["page"]) == (
        ["1"],
        ["2"],
        ["3"],
    )
    assert rels["prev"]["sort"] == ["code"]


def test_list_items_leave_out_ship_to_and_show_billing_address(api):
    customer = CustomerFactory(code="CEN15", billing_city="Columbus")
    ShipToAddressFactory(customer=customer)
    db.session.commit()

    [item] = api("viewer").get(URL).get_json()["items"]

    assert item["code"] == "CEN15"
    assert item["billing_address"]["city"] == "Columbus"
    assert "ship_to" not in item


@pytest.mark.parametrize(("per_page", "status"), [(100, 200), (101, 422)])
def test_per_page_is_capped_at_100(api, per_page, status):
    response = api("viewer").get(f"{URL}?per_page={per_page}")

    if status == 200:
        assert response.get_json()["per_page"] == 100
    else:
        assert "per_page" in assert_problem(response, 422)["errors"]


def test_search_by_code_name_city_and_more(api):
    client = api("viewer")
    CustomerFactory(
        code="CEN15",
        name="Central High Boosters",
        billing_city="Columbus",
        billing_state="OH",
        email="pat@central.example.com",
        phone="614-555-0101",
    )
    CustomerFactory(
        code="WES02",
        name="Westside Printing",
        billing_city="Dayton",
        billing_state="OH",
        email="ops@westside.example.com",
        phone="937-555-0199",
    )
    CustomerFactory(
        code="NOR77",
        name="Northern Lights Club",
        billing_city="Erie",
        billing_state="PA",
        email="club@north.example.com",
        phone="814-555-0123",
    )
    db.session.commit()

    def found(query: str) -> list[str]:
        return sorted(codes_of(client.get(f"{URL}?{query}")))

    assert found("q=cen15") == ["CEN15"]
    assert found("q=WES02") == ["WES02"]
    assert found("q=boosters") == ["CEN15"]
    assert found("q=dayton") == ["WES02"]
    assert found("q=north.example") == ["NOR77"]
    assert found("q=937-555") == ["WES02"]
    assert found("city=columbus") == ["CEN15"]
    assert found("state=oh") == ["CEN15", "WES02"]
    assert found("q=club&state=PA") == ["NOR77"]
    assert found("q=no-such-customer") == []


def test_search_treats_like_wildcards_literally(api):
    client = api("viewer")
    CustomerFactory(code="PCT01", name="100% Cotton Co")
    CustomerFactory(code="PCT02", name="1000 Shirts")
    db.session.commit()

    assert codes_of(client.get(f"{URL}?q=100%25")) == ["PCT01"]


def test_list_sorts_by_name_both_ways(api):
    client = api("viewer")
    CustomerFactory(code="BBBBB", name="bravo")
    CustomerFactory(code="AAAAA", name="Charlie")
    CustomerFactory(code="CCCCC", name="Alpha")
    db.session.commit()

    assert codes_of(client.get(URL)) == ["CCCCC", "BBBBB", "AAAAA"]
    assert codes_of(client.get(f"{URL}?sort=-name")) == ["AAAAA", "BBBBB", "CCCCC"]
    assert codes_of(client.get(f"{URL}?sort=code")) == ["AAAAA", "BBBBB", "CCCCC"]


def test_trash_listing_is_for_roles_that_can_restore(api):
    CustomerFactory(code="LIVE1")
    CustomerFactory(code="GONE1", deleted_at=sa.func.now())
    db.session.commit()

    assert codes_of(api("manager").get(f"{URL}?deleted=true")) == ["GONE1"]
    assert codes_of(api("staff").get(f"{URL}?deleted=true")) == ["LIVE1"]
    assert codes_of(api("manager").get(URL)) == ["LIVE1"]


# -- read ----------------------------------------------------------------------------


def test_get_returns_customer_with_addresses_and_etag(api):
    customer = CustomerFactory(
        code="CEN15",
        name="Central",
        billing_line1="100 Main St",
        billing_city="Columbus",
        billing_state="OH",
        billing_zip="43215",
    )
    ShipToAddressFactory(customer=customer, position=1, line1="1 Dock Rd", city="Dublin")
    ShipToAddressFactory(customer=customer, position=2, line1="9 Elm St", city="Delaware")
    db.session.commit()

    response = api("viewer").get(f"{URL}/cen15")

    assert response.status_code == 200
    assert response.headers["ETag"] == f'"v{customer.version}"'
    body = response.get_json()
    assert body["code"] == "CEN15"
    assert body["billing_address"] == {
        "line1": "100 Main St",
        "line2": None,
        "city": "Columbus",
        "state": "OH",
        "zip": "43215",
    }
    assert [(a["line1"], a["city"]) for a in body["ship_to"]] == [
        ("1 Dock Rd", "Dublin"),
        ("9 Elm St", "Delaware"),
    ]


def test_get_unknown_customer_is_404_problem(api):
    body = assert_problem(api("viewer").get(f"{URL}/NOPE1"), 404)

    assert "NOPE1" in body["detail"]


def test_get_deleted_customer_is_404(api):
    committed_customer(code="GONE1", deleted_at=sa.func.now())

    assert_problem(api("manager").get(f"{URL}/GONE1"), 404)


# -- create --------------------------------------------------------------------------


def test_create_stores_customer_with_addresses(api):
    response = api("staff").post(URL, json=new_customer_body())

    assert response.status_code == 201, response.text
    assert response.headers["Location"].endswith("/api/v1/customers/CEN15")
    assert response.headers["ETag"] == '"v1"'
    body = response.get_json()
    assert body["code"] == "CEN15"
    assert body["billing_address"] == new_customer_body()["billing_address"]
    assert body["ship_to"] == [
        {"line1": "1 Dock Rd", "line2": None, "city": "Dublin", "state": "OH", "zip": "43017"},
        {
            "line1": "77 Field Ave",
            "line2": None,
            "city": "Worthington",
            "state": "OH",
            "zip": "43085",
        },
    ]
    assert body["customer_since"] == "2011-04-01"
    assert body["version"] == 1

    customer = stored("CEN15")
    assert customer.name == "Central High Boosters"
    assert (customer.billing_line1, customer.billing_city) == ("100 Main St", "Columbus")
    assert [(a.position, a.city) for a in customer.ship_to] == [(1, "Dublin"), (2, "Worthington")]
    assert customer.email == "pat@central.example.com"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"code": "AB"}, "code"),
        ({"code": "AB-12"}, "code"),
        ({"code": "ABCDEF"}, "code"),
        ({"code": None}, "code"),
        ({"name": ""}, "name"),
        ({"email": "not-an-address"}, "email"),
        ({"phone": "call me"}, "phone"),
        ({"billing_address": {"city": "C" * 61}}, "billing_address.city"),
        ({"ship_to": [{"line1": "ok"}, {"zip": "Z" * 16}]}, "ship_to.1.zip"),
        ({"customer_since": "yesterday"}, "customer_since"),
    ],
)
def test_create_with_bad_input_is_422_naming_the_field_and_stores_nothing(api, overrides, field):
    response = api("staff").post(URL, json=new_customer_body(**overrides))

    body = assert_problem(response, 422)
    assert field in body["errors"], body
    assert all(isinstance(m, str) and m for m in body["errors"][field])
    assert count(Customer) == 0
    assert count(ShipToAddress) == 0


def test_bad_code_message_explains_the_format(api):
    response = api("staff").post(URL, json=new_customer_body(code="AB"))

    errors = assert_problem(response, 422)["errors"]
    assert "Customer code must be exactly 5 letters or digits (A–Z, 0–9)." in errors["code"]


def test_duplicate_code_is_409_and_keeps_the_first_customer(api):
    committed_customer(code="CEN15", name="First")

    response = api("staff").post(URL, json=new_customer_body())

    body = assert_problem(response, 409)
    assert "CEN15" in body["detail"]
    assert count(Customer) == 1
    assert stored("CEN15").name == "First"


def test_code_of_a_deleted_customer_cannot_be_reused(api):
    committed_customer(code="CEN15", deleted_at=sa.func.now())

    assert_problem(api("staff").post(URL, json=new_customer_body()), 409)
    assert count(Customer) == 1


def test_create_needs_customers_write(api):
    for role in ("viewer", "artist", "shipping"):
        assert_problem(api(role).post(URL, json=new_customer_body()), 403)
    assert count(Customer) == 0


# -- change --------------------------------------------------------------------------


def test_patch_with_if_match_changes_only_what_is_sent(api):
    client = api("staff")
    committed_customer(code="CEN15", name="Central", contact="Pat", billing_city="Columbus")
    etag = client.get(f"{URL}/CEN15").headers["ETag"]

    response = client.patch(
        f"{URL}/CEN15",
        headers={"If-Match": etag},
        json={"contact": "Sam Lee", "notes": "Prefers e-mail."},
    )

    assert response.status_code == 200, response.text
    assert response.headers["ETag"] != etag
    assert response.get_json()["contact"] == "Sam Lee"
    customer = stored("CEN15")
    assert response.headers["ETag"] == f'"v{customer.version}"'
    assert (customer.name, customer.contact, customer.notes, customer.billing_city) == (
        "Central",
        "Sam Lee",
        "Prefers e-mail.",
        "Columbus",
    )


def test_patch_replaces_ship_to_addresses_and_billing_address(api):
    client = api("staff")
    customer = CustomerFactory(code="CEN15")
    ShipToAddressFactory(customer=customer, position=1, city="Dublin")
    ShipToAddressFactory(customer=customer, position=2, city="Delaware")
    db.session.commit()

    response = client.patch(
        f"{URL}/CEN15",
        json={
            "version": customer.version,
            "billing_address": {
                "line1": "5 New Rd",
                "city": "Akron",
                "state": "OH",
                "zip": "44301",
            },
            "ship_to": [{"line1": "3 Bay St", "city": "Toledo"}],
        },
    )

    assert response.status_code == 200, response.text
    assert [a["city"] for a in response.get_json()["ship_to"]] == ["Toledo"]
    customer = stored("CEN15")
    assert (customer.billing_line1, customer.billing_city, customer.billing_zip) == (
        "5 New Rd",
        "Akron",
        "44301",
    )
    assert [(a.position, a.line1, a.city) for a in customer.ship_to] == [(1, "3 Bay St", "Toledo")]
    assert count(ShipToAddress) == 1


def test_patch_with_stale_if_match_is_412_and_changes_nothing(api):
    client = api("staff")
    committed_customer(code="CEN15", name="Central")
    stale = client.get(f"{URL}/CEN15").headers["ETag"]
    assert (
        client.patch(
            f"{URL}/CEN15", json={"name": "Theirs"}, headers={"If-Match": stale}
        ).status_code
        == 200
    )

    response = client.patch(f"{URL}/CEN15", json={"name": "Mine"}, headers={"If-Match": stale})

    assert_problem(response, 412)
    assert stored("CEN15").name == "Theirs"


def test_patch_with_stale_body_version_is_409_with_clear_detail(api):
    client = api("staff")
    customer = committed_customer(code="CEN15", name="Central")
    old = customer.version
    client.patch(f"{URL}/CEN15", json={"name": "Theirs", "version": old})

    response = client.patch(f"{URL}/CEN15", json={"name": "Mine", "version": old})

    body = assert_problem(response, 409)
    assert "Customer CEN15 was changed by someone else" in body["detail"]
    assert stored("CEN15").name == "Theirs"


def test_patch_without_if_match_or_version_is_428(api):
    committed_customer(code="CEN15", name="Central")

    response = api("staff").patch(f"{URL}/CEN15", json={"name": "Blind"})

    assert_problem(response, 428)
    assert stored("CEN15").name == "Central"


def test_patch_with_invalid_email_is_422_and_changes_nothing(api):
    customer = committed_customer(code="CEN15", name="Central", email="a@b.example.com")

    response = api("staff").patch(
        f"{URL}/CEN15", json={"name": "Renamed", "email": "broken", "version": customer.version}
    )

    body = assert_problem(response, 422)
    assert list(body["errors"]) == ["email"]
    customer = stored("CEN15")
    assert (customer.name, customer.email) == ("Central", "a@b.example.com")


def test_patch_cannot_blank_the_name(api):
    customer = committed_customer(code="CEN15", name="Central")

    response = api("staff").patch(f"{URL}/CEN15", json={"name": "  ", "version": customer.version})

    assert assert_problem(response, 422)["errors"]["name"] == ["Name is required."]
    assert stored("CEN15").name == "Central"


def test_patch_cannot_change_the_code(api):
    customer = committed_customer(code="CEN15")

    response = api("staff").patch(
        f"{URL}/CEN15", json={"code": "NEW01", "version": customer.version}
    )

    assert "code" in assert_problem(response, 422)["errors"]
    assert stored("CEN15").code == "CEN15"
    assert count(Customer) == 1


def test_patch_unknown_customer_is_404(api):
    assert_problem(api("staff").patch(f"{URL}/NOPE1", json={"name": "x", "version": 1}), 404)


def test_viewer_may_not_patch(api):
    customer = committed_customer(code="CEN15", name="Central")

    response = api("viewer").patch(f"{URL}/CEN15", json={"name": "X", "version": customer.version})

    assert_problem(response, 403)
    assert stored("CEN15").name == "Central"


# -- delete and restore -----------------------------------------------------------------


def test_delete_then_restore(api):
    staff, manager = api("staff"), api("manager")
    committed_customer(code="CEN15")
    etag = staff.get(f"{URL}/CEN15").headers["ETag"]

    response = staff.delete(f"{URL}/CEN15", headers={"If-Match": etag})

    assert response.status_code == 204
    assert_problem(staff.get(f"{URL}/CEN15"), 404)
    assert stored("CEN15").deleted_at is not None
    assert codes_of(manager.get(f"{URL}?deleted=true")) == ["CEN15"]

    restored = manager.post(f"{URL}/CEN15/restore")

    assert restored.status_code == 200, restored.text
    assert restored.get_json()["deleted_at"] is None
    assert staff.get(f"{URL}/CEN15").status_code == 200
    assert stored("CEN15").deleted_at is None


def test_delete_without_if_match_is_428(api):
    committed_customer(code="CEN15")

    assert_problem(api("staff").delete(f"{URL}/CEN15"), 428)
    assert stored("CEN15").deleted_at is None


def test_delete_with_stale_if_match_is_412(api):
    client = api("staff")
    committed_customer(code="CEN15")
    stale = client.get(f"{URL}/CEN15").headers["ETag"]
    client.patch(f"{URL}/CEN15", json={"notes": "edited"}, headers={"If-Match": stale})

    assert_problem(client.delete(f"{URL}/CEN15", headers={"If-Match": stale}), 412)
    assert stored("CEN15").deleted_at is None


def test_restore_needs_the_restore_capability(api):
    committed_customer(code="CEN15", deleted_at=sa.func.now())

    assert_problem(api("staff").post(f"{URL}/CEN15/restore"), 403)
    assert stored("CEN15").deleted_at is not None


def test_restoring_a_live_customer_is_409(api):
    committed_customer(code="CEN15")

    body = assert_problem(api("manager").post(f"{URL}/CEN15/restore"), 409)
    assert "not in the trash" in body["detail"]


def test_restoring_an_unknown_customer_is_404(api):
    assert_problem(api("manager").post(f"{URL}/NOPE1/restore"), 404)


# -- authentication -----------------------------------------------------------------------


def test_no_credentials_is_401_problem(client):
    for method, url in [
        ("GET", URL),
        ("POST", URL),
        ("GET", f"{URL}/CEN15"),
        ("PATCH", f"{URL}/CEN15"),
        ("DELETE", f"{URL}/CEN15"),
        ("POST", f"{URL}/CEN15/restore"),
    ]:
        assert_problem(client.open(url, method=method, json={}), 401)


def test_bad_token_is_401(client):
    response = client.get(URL, headers={"Authorization": "Bearer plg_wrong"})

    assert_problem(response, 401)


def test_session_cookie_write_needs_the_csrf_header(as_role):
    browser = as_role("staff")

    assert browser.get(URL).status_code == 200
    refused = browser.post(URL, json=new_customer_body())
    assert refused.status_code == 400
    assert count(Customer) == 0

    accepted = browser.post(URL, json=new_customer_body(), headers={"X-CSRFToken": browser.csrf})
    assert accepted.status_code == 201, accepted.text
    assert stored("CEN15").name == "Central High Boosters"

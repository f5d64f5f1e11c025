"""The orders JSON API (/api/v1/orders) end to end: HTTP answers and what gets stored."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from presslog.extensions import db
from presslog.orders.models import Charge, Order, StatusChange
from tests.factories import ChargeFactory, CustomerFactory, OrderFactory, ShipmentFactory
from tests.helpers import assert_problem

URL = "/api/v1/orders"
TODAY = date.today()


# -- helpers -------------------------------------------------------------------------


def new_order_body(customer_code: str, **overrides: Any) -> dict[str, Any]:
    """A valid order for POST /api/v1/orders."""
    body: dict[str, Any] = {
        "log": "30001",
        "customer": customer_code,
        "customer_po": "PO-7781",
        "job_type": "TR",
        "title": "Eagles Booster Club Shirts",
        "priority": 2,
        "rush": True,
        "received_on": TODAY.isoformat(),
        "due_on": (TODAY + timedelta(days=5)).isoformat(),
        "quantity": 24,
        "color_count": 3,
        "sales_tax": "7.25",
        "freight": "10.00",
        "charges": [
            {"kind": "print", "quantity": "24", "unit_price": "4.50"},
            {"kind": "rush", "quantity": "1", "unit_price": "12.50"},
        ],
        "art_proofs": [{"slot": 1, "code": "00011", "amount": "25.00"}],
        "print_items": [{"slot": 2, "code": "FRONT", "amount": "1.00"}],
        "setup_items": [{"slot": 1, "code": "SCRN", "amount": "15.00"}],
        "pack_items": [{"slot": 1, "code": "BOX", "units": "2"}],
        "shipment": {"method": "UPS", "carrier": "1", "weight": "3.50"},
    }
    body.update(overrides)
    return body


def count(model: Any) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()


def stored(log: str) -> Order:
    """The order as the database holds it now (not a cached object)."""
    db.session.expire_all()
    order = db.session.execute(sa.select(Order).where(Order.log == log)).scalar_one()
    return order


def committed_order(**kwargs: Any) -> Order:
    order = OrderFactory(**kwargs)
    db.session.commit()
    return order


def links(response: Any) -> dict[str, dict[str, list[str]]]:
    """The Link header as rel → parsed query string."""
    out = {}
    for part in response.headers["Link"].split(","):
        url, rel = part.split(";")
        rel = rel.strip().removeprefix('rel="').removesuffix('"')
        out[rel] = parse_qs(urlsplit(url.strip().strip("<>")).query)
    return out


def logs_of(response: Any) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["log"] for item in response.get_json()["items"]]


# -- list ----------------------------------------------------------------------------


def test_list_returns_envelope_and_link_headers(api):
    client = api("viewer")
    for i in range(5):
        OrderFactory(log=f"4000{i}")
    db.session.commit()

    response = client.get(f"{URL}?per_page=2&page=2&sort=log")

    assert response.status_code == 200
    body = response.get_json()
    assert [o["log"] for o in body["items"]] == ["40002", "40003"]
    assert (body["page"], body["per_page"], body["total"], body["pages"]) == (2, 2, 5, 3)
    rels = links(response)
    assert set(rels) == {"first", "prev", "next", "last"}
    assert rels["first"]["page"] == ["1"]
    assert rels["prev"]["page"] == ["1"]
    assert rels["next"]["page"] == ["3"]
    assert rels["last"]["page"] == ["3"]
    assert all(r["per_page"] == ["2"] and r["sort"] == ["log"] for r in rels.values())


def test_list_first_page_has_no_prev_and_last_page_has_no_next(api):
    client = api("viewer")
    for i in range(3):
        OrderFactory(log=f"4100{i}")
    db.session.commit()

    first = client.get(f"{URL}?per_page=2&page=1")
    last = client.get(f"{URL}?per_page=2&page=2")

    assert set(links(first)) == {"first", "next", "last"}
    assert set(links(last)) == {"first", "prev", "last"}
    assert len(last.get_json()["items"]) == 1


def test_list_items_carry_customer_code_and_money_strings(api):
    client = api("viewer")
    order = OrderFactory(log="41100")
    ChargeFactory(order=order, kind="print", quantity=Decimal("3"), unit_price=Decimal("2.5"))
    db.session.commit()

    item = client.get(URL).get_json()["items"][0]

    assert item["log"] == "41100"
    assert item["customer"] == order.customer.code
    assert item["subtotal"] == "7.50"
    assert item["total"] == "7.50"


@pytest.mark.parametrize(("per_page", "status"), [(100, 200), (101, 422), (0, 422)])
def test_per_page_is_capped_at_100(api, per_page, status):
    client = api("viewer")

    response = client.get(f"{URL}?per_page={per_page}")

    if status == 200:
        assert response.status_code == 200
        assert response.get_json()["per_page"] == 100
    else:
        body = assert_problem(response, 422)
        assert "per_page" in body["errors"]


def test_list_rejects_unknown_job_type_filter_naming_the_field(api):
    response = api("viewer").get(f"{URL}?job_type=XX")

    body = assert_problem(response, 422)
    assert "job_type" in body["errors"]


def test_list_filters(api):
    client = api("viewer")
    acme = CustomerFactory(code="ACME1", name="Acme Athletics")
    other = CustomerFactory(code="OTHR2", name="Zenith Sports")
    OrderFactory(
        log="50001",
        customer=acme,
        title="Lions Hoodies",
        job_type="TR",
        received_on=TODAY - timedelta(days=20),
        due_on=TODAY - timedelta(days=10),
    )
    OrderFactory(
        log="50002",
        customer=other,
        title="Tigers Caps",
        job_type="DP",
        rush=True,
        status="production",
        art_log="A7701",
        received_on=TODAY - timedelta(days=3),
        due_on=TODAY + timedelta(days=4),
    )
    OrderFactory(
        log="50003",
        customer=other,
        title="Lions Banners",
        job_type="VG",
        customer_po="PO-99",
        received_on=TODAY,
        due_on=TODAY + timedelta(days=30),
    )
    db.session.commit()

    def found(query: str) -> list[str]:
        return sorted(logs_of(client.get(f"{URL}?{query}")))

    assert found("q=lions") == ["50001", "50003"]
    assert found("q=50002") == ["50002"]
    assert found("q=acme1") == ["50001"]
    assert found("q=zenith") == ["50002", "50003"]
    assert found("q=PO-99") == ["50003"]
    assert found("q=a7701") == ["50002"]
    assert found("job_type=DP") == ["50002"]
    assert found("status=production") == ["50002"]
    assert found("status=received") == ["50001", "50003"]
    assert found("rush=true") == ["50002"]
    assert found("rush=false") == ["50001", "50003"]
    assert found("customer=othr2") == ["50002", "50003"]
    assert found(f"received_from={(TODAY - timedelta(days=5)).isoformat()}") == ["50002", "50003"]
    assert found(f"received_to={(TODAY - timedelta(days=5)).isoformat()}") == ["50001"]
    assert found(
        f"due_from={TODAY.isoformat()}&due_to={(TODAY + timedelta(days=7)).isoformat()}"
    ) == ["50002"]
    assert found("q=lions&job_type=VG") == ["50003"]
    assert found("q=nothing-like-this") == []


def test_list_sorts_ascending_and_descending(api):
    client = api("viewer")
    OrderFactory(log="60002", due_on=TODAY + timedelta(days=9))
    OrderFactory(log="60001", due_on=TODAY + timedelta(days=20))
    OrderFactory(log="60003", due_on=TODAY + timedelta(days=1))
    db.session.commit()

    assert logs_of(client.get(f"{URL}?sort=log")) == ["60001", "60002", "60003"]
    assert logs_of(client.get(f"{URL}?sort=-log")) == ["60003", "60002", "60001"]
    assert logs_of(client.get(f"{URL}?sort=due_on")) == ["60003", "60002", "60001"]


def test_trash_listing_is_for_roles_that_can_restore(api):
    OrderFactory(log="61001")
    OrderFactory(log="61002", deleted_at=sa.func.now())
    db.session.commit()

    assert logs_of(api("manager").get(f"{URL}?deleted=true")) == ["61002"]
    assert logs_of(api("admin").get(f"{URL}?deleted=true")) == ["61002"]
    # Without the restore capability the trash stays hidden: the live list is returned.
    assert logs_of(api("staff").get(f"{URL}?deleted=true")) == ["61001"]
    assert logs_of(api("viewer").get(f"{URL}?deleted=true")) == ["61001"]
    assert logs_of(api("manager").get(URL)) == ["61001"]


# -- read ----------------------------------------------------------------------------


def test_get_returns_order_with_records_and_etag(api):
    client = api("viewer")
    order = OrderFactory(log="70001", sales_tax=Decimal("1.00"), freight=Decimal("2.00"))
    ChargeFactory(order=order, kind="print", quantity=Decimal("10"), unit_price=Decimal("1.25"))
    ShipmentFactory(order=order, method="FEDEX", carrier="2", weight=Decimal("4.00"))
    db.session.commit()

    response = client.get(f"{URL}/70001")

    assert response.status_code == 200
    assert response.headers["ETag"] == f'"v{order.version}"'
    body = response.get_json()
    assert body["log"] == "70001"
    assert body["version"] == order.version
    assert body["charges"] == [
        {"kind": "print", "quantity": "10.000", "unit_price": "1.2500", "total": "12.50"}
    ]
    assert body["shipment"] == {
        "method": "FEDEX",
        "carrier": "2",
        "weight": "4.00",
        "shipped_on": None,
    }
    assert (body["subtotal"], body["sales_tax"], body["freight"], body["total"]) == (
        "12.50",
        "1.00",
        "2.00",
        "15.50",
    )


def test_get_accepts_lower_case_log(api):
    committed_order(log="AB123")

    response = api("viewer").get(f"{URL}/ab123")

    assert response.status_code == 200
    assert response.get_json()["log"] == "AB123"


def test_get_unknown_order_is_404_problem(api):
    response = api("viewer").get(f"{URL}/99999")

    body = assert_problem(response, 404)
    assert "99999" in body["detail"]


def test_get_deleted_order_is_404(api):
    committed_order(log="70002", deleted_at=sa.func.now())

    assert_problem(api("manager").get(f"{URL}/70002"), 404)


# -- create --------------------------------------------------------------------------


def test_create_stores_order_and_echoes_it(api):
    client = api("staff")
    CustomerFactory(code="CEN15")
    db.session.commit()

    response = client.post(URL, json=new_order_body("CEN15"))

    assert response.status_code == 201, response.text
    assert response.headers["Location"].endswith("/api/v1/orders/30001")
    assert response.headers["ETag"] == '"v1"'
    body = response.get_json()
    assert body["log"] == "30001"
    assert body["customer"] == "CEN15"
    assert body["status"] == "received"
    assert body["rush"] is True
    assert body["charges"] == [
        {"kind": "print", "quantity": "24.000", "unit_price": "4.5000", "total": "108.00"},
        {"kind": "rush", "quantity": "1.000", "unit_price": "12.5000", "total": "12.50"},
    ]
    assert body["art_proofs"] == [
        {"slot": 1, "code": "00011", "received_on": None, "sent_on": None, "amount": "25.00"}
    ]
    assert body["print_items"] == [{"slot": 2, "code": "FRONT", "amount": "1.00"}]
    assert body["setup_items"] == [{"slot": 1, "code": "SCRN", "amount": "15.00"}]
    assert body["pack_items"][0]["slot"] == 1
    assert body["pack_items"][0]["code"] == "BOX"
    assert Decimal(body["pack_items"][0]["units"]) == 2
    assert body["shipment"] == {
        "method": "UPS",
        "carrier": "1",
        "weight": "3.50",
        "shipped_on": None,
    }
    assert (body["subtotal"], body["sales_tax"], body["freight"], body["total"]) == (
        "120.50",
        "7.25",
        "10.00",
        "137.75",
    )
    assert [
        (h["from_status"], h["to_status"], h["changed_by_id"]) for h in body["status_history"]
    ] == [(None, "received", client.user.id)]

    order = stored("30001")
    assert order.customer.code == "CEN15"
    assert order.subtotal == Decimal("120.50")
    assert order.total == Decimal("137.75")
    assert [(c.kind, c.total) for c in order.charges] == [
        ("print", Decimal("108.00")),
        ("rush", Decimal("12.50")),
    ]
    assert order.shipment is not None
    assert order.shipment.weight == Decimal("3.50")


def test_create_trims_text_and_defaults_received_to_today(api):
    CustomerFactory(code="CEN15")
    db.session.commit()
    body = {"log": " AB12C ", "customer": "CEN15", "job_type": "DTF", "title": " Decals "}

    response = api("staff").post(URL, json=body)

    assert response.status_code == 201, response.text
    assert response.get_json()["log"] == "AB12C"
    assert response.get_json()["received_on"] == TODAY.isoformat()
    assert response.get_json()["title"] == "Decals"
    assert response.get_json()["total"] == "0.00"
    order = stored("AB12C")
    assert (order.job_type, order.title, order.status) == ("DTF", "Decals", "received")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"log": "12"}, "log"),
        ({"log": "10-234"}, "log"),
        ({"log": "12345678"}, "log"),
        ({"job_type": "XX"}, "job_type"),
        ({"title": ""}, "title"),
        ({"priority": 12}, "priority"),
        ({"customer": "NOPE1"}, "customer"),
        (
            {"charges": [{"kind": "print", "quantity": "2", "unit_price": "-1.00"}]},
            "charges.0.unit_price",
        ),
        (
            {
                "charges": [
                    {"kind": "print", "quantity": "1", "unit_price": "1"},
                    {"kind": "bogus", "quantity": "1", "unit_price": "1"},
                ]
            },
            "charges.1.kind",
        ),
        (
            {"received_on": TODAY.isoformat(), "due_on": (TODAY - timedelta(days=1)).isoformat()},
            "due_on",
        ),
        ({"art_proofs": [{"slot": 10, "code": "X"}]}, "art_proofs.0.slot"),
        ({"shipment": {"method": "M" * 11}}, "shipment.method"),
        ({"sales_tax": "-0.01"}, "sales_tax"),
    ],
)
def test_create_with_bad_input_is_422_naming_the_field_and_stores_nothing(api, overrides, field):
    CustomerFactory(code="CEN15")
    db.session.commit()

    response = api("staff").post(URL, json=new_order_body("CEN15", **overrides))

    body = assert_problem(response, 422)
    assert field in body["errors"], body
    assert all(isinstance(m, str) and m for m in body["errors"][field])
    assert field in body["detail"]
    assert count(Order) == 0
    assert count(Charge) == 0
    assert count(StatusChange) == 0


def test_create_reports_every_missing_required_field(api):
    response = api("staff").post(URL, json={})

    body = assert_problem(response, 422)
    assert {"log", "customer", "job_type", "title"} <= set(body["errors"])
    assert body["errors"]["title"] == ["Title is required."]
    assert count(Order) == 0


def test_negative_unit_price_message_says_what_is_wrong(api):
    CustomerFactory(code="CEN15")
    db.session.commit()
    body = new_order_body("CEN15", charges=[{"kind": "art", "quantity": "1", "unit_price": "-5"}])

    errors = api("staff").post(URL, json=body).get_json()["errors"]

    [message] = errors["charges.0.unit_price"]
    assert message == "Unit price cannot be negative."


def test_due_date_before_received_message_names_both_dates(api):
    CustomerFactory(code="CEN15")
    db.session.commit()
    body = new_order_body("CEN15", received_on="2025-03-10", due_on="2025-03-01")

    errors = api("staff").post(URL, json=body).get_json()["errors"]

    assert list(errors) == ["due_on"]
    assert errors["due_on"] == ["Due out cannot be before date received."]


def test_duplicate_log_is_409_and_keeps_the_first_order(api):
    first = committed_order(log="30001", title="Original")

    response = api("staff").post(URL, json=new_order_body(first.customer.code))

    body = assert_problem(response, 409)
    assert "30001" in body["detail"]
    assert count(Order) == 1
    assert stored("30001").title == "Original"


def test_log_of_a_deleted_order_cannot_be_reused(api):
    first = committed_order(log="30001", deleted_at=sa.func.now())

    response = api("staff").post(URL, json=new_order_body(first.customer.code))

    assert_problem(response, 409)
    assert count(Order) == 1


def test_create_refuses_unknown_fields_by_name(api):
    CustomerFactory(code="CEN15")
    db.session.commit()

    response = api("staff").post(URL, json=new_order_body("CEN15", colour="red"))

    assert assert_problem(response, 422)["errors"] == {"colour": ["Unknown field."]}
    assert count(Order) == 0


def test_create_with_malformed_json_is_a_400_problem(api):
    client = api("staff")

    response = client.client.post(
        URL,
        data="{not json",
        headers={"Authorization": f"Bearer {client.token}", "Content-Type": "application/json"},
    )

    assert_problem(response, 400)
    assert count(Order) == 0


def test_list_with_a_bad_date_filter_is_422_naming_it(api):
    response = api("viewer").get(f"{URL}?received_from=yesterday")

    assert "received_from" in assert_problem(response, 422)["errors"]


# -- change --------------------------------------------------------------------------


def test_patch_with_current_if_match_changes_order_and_returns_new_etag(api):
    client = api("staff")
    committed_order(log="30001", title="Old title")
    etag = client.get(f"{URL}/30001").headers["ETag"]

    response = client.patch(
        f"{URL}/30001", json={"title": "New title", "quantity": 48}, headers={"If-Match": etag}
    )

    assert response.status_code == 200, response.text
    assert response.get_json()["title"] == "New title"
    assert response.headers["ETag"] != etag
    assert response.headers["ETag"] == f'"v{response.get_json()["version"]}"'
    order = stored("30001")
    assert (order.title, order.quantity) == ("New title", 48)
    assert response.headers["ETag"] == f'"v{order.version}"'


def test_patch_with_the_new_etag_succeeds_again(api):
    client = api("staff")
    committed_order(log="30001")
    etag = client.get(f"{URL}/30001").headers["ETag"]
    etag2 = client.patch(f"{URL}/30001", json={"title": "A"}, headers={"If-Match": etag}).headers[
        "ETag"
    ]

    response = client.patch(f"{URL}/30001", json={"title": "B"}, headers={"If-Match": etag2})

    assert response.status_code == 200
    assert stored("30001").title == "B"


def test_patch_with_stale_if_match_is_412_and_leaves_order_unchanged(api):
    client = api("staff")
    committed_order(log="30001", title="Their title")
    stale = client.get(f"{URL}/30001").headers["ETag"]
    assert (
        client.patch(
            f"{URL}/30001", json={"title": "Someone else"}, headers={"If-Match": stale}
        ).status_code
        == 200
    )
    version_after_first_edit = stored("30001").version

    response = client.patch(f"{URL}/30001", json={"title": "Mine"}, headers={"If-Match": stale})

    body = assert_problem(response, 412)
    assert "ETag" in body["detail"]
    order = stored("30001")
    assert order.title == "Someone else"
    assert order.version == version_after_first_edit


def test_patch_with_stale_body_version_is_409_with_clear_detail(api):
    client = api("staff")
    order = committed_order(log="30001", title="Original")
    old_version = order.version
    client.patch(f"{URL}/30001", json={"title": "Changed", "version": old_version})

    response = client.patch(f"{URL}/30001", json={"title": "Mine", "version": old_version})

    body = assert_problem(response, 409)
    assert "30001" in body["detail"]
    assert "changed by someone else" in body["detail"]
    assert "not saved" in body["detail"]
    assert stored("30001").title == "Changed"


def test_patch_with_current_body_version_succeeds(api):
    order = committed_order(log="30001")

    response = api("staff").patch(
        f"{URL}/30001", json={"title": "Via version", "version": order.version}
    )

    assert response.status_code == 200, response.text
    assert stored("30001").title == "Via version"


def test_patch_without_if_match_or_version_is_428(api):
    committed_order(log="30001", title="Original")

    response = api("staff").patch(f"{URL}/30001", json={"title": "Blind write"})

    body = assert_problem(response, 428)
    assert "If-Match" in body["detail"]
    assert stored("30001").title == "Original"


def test_patch_charges_recalculates_totals(api):
    client = api("staff")
    order = committed_order(log="30001", freight=Decimal("5.00"))
    ChargeFactory(order=order, kind="print", quantity=Decimal("10"), unit_price=Decimal("1"))
    db.session.commit()
    etag = client.get(f"{URL}/30001").headers["ETag"]

    response = client.patch(
        f"{URL}/30001",
        headers={"If-Match": etag},
        json={
            "charges": [
                {"kind": "print", "quantity": "12", "unit_price": "2.25"},
                {"kind": "garment", "quantity": "12", "unit_price": "3.10"},
            ]
        },
    )

    assert response.status_code == 200, response.text
    body = response.get_json()
    assert [c["total"] for c in body["charges"]] == ["27.00", "37.20"]
    assert (body["subtotal"], body["total"]) == ("64.20", "69.20")
    assert stored("30001").total == Decimal("69.20")


def test_patch_with_invalid_value_is_422_and_changes_nothing(api):
    client = api("staff")
    committed_order(log="30001", title="Original", received_on=TODAY)
    etag = client.get(f"{URL}/30001").headers["ETag"]

    response = client.patch(
        f"{URL}/30001",
        headers={"If-Match": etag},
        json={"title": "Changed", "due_on": (TODAY - timedelta(days=3)).isoformat()},
    )

    body = assert_problem(response, 422)
    assert list(body["errors"]) == ["due_on"]
    order = stored("30001")
    assert order.title == "Original"
    assert order.due_on != TODAY - timedelta(days=3)


def test_patch_cannot_change_the_log(api):
    order = committed_order(log="30001")

    response = api("staff").patch(f"{URL}/30001", json={"log": "30002", "version": order.version})

    # The LOG is not a writable field: the schema refuses it as unknown.
    body = assert_problem(response, 422)
    assert "log" in body["errors"]
    assert count(Order) == 1
    assert stored("30001").log == "30001"


def test_patch_cannot_change_status_directly(api):
    order = committed_order(log="30001")

    response = api("staff").patch(
        f"{URL}/30001", json={"status": "shipped", "version": order.version}
    )

    body = assert_problem(response, 422)
    assert "status" in body["errors"]
    assert stored("30001").status == "received"


def test_patch_accepts_a_weak_etag(api):
    client = api("staff")
    committed_order(log="30001")
    etag = client.get(f"{URL}/30001").headers["ETag"]

    response = client.patch(
        f"{URL}/30001", json={"title": "Weak"}, headers={"If-Match": f"W/{etag}"}
    )

    assert response.status_code == 200, response.text
    assert stored("30001").title == "Weak"


def test_patch_to_an_unknown_customer_is_422_naming_customer(api):
    order = committed_order(log="30001")
    code = order.customer.code

    response = api("staff").patch(
        f"{URL}/30001", json={"customer": "NOPE1", "version": order.version}
    )

    errors = assert_problem(response, 422)["errors"]
    assert errors == {"customer": ["No customer with code NOPE1."]}
    assert stored("30001").customer.code == code


def test_patch_moves_the_order_to_another_customer(api):
    order = committed_order(log="30001")
    CustomerFactory(code="NEW01")
    db.session.commit()

    response = api("staff").patch(
        f"{URL}/30001", json={"customer": "NEW01", "version": order.version}
    )

    assert response.status_code == 200, response.text
    assert response.get_json()["customer"] == "NEW01"
    assert stored("30001").customer.code == "NEW01"


def test_patch_with_a_charge_kind_twice_is_422(api):
    order = committed_order(log="30001")

    response = api("staff").patch(
        f"{URL}/30001",
        json={
            "version": order.version,
            "charges": [
                {"kind": "print", "quantity": "1", "unit_price": "1"},
                {"kind": "print", "quantity": "2", "unit_price": "2"},
            ],
        },
    )

    assert "charges.1.kind" in assert_problem(response, 422)["errors"]
    assert count(Charge) == 0


def test_patch_unknown_order_is_404(api):
    response = api("staff").patch(f"{URL}/99999", json={"title": "x"}, headers={"If-Match": '"v1"'})

    assert_problem(response, 404)


# -- delete and restore -----------------------------------------------------------------


def test_delete_then_restore(api):
    staff, manager = api("staff"), api("manager")
    committed_order(log="30001")
    etag = staff.get(f"{URL}/30001").headers["ETag"]

    deleted = staff.delete(f"{URL}/30001", headers={"If-Match": etag})

    assert deleted.status_code == 204
    assert deleted.data == b""
    assert_problem(staff.get(f"{URL}/30001"), 404)
    assert stored("30001").deleted_at is not None
    assert logs_of(manager.get(f"{URL}?deleted=true")) == ["30001"]

    restored = manager.post(f"{URL}/30001/restore")

    assert restored.status_code == 200, restored.text
    assert restored.get_json()["log"] == "30001"
    assert restored.get_json()["deleted_at"] is None
    assert staff.get(f"{URL}/30001").status_code == 200
    assert stored("30001").deleted_at is None


def test_delete_without_if_match_is_428_and_keeps_the_order(api):
    committed_order(log="30001")

    response = api("staff").delete(f"{URL}/30001")

    assert_problem(response, 428)
    assert stored("30001").deleted_at is None


def test_delete_with_stale_if_match_is_412_and_keeps_the_order(api):
    client = api("staff")
    committed_order(log="30001")
    stale = client.get(f"{URL}/30001").headers["ETag"]
    client.patch(f"{URL}/30001", json={"title": "Edited"}, headers={"If-Match": stale})

    response = client.delete(f"{URL}/30001", headers={"If-Match": stale})

    assert_problem(response, 412)
    assert stored("30001").deleted_at is None


def test_restore_needs_the_restore_capability(api):
    committed_order(log="30001", deleted_at=sa.func.now())

    for role in ("staff", "artist", "shipping", "viewer"):
        assert_problem(api(role).post(f"{URL}/30001/restore"), 403)

    assert stored("30001").deleted_at is not None


def test_restoring_an_order_not_in_the_trash_is_409(api):
    committed_order(log="30001")

    body = assert_problem(api("manager").post(f"{URL}/30001/restore"), 409)

    assert "not in the trash" in body["detail"]


def test_restoring_an_unknown_order_is_404(api):
    assert_problem(api("manager").post(f"{URL}/99999/restore"), 404)


def test_delete_needs_orders_write(api):
    committed_order(log="30001")

    for role in ("artist", "shipping", "viewer"):
        assert_problem(api(role).delete(f"{URL}/30001", headers={"If-Match": "*"}), 403)

    assert stored("30001").deleted_at is None


# -- status workflow --------------------------------------------------------------------


def test_allowed_status_step_is_recorded_with_who(api):
    client = api("staff")
    order = committed_order(log="30001")

    response = client.post(
        f"{URL}/30001/status", json={"status": "art", "note": "to Jo", "version": order.version}
    )

    assert response.status_code == 200, response.text
    body = response.get_json()
    assert body["status"] == "art"
    last = body["status_history"][-1]
    assert (last["from_status"], last["to_status"], last["changed_by_id"], last["note"]) == (
        "received",
        "art",
        client.user.id,
        "to Jo",
    )
    assert last["changed_at"]
    assert response.headers["ETag"] == f'"v{stored("30001").version}"'
    assert stored("30001").status == "art"
    assert count(StatusChange) == 1


def test_status_step_with_if_match(api):
    client = api("staff")
    committed_order(log="30001", status="ready")
    etag = client.get(f"{URL}/30001").headers["ETag"]

    response = client.post(
        f"{URL}/30001/status", json={"status": "shipped"}, headers={"If-Match": etag}
    )

    assert response.status_code == 200, response.text
    assert response.get_json()["shipped_on"] == TODAY.isoformat()
    order = stored("30001")
    assert (order.status, order.shipped_on) == ("shipped", TODAY)


def test_disallowed_status_step_is_409_and_changes_nothing(api):
    order = committed_order(log="30001")

    response = api("staff").post(
        f"{URL}/30001/status", json={"status": "shipped", "version": order.version}
    )

    body = assert_problem(response, 409)
    assert "received" in body["detail"]
    assert "shipped" in body["detail"]
    assert "allowed next" in body["detail"]
    order = stored("30001")
    assert (order.status, order.shipped_on) == ("received", None)
    assert count(StatusChange) == 0


def test_unknown_status_is_422_naming_status(api):
    order = committed_order(log="30001")

    response = api("staff").post(
        f"{URL}/30001/status", json={"status": "lost", "version": order.version}
    )

    body = assert_problem(response, 422)
    assert "status" in body["errors"]
    assert stored("30001").status == "received"


def test_status_step_without_version_is_428(api):
    committed_order(log="30001")

    response = api("staff").post(f"{URL}/30001/status", json={"status": "art"})

    assert_problem(response, 428)
    assert stored("30001").status == "received"


def test_status_step_with_stale_version_is_409(api):
    order = committed_order(log="30001")
    old = order.version
    client = api("staff")
    client.patch(f"{URL}/30001", json={"title": "Edited", "version": old})

    response = client.post(f"{URL}/30001/status", json={"status": "art", "version": old})

    assert_problem(response, 409)
    assert stored("30001").status == "received"


def test_status_step_needs_orders_write(api):
    committed_order(log="30001")

    for role in ("artist", "shipping", "viewer"):
        response = api(role).post(
            f"{URL}/30001/status", json={"status": "art"}, headers={"If-Match": "*"}
        )
        assert_problem(response, 403)

    assert stored("30001").status == "received"
    assert count(StatusChange) == 0


# -- field-level permissions -------------------------------------------------------------


def test_artist_may_not_change_the_title(api):
    order = committed_order(log="30001", title="Original")

    response = api("artist").patch(f"{URL}/30001", json={"title": "Mine", "version": order.version})

    body = assert_problem(response, 403)
    assert "title" in body["detail"]
    assert stored("30001").title == "Original"


def test_artist_may_change_art_fields(api):
    client = api("artist")
    committed_order(log="30001")
    etag = client.get(f"{URL}/30001").headers["ETag"]

    response = client.patch(
        f"{URL}/30001",
        headers={"If-Match": etag},
        json={
            "art_log": "A1234",
            "artist": "JO",
            "art_proofs": [{"slot": 1, "code": "P1", "amount": "12.00"}],
        },
    )

    assert response.status_code == 200, response.text
    assert response.get_json()["art_log"] == "A1234"
    order = stored("30001")
    assert (order.art_log, order.artist) == ("A1234", "JO")
    assert [(p.slot, p.code, p.amount) for p in order.art_proofs] == [(1, "P1", Decimal("12.00"))]


def test_art_codes_sent_in_lower_case_are_stored_upper_case_and_found(api):
    client = api("artist")
    order = committed_order(log="30001")

    response = client.patch(
        f"{URL}/30001", json={"art_log": "a1234", "artist": "jo", "version": order.version}
    )

    assert response.status_code == 200, response.text
    assert (stored("30001").art_log, stored("30001").artist) == ("A1234", "JO")
    assert logs_of(client.get(f"{URL}?q=a1234")) == ["30001"]
    assert logs_of(client.get(f"{URL}?artist=jo")) == ["30001"]


def test_artist_mixing_allowed_and_refused_fields_changes_nothing(api):
    order = committed_order(log="30001", title="Original")

    response = api("artist").patch(
        f"{URL}/30001", json={"art_log": "A1234", "freight": "9.00", "version": order.version}
    )

    body = assert_problem(response, 403)
    assert "freight" in body["detail"]
    order = stored("30001")
    assert order.art_log is None
    assert order.freight == Decimal("0.00")


def test_shipping_may_change_the_shipment(api):
    client = api("shipping")
    committed_order(log="30001")
    etag = client.get(f"{URL}/30001").headers["ETag"]

    response = client.patch(
        f"{URL}/30001",
        headers={"If-Match": etag},
        json={"shipment": {"method": "UPS", "carrier": "3", "weight": "12.5"}, "freight": "18.40"},
    )

    assert response.status_code == 200, response.text
    body = response.get_json()
    assert body["shipment"]["weight"] == "12.50"
    assert (body["freight"], body["total"]) == ("18.40", "18.40")
    order = stored("30001")
    assert order.shipment is not None
    assert (order.shipment.method, order.shipment.carrier) == ("UPS", "3")
    assert order.freight == Decimal("18.40")


def test_shipping_may_not_change_the_title(api):
    order = committed_order(log="30001", title="Original")

    response = api("shipping").patch(
        f"{URL}/30001", json={"title": "Mine", "version": order.version}
    )

    assert_problem(response, 403)
    assert stored("30001").title == "Original"


def test_viewer_may_not_patch(api):
    order = committed_order(log="30001", title="Original")

    response = api("viewer").patch(f"{URL}/30001", json={"art_log": "A1", "version": order.version})

    assert_problem(response, 403)
    assert stored("30001").art_log is None


# -- authentication -----------------------------------------------------------------------


def test_no_credentials_is_401_problem(client):
    for method, url in [
        ("GET", URL),
        ("GET", f"{URL}/30001"),
        ("POST", URL),
        ("PATCH", f"{URL}/30001"),
        ("DELETE", f"{URL}/30001"),
    ]:
        response = client.open(url, method=method, json={})
        assert_problem(response, 401)


def test_bad_token_is_401(app, client, make_user):
    make_user("staff")

    response = client.get(URL, headers={"Authorization": "Bearer plg_not-a-real-token"})

    assert_problem(response, 401)


def test_revoked_token_is_401(api):
    from presslog.core.db import utcnow

    client = api("staff")
    assert client.get(URL).status_code == 200
    for token in client.user.tokens:
        token.revoked_at = utcnow()
    db.session.commit()

    assert_problem(client.get(URL), 401)


def test_token_of_deactivated_user_is_401(api):
    client = api("staff")
    client.user.active = False
    db.session.commit()

    assert_problem(client.get(URL), 401)


def test_viewer_may_read_but_not_create(api):
    client = api("viewer")
    customer = CustomerFactory(code="CEN15")
    db.session.commit()

    assert client.get(URL).status_code == 200
    response = client.post(URL, json=new_order_body(customer.code))

    assert_problem(response, 403)
    assert count(Order) == 0


def test_limited_editors_may_not_create(api):
    CustomerFactory(code="CEN15")
    db.session.commit()

    for role in ("artist", "shipping"):
        assert_problem(api(role).post(URL, json=new_order_body("CEN15")), 403)

    assert count(Order) == 0


def test_session_cookie_client_may_read_the_api(as_role):
    committed_order(log="30001")
    browser = as_role("viewer")

    response = browser.get(f"{URL}/30001")

    assert response.status_code == 200
    assert response.get_json()["log"] == "30001"


def test_session_cookie_write_needs_the_csrf_header(as_role):
    CustomerFactory(code="CEN15")
    db.session.commit()
    browser = as_role("staff")

    refused = browser.post(URL, json=new_order_body("CEN15"))

    assert refused.status_code == 400
    assert count(Order) == 0

    accepted = browser.post(
        URL, json=new_order_body("CEN15"), headers={"X-CSRFToken": browser.csrf}
    )

    assert accepted.status_code == 201, accepted.text
    assert stored("30001").status_changes[0].changed_by_id == browser.user.id


def test_session_cookie_patch_and_delete_need_the_csrf_header(as_role):
    order = committed_order(log="30001", title="Original")
    browser = as_role("staff")

    refused = browser.patch(f"{URL}/30001", json={"title": "X", "version": order.version})
    assert refused.status_code == 400
    assert stored("30001").title == "Original"

    refused = browser.delete(f"{URL}/30001", headers={"If-Match": "*"})
    assert refused.status_code == 400
    assert stored("30001").deleted_at is None

    accepted = browser.delete(
        f"{URL}/30001", headers={"If-Match": "*", "X-CSRFToken": browser.csrf}
    )
    assert accepted.status_code == 204
    assert stored("30001").deleted_at is not None


def test_bearer_token_writes_need_no_csrf_header(api):
    CustomerFactory(code="CEN15")
    db.session.commit()

    response = api("staff").post(URL, json=new_order_body("CEN15"))

    assert response.status_code == 201, response.text

"""Order pages through the browser's eyes: lists, the order page, and the real forms
(filled from the HTML the app serves, CSRF token included)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from presslog.core.error_handlers import PAGES
from presslog.extensions import db
from presslog.orders import rules
from presslog.orders.models import Order
from tests.factories import (
    ArtProofFactory,
    ChargeFactory,
    CustomerFactory,
    OrderFactory,
    ShipmentFactory,
    StatusChangeFactory,
)
from tests.helpers import (
    CONTROL,
    error_beside,
    form_data,
    invalid_controls,
    link,
    page_text,
    sort_link,
)

# -- helpers for this file ------------------------------------------------------------


def listed_logs(page: str) -> list[str]:
    """LOG numbers in the order list, in table order."""
    return re.findall(r'<a class="fw-semibold" href="/orders/([^"/]+)">', page)


def stored(log: str) -> Order:
    """The order as the database holds it now (deleted or not)."""
    db.session.expire_all()
    return db.session.scalars(select(Order).where(Order.log == log)).one()


def order_count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Order)) or 0


def new_order_form(client: FlaskClient, **values: Any) -> dict[str, str]:
    """The new-order form as served, filled with a valid job plus ``values``."""
    page = client.get("/orders/new")
    assert page.status_code == 200
    data = form_data(page.text, has="log")
    data.update(
        {
            "log": "10240",
            "customer": "cen15",
            "job_type": "TR",
            "title": "Eagles Team Shirts",
            "quantity": "48",
        }
    )
    data.update({k: str(v) for k, v in values.items()})
    return data


@pytest.fixture
def central(app: Any) -> Any:
    customer = CustomerFactory(code="CEN15", name="Central High Boosters")
    db.session.commit()
    return customer


# -- the list -------------------------------------------------------------------------


def test_order_list_searches_by_log_customer_and_title(as_role):
    client = as_role("viewer")
    central = CustomerFactory(code="CEN15", name="Central High Boosters")
    river = CustomerFactory(code="RIV01", name="Riverside Bowling League")
    OrderFactory(log="10234", customer=central, title="Eagles Team Shirts")
    OrderFactory(log="10235", customer=river, title="League Night Shirts")
    OrderFactory(log="A7701", customer=river, title="Banner 3x8")
    db.session.commit()

    def search(q: str) -> list[str]:
        response = client.get("/orders", query_string={"q": q})
        assert response.status_code == 200
        return sorted(listed_logs(response.text))

    assert search("10234") == ["10234"]
    assert search("a7701") == ["A7701"]
    assert search("cen15") == ["10234"]
    assert search("riverside") == ["10235", "A7701"]
    assert search("EAGLES") == ["10234"]
    assert search("night shirts") == ["10235"]
    assert search("") == ["10234", "10235", "A7701"]
    empty = client.get("/orders?q=nothing-like-this")
    assert listed_logs(empty.text) == []
    assert "No orders match." in empty.text


def test_order_list_filters_by_field_and_keeps_them_in_the_url(as_role):
    client = as_role("staff")
    central = CustomerFactory(code="CEN15")
    for n in range(3):
        OrderFactory(log=f"1100{n}", customer=central, title=f"Shirts {n}", job_type="TR")
    OrderFactory(log="11010", customer=central, title="Shirts on film", job_type="DTF")
    OrderFactory(log="11011", customer=central, title="Shirts in art", status="art")
    OrderFactory(log="11012", title="Shirts elsewhere")
    db.session.commit()

    response = client.get(
        "/orders?q=shirts&customer=cen15&job_type=TR&status=received&per_page=2&sort=log"
    )
    assert response.status_code == 200
    assert listed_logs(response.text) == ["11000", "11001"]
    assert "1–2 of 3" in response.text
    # The filter bar shows what was asked for.
    assert 'name="q" value="shirts"' in response.text
    assert 'name="customer" value="cen15"' in response.text
    assert '<option value="TR" selected>' in response.text
    assert '<option value="received" selected>' in response.text
    # The next page keeps every filter, the sort and the page size.
    assert link(response.text, "next") == {
        "q": ["shirts"],
        "customer": ["cen15"],
        "job_type": ["TR"],
        "status": ["received"],
        "per_page": ["2"],
        "sort": ["log"],
        "page": ["2"],
    }
    second = client.get(
        "/orders?q=shirts&customer=cen15&job_type=TR&status=received&per_page=2&sort=log&page=2"
    )
    assert listed_logs(second.text) == ["11002"]
    # A sort link keeps the filters and goes back to the first page.
    query, _ = sort_link(second.text, "Due out")
    assert query == {
        "q": ["shirts"],
        "customer": ["cen15"],
        "job_type": ["TR"],
        "status": ["received"],
        "per_page": ["2"],
        "sort": ["due_on"],
    }

    assert listed_logs(client.get("/orders?job_type=DTF").text) == ["11010"]
    assert listed_logs(client.get("/orders?status=art").text) == ["11011"]


def test_order_list_paginates_with_working_links(as_role):
    client = as_role("viewer")
    for n in range(7):
        OrderFactory(log=f"3000{n}")
    db.session.commit()

    first = client.get("/orders?sort=log&per_page=3")
    assert listed_logs(first.text) == ["30000", "30001", "30002"]
    assert "1–3 of 7" in first.text
    assert "1 / 3" in first.text
    assert re.search(
        r'<li class="page-item disabled"><a class="page-link" href="[^"]*" '
        r'rel="prev">',
        first.text,
    )
    nxt = link(first.text, "next")
    assert nxt["page"] == ["2"]
    second = client.get("/orders", query_string={k: v[0] for k, v in nxt.items()})
    assert listed_logs(second.text) == ["30003", "30004", "30005"]
    assert link(second.text, "prev")["page"] == ["1"]
    last = client.get("/orders?sort=log&per_page=3&page=3")
    assert listed_logs(last.text) == ["30006"]
    assert "7–7 of 7" in last.text
    assert re.search(
        r'<li class="page-item disabled"><a class="page-link" href="[^"]*" '
        r'rel="next">',
        last.text,
    )
    # Nonsense paging falls back to sane values instead of failing.
    assert listed_logs(client.get("/orders?sort=log&per_page=abc&page=-4").text)[:1] == ["30000"]


def test_order_list_sorts_by_column_and_links_toggle_the_direction(as_role):
    client = as_role("viewer")
    today = date.today()
    OrderFactory(log="40002", title="beta", received_on=today - timedelta(days=9))
    OrderFactory(log="40001", title="Gamma", received_on=today - timedelta(days=1))
    OrderFactory(log="40003", title="alpha", received_on=today - timedelta(days=5))
    db.session.commit()

    default = client.get("/orders")
    assert listed_logs(default.text) == ["40001", "40003", "40002"]  # newest received first
    query, state = sort_link(default.text, "Received")
    assert state == "descending"
    assert query == {"sort": ["received_on"]}

    by_log = client.get("/orders?sort=log")
    assert listed_logs(by_log.text) == ["40001", "40002", "40003"]
    query, state = sort_link(by_log.text, "LOG")
    assert state == "ascending"
    assert query == {"sort": ["-log"]}
    assert listed_logs(client.get("/orders?sort=-log").text) == ["40003", "40002", "40001"]
    assert listed_logs(client.get("/orders?sort=title").text) == ["40003", "40002", "40001"]
    # An unknown column is ignored rather than an error.
    unknown = client.get("/orders?sort=password_hash")
    assert unknown.status_code == 200
    assert listed_logs(unknown.text) == ["40001", "40003", "40002"]


# -- the order page ----------------------------------------------------------------------


def test_order_page_shows_charges_totals_and_history(as_role, central):
    client = as_role("viewer")
    order = OrderFactory(
        log="10234",
        customer=central,
        title="Eagles Team Shirts",
        sales_tax=Decimal("7.50"),
        freight=Decimal("12.00"),
    )
    ChargeFactory(order=order, kind="print", quantity=Decimal("24"), unit_price=Decimal("4.50"))
    ChargeFactory(order=order, kind="rush", quantity=Decimal("1"), unit_price=Decimal("15"))
    ArtProofFactory(order_id=order.id, slot=2, code="PRF22", amount=Decimal("25.00"))
    ShipmentFactory(order=order, method="UPS", carrier="GROUND", weight=Decimal("3.50"))
    StatusChangeFactory(order_id=order.id, from_status=None, to_status="received")
    StatusChangeFactory(
        order_id=order.id, from_status="received", to_status="art", note="proof sent"
    )
    db.session.commit()

    response = client.get("/orders/10234")
    assert response.status_code == 200
    text = page_text(response.text)
    assert "Order 10234 Eagles Team Shirts" in text
    assert "CEN15 · Central High Boosters" in text
    assert "Print 24 4.5 108.00" in text
    assert "Rush 1 15 15.00" in text
    assert "Subtotal 123.00 Sales tax 7.50 Freight 12.00 Total 142.50" in text
    assert "2 PRF22 — — 25.00" in text
    assert "UPS GROUND · 3.50 lb" in text
    assert re.search(r"UTC — Logged → Received .*UTC — Received → In art \(proof sent\)", text)
    assert f"version {stored('10234').version}" in text
    # Lower-case LOGs in the address find the order too.
    assert client.get("/orders/10234".lower()).status_code == 200


def test_order_page_for_a_viewer_offers_no_changes(as_role):
    client = as_role("viewer")
    OrderFactory(log="10234")
    db.session.commit()
    page = client.get("/orders/10234").text
    assert "/orders/10234/edit" not in page
    assert "/orders/10234/status" not in page
    assert "/orders/10234/delete" not in page
    assert "/orders/new" not in client.get("/orders").text


# -- creating -------------------------------------------------------------------------


def test_new_order_form_is_prefilled_and_carries_the_rules(as_role):
    client = as_role("staff")
    page = client.get("/orders/new?customer=cen15").text
    data = form_data(page, has="log")
    assert data["received_on"] == date.today().isoformat()
    assert data["customer"] == "CEN15"
    assert data["csrf_token"]
    assert [data[f"charges-{i}-kind"] for i in range(9)] == list(rules.CHARGE_KINDS)
    assert [data[f"art_proofs-{i}-slot"] for i in range(9)] == [str(n) for n in range(1, 10)]
    # The browser checks the same LOG rule the server does.
    log_input = re.search(CONTROL.format("log"), page)
    assert log_input
    assert f'pattern="{rules.LOG.pattern}"' in log_input.group(0)
    assert f'data-msg-pattern="{rules.LOG.pattern_message}"' in log_input.group(0)


def test_create_order_through_the_form_stores_it_with_its_records(as_role, central):
    client = as_role("staff")
    due = date.today() + timedelta(days=10)
    data = new_order_form(
        client,
        priority=2,
        rush="y",
        due_on=due.isoformat(),
        customer_po="PO-77",
        sales_tax="0",
        freight="9.50",
        **{
            "charges-0-quantity": "48",
            "charges-0-unit_price": "3.25",
            "charges-1-quantity": "1",
            "charges-1-unit_price": "20",
            "art_proofs-0-code": "00011",
            "art_proofs-0-amount": "25",
            "art_proofs-0-received_on": date.today().isoformat(),
            "pack_items-1-code": "BOX",
            "pack_items-1-units": "2",
            "shipment-method": "ups",
            "shipment-weight": "4.25",
        },
    )
    response = client.post("/orders/new", data=data)
    assert response.status_code == 302, page_text(response.text)
    assert response.headers["Location"] == "/orders/10240"

    order = stored("10240")
    assert order.customer.code == "CEN15"
    assert (order.title, order.job_type, order.priority, order.rush) == (
        "Eagles Team Shirts",
        "TR",
        2,
        True,
    )
    assert (order.received_on, order.due_on, order.customer_po) == (date.today(), due, "PO-77")
    assert order.status == "received"
    assert [(c.kind, c.quantity, c.unit_price, c.total) for c in order.charges] == [
        ("print", Decimal("48"), Decimal("3.25"), Decimal("156.00")),
        ("rush", Decimal("1"), Decimal("20"), Decimal("20.00")),
    ]
    assert (order.subtotal, order.freight, order.total) == (
        Decimal("176.00"),
        Decimal("9.50"),
        Decimal("185.50"),
    )
    assert [(p.slot, p.code, p.amount, p.received_on) for p in order.art_proofs] == [
        (1, "00011", Decimal("25.00"), date.today())
    ]
    assert [(p.slot, p.code, p.units) for p in order.pack_items] == [(2, "BOX", Decimal("2"))]
    assert order.print_items == []
    assert order.shipment is not None
    assert (order.shipment.method, order.shipment.weight) == ("UPS", Decimal("4.25"))
    assert [(h.from_status, h.to_status, h.changed_by_id) for h in order.status_changes] == [
        (None, "received", client.user.id)
    ]

    shown = client.get("/orders/10240")
    assert "Order 10240 logged." in shown.text
    assert "Total 185.50" in page_text(shown.text)


def test_create_order_with_a_bad_log_shows_the_rule_beside_the_field(as_role, central):
    client = as_role("staff")
    response = client.post("/orders/new", data=new_order_form(client, log="10-34"))
    assert response.status_code == 422
    assert rules.LOG.pattern_message in error_beside(response.text, "log")
    assert invalid_controls(response.text) == {"log"}
    assert "Please correct the marked fields." in response.text
    # What was typed is still there to correct.
    again = form_data(response.text, has="log")
    assert (again["log"], again["title"]) == ("10-34", "Eagles Team Shirts")
    assert order_count() == 0


def test_create_order_with_a_negative_unit_price_is_refused(as_role, central):
    client = as_role("staff")
    data = new_order_form(client, **{"charges-0-quantity": "10", "charges-0-unit_price": "-1.50"})
    response = client.post("/orders/new", data=data)
    assert response.status_code == 422
    expected = " ".join(rules.UNIT_PRICE.errors(Decimal("-1.50")))
    assert "Unit price" in expected
    assert error_beside(response.text, "charges-0-unit_price") == expected
    assert invalid_controls(response.text) == {"charges-0-unit_price"}
    assert order_count() == 0


def test_create_order_due_before_received_is_refused(as_role, central):
    client = as_role("staff")
    received = date.today()
    data = new_order_form(
        client, received_on=received.isoformat(), due_on=(received - timedelta(days=1)).isoformat()
    )
    response = client.post("/orders/new", data=data)
    assert response.status_code == 422
    expected = (
        f"{rules.DATE_LABELS['due_on']} cannot be before "
        f"{rules.DATE_LABELS['received_on'].lower()}."
    )
    assert expected == "Due out cannot be before date received."
    assert error_beside(response.text, "due_on") == expected
    assert invalid_controls(response.text) == {"due_on"}
    assert order_count() == 0


def test_create_order_names_every_missing_or_unknown_field(as_role, central):
    client = as_role("staff")
    data = new_order_form(client, customer="zzz99", title="", job_type="")
    response = client.post("/orders/new", data=data)
    assert response.status_code == 422
    assert error_beside(response.text, "title") == rules.TITLE.required_message
    assert rules.JOB_TYPE.required_message in error_beside(response.text, "job_type")
    assert order_count() == 0

    unknown = client.post("/orders/new", data=new_order_form(client, customer="zzz99"))
    assert unknown.status_code == 422
    assert error_beside(unknown.text, "customer") == "No customer with code ZZZ99."
    assert order_count() == 0


def test_create_order_with_a_used_log_is_refused_and_the_first_kept(as_role, central):
    client = as_role("staff")
    OrderFactory(log="10240", customer=central, title="The first one")
    db.session.commit()
    response = client.post("/orders/new", data=new_order_form(client, title="Second"))
    assert response.status_code == 409
    assert "LOG 10240 is already used by another order" in response.text
    assert order_count() == 1
    assert stored("10240").title == "The first one"


def test_create_order_without_the_csrf_token_is_refused(as_role, central):
    client = as_role("staff")
    data = new_order_form(client)
    del data["csrf_token"]
    response = client.post("/orders/new", data=data)
    assert response.status_code == 400
    assert order_count() == 0


# -- editing ------------------------------------------------------------------------


@pytest.fixture
def full_order(central: Any) -> Order:
    order = OrderFactory(
        log="10234",
        customer=central,
        title="Eagles Team Shirts",
        priority=2,
        rush=True,
        art_enclosed=True,
        customer_po="PO-1",
        customer_note="Left chest, white ink",
        sales_tax=Decimal("3.10"),
        freight=Decimal("8.00"),
        artist="KIM",
        art_log="A1001",
    )
    ChargeFactory(order=order, kind="print", quantity=Decimal("24"), unit_price=Decimal("4.50"))
    ChargeFactory(order=order, kind="garment", quantity=Decimal("24"), unit_price=Decimal("3.125"))
    ArtProofFactory(
        order_id=order.id,
        slot=1,
        code="00011",
        amount=Decimal("25.00"),
        received_on=order.received_on,
    )
    ShipmentFactory(order=order, method="UPS", carrier="GROUND", weight=Decimal("3.50"))
    db.session.commit()
    return order


def snapshot(order: Order) -> dict[str, Any]:
    """Everything a form round trip could disturb."""
    return {
        **{
            name: getattr(order, name)
            for name in (
                "customer_id",
                "customer_po",
                "job_type",
                "title",
                "priority",
                "rush",
                "received_on",
                "art_due_on",
                "due_on",
                "shipped_on",
                "color_count",
                "quantity",
                "art_log",
                "reference_art_log",
                "artist",
                "location",
                "customer_note",
                "art_enclosed",
                "return_art",
                "reorder",
                "sales_tax",
                "freight",
                "subtotal",
                "total",
                "status",
            )
        },
        "charges": [(c.kind, c.quantity, c.unit_price, c.total) for c in order.charges],
        "art_proofs": [
            (p.slot, p.code, p.received_on, p.sent_on, p.amount) for p in order.art_proofs
        ],
        "shipment": (order.shipment.method, order.shipment.carrier, order.shipment.weight)
        if order.shipment
        else None,
    }


def test_saving_the_edit_form_unchanged_keeps_every_value(as_role, full_order):
    client = as_role("staff")
    before = snapshot(stored("10234"))
    data = form_data(client.get("/orders/10234/edit").text, has="version")
    assert "log" not in data  # the LOG is shown but cannot be sent
    response = client.post("/orders/10234/edit", data=data)
    assert response.status_code == 302, page_text(response.text)
    assert snapshot(stored("10234")) == before


def test_edit_order_changes_fields_and_charges(as_role, full_order):
    client = as_role("staff")
    version = stored("10234").version
    data = form_data(client.get("/orders/10234/edit").text, has="version")
    assert data["version"] == str(version)
    data.update(
        {
            "title": "Eagles Away Shirts",
            "rush": "",
            "quantity": "36",
            "charges-0-quantity": "36",  # print changed
            "charges-8-quantity": "",
            "charges-8-unit_price": "",  # garment removed
            "charges-2-quantity": "2",
            "charges-2-unit_price": "7.5",  # colour change
            "log": "99999",
        }
    )  # ignored
    del data["rush"]  # an unticked checkbox is not sent
    response = client.post("/orders/10234/edit", data=data)
    assert response.status_code == 302
    assert response.headers["Location"] == "/orders/10234"
    order = stored("10234")
    assert (order.title, order.rush, order.quantity) == ("Eagles Away Shirts", False, 36)
    assert [(c.kind, c.quantity, c.total) for c in order.charges] == [
        ("print", Decimal("36"), Decimal("162.00")),
        ("color_change", Decimal("2"), Decimal("15.00")),
    ]
    assert order.subtotal == Decimal("177.00")
    assert order.total == Decimal("188.10")
    assert order.version > version
    assert "Order 10234 saved." in client.get("/orders/10234").text


def test_edit_order_with_bad_values_shows_messages_and_changes_nothing(as_role, full_order):
    client = as_role("staff")
    before = snapshot(stored("10234"))
    data = form_data(client.get("/orders/10234/edit").text, has="version")
    data.update(
        {
            "title": "Changed",
            "priority": "12",
            "art_due_on": (full_order.received_on - timedelta(days=3)).isoformat(),
        }
    )
    response = client.post("/orders/10234/edit", data=data)
    assert response.status_code == 422
    assert error_beside(response.text, "priority") == " ".join(rules.PRIORITY.errors(12))
    data["priority"] = "1"
    response = client.post("/orders/10234/edit", data=data)
    assert response.status_code == 422
    assert error_beside(response.text, "art_due_on") == "Art due cannot be before date received."
    assert snapshot(stored("10234")) == before


def test_stale_edit_is_refused_and_the_first_persons_change_kept(as_role, full_order):
    alice, bob = as_role("staff"), as_role("staff")
    alice_form = form_data(alice.get("/orders/10234/edit").text, has="version")
    bob_form = form_data(bob.get("/orders/10234/edit").text, has="version")
    assert alice_form["version"] == bob_form["version"]

    alice_form["title"] = "Alice's title"
    assert alice.post("/orders/10234/edit", data=alice_form).status_code == 302
    after_alice = stored("10234").version

    bob_form.update({"title": "Bob's title", "quantity": "999"})
    response = bob.post("/orders/10234/edit", data=bob_form)
    assert response.status_code == 409
    assert "Your changes were <strong>not saved</strong>" in response.text
    assert "Order 10234 was changed by someone else" in response.text
    assert f"now version {after_alice}" in response.text
    order = stored("10234")
    assert (order.title, order.quantity, order.version) == ("Alice's title", 24, after_alice)

    # Reloading gives Bob the current version, and then his change goes through.
    fresh = form_data(bob.get("/orders/10234/edit").text, has="version")
    assert fresh["title"] == "Alice's title"
    fresh["quantity"] = "30"
    assert bob.post("/orders/10234/edit", data=fresh).status_code == 302
    assert (stored("10234").title, stored("10234").quantity) == ("Alice's title", 30)


def test_edit_form_without_a_version_is_refused(as_role, full_order):
    client = as_role("staff")
    data = form_data(client.get("/orders/10234/edit").text, has="version")
    data.update({"version": "", "title": "No version"})
    response = client.post("/orders/10234/edit", data=data)
    assert response.status_code == 422
    assert "The form is missing its version" in response.text
    assert stored("10234").title == "Eagles Team Shirts"


def test_artist_edit_form_applies_only_the_art_fields(as_role, full_order):
    client = as_role("artist")
    page = client.get("/orders/10234/edit")
    assert page.status_code == 200
    assert "disabled" in re.search(CONTROL.format("title"), page.text).group(0)
    before = snapshot(stored("10234"))
    data = form_data(page.text, has="version")
    assert "title" not in data
    assert "charges-0-quantity" not in data
    data.update(
        {
            "artist": "jo",
            "art_log": "a2002",
            "art_due_on": (full_order.received_on + timedelta(days=1)).isoformat(),
            "art_proofs-1-code": "00012",
            "art_proofs-1-amount": "15",
        }
    )
    # Fields outside the artist's part, forced into the post, are not applied.
    data.update(
        {
            "title": "Hijacked",
            "customer_po": "X",
            "quantity": "1",
            "charges-0-quantity": "999",
            "freight": "0",
            "customer": "ZZZ99",
        }
    )
    response = client.post("/orders/10234/edit", data=data)
    assert response.status_code == 302, page_text(response.text)

    order = stored("10234")
    assert (order.artist, order.art_log, order.art_due_on) == (
        "JO",
        "A2002",
        full_order.received_on + timedelta(days=1),
    )
    assert [(p.slot, p.code) for p in order.art_proofs] == [(1, "00011"), (2, "00012")]
    after = snapshot(order)
    for name in ("art_log", "artist", "art_due_on", "art_proofs"):
        after.pop(name), before.pop(name)
    assert after == before


def test_artist_edit_with_a_bad_value_redisplays_the_locked_fields_as_stored(as_role, full_order):
    client = as_role("artist")
    data = form_data(client.get("/orders/10234/edit").text, has="version")
    data["art_log"] = "A12345678"
    response = client.post("/orders/10234/edit", data=data)
    assert response.status_code == 422
    assert error_beside(response.text, "art_log") == rules.ART_LOG.length_message
    assert invalid_controls(response.text) == {"art_log"}
    title = re.search(CONTROL.format("title"), response.text).group(0)
    assert 'value="Eagles Team Shirts"' in title
    assert "disabled" in title
    quantity = re.search(CONTROL.format("charges-0-quantity"), response.text).group(0)
    assert 'value="24"' in quantity
    assert stored("10234").art_log == "A1001"


def test_shipping_edit_form_applies_only_the_shipping_fields(as_role, full_order):
    client = as_role("shipping")
    before = snapshot(stored("10234"))
    data = form_data(client.get("/orders/10234/edit").text, has="version")
    assert "title" not in data
    assert "artist" not in data
    data.update(
        {
            "shipment-method": "fedex",
            "shipment-carrier": "2DAY",
            "shipment-weight": "5.75",
            "freight": "14.20",
            "title": "Hijacked",
        }
    )
    response = client.post("/orders/10234/edit", data=data)
    assert response.status_code == 302, page_text(response.text)
    order = stored("10234")
    assert (order.shipment.method, order.shipment.carrier, order.shipment.weight) == (
        "FEDEX",
        "2DAY",
        Decimal("5.75"),
    )
    assert order.freight == Decimal("14.20")
    assert order.total == order.subtotal + order.sales_tax + Decimal("14.20")
    after = snapshot(order)
    for name in ("shipment", "freight", "total"):
        after.pop(name), before.pop(name)
    assert after == before


def test_viewer_cannot_open_or_post_the_edit_form(as_role, full_order):
    viewer = as_role("viewer")
    assert viewer.get("/orders/10234/edit").status_code == 403
    staff_form = form_data(as_role("staff").get("/orders/10234/edit").text, has="version")
    csrf = form_data(viewer.get("/orders").text, has="csrf_token")["csrf_token"]
    response = viewer.post(
        "/orders/10234/edit", data={**staff_form, "csrf_token": csrf, "title": "Viewer"}
    )
    assert response.status_code == 403
    assert PAGES[403][1] in response.text
    assert stored("10234").title == "Eagles Team Shirts"


# -- workflow, trash --------------------------------------------------------------------


def test_status_buttons_move_the_order_and_record_who(as_role, central):
    client = as_role("staff")
    OrderFactory(log="10234", customer=central)
    StatusChangeFactory(order_id=stored("10234").id, to_status="received")
    db.session.commit()
    page = client.get("/orders/10234").text
    assert "Move to art" in page
    assert "Move to shipped" not in page

    response = client.post(
        "/orders/10234/status", data=form_data(page, action="/orders/10234/status", status="art")
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/orders/10234"
    order = stored("10234")
    assert order.status == "art"
    assert [(h.from_status, h.to_status) for h in order.status_changes] == [
        (None, "received"),
        ("received", "art"),
    ]
    assert order.status_changes[-1].changed_by_id == client.user.id
    shown = client.get("/orders/10234").text
    assert "Order 10234 is now in art." in shown
    assert "Received → In art" in page_text(shown)

    # The buttons of the page read before the move are stale now.
    stale = client.post(
        "/orders/10234/status",
        data=form_data(page, action="/orders/10234/status", status="approved"),
    )
    assert stale.status_code == 409
    assert stored("10234").status == "art"


def test_status_moves_outside_the_workflow_are_refused(as_role, central):
    client = as_role("staff")
    OrderFactory(log="10234", customer=central)
    db.session.commit()
    data = form_data(client.get("/orders/10234").text, action="/orders/10234/status", status="art")
    response = client.post("/orders/10234/status", data={**data, "status": "shipped"})
    assert response.status_code == 409
    assert "cannot go from received to shipped" in response.text
    bogus = client.post("/orders/10234/status", data={**data, "status": "lost"})
    assert bogus.status_code == 422
    assert stored("10234").status == "received"
    assert stored("10234").status_changes == []


def test_moving_to_shipped_sets_the_date_out(as_role, central):
    client = as_role("staff")
    OrderFactory(log="10234", customer=central, status="ready")
    db.session.commit()
    data = form_data(
        client.get("/orders/10234").text, action="/orders/10234/status", status="shipped"
    )
    assert client.post("/orders/10234/status", data=data).status_code == 302
    order = stored("10234")
    assert (order.status, order.shipped_on) == ("shipped", date.today())


def test_delete_moves_the_order_to_the_trash_and_a_manager_restores_it(as_role, central):
    staff, manager = as_role("staff"), as_role("manager")
    OrderFactory(log="10234", customer=central)
    OrderFactory(log="10235", customer=central)
    db.session.commit()
    page = staff.get("/orders/10234").text
    response = staff.post(
        "/orders/10234/delete", data=form_data(page, action="/orders/10234/delete")
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/orders"
    listing = staff.get("/orders")
    assert listed_logs(listing.text) == ["10235"]
    assert "Order 10234 moved to the trash." in listing.text
    assert listed_logs(staff.get("/orders?q=10234").text) == []
    assert staff.get("/orders/10234").status_code == 404
    assert stored("10234").deleted_at is not None

    # Staff may not restore; a manager may.
    csrf = form_data(staff.get("/orders").text, has="csrf_token")["csrf_token"]
    assert staff.post("/orders/10234/restore", data={"csrf_token": csrf}).status_code == 403
    assert stored("10234").deleted_at is not None
    csrf = form_data(manager.get("/orders").text, has="csrf_token")["csrf_token"]
    restored = manager.post("/orders/10234/restore", data={"csrf_token": csrf})
    assert restored.status_code == 302
    assert restored.headers["Location"] == "/orders/10234"
    assert stored("10234").deleted_at is None
    assert sorted(listed_logs(manager.get("/orders").text)) == ["10234", "10235"]
    # Restoring what is not in the trash is a conflict, not a silent success.
    assert manager.post("/orders/10234/restore", data={"csrf_token": csrf}).status_code == 409


def test_delete_with_a_stale_page_is_refused(as_role, central):
    client = as_role("staff")
    OrderFactory(log="10234", customer=central)
    db.session.commit()
    page = client.get("/orders/10234").text
    edit = form_data(client.get("/orders/10234/edit").text, has="version")
    assert client.post("/orders/10234/edit", data={**edit, "title": "New"}).status_code == 302
    response = client.post(
        "/orders/10234/delete", data=form_data(page, action="/orders/10234/delete")
    )
    assert response.status_code == 409
    assert stored("10234").deleted_at is None


# -- error pages --------------------------------------------------------------------


def test_missing_order_gets_a_404_page_with_advice(as_role):
    client = as_role("staff")
    response = client.get("/orders/NOPE1")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert PAGES[404][1] in response.text
    assert "No order with LOG &#39;NOPE1&#39;." in response.text
    assert client.get("/orders/NOPE1/edit").status_code == 404
    nowhere = client.get("/no/such/page")
    assert nowhere.status_code == 404
    assert PAGES[404][1] in nowhere.text


def test_wrong_method_gets_a_405_page(as_role, central):
    client = as_role("staff")
    OrderFactory(log="10234", customer=central)
    db.session.commit()
    response = client.get("/orders/10234/delete")
    assert response.status_code == 405
    assert response.mimetype == "text/html"
    assert PAGES[405][1] in response.text
    assert "POST" in response.headers["Allow"]
    assert stored("10234").deleted_at is None

"""The orders service: creating, changing, moving through the workflow, trashing and
finding orders, with the rules each step enforces."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from presslog.audit.models import AuditEvent
from presslog.core.db import utcnow
from presslog.core.errors import Conflict, Forbidden, NotFound, StaleVersion, ValidationError
from presslog.core.pagination import PageRequest
from presslog.core.transaction import transaction
from presslog.extensions import db
from presslog.orders import service, workflow
from presslog.orders.models import (
    ArtProof,
    Charge,
    Order,
    PackItem,
    PrintItem,
    SetupItem,
    Shipment,
    StatusChange,
)
from presslog.orders.repository import OrderFilters
from presslog.orders.rules import STATUSES
from tests.factories import CustomerFactory, OrderFactory, UserFactory

RECEIVED = date(2024, 3, 4)
ORDER_TABLES = (Order, Charge, ArtProof, PrintItem, SetupItem, PackItem, Shipment, StatusChange)


def count(model: type) -> int:
    """Rows in ``model``'s table, counted by the database."""
    return db.session.execute(sa.select(sa.func.count()).select_from(model.__table__)).scalar_one()


def row_counts() -> dict[str, int]:
    """Rows in every order table."""
    return {model.__tablename__: count(model) for model in ORDER_TABLES}


def reloaded(log: str, **kw: Any) -> Order:
    """The order as stored, read afresh from the database."""
    db.session.expire_all()
    return service.get_order(log, **kw)


def new_order(customer: str = "CEN15", **overrides: Any) -> dict[str, Any]:
    """Input for a new order with every kind of related record (as the API passes it)."""
    data: dict[str, Any] = {
        "log": "10234",
        "customer": customer,
        "customer_po": "PO-77",
        "job_type": "TR",
        "title": "Eagles team shirts",
        "priority": 2,
        "rush": True,
        "received_on": RECEIVED,
        "art_due_on": RECEIVED + timedelta(days=2),
        "due_on": RECEIVED + timedelta(days=10),
        "color_count": 3,
        "quantity": 24,
        "art_log": "A1001",
        "artist": "JMK",
        "location": "Shelf B",
        "art_enclosed": True,
        "sales_tax": Decimal("7.25"),
        "freight": Decimal("12.40"),
        "charges": [
            {"kind": "print", "quantity": Decimal("24"), "unit_price": Decimal("4.50")},
            {"kind": "rush", "quantity": Decimal("1"), "unit_price": Decimal("0.125")},
            {"kind": "art", "quantity": Decimal("0"), "unit_price": Decimal("0")},  # empty
        ],
        "art_proofs": [
            {
                "slot": 1,
                "code": "00011",
                "received_on": RECEIVED,
                "sent_on": RECEIVED + timedelta(days=1),
                "amount": Decimal("25.00"),
            },
            {"slot": 2, "code": None, "received_on": None, "sent_on": None, "amount": None},
            {"slot": 3, "code": "00012", "amount": Decimal("10.00")},
        ],
        "print_items": [{"slot": 1, "code": "FRONT", "amount": Decimal("1.00")}],
        "setup_items": [{"slot": 4, "code": "SCRN", "amount": Decimal("15.00")}],
        "pack_items": [{"slot": 2, "code": "BOX", "units": Decimal("2")}],
        "shipment": {"method": "UPS", "carrier": "1", "weight": Decimal("3.50")},
    }
    data.update(overrides)
    return data


@pytest.fixture
def staff(app):
    return UserFactory(role="staff")


@pytest.fixture
def customer(app):
    return CustomerFactory(code="CEN15", name="Central High Boosters")


@pytest.fixture
def order(customer, staff):
    """A stored order (LOG 10234, version 1) made through the service."""
    made = service.create_order(data=new_order(), actor=staff)
    db.session.commit()
    return made


# -- creating -------------------------------------------------------------------------------


def test_create_order_stores_the_order_and_all_its_records(customer, staff):
    service.create_order(data=new_order(log=" ab12c ", customer="cen15"), actor=staff)
    db.session.commit()
    order = reloaded("AB12C")
    assert (order.log, order.customer.code, order.status, order.version) == (
        "AB12C",
        "CEN15",
        "received",
        1,
    )
    assert (order.title, order.customer_po, order.priority, order.rush) == (
        "Eagles team shirts",
        "PO-77",
        2,
        True,
    )
    assert (order.received_on, order.due_on) == (RECEIVED, RECEIVED + timedelta(days=10))
    assert [(c.kind, c.quantity, c.unit_price, c.total) for c in order.charges] == [
        ("print", Decimal("24"), Decimal("4.50"), Decimal("108.00")),
        ("rush", Decimal("1"), Decimal("0.125"), Decimal("0.13")),
    ]
    assert [(p.slot, p.code, p.amount) for p in order.art_proofs] == [
        (1, "00011", Decimal("25.00")),
        (3, "00012", Decimal("10.00")),
    ]
    assert order.art_proofs[0].sent_on == RECEIVED + timedelta(days=1)
    assert [(p.slot, p.code) for p in order.print_items] == [(1, "FRONT")]
    assert [(s.slot, s.amount) for s in order.setup_items] == [(4, Decimal("15.00"))]
    assert [(p.slot, p.units) for p in order.pack_items] == [(2, Decimal("2"))]
    assert (order.shipment.method, order.shipment.carrier, order.shipment.weight) == (
        "UPS",
        "1",
        Decimal("3.50"),
    )
    assert (order.subtotal, order.sales_tax, order.freight, order.total) == (
        Decimal("108.13"),
        Decimal("7.25"),
        Decimal("12.40"),
        Decimal("127.78"),
    )
    assert [(h.from_status, h.to_status, h.changed_by_id) for h in order.status_changes] == [
        (None, "received", staff.id)
    ]


def test_create_order_starts_in_received_whatever_status_is_sent(customer, staff):
    service.create_order(data=new_order(status="shipped"), actor=staff)
    order = reloaded("10234")
    assert order.status == "received"
    assert order.shipped_on is None


def test_create_order_without_related_records(customer, staff):
    data = {
        "log": "10235",
        "customer": "CEN15",
        "job_type": "AA",
        "title": "Logo proof",
        "received_on": RECEIVED,
    }
    service.create_order(data=data, actor=None)
    order = reloaded("10235")
    assert (order.charges, order.art_proofs, order.shipment) == ([], [], None)
    assert (order.subtotal, order.total) == (Decimal("0.00"), Decimal("0.00"))
    assert order.status_changes[0].changed_by_id is None


def test_duplicate_log_is_a_conflict_and_stores_nothing(order, staff):
    before = row_counts()
    with pytest.raises(Conflict, match="LOG 10234 is already used"):
        service.create_order(data=new_order(log="10234", title="Second"), actor=staff)
    assert row_counts() == before
    assert reloaded("10234").title == "Eagles team shirts"


def test_log_of_an_order_in_the_trash_cannot_be_reused(order, staff):
    service.delete_order(log="10234", expected_version=order.version)
    db.session.commit()
    before = row_counts()
    with pytest.raises(Conflict, match="trash"):
        service.create_order(data=new_order(log="10234", title="Second"), actor=staff)
    assert row_counts() == before


@pytest.mark.parametrize("code", ["ZZZZZ", "OLD01"])
def test_unknown_or_deleted_customer_is_refused_naming_the_field(customer, staff, code):
    CustomerFactory(code="OLD01", deleted_at=utcnow())
    with pytest.raises(ValidationError) as excinfo:
        service.create_order(data=new_order(customer=code.lower()), actor=staff)
    assert excinfo.value.errors == {"customer": [f"No customer with code {code}."]}
    assert row_counts()["orders"] == 0


def test_every_field_error_is_reported_at_once_and_nothing_is_stored(customer, staff):
    data = new_order(
        log="12",
        job_type="XX",
        title="  ",
        priority=12,
        due_on=RECEIVED - timedelta(days=1),
        charges=[
            {"kind": "print", "quantity": Decimal("-1"), "unit_price": Decimal("-2")},
            {"kind": "tip", "quantity": Decimal("1"), "unit_price": Decimal("1")},
            {"kind": "print", "quantity": Decimal("1"), "unit_price": Decimal("1")},
        ],
        art_proofs=[
            {"slot": 10, "code": "00011"},
            {
                "slot": 2,
                "code": "X" * 11,
                "received_on": RECEIVED,
                "sent_on": RECEIVED - timedelta(days=1),
            },
            {"slot": 2, "code": "00013"},
        ],
        pack_items=[{"slot": 1, "code": "BOX", "units": Decimal("-3")}],
        shipment={"method": "UPS", "carrier": "C" * 11, "weight": Decimal("-1")},
    )
    with pytest.raises(ValidationError) as excinfo:
        service.create_order(data=data, actor=staff)
    errors = excinfo.value.errors
    assert set(errors) == {
        "log",
        "job_type",
        "title",
        "priority",
        "due_on",
        "charges.0.quantity",
        "charges.0.unit_price",
        "charges.1.kind",
        "charges.2.kind",
        "art_proofs.0.slot",
        "art_proofs.1.code",
        "art_proofs.1.sent_on",
        "art_proofs.2.slot",
        "pack_items.0.units",
        "shipment.carrier",
        "shipment.weight",
    }
    assert errors["charges.0.unit_price"][0].startswith("Unit price ")
    assert errors["charges.2.kind"] == ["Charge 'print' is listed twice."]
    assert errors["art_proofs.0.slot"] == ["Slot must be between 1 and 9."]
    assert errors["art_proofs.2.slot"] == ["Slot 2 is listed twice."]
    assert errors["due_on"] == ["Due out cannot be before date received."]
    assert errors["title"] == ["Title is required."]
    assert all(n == 0 for n in row_counts().values())


def test_missing_required_fields_are_named(customer, staff):
    with pytest.raises(ValidationError) as excinfo:
        service.create_order(data={"customer": "CEN15", "received_on": None}, actor=staff)
    assert excinfo.value.errors == {
        "log": ["LOG is required."],
        "job_type": ["Job type is required."],
        "title": ["Title is required."],
        "received_on": ["Date received is required."],
    }


def test_a_charge_too_large_for_the_books_is_refused_naming_the_line(customer, staff):
    data = new_order(
        charges=[
            {"kind": "print", "quantity": Decimal("1"), "unit_price": Decimal("1")},
            {"kind": "garment", "quantity": Decimal("1000000"), "unit_price": Decimal("100000")},
        ]
    )
    with pytest.raises(ValidationError) as excinfo:
        service.create_order(data=data, actor=staff)
    assert list(excinfo.value.errors) == ["charges.1.total"]
    [problem] = excinfo.value.errors["charges.1.total"]
    assert problem.startswith("Line total ")
    assert "9999999999.99" in problem
    assert row_counts()["orders"] == 0


# -- updating -------------------------------------------------------------------------------


def test_update_changes_only_the_fields_sent_and_bumps_the_version(order, staff):
    service.update_order(
        log="10234",
        data={"title": "Eagles away shirts", "priority": 0},
        expected_version=1,
        actor=staff,
    )
    db.session.commit()
    stored = reloaded("10234")
    assert (stored.title, stored.priority, stored.version) == ("Eagles away shirts", 0, 2)
    assert stored.customer_po == "PO-77"
    assert [c.kind for c in stored.charges] == ["print", "rush"]
    assert len(stored.art_proofs) == 2
    assert stored.total == Decimal("127.78")


def test_resending_the_same_numbers_in_another_scale_is_not_audited_as_a_change(order, staff):
    # A form sends the numbers as typed (4.5, 25); the database gives them back at
    # their column's scale (4.5000, 25.00). Only the title really changes here.
    service.update_order(
        log="10234",
        data={
            "title": "Eagles away shirts",
            "charges": [
                {"kind": "print", "quantity": Decimal("24"), "unit_price": Decimal("4.5")},
                {"kind": "rush", "quantity": Decimal("1"), "unit_price": Decimal("0.125")},
            ],
            "art_proofs": [
                {
                    "slot": 1,
                    "code": "00011",
                    "received_on": RECEIVED,
                    "sent_on": RECEIVED + timedelta(days=1),
                    "amount": Decimal("25"),
                },
                {"slot": 3, "code": "00012", "amount": Decimal("10")},
            ],
        },
        expected_version=1,
        actor=staff,
    )
    db.session.commit()
    event = db.session.execute(
        sa.select(AuditEvent).where(AuditEvent.action == "order.update")
    ).scalar_one()
    assert set(event.changes) == {"title"}


def test_stale_version_is_refused_and_the_first_change_survives(order, staff):
    service.update_order(log="10234", data={"title": "First edit"}, expected_version=1, actor=staff)
    db.session.commit()
    with pytest.raises(StaleVersion, match="changed by someone else"):
        service.update_order(
            log="10234",
            data={"title": "Second edit", "priority": 9},
            expected_version=1,
            actor=staff,
        )
    db.session.rollback()
    stored = reloaded("10234")
    assert (stored.title, stored.priority, stored.version) == ("First edit", 2, 2)


def test_concurrent_commit_between_read_and_write_is_refused(order, staff):
    mine = service.get_order("10234")
    assert mine.version == 1
    with Session(db.engine) as other:
        theirs = other.execute(sa.select(Order).where(Order.log == "10234")).scalar_one()
        theirs.title = "Their edit"
        other.commit()
    with pytest.raises(StaleVersion), transaction():
        mine.title = "My edit"
    assert reloaded("10234").title == "Their edit"


def test_replacing_charges_updates_keeps_adds_and_removes_lines(order, staff):
    print_id = next(c.id for c in order.charges if c.kind == "print")
    service.update_order(
        log="10234",
        expected_version=1,
        actor=staff,
        data={
            "charges": [
                {"kind": "print", "quantity": Decimal("10"), "unit_price": Decimal("1.00")},
                {"kind": "art", "quantity": Decimal("1"), "unit_price": Decimal("25.00")},
            ]
        },
    )
    db.session.commit()
    stored = reloaded("10234")
    assert [(c.kind, c.total) for c in stored.charges] == [
        ("print", Decimal("10.00")),
        ("art", Decimal("25.00")),
    ]
    assert stored.charges[0].id == print_id
    assert count(Charge) == 2
    assert (stored.subtotal, stored.total) == (Decimal("35.00"), Decimal("54.65"))


def test_emptying_slots_shipment_and_charges_removes_their_rows(order, staff):
    service.update_order(
        log="10234",
        expected_version=1,
        actor=staff,
        data={
            "charges": [],
            "art_proofs": [],
            "print_items": [{"slot": 1, "code": "", "amount": None}],
            "setup_items": None,
            "pack_items": [],
            "shipment": {"method": None, "carrier": "", "weight": None},
        },
    )
    db.session.commit()
    stored = reloaded("10234")
    assert (
        stored.charges,
        stored.art_proofs,
        stored.print_items,
        stored.setup_items,
        stored.pack_items,
        stored.shipment,
    ) == ([], [], [], [], [], None)
    assert all(count(m) == 0 for m in (Charge, ArtProof, PrintItem, SetupItem, PackItem, Shipment))
    assert (stored.subtotal, stored.total) == (Decimal("0.00"), Decimal("19.65"))


def test_editing_one_slot_keeps_the_others(order, staff):
    service.update_order(
        log="10234",
        expected_version=1,
        actor=staff,
        data={
            "art_proofs": [
                {"slot": 1, "code": "00011", "amount": Decimal("30.00")},
                {"slot": 3, "code": "00012", "amount": Decimal("10.00")},
            ]
        },
    )
    stored = reloaded("10234")
    assert [(p.slot, p.amount) for p in stored.art_proofs] == [
        (1, Decimal("30.00")),
        (3, Decimal("10.00")),
    ]


def test_changing_the_customer(order, staff):
    CustomerFactory(code="MAP01", name="Maple Street Diner")
    service.update_order(log="10234", data={"customer": " map01 "}, expected_version=1, actor=staff)
    db.session.commit()
    assert reloaded("10234").customer.code == "MAP01"


def test_changing_to_an_unknown_customer_is_refused(order, staff):
    with pytest.raises(ValidationError) as excinfo:
        service.update_order(
            log="10234",
            data={"customer": "ZZZZZ", "title": "Moved"},
            expected_version=1,
            actor=staff,
        )
    assert excinfo.value.errors == {"customer": ["No customer with code ZZZZZ."]}
    db.session.rollback()
    stored = reloaded("10234")
    assert (stored.customer.code, stored.title) == ("CEN15", "Eagles team shirts")


def test_log_cannot_be_changed_by_an_update(order, staff):
    with pytest.raises(ValidationError) as excinfo:
        service.update_order(
            log="10234", data={"log": "10235", "title": "Renamed"}, expected_version=1, actor=staff
        )
    assert excinfo.value.errors == {"log": ["LOG cannot be changed once the order exists."]}
    db.session.rollback()
    assert reloaded("10234").title == "Eagles team shirts"
    with pytest.raises(NotFound):
        service.get_order("10235")


def test_sending_the_same_log_back_is_not_a_change(order, staff):
    service.update_order(
        log="10234", data={"log": " 10234 ", "title": "Renamed"}, expected_version=1, actor=staff
    )
    assert reloaded("10234").title == "Renamed"


def test_status_cannot_be_changed_by_an_update(order, staff):
    with pytest.raises(ValidationError) as excinfo:
        service.update_order(
            log="10234", data={"status": "shipped"}, expected_version=1, actor=staff
        )
    assert list(excinfo.value.errors) == ["status"]
    assert "workflow" in excinfo.value.errors["status"][0]
    db.session.rollback()
    assert reloaded("10234").status == "received"


def test_update_checks_dates_against_the_stored_ones(order, staff):
    with pytest.raises(ValidationError) as excinfo:
        service.update_order(
            log="10234",
            data={"due_on": RECEIVED - timedelta(days=1)},
            expected_version=1,
            actor=staff,
        )
    assert excinfo.value.errors == {"due_on": ["Due out cannot be before date received."]}
    with pytest.raises(ValidationError) as excinfo:
        service.update_order(
            log="10234",
            data={"received_on": RECEIVED + timedelta(days=11)},
            expected_version=1,
            actor=staff,
        )
    assert set(excinfo.value.errors) == {"art_due_on", "due_on"}
    db.session.rollback()
    assert reloaded("10234").received_on == RECEIVED


def test_update_of_an_unknown_or_trashed_order_is_not_found(order, staff):
    with pytest.raises(NotFound):
        service.update_order(log="99999", data={"title": "x"}, expected_version=None, actor=staff)
    service.delete_order(log="10234", expected_version=1)
    with pytest.raises(NotFound):
        service.update_order(log="10234", data={"title": "x"}, expected_version=None, actor=staff)


# -- who may change what ---------------------------------------------------------------------


def test_editable_fields_by_role(app):
    assert service.editable_fields(UserFactory(role="staff")) is None
    assert service.editable_fields(UserFactory(role="admin")) is None
    assert service.editable_fields(UserFactory(role="artist")) == service.ART_FIELDS
    assert service.editable_fields(UserFactory(role="shipping")) == service.SHIPPING_FIELDS
    assert service.editable_fields(UserFactory(role="viewer")) == frozenset()


def test_artist_may_change_art_fields(order):
    artist = UserFactory(role="artist")
    service.update_order(
        log="10234",
        expected_version=1,
        actor=artist,
        data={
            "art_log": "A2002",
            "reference_art_log": "A1001",
            "artist": "LEE",
            "art_due_on": RECEIVED + timedelta(days=3),
            "return_art": True,
            "version": 1,
            "log": "10234",
            "art_proofs": [{"slot": 5, "code": "00099", "received_on": RECEIVED}],
        },
    )
    db.session.commit()
    stored = reloaded("10234")
    assert (stored.art_log, stored.artist, stored.art_due_on, stored.return_art) == (
        "A2002",
        "LEE",
        RECEIVED + timedelta(days=3),
        True,
    )
    assert [(p.slot, p.code) for p in stored.art_proofs] == [(5, "00099")]


@pytest.mark.parametrize(
    ("role", "data", "named"),
    [
        ("artist", {"title": "Mine now"}, "title"),
        ("artist", {"art_log": "A2002", "due_on": RECEIVED, "charges": []}, "charges, due_on"),
        ("artist", {"shipment": {"method": "FEDEX"}}, "shipment"),
        ("shipping", {"art_log": "A2002"}, "art_log"),
        ("shipping", {"freight": Decimal("1.00"), "customer": "CEN15"}, "customer"),
        ("viewer", {"freight": Decimal("1.00")}, "freight"),
    ],
)
def test_limited_roles_may_not_change_other_fields(order, role, data, named):
    user = UserFactory(role=role)
    with pytest.raises(Forbidden) as excinfo:
        service.update_order(log="10234", data=data, expected_version=1, actor=user)
    assert str(excinfo.value) == f"Your role ({role}) may not change: {named}."
    db.session.rollback()
    stored = reloaded("10234")
    assert (stored.version, stored.art_log, stored.title, stored.freight) == (
        1,
        "A1001",
        "Eagles team shirts",
        Decimal("12.40"),
    )


def test_shipping_may_change_shipping_fields(order):
    shipper = UserFactory(role="shipping")
    service.update_order(
        log="10234",
        expected_version=1,
        actor=shipper,
        data={
            "shipment": {"method": "FEDEX", "carrier": "2", "weight": Decimal("4.25")},
            "shipped_on": RECEIVED + timedelta(days=9),
            "freight": Decimal("20.00"),
        },
    )
    db.session.commit()
    stored = reloaded("10234")
    assert (stored.shipment.method, stored.shipment.weight, stored.shipped_on) == (
        "FEDEX",
        Decimal("4.25"),
        RECEIVED + timedelta(days=9),
    )
    assert (stored.freight, stored.total) == (Decimal("20.00"), Decimal("135.38"))


def test_staff_may_change_anything(order, staff):
    CustomerFactory(code="MAP01")
    service.update_order(
        log="10234",
        expected_version=1,
        actor=staff,
        data={
            "customer": "MAP01",
            "title": "Aprons",
            "art_log": "A3003",
            "shipment": {"method": "USPS"},
            "charges": [],
        },
    )
    stored = reloaded("10234")
    assert (stored.customer.code, stored.title, stored.art_log, stored.shipment.method) == (
        "MAP01",
        "Aprons",
        "A3003",
        "USPS",
    )


# -- the status workflow ---------------------------------------------------------------------


def test_workflow_table_is_closed_and_every_status_is_reachable():
    assert set(workflow.TRANSITIONS) == set(STATUSES)
    for source, targets in workflow.TRANSITIONS.items():
        assert set(targets) <= set(STATUSES), source
        assert source not in targets, source
    reached, frontier = {"received"}, ["received"]
    while frontier:
        for target in workflow.allowed_next(frontier.pop()):
            if target not in reached:
                reached.add(target)
                frontier.append(target)
    assert reached == set(STATUSES)
    assert workflow.allowed_next("nonsense") == ()


def test_change_status_follows_exactly_the_workflow_table(order, staff):
    for source in STATUSES:
        for target in STATUSES:
            db.session.execute(sa.update(Order.__table__).values(status=source, shipped_on=None))
            db.session.expire_all()
            allowed = target in workflow.TRANSITIONS[source]
            if allowed:
                moved = service.change_status(
                    log="10234",
                    to_status=target,
                    expected_version=None,
                    actor=staff,
                    today=RECEIVED,
                )
                assert moved.status == target, (source, target)
            else:
                with pytest.raises(Conflict, match=f"cannot go from {source} to {target}"):
                    service.change_status(
                        log="10234", to_status=target, expected_version=None, actor=staff
                    )
    moves = len([t for ts in workflow.TRANSITIONS.values() for t in ts])
    assert count(StatusChange) == 1 + moves


def test_an_order_goes_from_received_to_shipped_with_its_history(order, staff):
    manager = UserFactory(role="manager")
    steps = [
        ("art", staff, None),
        ("approved", manager, "Customer OK'd proof 2"),
        ("production", staff, None),
        ("ready", staff, None),
        ("shipped", staff, "UPS pickup"),
    ]
    shipped_day = RECEIVED + timedelta(days=8)
    version = 1
    for status, actor, note in steps:
        moved = service.change_status(
            log="10234",
            to_status=status,
            expected_version=version,
            actor=actor,
            note=note,
            today=shipped_day,
        )
        assert moved.version > version
        version = moved.version
    db.session.commit()
    stored = reloaded("10234")
    assert (stored.status, stored.shipped_on, stored.version) == ("shipped", shipped_day, version)
    history = [(h.from_status, h.to_status, h.changed_by_id, h.note) for h in stored.status_changes]
    assert history == [
        (None, "received", staff.id, None),
        ("received", "art", staff.id, None),
        ("art", "approved", manager.id, "Customer OK'd proof 2"),
        ("approved", "production", staff.id, None),
        ("production", "ready", staff.id, None),
        ("ready", "shipped", staff.id, "UPS pickup"),
    ]
    assert all(h.changed_at.utcoffset() == timedelta(0) for h in stored.status_changes)


def test_illegal_transition_is_a_conflict_and_changes_nothing(order, staff):
    with pytest.raises(Conflict) as excinfo:
        service.change_status(log="10234", to_status="shipped", expected_version=1, actor=staff)
    assert str(excinfo.value) == (
        "Order 10234 cannot go from received to shipped; "
        "allowed next: art, approved, production, cancelled."
    )
    db.session.rollback()
    stored = reloaded("10234")
    assert (stored.status, stored.shipped_on, stored.version) == ("received", None, 1)
    assert count(StatusChange) == 1


def test_unknown_status_is_refused_naming_the_field(order, staff):
    with pytest.raises(ValidationError) as excinfo:
        service.change_status(log="10234", to_status="lost", expected_version=1, actor=staff)
    assert list(excinfo.value.errors) == ["status"]


def test_status_change_on_a_stale_version_is_refused(order, staff):
    service.change_status(log="10234", to_status="art", expected_version=1, actor=staff)
    with pytest.raises(StaleVersion):
        service.change_status(log="10234", to_status="cancelled", expected_version=1, actor=staff)
    assert reloaded("10234").status == "art"


def _to_ready() -> None:
    db.session.execute(sa.update(Order.__table__).values(status="ready"))
    db.session.expire_all()


def test_shipping_keeps_a_date_out_already_entered(order, staff):
    _to_ready()
    entered = RECEIVED + timedelta(days=5)
    service.update_order(
        log="10234", data={"shipped_on": entered}, expected_version=None, actor=staff
    )
    service.change_status(
        log="10234",
        to_status="shipped",
        expected_version=None,
        actor=staff,
        today=RECEIVED + timedelta(days=9),
    )
    assert reloaded("10234").shipped_on == entered


def test_date_out_is_never_before_the_date_received(order, staff):
    _to_ready()
    service.change_status(
        log="10234",
        to_status="shipped",
        expected_version=None,
        actor=staff,
        today=RECEIVED - timedelta(days=30),
    )
    assert reloaded("10234").shipped_on == RECEIVED


def test_taking_an_order_back_from_shipped_clears_the_date_out(order, staff):
    _to_ready()
    service.change_status(
        log="10234",
        to_status="shipped",
        expected_version=None,
        actor=staff,
        today=RECEIVED + timedelta(days=9),
    )
    service.change_status(
        log="10234", to_status="ready", expected_version=None, actor=staff, note="Wrong box"
    )
    stored = reloaded("10234")
    assert (stored.status, stored.shipped_on) == ("ready", None)
    assert (stored.status_changes[-1].from_status, stored.status_changes[-1].note) == (
        "shipped",
        "Wrong box",
    )


# -- trash -----------------------------------------------------------------------------------


def test_deleted_order_is_hidden_but_kept_and_restorable(order, staff):
    service.delete_order(log="10234", expected_version=1)
    db.session.commit()
    with pytest.raises(NotFound, match="10234"):
        service.get_order("10234")
    trashed = reloaded("10234", include_deleted=True)
    assert trashed.is_deleted
    assert service.list_orders(OrderFilters(), page=PageRequest()).total == 0
    trash = service.list_orders(OrderFilters(deleted=True), page=PageRequest())
    assert [o.log for o in trash.items] == ["10234"]
    assert count(Charge) == 2

    service.restore_order(log="10234")
    db.session.commit()
    restored = reloaded("10234")
    assert not restored.is_deleted
    assert [c.kind for c in restored.charges] == ["print", "rush"]
    assert [o.log for o in service.list_orders(OrderFilters(), page=PageRequest()).items] == [
        "10234"
    ]
    assert service.list_orders(OrderFilters(deleted=True), page=PageRequest()).total == 0


def test_restoring_an_order_not_in_the_trash_is_a_conflict(order):
    with pytest.raises(Conflict, match="not in the trash"):
        service.restore_order(log="10234")
    with pytest.raises(NotFound):
        service.restore_order(log="99999")


def test_deleting_on_a_stale_version_or_twice_is_refused(order, staff):
    service.update_order(log="10234", data={"title": "Edited"}, expected_version=1, actor=staff)
    with pytest.raises(StaleVersion):
        service.delete_order(log="10234", expected_version=1)
    assert not reloaded("10234").is_deleted
    service.delete_order(log="10234", expected_version=2)
    with pytest.raises(NotFound):
        service.delete_order(log="10234", expected_version=None)


def test_status_of_a_deleted_order_cannot_change(order, staff):
    service.delete_order(log="10234", expected_version=1)
    with pytest.raises(NotFound):
        service.change_status(log="10234", to_status="art", expected_version=None, actor=staff)


# -- finding orders --------------------------------------------------------------------------


@pytest.fixture
def shelf(app):
    """Five live orders and one in the trash, across two customers."""
    cen = CustomerFactory(code="CEN15", name="Central High Boosters")
    maple = CustomerFactory(code="MAP01", name="Maple Street Diner")
    day = date(2024, 3, 1)
    OrderFactory(
        log="10001",
        customer=cen,
        job_type="TR",
        title="Eagles team shirts",
        received_on=day,
        due_on=day + timedelta(days=7),
        priority=2,
        rush=False,
        status="received",
        customer_po="PO-77",
        art_log="A0001",
        artist="JMK",
    )
    OrderFactory(
        log="10002",
        customer=cen,
        job_type="DP",
        title="Booster club hoodies",
        received_on=day + timedelta(days=1),
        due_on=day + timedelta(days=19),
        priority=1,
        rush=True,
        status="production",
        artist="LEE",
    )
    OrderFactory(
        log="10003",
        customer=maple,
        job_type="DTF",
        title="Diner aprons 50% off",
        received_on=day + timedelta(days=2),
        due_on=day + timedelta(days=9),
        priority=2,
        status="art",
    )
    OrderFactory(
        log="X7Y8Z",
        customer=maple,
        job_type="PP",
        title="Menu magnets",
        received_on=day + timedelta(days=4),
        due_on=None,
        priority=5,
        status="cancelled",
    )
    OrderFactory(
        log="10005",
        customer=maple,
        job_type="TR",
        title="Aprons 500 pack, as on 10002",
        received_on=day + timedelta(days=4),
        due_on=day + timedelta(days=11),
        priority=2,
        status="received",
    )
    OrderFactory(
        log="10006",
        customer=cen,
        job_type="TR",
        title="Eagles reprint",
        received_on=day,
        priority=2,
        deleted_at=utcnow(),
    )
    db.session.commit()


def logs(
    filters: OrderFilters | None = None, sort: str | None = None, page: PageRequest | None = None
) -> list[str]:
    """LOGs of one page of a search, in the order returned."""
    result = service.list_orders(
        filters or OrderFilters(), sort=sort, page=page or PageRequest(per_page=100)
    )
    return [o.log for o in result.items]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("eagles", ["10001"]),
        ("  EAGLES Team ", ["10001"]),
        ("boosters", ["10002", "10001"]),
        ("maple street", ["10005", "X7Y8Z", "10003"]),
        ("cen15", ["10002", "10001"]),
        ("PO-77", ["10001"]),
        ("a0001", ["10001"]),
        ("x7y8z", ["X7Y8Z"]),
        ("10002", ["10002"]),
        ("50%", ["10003"]),
        # Words match inside titles ("500" is in "Aprons 500 pack, as on 10002")...
        ("500", ["10005"]),
        # ...but a number as long as a LOG is looked up by LOG, PO and art log only.
        ("10005", ["10005"]),
        ("_", []),
        ("nothing like it", []),
    ],
)
def test_free_text_search(shelf, q, expected):
    assert logs(OrderFilters(q=q)) == expected


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (OrderFilters(job_type="TR"), ["10005", "10001"]),
        (OrderFilters(status="cancelled"), ["X7Y8Z"]),
        (OrderFilters(rush=True), ["10002"]),
        (OrderFilters(rush=False), ["10005", "X7Y8Z", "10003", "10001"]),
        (OrderFilters(customer=" map01"), ["10005", "X7Y8Z", "10003"]),
        (OrderFilters(artist="jmk"), ["10001"]),
        (OrderFilters(log="10003"), ["10003"]),
        (OrderFilters(title="APRONS"), ["10005", "10003"]),
        (
            OrderFilters(received_from=date(2024, 3, 3), received_to=date(2024, 3, 5)),
            ["10005", "X7Y8Z", "10003"],
        ),
        (OrderFilters(received_to=date(2024, 3, 1)), ["10001"]),
        (OrderFilters(due_from=date(2024, 3, 10), due_to=date(2024, 3, 12)), ["10005", "10003"]),
        (OrderFilters(customer="MAP01", job_type="TR"), ["10005"]),
        (OrderFilters(deleted=True), ["10006"]),
        (OrderFilters(deleted=True, q="eagles"), ["10006"]),
    ],
    ids=[
        "job_type",
        "status",
        "rush",
        "not-rush",
        "customer",
        "artist",
        "log",
        "title",
        "received-range",
        "received-to",
        "due-range",
        "customer-and-job-type",
        "trash",
        "trash-and-q",
    ],
)
def test_filters(shelf, filters, expected):
    assert logs(filters) == expected


def test_codes_entered_in_lower_case_are_found_by_artist_and_art_log(customer, staff):
    service.create_order(data=new_order(art_log="a1001", artist="jmk"), actor=staff)
    db.session.commit()
    assert logs(OrderFilters(artist="JMK")) == ["10234"]
    assert logs(OrderFilters(artist="jmk")) == ["10234"]
    assert logs(OrderFilters(q="A1001")) == ["10234"]
    stored = reloaded("10234")
    assert (stored.art_log, stored.artist) == ("A1001", "JMK")


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        (None, ["10005", "X7Y8Z", "10003", "10002", "10001"]),
        ("received_on", ["10001", "10002", "10003", "X7Y8Z", "10005"]),
        ("log", ["10001", "10002", "10003", "10005", "X7Y8Z"]),
        ("-log", ["X7Y8Z", "10005", "10003", "10002", "10001"]),
        ("priority", ["10002", "10001", "10003", "10005", "X7Y8Z"]),
        ("-priority", ["X7Y8Z", "10005", "10003", "10001", "10002"]),
        ("customer", ["10001", "10002", "10003", "X7Y8Z", "10005"]),
        ("title", ["10005", "10002", "10003", "10001", "X7Y8Z"]),
        ("due_on", ["10001", "10003", "10005", "10002", "X7Y8Z"]),
        ("-due_on", ["X7Y8Z", "10002", "10005", "10003", "10001"]),
        ("password_hash", ["10005", "X7Y8Z", "10003", "10002", "10001"]),
        ("-nonsense", ["10005", "X7Y8Z", "10003", "10002", "10001"]),
        ("", ["10005", "X7Y8Z", "10003", "10002", "10001"]),
    ],
)
def test_sorting_uses_a_whitelist_and_breaks_ties_by_entry_order(shelf, sort, expected):
    assert logs(sort=sort) == expected


def test_pages_cover_every_order_once_with_correct_totals(shelf):
    whole = logs(sort="priority")
    pages = [
        service.list_orders(OrderFilters(), sort="priority", page=PageRequest(page=n, per_page=2))
        for n in (1, 2, 3, 4)
    ]
    assert [p.total for p in pages] == [5, 5, 5, 5]
    assert [p.pages for p in pages] == [3, 3, 3, 3]
    assert [len(p.items) for p in pages] == [2, 2, 1, 0]
    assert [o.log for p in pages for o in p.items] == whole
    assert (pages[0].has_prev, pages[0].has_next, pages[2].has_next) == (False, True, False)
    assert (pages[2].first_index, pages[2].last_index) == (5, 5)


def test_paging_through_many_equal_rows_is_stable(customer):
    for n in range(7):
        OrderFactory(log=f"3000{n}", customer=customer, received_on=RECEIVED, priority=4)
    db.session.commit()
    for sort in ("priority", "-priority", "received_on", None):
        seen = []
        for n in (1, 2, 3):
            seen += logs(sort=sort, page=PageRequest(page=n, per_page=3))
        assert sorted(seen) == [f"3000{n}" for n in range(7)], sort
    ascending = logs(sort="priority")
    assert ascending == [f"3000{n}" for n in range(7)]
    assert logs(sort="-priority") == list(reversed(ascending))


def test_filtered_total_counts_matches_not_the_page(shelf):
    result = service.list_orders(
        OrderFilters(customer="MAP01"), sort="log", page=PageRequest(page=2, per_page=2)
    )
    assert (result.total, result.pages, [o.log for o in result.items]) == (3, 2, ["X7Y8Z"])

"""The order models on their own: field rules, flush-time invariants, derived money,
timestamps, optimistic locking and the database's own constraints."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from presslog.core.db import utcnow
from presslog.core.errors import ValidationError
from presslog.customers.models import Customer, ShipToAddress
from presslog.extensions import db
from presslog.orders import rules
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
from presslog.users.models import User
from tests.factories import (
    ArtProofFactory,
    ChargeFactory,
    CustomerFactory,
    OrderFactory,
    PackItemFactory,
    PrintItemFactory,
    SetupItemFactory,
    ShipmentFactory,
    ShipToAddressFactory,
    StatusChangeFactory,
    UserFactory,
)

RECEIVED = date(2024, 3, 4)
ORDERS = Order.__table__
CHILD_TABLES = (Charge, ArtProof, PrintItem, SetupItem, PackItem, Shipment, StatusChange)


def count(model: type) -> int:
    """Rows in ``model``'s table, counted by the database."""
    return db.session.execute(sa.select(sa.func.count()).select_from(model.__table__)).scalar_one()


def stored(column: sa.ColumnElement, order_id: int) -> object:
    """One column of an orders row as the database holds it."""
    return db.session.execute(sa.select(column).where(ORDERS.c.id == order_id)).scalar_one()


def field_errors(excinfo: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    """The ``{field: messages}`` of a raised ValidationError."""
    return excinfo.value.errors


# -- LOG (no database needed: the validators run on assignment) -----------------------------


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("10234", "10234"),
        ("ab12c", "AB12C"),
        ("  x9y8z7 ", "X9Y8Z7"),
        ("1234567", "1234567"),
    ],
)
def test_log_is_trimmed_and_upper_cased(given, kept):
    assert Order(log=given).log == kept


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("1234", rules.LOG.pattern_message),
        ("12345678", rules.LOG.pattern_message),
        ("12-45", "LOG must be 5–7 letters or digits (A–Z, 0–9), e.g. 10234."),
        ("10 234", "LOG must be 5–7 letters or digits (A–Z, 0–9), e.g. 10234."),
        ("ÄBCDE", "LOG must be 5–7 letters or digits (A–Z, 0–9), e.g. 10234."),
        ("", "LOG is required."),
        ("   ", "LOG is required."),
        (None, "LOG is required."),
    ],
)
def test_bad_log_is_refused_naming_the_field(given, message):
    with pytest.raises(ValidationError) as excinfo:
        Order(log=given)
    assert list(field_errors(excinfo)) == ["log"]
    assert message in field_errors(excinfo)["log"]


def test_log_of_a_new_order_may_be_corrected_before_it_is_saved():
    order = Order(log="10234")
    order.log = "10235"
    assert order.log == "10235"


def test_log_is_stored_upper_case(app):
    order = OrderFactory(log=" ab12c ")
    db.session.expire_all()
    assert stored(ORDERS.c.log, order.id) == "AB12C"


def test_log_cannot_change_once_the_order_exists(app):
    order = OrderFactory(log="10234")
    with pytest.raises(ValidationError) as excinfo:
        order.log = "10235"
    assert field_errors(excinfo) == {"log": ["LOG cannot be changed once the order exists."]}
    db.session.flush()
    db.session.expire_all()
    assert stored(ORDERS.c.log, order.id) == "10234"


def test_setting_the_same_log_again_in_lower_case_is_no_change(app):
    order = OrderFactory(log="AB12C")
    order.log = " ab12c "
    db.session.flush()
    db.session.expire_all()
    assert stored(ORDERS.c.log, order.id) == "AB12C"


# -- field rules ------------------------------------------------------------------------------


def a_valid_order() -> Order:
    """A transient order with every ruled field set to a good value."""
    return Order(
        log="10234",
        job_type="TR",
        status="received",
        title="Caps",
        priority=3,
        sales_tax=Decimal("1.00"),
        freight=Decimal("2.00"),
        customer_po="PO-1",
        color_count=2,
        received_on=RECEIVED,
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("priority", 10, "Priority must "),
        ("priority", -1, "Priority "),
        ("sales_tax", Decimal("-0.01"), "Sales tax "),
        ("freight", Decimal("-5"), "Freight "),
        ("job_type", "XX", "Job type must be one of: TR, DP, AA, VG, DG, GM, DTF, PP."),
        ("job_type", "tr", "Job type must be one of: TR, DP, AA, VG, DG, GM, DTF, PP."),
        (
            "status",
            "done",
            "Status must be one of: received, art, approved, production, ready, "
            "shipped, cancelled.",
        ),
        ("title", "  ", "Title is required."),
        ("title", "x" * 257, "Title must be at most 256 characters."),
        ("customer_po", "P" * 21, "Customer PO must be at most 20 characters."),
        ("color_count", 100, "Colors must "),
        ("received_on", None, "Date received is required."),
    ],
)
def test_field_rules_refuse_bad_values_and_keep_the_old_one(field, value, message):
    order = a_valid_order()
    before = getattr(order, field)
    with pytest.raises(ValidationError) as excinfo:
        setattr(order, field, value)
    # one message, naming the field by its label (range wording is the Rule's business)
    assert list(field_errors(excinfo)) == [field]
    [problem] = field_errors(excinfo)[field]
    assert problem.startswith(message)
    assert getattr(order, field) == before


def test_field_rules_accept_boundary_values_and_store_them(app):
    order = OrderFactory()
    good = {
        "priority": 9,
        "job_type": "DTF",
        "status": "cancelled",
        "sales_tax": Decimal("0.00"),
        "freight": Decimal("9999.99"),
        "color_count": 0,
    }
    for field, value in good.items():
        setattr(order, field, value)
    db.session.flush()
    db.session.expire_all()
    row = db.session.execute(sa.select(ORDERS).where(ORDERS.c.id == order.id)).mappings().one()
    assert {field: row[field] for field in good} == good
    order = db.session.get(Order, order.id)
    order.priority = 0
    db.session.flush()
    assert stored(ORDERS.c.priority, order.id) == 0


def test_text_fields_are_trimmed_and_blank_becomes_null(app):
    order = OrderFactory(title="  Eagles shirts  ", customer_po="   ", location=" B-12 ")
    db.session.expire_all()
    row = db.session.execute(
        sa.select(ORDERS.c.title, ORDERS.c.customer_po, ORDERS.c.location).where(
            ORDERS.c.id == order.id
        )
    ).one()
    assert tuple(row) == ("Eagles shirts", None, "B-12")


def test_charge_refuses_unknown_kind_and_negative_amounts():
    with pytest.raises(ValidationError) as excinfo:
        Charge(kind="tip")
    assert list(field_errors(excinfo)) == ["charges.kind"]
    with pytest.raises(ValidationError) as excinfo:
        Charge(kind="print", quantity=Decimal("-1"))
    assert list(field_errors(excinfo)) == ["charges.print.quantity"]
    assert field_errors(excinfo)["charges.print.quantity"][0].startswith("Quantity ")
    with pytest.raises(ValidationError) as excinfo:
        Charge(kind="rush", unit_price=Decimal("-0.01"))
    assert list(field_errors(excinfo)) == ["charges.rush.unit_price"]
    assert field_errors(excinfo)["charges.rush.unit_price"][0].startswith("Unit price ")
    assert Charge(kind="garment", quantity=None).quantity == 0


@pytest.mark.parametrize(
    ("model", "slots"),
    [
        (ArtProof, 9),
        (PrintItem, 9),
        (SetupItem, 4),
        (PackItem, 4),
    ],
)
def test_slot_items_refuse_slots_outside_their_range(model, slots):
    assert model(slot=1).slot == 1
    assert model(slot=slots).slot == slots
    for bad in (0, slots + 1):
        with pytest.raises(ValidationError) as excinfo:
            model(slot=bad)
        assert field_errors(excinfo) == {
            f"{model.__tablename__}.slot": [f"Slot must be between 1 and {slots}."]
        }


def test_slot_code_is_limited_to_ten_characters():
    assert PrintItem(code=" FRONT ").code == "FRONT"
    with pytest.raises(ValidationError) as excinfo:
        PrintItem(code="X" * 11)
    assert field_errors(excinfo) == {"print_items.code": ["Code must be at most 10 characters."]}


def test_shipment_refuses_negative_weight_and_long_method():
    with pytest.raises(ValidationError) as excinfo:
        Shipment(weight=Decimal("-0.5"))
    assert list(field_errors(excinfo)) == ["shipment.weight"]
    assert field_errors(excinfo)["shipment.weight"][0].startswith("Weight ")
    with pytest.raises(ValidationError) as excinfo:
        Shipment(method="M" * 11)
    assert list(field_errors(excinfo)) == ["shipment.method"]


# -- dates in order (checked by the model itself at flush) -------------------------------------


def test_each_date_before_received_is_refused_at_flush(app):
    order = OrderFactory(received_on=RECEIVED, due_on=None)
    db.session.commit()
    cases = {
        "due_on": "Due out cannot be before date received.",
        "art_due_on": "Art due cannot be before date received.",
        "shipped_on": "Date out cannot be before date received.",
    }
    for field, message in cases.items():
        setattr(order, field, RECEIVED - timedelta(days=1))
        with pytest.raises(ValidationError) as excinfo:
            db.session.flush()
        assert field_errors(excinfo) == {field: [message]}
        db.session.rollback()
        row = db.session.execute(sa.select(ORDERS).where(ORDERS.c.id == order.id)).mappings().one()
        assert row[field] is None


def test_same_day_dates_are_accepted(app):
    order = OrderFactory(
        received_on=RECEIVED, art_due_on=RECEIVED, due_on=RECEIVED, shipped_on=RECEIVED
    )
    db.session.expire_all()
    assert stored(ORDERS.c.shipped_on, order.id) == RECEIVED


def test_every_date_problem_is_reported_at_once_and_nothing_is_stored(app):
    customer = CustomerFactory()
    day_before = RECEIVED - timedelta(days=1)
    order = Order(
        log="10234",
        customer=customer,
        job_type="TR",
        title="Caps",
        received_on=RECEIVED,
        art_due_on=day_before,
        due_on=day_before,
        shipped_on=day_before,
    )
    db.session.add(order)
    with pytest.raises(ValidationError) as excinfo:
        db.session.flush()
    assert set(field_errors(excinfo)) == {"art_due_on", "due_on", "shipped_on"}
    db.session.rollback()
    assert count(Order) == 0


def test_moving_received_after_due_is_refused(app):
    order = OrderFactory(received_on=RECEIVED, due_on=RECEIVED + timedelta(days=3))
    order.received_on = RECEIVED + timedelta(days=4)
    with pytest.raises(ValidationError) as excinfo:
        db.session.flush()
    assert field_errors(excinfo) == {"due_on": ["Due out cannot be before date received."]}


def test_an_order_without_a_received_date_is_refused_at_flush(app):
    order = Order(log="10234", customer=CustomerFactory(), job_type="TR", title="Caps")
    db.session.add(order)
    with pytest.raises(ValidationError) as excinfo:
        db.session.flush()
    assert field_errors(excinfo) == {"received_on": ["Date received is required."]}


# -- derived money ----------------------------------------------------------------------------


def test_charge_totals_round_half_up_to_cents(app):
    order = OrderFactory(sales_tax=Decimal("7.25"), freight=Decimal("12.40"))
    order.charges = [
        Charge(kind="print", quantity=Decimal("24"), unit_price=Decimal("4.50")),
        # 0.125 rounds up to 0.13 (banker's rounding would give 0.12)
        Charge(kind="rush", quantity=Decimal("1"), unit_price=Decimal("0.125")),
        Charge(kind="gang", quantity=Decimal("3"), unit_price=Decimal("0.3333")),
        Charge(kind="art", quantity=Decimal("2.5"), unit_price=Decimal("0.01")),
    ]
    db.session.flush()
    db.session.expire_all()
    totals = dict(db.session.execute(sa.select(Charge.kind, Charge.total)).all())
    assert totals == {
        "print": Decimal("108.00"),
        "rush": Decimal("0.13"),
        "gang": Decimal("1.00"),
        "art": Decimal("0.03"),
    }
    assert stored(ORDERS.c.subtotal, order.id) == Decimal("109.16")
    assert stored(ORDERS.c.total, order.id) == Decimal("128.81")


def test_stored_totals_cannot_be_set_by_hand(app):
    charge = ChargeFactory(quantity=Decimal("10"), unit_price=Decimal("2.00"))
    order = charge.order
    order.subtotal = Decimal("1.00")
    order.total = Decimal("999.99")
    charge.total = Decimal("5.00")
    db.session.flush()
    db.session.expire_all()
    assert db.session.get(Charge, charge.id).total == Decimal("20.00")
    assert stored(ORDERS.c.subtotal, order.id) == Decimal("20.00")
    assert stored(ORDERS.c.total, order.id) == Decimal("20.00")


def test_changing_a_charge_alone_recalculates_its_order(app):
    charge = ChargeFactory(quantity=Decimal("10"), unit_price=Decimal("2.00"))
    order_id = charge.order.id
    db.session.commit()
    charge = db.session.get(Charge, charge.id)
    charge.quantity = Decimal("12")
    db.session.flush()
    db.session.expire_all()
    assert stored(ORDERS.c.subtotal, order_id) == Decimal("24.00")
    assert stored(ORDERS.c.total, order_id) == Decimal("24.00")


def test_removing_every_charge_leaves_only_tax_and_freight(app):
    charge = ChargeFactory(quantity=Decimal("10"), unit_price=Decimal("2.00"))
    order = charge.order
    order.sales_tax = Decimal("1.50")
    order.freight = Decimal("3.00")
    db.session.flush()
    order.charges = []
    db.session.flush()
    db.session.expire_all()
    assert count(Charge) == 0
    assert stored(ORDERS.c.subtotal, order.id) == Decimal("0.00")
    assert stored(ORDERS.c.total, order.id) == Decimal("4.50")


def test_a_total_beyond_the_money_column_is_refused_naming_the_field(app):
    order = OrderFactory()
    db.session.commit()
    order.charges = [
        Charge(kind="print", quantity=Decimal("1000000"), unit_price=Decimal("100000"))
    ]
    with pytest.raises(ValidationError) as excinfo:
        db.session.flush()
    assert {"charges.print.total", "subtotal", "total"} <= set(field_errors(excinfo))
    db.session.rollback()
    assert count(Charge) == 0


def test_tax_and_freight_at_their_limits_cannot_overflow_the_total(app):
    order = OrderFactory()
    order.sales_tax = Decimal("9999999999.99")
    order.freight = Decimal("1.00")
    with pytest.raises(ValidationError) as excinfo:
        db.session.flush()
    assert list(field_errors(excinfo)) == ["total"]


# -- soft delete, timestamps, versions -------------------------------------------------------


def test_soft_delete_keeps_the_row_and_sets_the_flag(app):
    order = OrderFactory()
    assert order.is_deleted is False
    order.deleted_at = utcnow()
    db.session.flush()
    db.session.expire_all()
    reloaded = db.session.get(Order, order.id)
    assert reloaded.is_deleted is True
    assert count(Order) == 1


def test_created_and_updated_at_are_utc_now_at_insert(app):
    before = utcnow()
    order = OrderFactory()
    charge = ChargeFactory(order=order)
    db.session.commit()
    after = utcnow()
    db.session.expire_all()
    for record in (db.session.get(Order, order.id), db.session.get(Charge, charge.id)):
        assert before <= record.created_at <= after
        assert before <= record.updated_at <= after
        assert record.created_at.utcoffset() == timedelta(0)


def test_updated_at_moves_on_update_and_created_at_stays(app):
    order = OrderFactory()
    long_ago = datetime(2020, 1, 1, tzinfo=UTC)
    db.session.execute(
        sa.update(ORDERS)
        .where(ORDERS.c.id == order.id)
        .values(created_at=long_ago, updated_at=long_ago)
    )
    db.session.commit()
    before = utcnow()
    order = db.session.get(Order, order.id)
    order.title = "Renamed"
    db.session.commit()
    after = utcnow()
    db.session.expire_all()
    order = db.session.get(Order, order.id)
    assert order.created_at == long_ago
    assert before <= order.updated_at <= after


def test_naive_timestamps_are_refused(app):
    order = OrderFactory()
    order.deleted_at = datetime(2024, 1, 1)  # naive on purpose
    with pytest.raises(sa.exc.StatementError, match="naive datetime"):
        db.session.flush()


def test_version_starts_at_one_and_increments_on_every_update(app):
    order = OrderFactory()
    assert order.version == 1
    order.title = "Second"
    db.session.flush()
    assert order.version == 2
    order.priority = 1
    db.session.flush()
    db.session.expire_all()
    assert stored(ORDERS.c.version, order.id) == 3


def test_update_of_a_stale_version_raises_stale_data_error(app):
    order = OrderFactory(title="Original")
    db.session.commit()
    db.session.execute(
        sa.update(ORDERS)
        .where(ORDERS.c.id == order.id)
        .values(version=ORDERS.c.version + 1, title="Theirs")
    )
    order.title = "Mine"
    with pytest.raises(StaleDataError):
        db.session.flush()
    db.session.rollback()
    assert stored(ORDERS.c.title, order.id) == "Original"


def test_two_sessions_editing_the_same_order_the_second_loses(app):
    order = OrderFactory(title="Original")
    db.session.commit()
    assert order.version == 1  # loaded in this session before the other one writes
    with Session(db.engine) as other:
        theirs = other.get(Order, order.id)
        theirs.title = "Theirs"
        other.commit()
    order.title = "Mine"
    with pytest.raises(StaleDataError):
        db.session.flush()
    db.session.rollback()
    db.session.expire_all()
    assert stored(ORDERS.c.title, order.id) == "Theirs"
    assert stored(ORDERS.c.version, order.id) == 2


# -- database constraints (written around the model) ----------------------------------------


def refused_by_database(statement: sa.Executable) -> bool:
    """Run ``statement`` in a savepoint; True when the database refused it."""
    try:
        with db.session.begin_nested():
            db.session.execute(statement)
    except IntegrityError:
        return True
    return False


def test_database_refuses_bad_order_rows_written_around_the_model(app):
    order = OrderFactory(received_on=RECEIVED, due_on=None, priority=3)
    db.session.commit()
    day_before = RECEIVED - timedelta(days=1)
    bad = [
        {"priority": 10},
        {"priority": -1},
        {"job_type": "XX"},
        {"status": "lost"},
        {"sales_tax": Decimal("-0.01")},
        {"freight": Decimal("-1.00")},
        {"subtotal": Decimal("-1.00")},
        {"total": Decimal("-1.00")},
        {"due_on": day_before},
        {"art_due_on": day_before},
        {"shipped_on": day_before},
        {"customer_id": 999_999},
        {"log": None},
        {"title": None},
    ]
    update = sa.update(ORDERS).where(ORDERS.c.id == order.id)
    accepted = [values for values in bad if not refused_by_database(update.values(**values))]
    assert accepted == []
    assert not refused_by_database(update.values(priority=9, due_on=RECEIVED))
    db.session.commit()
    row = db.session.execute(sa.select(ORDERS).where(ORDERS.c.id == order.id)).mappings().one()
    assert (row["priority"], row["job_type"], row["status"], row["due_on"]) == (
        9,
        "TR",
        "received",
        RECEIVED,
    )


def test_database_refuses_a_duplicate_log_inserted_around_the_model(app):
    order = OrderFactory(log="10234")
    db.session.commit()
    insert = sa.insert(ORDERS).values(
        log="10234",
        customer_id=order.customer_id,
        job_type="TR",
        title="Copy",
        received_on=RECEIVED,
        status="received",
        rush=False,
        art_enclosed=False,
        return_art=False,
        reorder=False,
        subtotal=0,
        sales_tax=0,
        freight=0,
        total=0,
        version=1,
    )
    assert refused_by_database(insert)
    assert not refused_by_database(insert.values(log="10235"))
    assert count(Order) == 2


def test_database_refuses_negative_amounts_on_related_records(app):
    records = [ChargeFactory(), ArtProofFactory(), ShipmentFactory()]
    db.session.commit()
    bad = [
        (records[0], {"quantity": Decimal("-1")}),
        (records[0], {"unit_price": Decimal("-1")}),
        (records[0], {"total": Decimal("-0.01")}),
        (records[1], {"amount": Decimal("-1")}),
        (records[2], {"weight": Decimal("-1")}),
    ]
    accepted = []
    for record, values in bad:
        table = type(record).__table__
        if not refused_by_database(
            sa.update(table).where(table.c.id == record.id).values(**values)
        ):
            accepted.append((table.name, values))
    assert accepted == []


def test_database_refuses_a_second_row_for_the_same_slot(app):
    order = OrderFactory()
    keys = [
        (Charge.__table__, {"kind": "print"}),
        (ArtProof.__table__, {"slot": 1}),
        (PrintItem.__table__, {"slot": 1}),
        (SetupItem.__table__, {"slot": 1}),
        (PackItem.__table__, {"slot": 1}),
        (Shipment.__table__, {}),
    ]
    for table, key in keys:
        db.session.execute(sa.insert(table).values(order_id=order.id, **key))
    db.session.commit()
    accepted = [
        table.name
        for table, key in keys
        if not refused_by_database(sa.insert(table).values(order_id=order.id, **key))
    ]
    assert accepted == []
    assert not refused_by_database(
        sa.insert(Charge.__table__).values(order_id=order.id, kind="rush")
    )


def test_deleting_an_order_row_removes_all_its_records(app):
    user = UserFactory()
    order = OrderFactory()
    ChargeFactory(order=order)
    ArtProofFactory(order_id=order.id)
    PrintItemFactory(order_id=order.id)
    SetupItemFactory(order_id=order.id)
    PackItemFactory(order_id=order.id)
    ShipmentFactory(order=order)
    StatusChangeFactory(order_id=order.id, changed_by_id=user.id)
    keep = OrderFactory()
    ChargeFactory(order=keep)
    db.session.commit()
    order_id = order.id
    assert all(count(m) >= 1 for m in CHILD_TABLES)
    db.session.execute(sa.delete(ORDERS).where(ORDERS.c.id == order_id))
    db.session.commit()
    for model in CHILD_TABLES:
        table = model.__table__
        left = db.session.execute(
            sa.select(sa.func.count()).select_from(table).where(table.c.order_id == order_id)
        ).scalar_one()
        assert left == 0, model.__tablename__
    assert count(Charge) == 1
    assert count(User) == 1


def test_deleting_a_customer_with_orders_is_restricted(app):
    order = OrderFactory()
    db.session.commit()
    customers = Customer.__table__
    assert refused_by_database(sa.delete(customers).where(customers.c.id == order.customer_id))
    assert count(Customer) == 1
    assert count(Order) == 1


def test_deleting_a_customer_without_orders_removes_its_ship_to_addresses(app):
    address = ShipToAddressFactory()
    other = ShipToAddressFactory()
    db.session.commit()
    customers = Customer.__table__
    db.session.execute(sa.delete(customers).where(customers.c.id == address.customer_id))
    db.session.commit()
    assert count(ShipToAddress) == 1
    assert db.session.execute(sa.select(ShipToAddress.id)).scalar_one() == other.id


def test_deleting_a_user_keeps_the_status_history_without_the_name(app):
    user = UserFactory()
    change = StatusChangeFactory(changed_by_id=user.id)
    db.session.commit()
    users = User.__table__
    db.session.execute(sa.delete(users).where(users.c.id == user.id))
    db.session.commit()
    db.session.expire_all()
    kept = db.session.get(StatusChange, change.id)
    assert kept is not None
    assert kept.changed_by_id is None

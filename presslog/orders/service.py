"""Business rules for orders. Functions do not commit: the caller's unit of work does."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from presslog.audit.service import diff, record
from presslog.core import clock
from presslog.core.db import money, utcnow
from presslog.core.errors import Conflict, Forbidden, NotFound, ValidationError
from presslog.core.numbers import plain_number
from presslog.core.pagination import Page, PageRequest
from presslog.core.rules import Rule, date_order_errors
from presslog.core.transaction import check_version
from presslog.core.validation import collect_errors
from presslog.customers import repository as customers
from presslog.extensions import db
from presslog.notifications import service as notifications
from presslog.orders import repository, rules, workflow
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

SCALAR_FIELDS = (
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
    "art_page",
    "lettering_style",
    "location",
    "customer_note",
    "art_enclosed",
    "return_art",
    "reorder",
    "sales_tax",
    "freight",
)
RELATED_FIELDS = ("charges", "art_proofs", "print_items", "setup_items", "pack_items", "shipment")

# Which fields each limited editing capability may change (SPEC: roles).
ART_FIELDS = frozenset(
    {
        "art_log",
        "reference_art_log",
        "artist",
        "art_due_on",
        "art_page",
        "art_proofs",
        "art_enclosed",
        "return_art",
        "lettering_style",
    }
)
SHIPPING_FIELDS = frozenset({"shipment", "shipped_on", "freight"})
FIELDS_BY_CAPABILITY = {"orders.write_art": ART_FIELDS, "orders.write_shipping": SHIPPING_FIELDS}

SLOT_TABLES: dict[str, tuple[type, int, tuple[str, ...]]] = {
    "art_proofs": (ArtProof, rules.ART_PROOF_SLOTS, ("code", "received_on", "sent_on", "amount")),
    "print_items": (PrintItem, rules.PRINT_ITEM_SLOTS, ("code", "amount")),
    "setup_items": (SetupItem, rules.SETUP_ITEM_SLOTS, ("code", "amount")),
    "pack_items": (PackItem, rules.PACK_ITEM_SLOTS, ("code", "units")),
}
SLOT_RULES: dict[str, Rule] = {
    "code": rules.SLOT_CODE,
    "amount": rules.SLOT_AMOUNT,
    "units": rules.SLOT_AMOUNT,
}


# -- reading -------------------------------------------------------------------------


def get_order(log: str, *, include_deleted: bool = False) -> Order:
    """The order with ``log`` and all its records; NotFound otherwise."""
    order = repository.get_by_log(log, include_deleted=include_deleted)
    if order is None:
        raise NotFound(f"No order with LOG {rules.normalize_log(log)!r}.")
    return order


def list_orders(
    filters: repository.OrderFilters, *, sort: str | None = None, page: PageRequest
) -> Page[Order]:
    """A page of orders matching ``filters``."""
    return repository.search(filters, sort, page)


def editable_fields(user: User) -> frozenset[str] | None:
    """Fields ``user`` may change; ``None`` means all of them."""
    if user.can("orders.write"):
        return None
    allowed: set[str] = set()
    for capability, fields in FIELDS_BY_CAPABILITY.items():
        if user.can(capability):
            allowed |= fields
    return frozenset(allowed)


# -- validation ------------------------------------------------------------------------


def _validate(data: Mapping[str, Any], *, creating: bool, current: Order | None) -> None:
    errors = collect_errors(data, rules.FIELD_RULES, creating=creating)
    merged = {f: data.get(f, getattr(current, f, None)) for f in rules.DATE_LABELS}
    for first, second in rules.DATE_ORDER:
        if first in data or second in data:
            problems = date_order_errors(
                merged[first], merged[second], rules.DATE_LABELS[first], rules.DATE_LABELS[second]
            )
            if problems:
                errors.setdefault(second, []).extend(problems)
    charges = data.get("charges") or []
    seen: set[str] = set()
    for i, charge in enumerate(charges):
        kind = charge.get("kind")
        if kind not in rules.CHARGE_KINDS:
            errors[f"charges.{i}.kind"] = [
                f"Charge kind must be one of: {', '.join(rules.CHARGE_KINDS)}."
            ]
        elif kind in seen:
            errors[f"charges.{i}.kind"] = [f"Charge {kind!r} is listed twice."]
        seen.add(str(kind))
        for name, rule in (("quantity", rules.CHARGE_QUANTITY), ("unit_price", rules.UNIT_PRICE)):
            problems = rule.errors(charge.get(name))
            if problems:
                errors[f"charges.{i}.{name}"] = problems
        amounts = (charge.get("quantity") or 0, charge.get("unit_price") or 0)
        if all(isinstance(a, int | Decimal) for a in amounts) and not any(
            f"charges.{i}.{name}" in errors for name in ("quantity", "unit_price")
        ):
            # The line total must fit the money column (quantity and price alone may).
            problems = rules.LINE_TOTAL.errors(money(amounts[0] * amounts[1]))
            if problems:
                errors[f"charges.{i}.total"] = problems
    for field, (_model, slots, _attrs) in SLOT_TABLES.items():
        used: set[int] = set()
        for i, item in enumerate(data.get(field) or []):
            slot = item.get("slot")
            if not isinstance(slot, int) or not 1 <= slot <= slots:
                errors[f"{field}.{i}.slot"] = [f"Slot must be between 1 and {slots}."]
            elif slot in used:
                errors[f"{field}.{i}.slot"] = [f"Slot {slot} is listed twice."]
            else:
                used.add(slot)
            for name, rule in SLOT_RULES.items():
                if name in item:
                    problems = rule.errors(item[name])
                    if problems:
                        errors[f"{field}.{i}.{name}"] = problems
            if field == "art_proofs":
                problems = date_order_errors(
                    item.get("received_on"), item.get("sent_on"), "Date in", "Date out"
                )
                if problems:
                    errors[f"{field}.{i}.sent_on"] = problems
    shipment = data.get("shipment")
    if shipment:
        for name, rule in (
            ("method", rules.SHIP_METHOD),
            ("carrier", rules.CARRIER),
            ("weight", rules.WEIGHT),
        ):
            problems = rule.errors(shipment.get(name))
            if problems:
                errors[f"shipment.{name}"] = problems
    if errors:
        raise ValidationError(errors)


def _check_allowed(user: User, data: Mapping[str, Any]) -> None:
    allowed = editable_fields(user)
    if allowed is None:
        return
    refused = sorted(set(data) - allowed - {"version"})
    if refused:
        raise Forbidden(f"Your role ({user.role}) may not change: {', '.join(refused)}.")


# -- applying -----------------------------------------------------------------------


def _apply(order: Order, data: Mapping[str, Any]) -> None:
    for name in SCALAR_FIELDS:
        if name in data:
            value = data[name]
            if name in ("rush", "art_enclosed", "return_art", "reorder"):
                value = bool(value)
            elif name in ("sales_tax", "freight"):
                value = Decimal(value) if value not in (None, "") else Decimal("0.00")
            setattr(order, name, value)
    if "charges" in data:
        _apply_charges(order, data["charges"] or [])
    for field, (model, _slots, attrs) in SLOT_TABLES.items():
        if field in data:
            _apply_slots(order, field, model, attrs, data[field] or [])
    if "shipment" in data:
        _apply_shipment(order, data["shipment"])


def _apply_charges(order: Order, charges: Iterable[Mapping[str, Any]]) -> None:
    existing = {c.kind: c for c in order.charges}
    keep: list[Charge] = []
    for item in charges:
        quantity = Decimal(item.get("quantity") or 0)
        unit_price = Decimal(item.get("unit_price") or 0)
        if quantity == 0 and unit_price == 0:
            continue  # an empty line is no charge
        charge = existing.get(item["kind"]) or Charge(kind=item["kind"])
        charge.quantity = quantity
        charge.unit_price = unit_price
        keep.append(charge)
    order.charges = sorted(keep, key=lambda c: c.position)


def _apply_slots(
    order: Order,
    field: str,
    model: type,
    attrs: tuple[str, ...],
    items: Iterable[Mapping[str, Any]],
) -> None:
    existing = {row.slot: row for row in getattr(order, field)}
    keep = []
    for item in items:
        if all(item.get(a) in (None, "") for a in attrs):
            continue  # an empty slot
        row = existing.get(item["slot"]) or model(slot=item["slot"])
        for a in attrs:
            setattr(row, a, item.get(a))
        keep.append(row)
    setattr(order, field, sorted(keep, key=lambda r: r.slot))


def _apply_shipment(order: Order, data: Mapping[str, Any] | None) -> None:
    if not data or all(data.get(k) in (None, "") for k in ("method", "carrier", "weight")):
        order.shipment = None
        return
    shipment = order.shipment or Shipment()
    shipment.method = data.get("method")
    shipment.carrier = data.get("carrier")
    shipment.weight = data.get("weight")
    order.shipment = shipment


# -- audit ----------------------------------------------------------------------------


def _as_text(value: Any) -> str:
    """A related record's value as the audit log shows it (numbers without trailing zeros)."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return plain_number(value)
    return str(value)


def snapshot(order: Order) -> dict[str, Any]:
    """The order's fields and records as the audit log compares them."""
    values: dict[str, Any] = {name: getattr(order, name) for name in SCALAR_FIELDS}
    values["customer"] = order.customer.code if order.customer else None
    values["status"] = order.status
    for charge in order.charges:
        # Numbers as text in one form, whatever their scale: 6.5 typed in a form and
        # 6.5000 read back from the database are the same price, not a change.
        values[f"charges.{charge.kind}"] = (
            f"{plain_number(charge.quantity)} × {plain_number(charge.unit_price)} = "
            f"{money(charge.total)}"
        )
    for field, (_model, _slots, attrs) in SLOT_TABLES.items():
        for row in getattr(order, field):
            values[f"{field}.{row.slot}"] = " / ".join(_as_text(getattr(row, a)) for a in attrs)
    if order.shipment is not None:
        for name in ("method", "carrier", "weight"):
            values[f"shipment.{name}"] = getattr(order.shipment, name)
    values["total"] = order.total
    return values


def _audit(action: str, order: Order, changes: dict[str, list[Any]] | None = None) -> None:
    record(
        action,
        entity_type="order",
        entity_key=order.log,
        summary=order.title,
        changes=changes,
    )


# -- writing ------------------------------------------------------------------------


def create_order(*, data: Mapping[str, Any], actor: User | None) -> Order:
    """Log a new order; the LOG must be new and the customer must exist."""
    data = {
        **data,
        "log": rules.normalize_log(data.get("log")),
        "customer": (data.get("customer") or "").strip().upper(),
        "status": "received",
    }  # every order enters the workflow at the start
    data.setdefault("received_on", clock.today())
    _validate(data, creating=True, current=None)
    log = data["log"]
    if repository.log_exists(log):
        raise Conflict(
            f"LOG {log} is already used by another order (look in the trash too).", field="log"
        )
    customer = customers.get_by_code(data["customer"])
    if customer is None:
        raise ValidationError({"customer": [f"No customer with code {data['customer']}."]})
    order = Order(log=log, customer=customer, status="received")
    _apply(order, data)
    order.status_changes.append(
        StatusChange(
            from_status=None, to_status="received", changed_by_id=actor.id if actor else None
        )
    )
    db.session.add(order)
    db.session.flush()
    _audit("order.create", order, diff({}, snapshot(order)))
    notifications.order_created(order, actor=actor)
    return order


def update_order(
    *, log: str, data: Mapping[str, Any], expected_version: int | None, actor: User
) -> Order:
    """Change an order, refusing stale edits and fields the actor's role may not touch."""
    order = get_order(log)
    check_version(order, expected_version, f"Order {order.log}")
    if "log" in data and rules.normalize_log(data["log"]) != order.log:
        raise ValidationError({"log": ["LOG cannot be changed once the order exists."]})
    data = {k: v for k, v in data.items() if k not in ("log", "version")}
    if "status" in data:
        raise ValidationError(
            {"status": ["Change the status with a workflow step, not by editing the order."]}
        )
    _check_allowed(actor, data)
    if "customer" in data:
        code = (data["customer"] or "").strip().upper()
        if code != order.customer.code:
            customer = customers.get_by_code(code)
            if customer is None:
                raise ValidationError({"customer": [f"No customer with code {code}."]})
            order.customer = customer
        data = {k: v for k, v in data.items() if k != "customer"}
    _validate(data, creating=False, current=order)
    before = snapshot(order)
    _apply(order, data)
    order.recalculate()
    changes = diff(before, snapshot(order))
    if not changes:
        return order  # nothing changed: no new version, no audit entry
    order.updated_at = utcnow()  # related-record edits bump the version too
    db.session.flush()
    _audit("order.update", order, changes)
    return order


def change_status(
    *,
    log: str,
    to_status: str,
    expected_version: int | None,
    actor: User,
    note: str | None = None,
    today: date | None = None,
) -> Order:
    """Move an order along the workflow; entering ``shipped`` sets the date out."""
    actor_id = actor.id  # read first: a lazy load later would flush the order early
    order = get_order(log)
    check_version(order, expected_version, f"Order {order.log}")
    if to_status not in rules.STATUSES:
        raise ValidationError({"status": [rules.STATUS.choice_message]})
    if not workflow.can_move(order.status, to_status):
        allowed = ", ".join(workflow.allowed_next(order.status)) or "none"
        raise Conflict(
            f"Order {order.log} cannot go from {order.status} to {to_status}; "
            f"allowed next: {allowed}."
        )
    previous, shipped_before = order.status, order.shipped_on
    order.status = to_status
    if to_status == "shipped" and order.shipped_on is None:
        order.shipped_on = max(today or clock.today(), order.received_on)
    if previous == "shipped" and to_status != "shipped":
        order.shipped_on = None
    change = StatusChange(
        from_status=previous, to_status=to_status, changed_by_id=actor_id, note=note
    )
    order.status_changes.append(change)
    order.updated_at = utcnow()
    db.session.flush()
    changes: dict[str, list[Any]] = {"status": [previous, to_status]}
    if order.shipped_on != shipped_before:
        changes["shipped_on"] = [shipped_before, order.shipped_on]
    _audit("order.status", order, changes)
    notifications.status_changed(order, change, actor=actor)
    return order


def delete_order(*, log: str, expected_version: int | None) -> Order:
    """Move an order to the trash (restorable)."""
    order = get_order(log)
    check_version(order, expected_version, f"Order {order.log}")
    order.deleted_at = utcnow()
    db.session.flush()
    _audit("order.delete", order)
    return order


def restore_order(*, log: str) -> Order:
    """Bring an order back from the trash."""
    order = get_order(log, include_deleted=True)
    if order.deleted_at is None:
        raise Conflict(f"Order {order.log} is not in the trash.")
    order.deleted_at = None
    db.session.flush()
    _audit("order.restore", order)
    return order

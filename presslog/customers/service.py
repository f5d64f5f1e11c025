"""Business rules for customers. Functions do not commit: the caller's unit of work does."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from presslog.audit.service import diff, record
from presslog.core.db import utcnow
from presslog.core.errors import Conflict, NotFound, ValidationError
from presslog.core.pagination import Page, PageRequest
from presslog.core.transaction import check_version
from presslog.core.validation import collect_errors
from presslog.customers import repository, rules
from presslog.customers.models import Customer, ShipToAddress
from presslog.extensions import db

# What people edit; the legacy id is set by the import only.
EDITABLE_FIELDS = (
    "name",
    "contact",
    "phone",
    "phone_alt",
    "fax",
    "email",
    "tax_id",
    "resale_no",
    "customer_since",
    "notes",
)
SCALAR_FIELDS = (*EDITABLE_FIELDS, "legacy_id")
ADDRESS_PARTS = ("line1", "line2", "city", "state", "zip")


def get_customer(code: str, *, include_deleted: bool = False) -> Customer:
    """The customer with ``code``; NotFound otherwise."""
    customer = repository.get_by_code(code, include_deleted=include_deleted)
    if customer is None:
        raise NotFound(f"No customer with code {code.strip().upper()!r}.")
    return customer


def list_customers(
    filters: repository.CustomerFilters, *, sort: str | None = None, page: PageRequest
) -> Page[Customer]:
    """A page of customers matching ``filters``."""
    return repository.search(filters, sort, page)


def _validate(data: Mapping[str, Any], *, creating: bool) -> None:
    errors = collect_errors(data, rules.FIELD_RULES, creating=creating)
    for key in ("billing_address",):
        if isinstance(data.get(key), Mapping):
            for part, rule in rules.ADDRESS_RULES.items():
                problems = rule.errors(data[key].get(part))
                if problems:
                    errors[f"{key}.{part}"] = problems
    for i, address in enumerate(data.get("ship_to") or []):
        for part, rule in rules.ADDRESS_RULES.items():
            problems = rule.errors(address.get(part))
            if problems:
                errors[f"ship_to.{i}.{part}"] = problems
    if errors:
        raise ValidationError(errors)


def _apply(customer: Customer, data: Mapping[str, Any]) -> None:
    for name in SCALAR_FIELDS:
        if name in data:
            setattr(customer, name, data[name])
    if "billing_address" in data:
        address = data["billing_address"] or {}
        for part in ADDRESS_PARTS:
            setattr(customer, f"billing_{part}", address.get(part))
    if "ship_to" in data:
        wanted = [a for a in (data["ship_to"] or []) if any(a.get(p) for p in ADDRESS_PARTS)]
        existing = {a.position: a for a in customer.ship_to}
        keep: list[ShipToAddress] = []
        for position, address in enumerate(wanted, start=1):
            row = existing.get(position) or ShipToAddress(position=position)
            for part in ADDRESS_PARTS:
                setattr(row, part, address.get(part))
            keep.append(row)
        customer.ship_to = keep


def snapshot(customer: Customer) -> dict[str, Any]:
    """The customer's fields as the audit log compares them."""
    values: dict[str, Any] = {name: getattr(customer, name) for name in SCALAR_FIELDS}
    for part in ADDRESS_PARTS:
        values[f"billing_address.{part}"] = getattr(customer, f"billing_{part}")
    for address in customer.ship_to:
        values[f"ship_to.{address.position}"] = ", ".join(
            str(v) for v in (getattr(address, p) for p in ADDRESS_PARTS) if v
        )
    return values


def _audit(action: str, customer: Customer, changes: dict[str, list[Any]] | None = None) -> None:
    record(
        action,
        entity_type="customer",
        entity_key=customer.code,
        summary=customer.name,
        changes=changes,
    )


def create_customer(*, data: Mapping[str, Any]) -> Customer:
    """Add a customer; the code must be new (deleted customers keep theirs)."""
    data = {**data, "code": rules.normalize_code(data.get("code"))}
    _validate(data, creating=True)
    code = data["code"]
    if repository.code_exists(code):
        raise Conflict(
            f"Customer code {code} is already taken (look in the trash too).", field="code"
        )
    customer = Customer(code=code, ship_to=[])
    _apply(customer, data)
    db.session.add(customer)
    db.session.flush()
    _audit("customer.create", customer, diff({}, snapshot(customer)))
    return customer


def update_customer(
    *, code: str, data: Mapping[str, Any], expected_version: int | None
) -> Customer:
    """Change a customer's details, refusing stale edits."""
    customer = get_customer(code)
    check_version(customer, expected_version, f"Customer {customer.code}")
    if "code" in data and rules.normalize_code(data["code"]) != customer.code:
        raise ValidationError({"code": ["Customer code cannot be changed once created."]})
    data = {k: v for k, v in data.items() if k != "code"}  # the same code, in any case
    _validate(data, creating=False)
    before = snapshot(customer)
    _apply(customer, data)
    changes = diff(before, snapshot(customer))
    if not changes:
        return customer  # nothing changed: no new version, no audit entry
    customer.updated_at = utcnow()
    db.session.flush()
    _audit("customer.update", customer, changes)
    return customer


def delete_customer(*, code: str, expected_version: int | None = None) -> Customer:
    """Move a customer to the trash; its orders stay untouched."""
    customer = get_customer(code)
    check_version(customer, expected_version, f"Customer {customer.code}")
    customer.deleted_at = utcnow()
    db.session.flush()
    _audit("customer.delete", customer)
    return customer


def restore_customer(*, code: str) -> Customer:
    """Bring a customer back from the trash."""
    customer = get_customer(code, include_deleted=True)
    if customer.deleted_at is None:
        raise Conflict(f"Customer {customer.code} is not in the trash.")
    customer.deleted_at = None
    db.session.flush()
    _audit("customer.restore", customer)
    return customer

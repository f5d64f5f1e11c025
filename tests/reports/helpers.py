"""Making orders for report tests: explicit dates and money, committed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from presslog.core.db import utcnow
from presslog.extensions import db
from presslog.orders.models import Charge, Order
from tests.factories import CustomerFactory, OrderFactory


def make_order(
    *,
    price: str | None = None,
    deleted: bool = False,
    received_on: date = date(2026, 11, 1),
    **fields: Any,
) -> Order:
    """An order received on ``received_on`` with one print charge of ``price`` (if any)."""
    if price is not None:
        fields["charges"] = [Charge(kind="print", quantity=Decimal("1"), unit_price=Decimal(price))]
    fields.setdefault("due_on", None)
    order = OrderFactory(received_on=received_on, **fields)
    if deleted:
        order.deleted_at = utcnow()
    db.session.flush()
    return order


def customer(code: str, name: str | None = None) -> Any:
    """A customer with ``code``."""
    return CustomerFactory(code=code, name=name or f"Customer {code}")

"""API schemas for orders: read, create, update, status step and list arguments."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from presslog.core.schemas import ListArgs, Money, StripStrings, page_schema, ruled
from presslog.orders import rules
from presslog.orders.models import Order

# Decimals travel as strings ("12.50", SPEC); without this the document says "number"
# and a client validating against it rejects every answer with money in it.
# TODO: move into core.schemas.Money / ruled() so every domain documents them alike.
DECIMAL_DOC = {"type": "string", "format": "decimal", "pattern": r"^-?[0-9]+(\.[0-9]+)?$"}


def _decimal(rule: Any, **kwargs: Any) -> fields.Field:
    """A decimal input field following ``rule``, documented as a decimal string."""
    return ruled(fields.Decimal, rule, as_string=True, metadata=DECIMAL_DOC, **kwargs)


def _money(**kwargs: Any) -> fields.Decimal:
    """Money in an answer, documented as a decimal string."""
    return Money(metadata=DECIMAL_DOC, **kwargs)


class ChargeSchema(Schema):
    """One charge line."""

    kind = fields.String(
        required=True,
        validate=validate.OneOf(list(rules.CHARGE_KINDS)),
        metadata={"enum": list(rules.CHARGE_KINDS)},
    )
    quantity = _decimal(rules.CHARGE_QUANTITY, load_default=0)
    unit_price = _decimal(rules.UNIT_PRICE, load_default=0)
    total = _money(dump_only=True)


def _slot(slots: int) -> fields.Integer:
    return fields.Integer(
        required=True,
        validate=validate.Range(min=1, max=slots, error=f"Slot must be between 1 and {slots}."),
    )


class ArtProofSchema(StripStrings):
    """One art proof slot (1–9)."""

    slot = _slot(rules.ART_PROOF_SLOTS)
    code = ruled(fields.String, rules.SLOT_CODE)
    received_on = fields.Date(allow_none=True)
    sent_on = fields.Date(allow_none=True)
    amount = _decimal(rules.SLOT_AMOUNT, places=2)


class PrintItemSchema(StripStrings):
    """One print item slot (1–9)."""

    slot = _slot(rules.PRINT_ITEM_SLOTS)
    code = ruled(fields.String, rules.SLOT_CODE)
    amount = _decimal(rules.SLOT_AMOUNT, places=2)


class SetupItemSchema(PrintItemSchema):
    """One setup slot (1–4)."""

    slot = _slot(rules.SETUP_ITEM_SLOTS)


class PackItemSchema(StripStrings):
    """One pack slot (1–4)."""

    slot = _slot(rules.PACK_ITEM_SLOTS)
    code = ruled(fields.String, rules.SLOT_CODE)
    units = _decimal(rules.SLOT_AMOUNT)


class ShipmentSchema(StripStrings):
    """How the order ships; ``shipped_on`` is the order's date out."""

    method = ruled(fields.String, rules.SHIP_METHOD)
    carrier = ruled(fields.String, rules.CARRIER)
    weight = _decimal(rules.WEIGHT, places=2)
    shipped_on = fields.Date(dump_only=True)


class OrderWriteFields(StripStrings):
    """Fields a client may send when creating or changing an order."""

    customer = ruled(fields.String, rules.CUSTOMER)
    customer_po = ruled(fields.String, rules.CUSTOMER_PO)
    job_type = ruled(fields.String, rules.JOB_TYPE)
    title = ruled(fields.String, rules.TITLE)
    priority = ruled(fields.Integer, rules.PRIORITY)
    rush = fields.Boolean()
    received_on = fields.Date()
    art_due_on = fields.Date(allow_none=True)
    due_on = fields.Date(allow_none=True)
    shipped_on = fields.Date(allow_none=True)
    color_count = ruled(fields.Integer, rules.COLOR_COUNT)
    quantity = ruled(fields.Integer, rules.QUANTITY)
    art_log = ruled(fields.String, rules.ART_LOG)
    reference_art_log = ruled(fields.String, rules.REFERENCE_ART_LOG)
    artist = ruled(fields.String, rules.ARTIST)
    art_page = ruled(fields.String, rules.ART_PAGE)
    lettering_style = ruled(fields.String, rules.LETTERING_STYLE)
    location = ruled(fields.String, rules.LOCATION)
    customer_note = ruled(fields.String, rules.CUSTOMER_NOTE)
    art_enclosed = fields.Boolean()
    return_art = fields.Boolean()
    reorder = fields.Boolean()
    sales_tax = _decimal(rules.SALES_TAX, places=2)
    freight = _decimal(rules.FREIGHT, places=2)
    charges = fields.List(fields.Nested(ChargeSchema))
    art_proofs = fields.List(fields.Nested(ArtProofSchema))
    print_items = fields.List(fields.Nested(PrintItemSchema))
    setup_items = fields.List(fields.Nested(SetupItemSchema))
    pack_items = fields.List(fields.Nested(PackItemSchema))
    shipment = fields.Nested(ShipmentSchema, allow_none=True)


class OrderCreateSchema(OrderWriteFields):
    """A new order: LOG, customer, job type and title are required."""

    log = ruled(fields.String, rules.LOG)
    customer = ruled(fields.String, rules.CUSTOMER)
    job_type = ruled(fields.String, rules.JOB_TYPE)
    title = ruled(fields.String, rules.TITLE)


class OrderUpdateSchema(OrderWriteFields):
    """A change to an order: send only what changes, plus ``version`` or If-Match."""

    version = fields.Integer(metadata={"description": "The version you read (or use If-Match)."})

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("partial", True)  # fields left out stay as they are
        super().__init__(*args, **kwargs)


class StatusChangeSchema(Schema):
    """A workflow step."""

    status = ruled(fields.String, rules.STATUS)
    note = fields.String(allow_none=True, validate=validate.Length(max=255))
    version = fields.Integer()


class StatusHistorySchema(Schema):
    """One recorded workflow step."""

    from_status = fields.String(allow_none=True)
    to_status = fields.String()
    changed_at = fields.AwareDateTime()
    changed_by_id = fields.Integer(allow_none=True)
    note = fields.String(allow_none=True)


class OrderSchema(Schema):
    """An order as the API returns it."""

    log = fields.String()
    customer = fields.Function(lambda o: o.customer.code, metadata={"type": "string"})
    customer_name = fields.Function(lambda o: o.customer.name, metadata={"type": "string"})
    customer_po = fields.String(allow_none=True)
    job_type = fields.String()
    title = fields.String()
    priority = fields.Integer(allow_none=True)
    rush = fields.Boolean()
    status = fields.String()
    received_on = fields.Date()
    art_due_on = fields.Date(allow_none=True)
    due_on = fields.Date(allow_none=True)
    shipped_on = fields.Date(allow_none=True)
    color_count = fields.Integer(allow_none=True)
    quantity = fields.Integer(allow_none=True)
    art_log = fields.String(allow_none=True)
    reference_art_log = fields.String(allow_none=True)
    artist = fields.String(allow_none=True)
    art_page = fields.String(allow_none=True)
    lettering_style = fields.String(allow_none=True)
    location = fields.String(allow_none=True)
    customer_note = fields.String(allow_none=True)
    art_enclosed = fields.Boolean()
    return_art = fields.Boolean()
    reorder = fields.Boolean()
    subtotal = _money()
    sales_tax = _money()
    freight = _money()
    total = _money()
    version = fields.Integer()
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()
    deleted_at = fields.AwareDateTime(allow_none=True)


class OrderDetailSchema(OrderSchema):
    """An order with all its related records."""

    charges = fields.List(fields.Nested(ChargeSchema))
    art_proofs = fields.List(fields.Nested(ArtProofSchema))
    print_items = fields.List(fields.Nested(PrintItemSchema))
    setup_items = fields.List(fields.Nested(SetupItemSchema))
    pack_items = fields.List(fields.Nested(PackItemSchema))
    shipment = fields.Method("dump_shipment")
    status_history = fields.List(fields.Nested(StatusHistorySchema), attribute="status_changes")

    def dump_shipment(self, order: Order) -> dict[str, Any]:
        """The shipment with the order's date out."""
        shipment = order.shipment
        return {
            "method": shipment.method if shipment else None,
            "carrier": shipment.carrier if shipment else None,
            "weight": str(shipment.weight) if shipment and shipment.weight is not None else None,
            "shipped_on": order.shipped_on.isoformat() if order.shipped_on else None,
        }


def _on_or_after(what: str) -> fields.Date:
    return fields.Date(
        metadata={"description": f"Only orders {what} on or after this day (YYYY-MM-DD)."}
    )


def _on_or_before(what: str) -> fields.Date:
    return fields.Date(
        metadata={"description": f"Only orders {what} on or before this day (YYYY-MM-DD)."}
    )


class OrderListArgs(ListArgs):
    """Search, filters, sort and page for the order list."""

    q = fields.String(
        metadata={
            "description": "Free text, every word must match: LOG, title, customer code "
            "or name, customer PO, art log. Words of 3+ letters match inside text.",
            "example": "banner",
        }
    )
    customer = fields.String(metadata={"description": "Customer code.", "example": "BEX51"})
    job_type = fields.String(
        validate=validate.OneOf(list(rules.JOB_TYPES)),
        metadata={"description": "Job type code.", "enum": list(rules.JOB_TYPES)},
    )
    status = fields.String(
        validate=validate.OneOf(list(rules.STATUSES)),
        metadata={"description": "Workflow status.", "enum": list(rules.STATUSES)},
    )
    rush = fields.Boolean(metadata={"description": "true: rush orders only; false: no rush."})
    artist = fields.String(metadata={"description": "Artist code, exactly (e.g. LRS3)."})
    received_from = _on_or_after("received")
    received_to = _on_or_before("received")
    due_from = _on_or_after("due out")
    due_to = _on_or_before("due out")
    shipped_from = _on_or_after("shipped")
    shipped_to = _on_or_before("shipped")
    deleted = fields.Boolean(
        load_default=False,
        metadata={
            "description": "true: list the trash instead (needs orders.restore; for other "
            "roles it is ignored)."
        },
    )
    sort = fields.String(
        metadata={
            "description": "log, customer, title, job_type, status, priority, received_on, "
            "due_on, shipped_on, total or updated_at; prefix - for descending. Default "
            "(also for an unknown name): -received_on.",
            "example": "-received_on",
        }
    )


OrderPageSchema = page_schema(OrderSchema, "OrderPage")


# -- examples for the OpenAPI document (answers captured from a running instance) --------

ORDER_CREATE_EXAMPLE: dict[str, Any] = {
    "log": "20001",
    "customer": "BEX51",
    "job_type": "TR",
    "title": "Bexley Arts Council 5K Shirts",
    "quantity": 144,
    "color_count": 2,
    "due_on": "2026-12-10",
    "charges": [{"kind": "print", "quantity": "144", "unit_price": "4.25"}],
}

ORDER_UPDATE_EXAMPLE: dict[str, Any] = {"priority": 3, "location": "PRESS 2"}

STATUS_CHANGE_EXAMPLE: dict[str, Any] = {"status": "art", "note": "Proof sent to customer"}

ORDER_EXAMPLE: dict[str, Any] = {
    "log": "10497",
    "customer": "BEX51",
    "customer_name": "Bexley Arts Council",
    "customer_po": None,
    "job_type": "TR",
    "title": "Pickerington Rockets Travel Team Transfers",
    "priority": 9,
    "rush": False,
    "status": "production",
    "received_on": "2026-11-25",
    "art_due_on": "2026-11-27",
    "due_on": "2026-12-03",
    "shipped_on": None,
    "color_count": 1,
    "quantity": 250,
    "art_log": "A00497",
    "reference_art_log": None,
    "artist": "LRS3",
    "art_page": None,
    "lettering_style": None,
    "location": "CUT TABLE",
    "customer_note": None,
    "art_enclosed": True,
    "return_art": False,
    "reorder": True,
    "subtotal": "1406.61",
    "sales_tax": "0.00",
    "freight": "0.00",
    "total": "1406.61",
    "version": 1,
    "created_at": "2026-11-26T16:49:56.927229+00:00",
    "updated_at": "2026-11-26T16:49:56.927229+00:00",
    "deleted_at": None,
}

ORDER_PAGE_EXAMPLE: dict[str, Any] = {
    "items": [ORDER_EXAMPLE],
    "page": 1,
    "per_page": 1,
    "total": 500,
    "pages": 500,
    "total_exact": True,
}

ORDER_DETAIL_EXAMPLE: dict[str, Any] = {
    "log": "20001",
    "customer": "BEX51",
    "customer_name": "Bexley Arts Council",
    "customer_po": None,
    "job_type": "TR",
    "title": "Bexley Arts Council 5K Shirts",
    "priority": None,
    "rush": False,
    "status": "received",
    "received_on": "2026-11-26",
    "art_due_on": None,
    "due_on": "2026-12-10",
    "shipped_on": None,
    "color_count": 2,
    "quantity": 144,
    "art_log": None,
    "reference_art_log": None,
    "artist": None,
    "art_page": None,
    "lettering_style": None,
    "location": None,
    "customer_note": None,
    "art_enclosed": False,
    "return_art": False,
    "reorder": False,
    "subtotal": "612.00",
    "sales_tax": "0.00",
    "freight": "0.00",
    "total": "612.00",
    "version": 1,
    "created_at": "2026-11-26T16:50:17.046201+00:00",
    "updated_at": "2026-11-26T16:50:17.046210+00:00",
    "deleted_at": None,
    "charges": [
        {"kind": "print", "quantity": "144.000", "unit_price": "4.2500", "total": "612.00"}
    ],
    "art_proofs": [],
    "print_items": [],
    "setup_items": [],
    "pack_items": [],
    "shipment": {"method": None, "carrier": None, "weight": None, "shipped_on": None},
    "status_history": [
        {
            "from_status": None,
            "to_status": "received",
            "changed_at": "2026-11-26T16:50:17.049249+00:00",
            "changed_by_id": 3,
            "note": None,
        }
    ],
}

ORDER_UPDATED_EXAMPLE: dict[str, Any] = {
    **ORDER_DETAIL_EXAMPLE,
    "priority": 3,
    "location": "PRESS 2",
    "version": 2,
    "updated_at": "2026-11-26T16:51:38.694732+00:00",
}

ORDER_STATUS_CHANGED_EXAMPLE: dict[str, Any] = {
    **ORDER_UPDATED_EXAMPLE,
    "status": "art",
    "version": 3,
    "status_history": [
        *ORDER_DETAIL_EXAMPLE["status_history"],
        {
            "from_status": "received",
            "to_status": "art",
            "changed_at": "2026-11-26T16:51:38.960756+00:00",
            "changed_by_id": 3,
            "note": "Proof sent to customer",
        },
    ],
}

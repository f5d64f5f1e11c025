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


class OrderListArgs(ListArgs):
    """Search, filters, sort and page for the order list."""

    q = fields.String(
        metadata={"description": "Free text: LOG, title, customer code or name, PO, art log."}
    )
    customer = fields.String(metadata={"description": "Customer code."})
    job_type = fields.String(validate=validate.OneOf(list(rules.JOB_TYPES)))
    status = fields.String(validate=validate.OneOf(list(rules.STATUSES)))
    rush = fields.Boolean()
    artist = fields.String()
    received_from = fields.Date()
    received_to = fields.Date()
    due_from = fields.Date()
    due_to = fields.Date()
    shipped_from = fields.Date()
    shipped_to = fields.Date()
    deleted = fields.Boolean(
        load_default=False, metadata={"description": "true: list the trash instead."}
    )


OrderPageSchema = page_schema(OrderSchema, "OrderPage")

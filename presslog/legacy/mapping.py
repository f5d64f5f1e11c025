"""The one mapping between the legacy tables and PressLog's model.

Every legacy column appears here once, in the legacy files' column order, with
the place its value lives in PressLog (a *target*), the kind of value it holds
(how it is read and written) and the PressLog rule it must meet. The importer
and the exporter both walk these tables; nothing else names a legacy column.

Targets are dotted paths into a flat record:

- ``order.<field>`` / ``customer.<field>`` — a column of the order or customer;
- ``order.customer`` — the customer's code (stored as the customer's id);
- ``charge.<kind>.<quantity|unit_price|total>`` — one Charge per kind;
- ``art_proof.<slot>.<field>``, ``print_item.…``, ``setup_item.…``, ``pack_item.…``;
- ``shipment.<field>`` — the order's Shipment;
- ``legacy.<key>`` — kept in ``Order.legacy`` because its meaning is unknown;
- ``ship_to.<part>`` — the customer's first ship-to address.
"""

from __future__ import annotations

from dataclasses import dataclass

from presslog.core.rules import Rule
from presslog.customers import rules as customer_rules
from presslog.legacy.values import Boolean, Code, Date, Integer, Kind, Number, Text
from presslog.orders import rules as order_rules


@dataclass(frozen=True)
class Column:
    """One legacy column: where its value goes, how it is read, which rule it meets."""

    name: str
    target: str
    kind: Kind
    rule: Rule | None = None


TEXT, CODE, DATE = Text(), Code(), Date()
# Places and digits are those of the PressLog columns (orders/models.py, core/db.py).
MONEY = Number(places=2, money=True, digits=12)
QUANTITY = Number(places=3, digits=12)
UNIT_PRICE = Number(places=4, digits=14)
WEIGHT = Number(places=2, digits=10)
INTEGER = Integer()
YES_NO = Boolean("Y", "N")
TRUE_FALSE = Boolean("true", "false")

# Legacy charge-column prefixes, in column order, and the PressLog charge kind of each.
CHARGE_PREFIXES: dict[str, str] = dict(
    zip(
        ("PRINT", "RUSH", "COLORC", "GANG", "ARTC", "APPL", "ADHES", "LET_NU", "GARMNT"),
        order_rules.CHARGE_KINDS,
        strict=True,
    )
)
_CHARGE_PARTS = (
    ("N", "quantity", QUANTITY, order_rules.CHARGE_QUANTITY),
    ("C", "unit_price", UNIT_PRICE, order_rules.UNIT_PRICE),
    ("T", "total", MONEY, order_rules.LINE_TOTAL),
)


def _charges(suffix: str) -> list[Column]:
    _, part, kind, rule = next(p for p in _CHARGE_PARTS if p[0] == suffix)
    return [
        Column(f"{prefix}_{suffix}", f"charge.{charge}.{part}", kind, rule)
        for prefix, charge in CHARGE_PREFIXES.items()
    ]


def _slots(
    name: str, count: int, target: str, kind: Kind, rule: Rule | None = None
) -> list[Column]:
    """``name`` holds ``{n}`` for the slot number: ART_{n} → ART_1 … ART_9."""
    return [Column(name.format(n=n), target.format(n=n), kind, rule) for n in range(1, count + 1)]


# Values of unknown meaning are kept as written (trimmed), never interpreted.
_KEPT = Rule(label="Legacy value", max_length=255)

ORDER_COLUMNS: tuple[Column, ...] = (
    Column("LOG", "order.log", CODE, order_rules.LOG),
    Column("CUST", "order.customer", CODE, order_rules.CUSTOMER),
    Column("CUST_P_0", "order.customer_po", TEXT, order_rules.CUSTOMER_PO),
    Column("PRIOR", "order.priority", INTEGER, order_rules.PRIORITY),
    Column("SHIPOUT", "shipment.method", TEXT, order_rules.SHIP_METHOD),
    Column("HOWSHIP", "shipment.carrier", TEXT, order_rules.CARRIER),
    Column("WEIGHT", "shipment.weight", WEIGHT, order_rules.WEIGHT),
    Column("ARTLO", "order.art_log", CODE, order_rules.ART_LOG),
    Column("DATIN", "order.received_on", DATE, order_rules.RECEIVED_ON),
    Column("ARTOUT", "order.art_due_on", DATE),
    Column("DUEOUT", "order.due_on", DATE),
    Column("LOGTYPE", "order.job_type", CODE, order_rules.JOB_TYPE),
    Column("DATOUT", "order.shipped_on", DATE),
    Column("COLORF", "order.color_count", INTEGER, order_rules.COLOR_COUNT),
    Column("INKTYP", "legacy.ink_type", TEXT, _KEPT),
    Column("COLORI", "legacy.colors_inside", TEXT, _KEPT),
    *_charges("N"),
    *_charges("C"),
    *_charges("T"),
    Column("SUBTOTAL", "order.subtotal", MONEY, order_rules.SUBTOTAL),
    Column("SALES_TAX", "order.sales_tax", MONEY, order_rules.SALES_TAX),
    Column("SHIP_FRGHT", "order.freight", MONEY, order_rules.FREIGHT),
    Column("TOTAL", "order.total", MONEY, order_rules.TOTAL),
    *_slots("ART_{n}", 9, "art_proof.{n}.code", TEXT, order_rules.SLOT_CODE),
    *_slots("PRINT_{n}", 9, "print_item.{n}.code", TEXT, order_rules.SLOT_CODE),
    *_slots("A{n}", 9, "art_proof.{n}.amount", MONEY, order_rules.SLOT_AMOUNT),
    *_slots("P{n}", 9, "print_item.{n}.amount", MONEY, order_rules.SLOT_AMOUNT),
    Column("TITLE", "order.title", TEXT, order_rules.TITLE),
    Column("LET_STYLE", "order.lettering_style", TEXT, order_rules.LETTERING_STYLE),
    Column("REF_ARTLO", "order.reference_art_log", CODE, order_rules.REFERENCE_ART_LOG),
    Column("ARTPAG", "order.art_page", TEXT, order_rules.ART_PAGE),
    Column("ARTNO", "order.artist", CODE, order_rules.ARTIST),
    Column("ARTENCL", "order.art_enclosed", YES_NO),
    Column("RET_ART", "order.return_art", YES_NO),
    Column("REORDER", "order.reorder", YES_NO),
    Column("CUST_INFO", "order.customer_note", TEXT, order_rules.CUSTOMER_NOTE),
    Column("LOCATE", "order.location", TEXT, order_rules.LOCATION),
    *_slots("SET_{n}", 4, "setup_item.{n}.code", TEXT, order_rules.SLOT_CODE),
    *_slots("PCK_{n}", 4, "pack_item.{n}.code", TEXT, order_rules.SLOT_CODE),
    *_slots("S{n}", 4, "setup_item.{n}.amount", MONEY, order_rules.SLOT_AMOUNT),
    *_slots("U{n}", 4, "pack_item.{n}.units", QUANTITY, order_rules.SLOT_AMOUNT),
    *_slots("ARTD_{n}", 9, "art_proof.{n}.received_on", DATE),
    *_slots("ARTO_{n}", 9, "art_proof.{n}.sent_on", DATE),
    Column("LUPD", "legacy.updated_on", TEXT, _KEPT),
    Column("ORIGPR", "legacy.original_priority", TEXT, _KEPT),
    Column("RUSH", "order.rush", TRUE_FALSE),
    Column("LATE", "legacy.late", TEXT, _KEPT),
    Column("TIMEOUT", "legacy.time_out", TEXT, _KEPT),
    Column("TIMEIN", "legacy.time_in", TEXT, _KEPT),
    Column("OUT", "legacy.out", TEXT, _KEPT),
)

# The secondary legacy id has no PressLog rule of its own; its column holds 255 characters.
_LEGACY_ID = Rule(label="Customer ID", max_length=255)
_ADDRESS = customer_rules.ADDRESS_RULES

CUSTOMER_COLUMNS: tuple[Column, ...] = (
    Column("CUSTID", "customer.code", CODE, customer_rules.CODE),
    Column("Customer ID", "customer.legacy_id", TEXT, _LEGACY_ID),
    Column("Customer", "customer.name", TEXT, customer_rules.NAME),
    Column("Address Line 1", "customer.billing_line1", TEXT, _ADDRESS["line1"]),
    Column("Address Line 2", "customer.billing_line2", TEXT, _ADDRESS["line2"]),
    Column("City", "customer.billing_city", TEXT, _ADDRESS["city"]),
    Column("State", "customer.billing_state", TEXT, _ADDRESS["state"]),
    Column("Zip", "customer.billing_zip", TEXT, _ADDRESS["zip"]),
    Column("Bill To Contact", "customer.contact", TEXT, customer_rules.CONTACT),
    Column("Telephone 1", "customer.phone", TEXT, customer_rules.PHONE),
    Column("Telephone 2", "customer.phone_alt", TEXT, customer_rules.PHONE),
    Column("Fax Number", "customer.fax", TEXT, customer_rules.PHONE),
    Column("Tax ID", "customer.tax_id", TEXT, customer_rules.TAX_ID),
    Column("Resale No", "customer.resale_no", TEXT, customer_rules.RESALE_NO),
    Column("Cust Since", "customer.customer_since", DATE),
    Column("Ship to 1 Address Line 1", "ship_to.line1", TEXT, _ADDRESS["line1"]),
    Column("Ship to 1 Address Line 2", "ship_to.line2", TEXT, _ADDRESS["line2"]),
    Column("Ship to 1 City ", "ship_to.city", TEXT, _ADDRESS["city"]),
    Column("Ship to 1 State ", "ship_to.state", TEXT, _ADDRESS["state"]),
    Column("Ship to 1 Zip ", "ship_to.zip", TEXT, _ADDRESS["zip"]),
    Column("Customer E-mail", "customer.email", TEXT, customer_rules.EMAIL),
)

ORDER_KEY = "order.log"
CUSTOMER_KEY = "customer.code"

# Where a stored record has a value even when the legacy field was blank.
STORED_DEFAULTS: dict[str, object] = {
    "order.subtotal": MONEY.parse("0")[0],
    "order.sales_tax": MONEY.parse("0")[0],
    "order.freight": MONEY.parse("0")[0],
    "order.total": MONEY.parse("0")[0],
}

"""Validation rules and vocabularies for orders (one source for every layer)."""

from __future__ import annotations

from decimal import Decimal

from presslog.core.rules import Rule

LOG = Rule(
    label="LOG",
    required=True,
    pattern=r"[A-Z0-9]{5,7}",
    pattern_message="LOG must be 5–7 letters or digits (A–Z, 0–9), e.g. 10234.",
    min_length=5,
    max_length=7,
    hint="5–7 letters or digits; cannot be changed later.",
    normalize=str.upper,
)

JOB_TYPES: dict[str, str] = {
    "TR": "Transfer",
    "DP": "Direct Print",
    "AA": "Art Approval",
    "VG": "Vinyl",
    "DG": "Digital Graphics",
    "GM": "General Maintenance",
    "DTF": "Direct to Film",
    "PP": "Promotional Products",
}
PRODUCTION_JOB_TYPES = ("TR", "DP", "AA", "DTF")

STATUSES: dict[str, str] = {
    "received": "Received",
    "art": "In art",
    "approved": "Approved",
    "production": "In production",
    "ready": "Ready",
    "shipped": "Shipped",
    "cancelled": "Cancelled",
}
OPEN_STATUSES = ("received", "art", "approved", "production", "ready")

# Charge kinds, in the legacy column order (PRINT, RUSH, COLORC, ...).
CHARGE_KINDS: dict[str, str] = {
    "print": "Print",
    "rush": "Rush",
    "color_change": "Color change",
    "gang": "Gang",
    "art": "Art",
    "application": "Application",
    "adhesive": "Adhesive",
    "lettering": "Lettering / numbering",
    "garment": "Garment",
}

ART_PROOF_SLOTS = 9
PRINT_ITEM_SLOTS = 9
SETUP_ITEM_SLOTS = 4
PACK_ITEM_SLOTS = 4

MAX_MONEY = Decimal("9999999999.99")

JOB_TYPE = Rule(label="Job type", required=True, choices=tuple(JOB_TYPES))
STATUS = Rule(label="Status", required=True, choices=tuple(STATUSES))
CUSTOMER = Rule(
    label="Customer",
    required=True,
    pattern=r"[A-Z0-9]{5}",
    pattern_message="Customer must be a 5-character customer code, e.g. CEN15.",
    max_length=5,
    normalize=str.upper,
)
TITLE = Rule(label="Title", required=True, max_length=256)
CUSTOMER_PO = Rule(label="Customer PO", max_length=20)
PRIORITY = Rule(label="Priority", min_value=0, max_value=9, hint="0 (highest) to 9.")
RECEIVED_ON = Rule(label="Date received", required=True)
COLOR_COUNT = Rule(label="Colors", min_value=0, max_value=99)
QUANTITY = Rule(label="Quantity", min_value=0, max_value=10_000_000)
ART_LOG = Rule(label="Art log", max_length=7, normalize=str.upper)
REFERENCE_ART_LOG = Rule(label="Reference art log", max_length=7, normalize=str.upper)
ARTIST = Rule(label="Artist", max_length=10, normalize=str.upper)
LOCATION = Rule(label="Location", max_length=30)
CUSTOMER_NOTE = Rule(label="Customer note", max_length=255)
LETTERING_STYLE = Rule(label="Lettering style", max_length=10)
ART_PAGE = Rule(label="Art page", max_length=5)
SALES_TAX = Rule(label="Sales tax", min_value=0, max_value=MAX_MONEY)
FREIGHT = Rule(label="Freight", min_value=0, max_value=MAX_MONEY)

CHARGE_QUANTITY = Rule(label="Quantity", min_value=0, max_value=Decimal("99999999.999"))
UNIT_PRICE = Rule(label="Unit price", min_value=0, max_value=Decimal("99999999.9999"))
SLOT_CODE = Rule(label="Code", max_length=10)
SLOT_AMOUNT = Rule(label="Amount", min_value=0, max_value=MAX_MONEY)
# Derived money must fit the NUMERIC(12,2) columns it is stored in.
LINE_TOTAL = Rule(label="Line total", min_value=0, max_value=MAX_MONEY)
SUBTOTAL = Rule(label="Subtotal", min_value=0, max_value=MAX_MONEY)
TOTAL = Rule(label="Total", min_value=0, max_value=MAX_MONEY)
SHIP_METHOD = Rule(label="Ship method", max_length=10)
CARRIER = Rule(label="Carrier", max_length=10)
WEIGHT = Rule(label="Weight", min_value=0, max_value=Decimal("99999999.99"))

FIELD_RULES: dict[str, Rule] = {
    "log": LOG,
    "customer": CUSTOMER,
    "job_type": JOB_TYPE,
    "status": STATUS,
    "title": TITLE,
    "customer_po": CUSTOMER_PO,
    "priority": PRIORITY,
    "received_on": RECEIVED_ON,
    "color_count": COLOR_COUNT,
    "quantity": QUANTITY,
    "art_log": ART_LOG,
    "reference_art_log": REFERENCE_ART_LOG,
    "artist": ARTIST,
    "location": LOCATION,
    "customer_note": CUSTOMER_NOTE,
    "lettering_style": LETTERING_STYLE,
    "art_page": ART_PAGE,
    "sales_tax": SALES_TAX,
    "freight": FREIGHT,
}

# Date pairs that must be in order: (earlier field, later field).
DATE_ORDER: tuple[tuple[str, str], ...] = (
    ("received_on", "art_due_on"),
    ("received_on", "due_on"),
    ("received_on", "shipped_on"),
)
DATE_LABELS = {
    "received_on": "Date received",
    "art_due_on": "Art due",
    "due_on": "Due out",
    "shipped_on": "Date out",
}


def normalize_log(value: str | None) -> str:
    """LOG numbers are stored trimmed and upper case."""
    return (value or "").strip().upper()

"""Validation rules for customer fields (one source for model, API, form and browser)."""

from __future__ import annotations

from presslog.core.rules import Rule

CODE = Rule(
    label="Customer code",
    required=True,
    pattern=r"[A-Z0-9]{5}",
    pattern_message="Customer code must be exactly 5 letters or digits (A–Z, 0–9).",
    max_length=5,
    min_length=5,
    hint="5 letters or digits, e.g. CEN15.",
    normalize=str.upper,
)
NAME = Rule(label="Name", required=True, max_length=255)
CONTACT = Rule(label="Bill-to contact", max_length=100)
PHONE = Rule(
    label="Phone",
    max_length=30,
    pattern=r"[0-9+()./ x-]*",
    pattern_message="Phone may contain digits, spaces and + ( ) . - x only.",
)
EMAIL = Rule(
    label="E-mail",
    max_length=255,
    pattern=r"[^@\s]+@[^@\s]+\.[^@\s]+",
    pattern_message="E-mail must look like name@example.com.",
)
TAX_ID = Rule(label="Tax ID", max_length=30)
RESALE_NO = Rule(label="Resale number", max_length=30)
NOTES = Rule(label="Notes", max_length=2000)
LINE = Rule(label="Address line", max_length=100)
CITY = Rule(label="City", max_length=60)
STATE = Rule(label="State", max_length=30)
ZIP = Rule(label="ZIP", max_length=15)

ADDRESS_RULES = {"line1": LINE, "line2": LINE, "city": CITY, "state": STATE, "zip": ZIP}

FIELD_RULES: dict[str, Rule] = {
    "code": CODE,
    "name": NAME,
    "contact": CONTACT,
    "phone": PHONE,
    "phone_alt": PHONE,
    "fax": PHONE,
    "email": EMAIL,
    "tax_id": TAX_ID,
    "resale_no": RESALE_NO,
    "notes": NOTES,
}


def normalize_code(value: str | None) -> str:
    """Customer codes are stored trimmed and upper case."""
    return (value or "").strip().upper()

"""API schemas for customers."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields

from presslog.core.schemas import ListArgs, StripStrings, page_schema, ruled
from presslog.customers import rules


class AddressSchema(StripStrings):
    """A postal address."""

    line1 = ruled(fields.String, rules.LINE)
    line2 = ruled(fields.String, rules.LINE)
    city = ruled(fields.String, rules.CITY)
    state = ruled(fields.String, rules.STATE)
    zip = ruled(fields.String, rules.ZIP)


class CustomerWriteFields(StripStrings):
    """Fields a client may send."""

    name = ruled(fields.String, rules.NAME)
    billing_address = fields.Nested(AddressSchema, allow_none=True)
    contact = ruled(fields.String, rules.CONTACT)
    phone = ruled(fields.String, rules.PHONE)
    phone_alt = ruled(fields.String, rules.PHONE)
    fax = ruled(fields.String, rules.PHONE)
    email = ruled(fields.String, rules.EMAIL)
    tax_id = ruled(fields.String, rules.TAX_ID)
    resale_no = ruled(fields.String, rules.RESALE_NO)
    customer_since = fields.Date(allow_none=True)
    ship_to = fields.List(fields.Nested(AddressSchema))
    notes = ruled(fields.String, rules.NOTES)


class CustomerCreateSchema(CustomerWriteFields):
    """A new customer: code and name required."""

    code = ruled(fields.String, rules.CODE)
    name = ruled(fields.String, rules.NAME)


class CustomerUpdateSchema(CustomerWriteFields):
    """A change: only what changes, plus ``version`` or If-Match."""

    version = fields.Integer()

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("partial", True)  # fields left out stay as they are
        super().__init__(*args, **kwargs)


class CustomerSchema(Schema):
    """A customer as the API returns it."""

    code = fields.String()
    name = fields.String()
    billing_address = fields.Function(lambda c: c.billing_address.as_dict())
    contact = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    phone_alt = fields.String(allow_none=True)
    fax = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    tax_id = fields.String(allow_none=True)
    resale_no = fields.String(allow_none=True)
    customer_since = fields.Date(allow_none=True)
    ship_to = fields.Function(lambda c: [a.address.as_dict() for a in c.ship_to])
    notes = fields.String(allow_none=True)
    version = fields.Integer()
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()
    deleted_at = fields.AwareDateTime(allow_none=True)


class CustomerListSchema(CustomerSchema):
    """A customer in a list (without ship-to addresses, to keep lists to one query)."""

    class Meta:
        exclude = ("ship_to",)


CustomerPageSchema = page_schema(CustomerListSchema, "CustomerPage")


class CustomerListArgs(ListArgs):
    """Search, filters, sort and page for the customer list."""

    q = fields.String(metadata={"description": "Code, name, city, e-mail or phone."})
    city = fields.String()
    state = fields.String()
    deleted = fields.Boolean(load_default=False)

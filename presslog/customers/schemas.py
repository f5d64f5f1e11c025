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
        """Options: leave the ship-to addresses out."""

        exclude = ("ship_to",)


CustomerPageSchema = page_schema(CustomerListSchema, "CustomerPage")


class CustomerListArgs(ListArgs):
    """Search, filters, sort and page for the customer list."""

    q = fields.String(
        metadata={
            "description": "Free text, every word must match: code, name, city, e-mail or phone.",
            "example": "arts council",
        }
    )
    city = fields.String(
        metadata={"description": "Billing city, whole and ignoring case.", "example": "Bexley"}
    )
    state = fields.String(metadata={"description": "Billing state code.", "example": "OH"})
    deleted = fields.Boolean(
        load_default=False,
        metadata={
            "description": "true: list the trash instead (needs customers.restore; for "
            "other roles it is ignored)."
        },
    )
    sort = fields.String(
        metadata={
            "description": "code, name, city, customer_since or updated_at; prefix - for "
            "descending. Default (also for an unknown name): name.",
            "example": "code",
        }
    )


# -- examples for the OpenAPI document (answers captured from a running instance) --------

CUSTOMER_CREATE_EXAMPLE: dict[str, Any] = {
    "code": "RIV12",
    "name": "Riverside Youth Soccer",
    "contact": "Dana Ortiz",
    "phone": "614-555-0142",
    "email": "dana@example.com",
    "billing_address": {"line1": "12 Mill St", "city": "Columbus", "state": "OH", "zip": "43215"},
}

CUSTOMER_UPDATE_EXAMPLE: dict[str, Any] = {"phone": "614-274-9933", "contact": "Tony Smith"}

CUSTOMER_EXAMPLE: dict[str, Any] = {
    "code": "BEX51",
    "name": "Bexley Arts Council",
    "billing_address": {
        "line1": "19057 Oak Dr",
        "line2": None,
        "city": "Bexley",
        "state": "OH",
        "zip": "43733",
    },
    "contact": "Tony Smith",
    "phone": "614-274-9932",
    "phone_alt": None,
    "fax": None,
    "email": "tsmith51@example.com",
    "tax_id": "EX-261037",
    "resale_no": None,
    "customer_since": "2017-10-06",
    "ship_to": [],
    "notes": None,
    "version": 1,
    "created_at": "2026-11-26T16:49:56.827884+00:00",
    "updated_at": "2026-11-26T16:49:56.827884+00:00",
    "deleted_at": None,
}

CUSTOMER_PAGE_EXAMPLE: dict[str, Any] = {
    "items": [{k: v for k, v in CUSTOMER_EXAMPLE.items() if k != "ship_to"}],
    "page": 1,
    "per_page": 1,
    "total": 60,
    "pages": 60,
    "total_exact": True,
}

CUSTOMER_CREATED_EXAMPLE: dict[str, Any] = {
    "code": "RIV12",
    "name": "Riverside Youth Soccer",
    "billing_address": {
        "line1": "12 Mill St",
        "line2": None,
        "city": "Columbus",
        "state": "OH",
        "zip": "43215",
    },
    "contact": "Dana Ortiz",
    "phone": "614-555-0142",
    "phone_alt": None,
    "fax": None,
    "email": "dana@example.com",
    "tax_id": None,
    "resale_no": None,
    "customer_since": None,
    "ship_to": [],
    "notes": None,
    "version": 1,
    "created_at": "2026-11-26T16:53:10.716241+00:00",
    "updated_at": "2026-11-26T16:53:10.716246+00:00",
    "deleted_at": None,
}

CUSTOMER_UPDATED_EXAMPLE: dict[str, Any] = {
    **CUSTOMER_EXAMPLE,
    **CUSTOMER_UPDATE_EXAMPLE,
    "version": 2,
    "updated_at": "2026-11-26T16:53:10.766320+00:00",
}

"""The customer form."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import DateField, Form, FormField, HiddenField, StringField, TextAreaField
from wtforms.fields import FieldList

from presslog.core.forms import blank_to_none, optional_date, ruled
from presslog.customers import rules, service
from presslog.customers.models import Customer

UPPER = [blank_to_none, lambda v: v.upper() if isinstance(v, str) else v]
SHIP_TO_ROWS = 3


class AddressForm(Form):
    """A postal address."""

    line1 = StringField(filters=[blank_to_none], **ruled(rules.LINE, label="Address line 1"))
    line2 = StringField(filters=[blank_to_none], **ruled(rules.LINE, label="Address line 2"))
    city = StringField(filters=[blank_to_none], **ruled(rules.CITY))
    state = StringField(filters=UPPER, **ruled(rules.STATE))
    zip = StringField(filters=[blank_to_none], **ruled(rules.ZIP))


class CustomerForm(FlaskForm):
    """Create or edit a customer."""

    version = HiddenField()
    code = StringField(filters=UPPER, **ruled(rules.CODE, render_kw={"autocomplete": "off"}))
    name = StringField(filters=[blank_to_none], **ruled(rules.NAME))
    contact = StringField(filters=[blank_to_none], **ruled(rules.CONTACT))
    phone = StringField(filters=[blank_to_none], **ruled(rules.PHONE, render_kw={"type": "tel"}))
    phone_alt = StringField(
        filters=[blank_to_none],
        **ruled(rules.PHONE, label="Other phone", render_kw={"type": "tel"}),
    )
    fax = StringField(
        filters=[blank_to_none], **ruled(rules.PHONE, label="Fax", render_kw={"type": "tel"})
    )
    email = StringField(filters=[blank_to_none], **ruled(rules.EMAIL, render_kw={"type": "email"}))
    tax_id = StringField(filters=[blank_to_none], **ruled(rules.TAX_ID))
    resale_no = StringField(filters=[blank_to_none], **ruled(rules.RESALE_NO))
    customer_since = DateField(**optional_date("Customer since"))
    notes = TextAreaField(filters=[blank_to_none], **ruled(rules.NOTES))
    billing_address = FormField(AddressForm)
    ship_to = FieldList(FormField(AddressForm), min_entries=SHIP_TO_ROWS)

    SCALARS = service.EDITABLE_FIELDS

    def fill_from(self, customer: Customer) -> None:
        """Load a customer's values."""
        for name in self.SCALARS:
            getattr(self, name).data = getattr(customer, name)
        self.code.data = customer.code
        self.version.data = str(customer.version)
        for part, value in customer.billing_address.as_dict().items():
            getattr(self.billing_address.form, part).data = value
        while len(self.ship_to.entries) < len(customer.ship_to):
            self.ship_to.append_entry()
        for entry, address in zip(self.ship_to.entries, customer.ship_to, strict=False):
            for part, value in address.address.as_dict().items():
                getattr(entry.form, part).data = value

    def to_data(self) -> dict[str, Any]:
        """Submitted values in the service's input shape."""
        data: dict[str, Any] = {name: getattr(self, name).data for name in self.SCALARS}
        data["code"] = self.code.data
        data["billing_address"] = dict(self.billing_address.form.data)
        data["ship_to"] = [dict(e.form.data) for e in self.ship_to.entries]
        return data

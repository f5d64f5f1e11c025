"""The order form: the order's fields and its related records on one page."""

from __future__ import annotations

from collections.abc import Collection
from decimal import Decimal
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    Form,
    FormField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields import FieldList, SelectChoice
from wtforms.validators import ValidationError

from presslog.core.forms import WholeNumberField, blank_to_none, optional_date, ruled
from presslog.core.numbers import plain_number
from presslog.core.rules import after_attrs, date_order_errors, date_order_message
from presslog.orders import rules, service
from presslog.orders.models import Order


def plain(value: Decimal | None) -> Decimal | None:
    """The value without display noise (1.000 → 1), still a Decimal."""
    return None if value is None else Decimal(plain_number(value))


UPPER = [blank_to_none, lambda v: v.upper() if isinstance(v, str) else v]
ART_DATE_IN, ART_DATE_OUT = "Date in", "Date out"


def _later_date(name: str) -> dict[str, Any]:
    """An order date that may not come before the date received (browser and server)."""
    first = next(f for f, second in rules.DATE_ORDER if second == name)
    message = date_order_message(rules.DATE_LABELS[first], rules.DATE_LABELS[name])
    return optional_date(rules.DATE_LABELS[name], **after_attrs(first, message))


def _money(rule: Any, label: str | None = None, places: int = 2) -> DecimalField:
    kwargs = ruled(
        rule, render_kw={"step": "0.01" if places == 2 else "any", "inputmode": "decimal"}
    )
    if label:
        kwargs["label"] = label
    return DecimalField(places=places, **kwargs)


class ChargeForm(Form):
    """One charge line: kind, quantity, unit price."""

    kind = HiddenField()
    quantity = DecimalField(
        places=None,
        **ruled(rules.CHARGE_QUANTITY, render_kw={"step": "any", "inputmode": "decimal"}),
    )
    unit_price = DecimalField(
        places=None, **ruled(rules.UNIT_PRICE, render_kw={"step": "any", "inputmode": "decimal"})
    )


class ArtProofForm(Form):
    """One art proof slot."""

    slot = HiddenField()
    code = StringField(filters=[blank_to_none], **ruled(rules.SLOT_CODE))
    received_on = DateField(**optional_date(ART_DATE_IN))
    sent_on = DateField(
        **optional_date(
            ART_DATE_OUT,
            **after_attrs("received_on", date_order_message(ART_DATE_IN, ART_DATE_OUT)),
        )
    )
    amount = _money(rules.SLOT_AMOUNT)

    def validate_sent_on(self, field: DateField) -> None:
        """The proof cannot go out before it came in (the service's words)."""
        for problem in date_order_errors(
            self.received_on.data, field.data, ART_DATE_IN, ART_DATE_OUT
        ):
            raise ValidationError(problem)


class SlotForm(Form):
    """A print or setup slot: code and amount."""

    slot = HiddenField()
    code = StringField(filters=[blank_to_none], **ruled(rules.SLOT_CODE))
    amount = _money(rules.SLOT_AMOUNT)


class PackForm(Form):
    """A pack slot: code and units."""

    slot = HiddenField()
    code = StringField(filters=[blank_to_none], **ruled(rules.SLOT_CODE))
    units = DecimalField(
        places=None, **ruled(rules.SLOT_AMOUNT, label="Units", render_kw={"step": "any"})
    )


class ShipmentForm(Form):
    """How the order ships."""

    method = StringField(filters=UPPER, **ruled(rules.SHIP_METHOD))
    carrier = StringField(filters=UPPER, **ruled(rules.CARRIER))
    weight = DecimalField(places=2, **ruled(rules.WEIGHT, render_kw={"step": "0.01"}))


class OrderForm(FlaskForm):
    """Create or edit an order with all its records."""

    version = HiddenField()
    log = StringField(filters=UPPER, **ruled(rules.LOG, render_kw={"autocomplete": "off"}))
    customer = StringField(
        filters=UPPER, **ruled(rules.CUSTOMER, render_kw={"list": "customer-codes"})
    )
    customer_po = StringField(filters=[blank_to_none], **ruled(rules.CUSTOMER_PO))
    job_type = SelectField(
        choices=[
            SelectChoice("", "Choose…"),
            *(SelectChoice(code, f"{code} · {label}") for code, label in rules.JOB_TYPES.items()),
        ],
        **ruled(rules.JOB_TYPE),
    )
    title = StringField(filters=[blank_to_none], **ruled(rules.TITLE))
    priority = WholeNumberField(**ruled(rules.PRIORITY, whole=True))
    rush = BooleanField("Rush")
    received_on = DateField(**ruled(rules.RECEIVED_ON, date=True))
    art_due_on = DateField(**_later_date("art_due_on"))
    due_on = DateField(**_later_date("due_on"))
    shipped_on = DateField(**_later_date("shipped_on"))
    color_count = WholeNumberField(**ruled(rules.COLOR_COUNT, whole=True))
    quantity = WholeNumberField(**ruled(rules.QUANTITY, whole=True))
    art_log = StringField(filters=UPPER, **ruled(rules.ART_LOG))
    reference_art_log = StringField(filters=UPPER, **ruled(rules.REFERENCE_ART_LOG))
    artist = StringField(filters=UPPER, **ruled(rules.ARTIST))
    art_page = StringField(filters=[blank_to_none], **ruled(rules.ART_PAGE))
    lettering_style = StringField(filters=UPPER, **ruled(rules.LETTERING_STYLE))
    location = StringField(filters=[blank_to_none], **ruled(rules.LOCATION))
    customer_note = TextAreaField(filters=[blank_to_none], **ruled(rules.CUSTOMER_NOTE))
    art_enclosed = BooleanField("Art enclosed")
    return_art = BooleanField("Return art")
    reorder = BooleanField("Reorder")
    sales_tax = _money(rules.SALES_TAX)
    freight = _money(rules.FREIGHT)

    charges = FieldList(FormField(ChargeForm), min_entries=len(rules.CHARGE_KINDS))
    art_proofs = FieldList(FormField(ArtProofForm), min_entries=rules.ART_PROOF_SLOTS)
    print_items = FieldList(FormField(SlotForm), min_entries=rules.PRINT_ITEM_SLOTS)
    setup_items = FieldList(FormField(SlotForm), min_entries=rules.SETUP_ITEM_SLOTS)
    pack_items = FieldList(FormField(PackForm), min_entries=rules.PACK_ITEM_SLOTS)
    shipment = FormField(ShipmentForm)

    SCALARS = service.SCALAR_FIELDS

    def validate(self, extra_validators: Any = None) -> bool:
        """Field rules, plus the date order the model enforces (all errors at once)."""
        valid = super().validate(extra_validators)
        for first, second in rules.DATE_ORDER:
            problems = date_order_errors(
                getattr(self, first).data,
                getattr(self, second).data,
                rules.DATE_LABELS[first],
                rules.DATE_LABELS[second],
            )
            field = getattr(self, second)
            for problem in problems:
                if problem not in field.errors:
                    field.errors = [*field.errors, problem]
                valid = False
        return valid

    def label_rows(self) -> None:
        """Fix the kind or slot of each related-record row (the browser cannot change it)."""
        for entry, kind in zip(self.charges.entries, rules.CHARGE_KINDS, strict=True):
            entry.form.kind.data = kind
        for name in ("art_proofs", "print_items", "setup_items", "pack_items"):
            for slot, entry in enumerate(getattr(self, name).entries, start=1):
                entry.form.slot.data = str(slot)

    def fill_from(self, order: Order, only: Collection[str] | None = None) -> None:
        """Load an order's values into the form (``only``: just these fields)."""

        def wanted(name: str) -> bool:
            return only is None or name in only

        for name in self.SCALARS:
            if wanted(name):
                getattr(self, name).data = getattr(order, name)
        self.log.data = order.log
        if wanted("customer"):
            self.customer.data = order.customer.code
        if only is None:
            self.version.data = str(order.version)
        charges = {c.kind: c for c in order.charges} if wanted("charges") else None
        for entry, kind in zip(self.charges.entries, rules.CHARGE_KINDS, strict=True):
            if charges is not None:
                charge = charges.get(kind)
                entry.form.quantity.data = plain(charge.quantity) if charge else None
                entry.form.unit_price.data = plain(charge.unit_price) if charge else None
        for name, attrs in (
            ("art_proofs", ("code", "received_on", "sent_on", "amount")),
            ("print_items", ("code", "amount")),
            ("setup_items", ("code", "amount")),
            ("pack_items", ("code", "units")),
        ):
            if not wanted(name):
                continue
            rows = {r.slot: r for r in getattr(order, name)}
            for slot, entry in enumerate(getattr(self, name).entries, start=1):
                row = rows.get(slot)
                for a in attrs:
                    getattr(entry.form, a).data = getattr(row, a) if row else None
        if order.shipment and wanted("shipment"):
            self.shipment.form.method.data = order.shipment.method
            self.shipment.form.carrier.data = order.shipment.carrier
            self.shipment.form.weight.data = order.shipment.weight
        self.label_rows()

    def keep_locked(self, order: Order, editable: frozenset[str] | None) -> None:
        """Put the stored values into the fields the user may not change.

        The page shows those fields disabled, so the browser does not send them; the
        stored values stand in for them (for validation and redisplay) and, as
        :meth:`to_data` leaves them out, are never written back.
        """
        self.log.data = order.log
        if editable is None:
            return
        names = {
            *self.SCALARS,
            "customer",
            "charges",
            "art_proofs",
            "print_items",
            "setup_items",
            "pack_items",
            "shipment",
        }
        self.fill_from(order, only=names - editable)

    def to_data(self, fields: frozenset[str] | None = None) -> dict[str, Any]:
        """The submitted values in the service's input shape.

        ``fields`` limits the result to what the user may edit.
        """
        self.label_rows()
        data: dict[str, Any] = {name: getattr(self, name).data for name in self.SCALARS}
        data["log"] = self.log.data
        data["customer"] = self.customer.data
        data["charges"] = [
            {
                "kind": e.form.kind.data,
                "quantity": e.form.quantity.data,
                "unit_price": e.form.unit_price.data,
            }
            for e in self.charges.entries
        ]
        for name in ("art_proofs", "print_items", "setup_items", "pack_items"):
            data[name] = [
                {k: v for k, v in e.form.data.items() if k != "csrf_token"}
                | {"slot": int(e.form.slot.data)}
                for e in getattr(self, name).entries
            ]
        data["shipment"] = dict(self.shipment.form.data)
        if fields is not None:
            data = {k: v for k, v in data.items() if k in fields}
        return data

"""Field rules: one Rule feeds the model, the API schema, the form and the browser."""

from __future__ import annotations

import html
import re
from datetime import date
from decimal import Decimal

import marshmallow
import pytest
from wtforms import Form, StringField
from wtforms.validators import StopValidation
from wtforms.validators import ValidationError as FormError

from presslog.core.errors import ValidationError
from presslog.core.rules import Rule, date_order_errors, parse_decimal
from presslog.orders import rules
from presslog.orders.forms import OrderForm
from presslog.orders.models import Order
from presslog.orders.schemas import OrderCreateSchema

LOG_LENGTH = "LOG must be 5–7 characters."
LOG_PATTERN = "LOG must be 5–7 letters or digits (A–Z, 0–9), e.g. 10234."


def test_log_rule_accepts_five_to_seven_letters_or_digits():
    for value in ("10234", "AB12345", "ZZZZZ"):
        assert rules.LOG.errors(value) == []


def test_log_rule_explains_each_problem_in_words():
    assert rules.LOG.errors("") == ["LOG is required."]
    assert rules.LOG.errors("   ") == ["LOG is required."]
    assert rules.LOG.errors(None) == ["LOG is required."]
    assert rules.LOG.errors("12") == [LOG_PATTERN]
    assert rules.LOG.errors("12345678") == [LOG_PATTERN]
    assert rules.LOG.errors("10-34") == [LOG_PATTERN]
    assert rules.LOG.errors("ab123") == [LOG_PATTERN]


def test_optional_rule_accepts_blank_but_checks_length():
    assert rules.CUSTOMER_PO.errors("") == []
    assert rules.CUSTOMER_PO.errors(None) == []
    assert rules.CUSTOMER_PO.errors("X" * 21) == ["Customer PO must be at most 20 characters."]


def test_range_and_choice_messages():
    assert rules.PRIORITY.errors(5) == []
    assert rules.PRIORITY.errors(10) == ["Priority must be between 0 and 9."]
    assert rules.PRIORITY.errors(-1) == ["Priority must be between 0 and 9."]
    assert rules.FREIGHT.errors(Decimal("-0.01")) == ["Freight cannot be negative."]
    assert rules.FREIGHT.errors(Decimal("10000000000")) == [
        "Freight must be at most 9999999999.99."
    ]
    assert Rule(label="Count", min_value=0).errors(-1) == ["Count cannot be negative."]
    assert Rule(label="Count", min_value=2).errors(1) == ["Count must be at least 2."]
    assert Rule(label="Count", max_value=3).errors(4) == ["Count must be at most 3."]
    assert rules.JOB_TYPE.errors("XX") == [
        "Job type must be one of: TR, DP, AA, VG, DG, GM, DTF, PP."
    ]
    assert rules.JOB_TYPE.errors("DTF") == []


def test_check_returns_the_value_or_raises_naming_the_field():
    assert rules.LOG.check("log", "10234") == "10234"
    with pytest.raises(ValidationError) as caught:
        rules.LOG.check("log", "1")
    assert caught.value.errors == {"log": [LOG_PATTERN]}
    assert caught.value.status == 422
    assert "log" in caught.value.detail


def test_html_attrs_carry_the_rule_and_its_messages():
    attrs = rules.LOG.html_attrs()
    assert attrs["required"] is True
    assert attrs["data-msg-required"] == "LOG is required."
    assert attrs["pattern"] == r"[A-Z0-9]{5,7}"
    assert attrs["data-msg-pattern"] == LOG_PATTERN
    assert attrs["minlength"] == 5
    assert attrs["maxlength"] == 7
    assert attrs["data-msg-length"] == LOG_LENGTH
    priority = rules.PRIORITY.html_attrs()
    assert priority["min"] == "0"
    assert priority["max"] == "9"
    assert priority["data-msg-min"] == "Priority must be between 0 and 9."
    assert priority["data-msg-max"] == "Priority must be between 0 and 9."
    freight = rules.FREIGHT.html_attrs()
    assert freight["data-msg-min"] == "Freight cannot be negative."
    assert "required" not in priority


def test_marshmallow_validator_raises_the_same_words():
    validate = rules.LOG.marshmallow_validator()
    validate("10234")
    with pytest.raises(marshmallow.ValidationError) as caught:
        validate("1")
    assert caught.value.messages == rules.LOG.errors("1")


def test_wtforms_validator_raises_the_same_words():
    class LogForm(Form):
        log = StringField(validators=[rules.LOG.wtforms_validator()])

    validate = rules.LOG.wtforms_validator()
    form = LogForm(data={"log": "1"})
    with pytest.raises(FormError) as caught:
        validate(form, form.log)
    assert str(caught.value) == " ".join(rules.LOG.errors("1"))

    blank = LogForm(data={"log": ""})
    with pytest.raises(StopValidation) as stopped:
        validate(blank, blank.log)
    assert str(stopped.value) == "LOG is required."

    assert not form.validate()
    assert form.errors == {"log": [LOG_PATTERN]}
    assert LogForm(data={"log": "10234"}).validate()


def test_parse_decimal_and_date_order_helpers():
    assert parse_decimal("Freight", " 12.50 ") == Decimal("12.50")
    assert parse_decimal("Freight", "") is None
    with pytest.raises(ValidationError) as caught:
        parse_decimal("Freight", "twelve")
    assert caught.value.errors == {"Freight": ["must be a number."]}
    assert date_order_errors(date(2026, 1, 2), date(2026, 1, 1), "Date received", "Due out") == [
        "Due out cannot be before date received."
    ]
    assert date_order_errors(date(2026, 1, 1), date(2026, 1, 1), "Date received", "Due out") == []


def test_the_log_pattern_is_the_same_in_model_schema_form_and_page(app, as_role):
    pattern = rules.LOG.pattern
    assert pattern == r"[A-Z0-9]{5,7}"

    # 1. The model refuses a bad LOG with the rule's words.
    with pytest.raises(ValidationError) as caught:
        Order(log="10-34")
    assert caught.value.errors == {"log": [LOG_PATTERN]}
    assert Order(log=" ab123 ").log == "AB123"

    # 2. The API schema documents the pattern and refuses with the same words.
    field = OrderCreateSchema().fields["log"]
    assert field.metadata["pattern"] == pattern
    with pytest.raises(marshmallow.ValidationError) as refused:
        OrderCreateSchema().load(
            {"log": "10-34", "customer": "CEN15", "job_type": "TR", "title": "Shirts"}
        )
    assert refused.value.messages["log"] == [LOG_PATTERN]

    # 3. The form field carries the pattern for the browser.
    with app.test_request_context("/orders/new"):
        form = OrderForm(meta={"csrf": False})
        assert form.log.render_kw["pattern"] == pattern
        assert form.log.render_kw["data-msg-pattern"] == LOG_PATTERN

    # 4. The rendered page sends exactly that pattern and message to the browser.
    staff = as_role("staff")
    page = staff.get("/orders/new")
    assert page.status_code == 200
    tag = re.search(r"<input[^>]*\bname=\"log\"[^>]*>", page.text)
    assert tag, "no LOG input on the new-order page"
    attrs = dict(re.findall(r'([\w-]+)="([^"]*)"', tag.group(0)))
    assert html.unescape(attrs["pattern"]) == pattern
    assert html.unescape(attrs["data-msg-pattern"]) == LOG_PATTERN
    assert attrs["maxlength"] == "7"

    # 5. The OpenAPI document publishes it too.
    spec = staff.get("/api/v1/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    create = next(s for name, s in schemas.items() if name.startswith("OrderCreate"))
    assert create["properties"]["log"]["pattern"] == pattern


@pytest.mark.parametrize(
    "value", [Decimal("NaN"), Decimal("sNaN"), Decimal("Infinity"), float("-inf")]
)
def test_numbers_that_are_not_numbers_are_refused_by_name(value):
    rule = Rule(label="Unit price", min_value=Decimal("0"), max_value=Decimal("9999.99"))
    assert rule.errors(value) == ["Unit price must be a number."]

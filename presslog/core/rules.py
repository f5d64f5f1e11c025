"""Field rules: the single source of truth for validating a value.

A :class:`Rule` is declared once per field (for example ``orders.rules.LOG``) and
feeds every layer that checks input: the model validators, the marshmallow API
schemas, the WTForms form fields and the HTML attributes the browser checks.
The messages are the same words everywhere.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from presslog.core.errors import ValidationError


@dataclass(frozen=True)
class Rule:
    """What a valid value of one field looks like, and what to say when it is not."""

    label: str
    required: bool = False
    pattern: str | None = None
    pattern_message: str | None = None
    min_length: int | None = None
    max_length: int | None = None
    min_value: int | Decimal | None = None
    max_value: int | Decimal | None = None
    choices: tuple[str, ...] | None = None
    hint: str | None = None
    normalize: Callable[[str], str] | None = field(default=None, compare=False)

    # -- messages (shared verbatim by server and browser) -------------------
    @property
    def required_message(self) -> str:
        """What to say when a required field is left empty."""
        return f"{self.label} is required."

    @property
    def length_message(self) -> str:
        """What to say outside the length limits (exact, range or maximum wording)."""
        if self.min_length and self.min_length == self.max_length:
            return f"{self.label} must be exactly {self.max_length} characters."
        if self.min_length and self.max_length:
            return f"{self.label} must be {self.min_length}–{self.max_length} characters."
        return f"{self.label} must be at most {self.max_length} characters."

    @property
    def _short_range(self) -> bool:
        """A range a person can take in at a glance (0–9), unlike money's 0–9999999999.99."""
        return self.min_value is not None and self.max_value is not None and self.max_value <= 1000

    @property
    def min_message(self) -> str:
        """What to say below the minimum (money and quantities: "cannot be negative")."""
        if self._short_range or (self.min_value != 0 and self.max_value is not None):
            return self.between_message
        if self.min_value == 0:
            return f"{self.label} cannot be negative."
        return f"{self.label} must be at least {self.min_value}."

    @property
    def max_message(self) -> str:
        """What to say above the maximum."""
        if self._short_range or (self.min_value not in (None, 0)):
            return self.between_message
        return f"{self.label} must be at most {self.max_value}."

    @property
    def between_message(self) -> str:
        """What to say outside a range whose lower bound is not zero."""
        return f"{self.label} must be between {self.min_value} and {self.max_value}."

    @property
    def number_message(self) -> str:
        """What to say when the value is not a number at all."""
        return f"{self.label} must be a number."

    @property
    def whole_number_message(self) -> str:
        """What to say when a count (an integer field) gets a fraction or a word."""
        return f"{self.label} must be a whole number."

    @property
    def numeric(self) -> bool:
        """Whether the rule is about a number (it has a minimum or a maximum)."""
        return self.min_value is not None or self.max_value is not None

    @property
    def choice_message(self) -> str:
        """What to say when the value is not one of ``choices`` (they are listed)."""
        return f"{self.label} must be one of: {', '.join(self.choices or ())}."

    # -- checking ------------------------------------------------------------
    def errors(self, value: Any) -> list[str]:
        """Return the messages for ``value`` (an empty list when it is valid)."""
        if value is None or (isinstance(value, str) and value.strip() == ""):
            return [self.required_message] if self.required else []
        out: list[str] = []
        if isinstance(value, str):
            if (self.min_length and len(value) < self.min_length) or (
                self.max_length and len(value) > self.max_length
            ):
                # A pattern's message describes the whole shape, length included.
                out.append(self.pattern_message or self.length_message)
            elif self.pattern and not re.fullmatch(self.pattern, value):
                out.append(self.pattern_message or f"{self.label} is not valid.")
            if self.choices and value not in self.choices:
                out.append(self.choice_message)
        elif isinstance(value, int | Decimal | float) and not isinstance(value, bool):
            if (isinstance(value, Decimal) and not value.is_finite()) or (
                isinstance(value, float) and not math.isfinite(value)
            ):
                out.append(self.number_message)  # NaN, Infinity
            elif self.min_value is not None and value < self.min_value:
                out.append(self.min_message)
            elif self.max_value is not None and value > self.max_value:
                out.append(self.max_message)
        return out

    def check(self, name: str, value: Any) -> Any:
        """Return ``value`` if valid, else raise :class:`ValidationError` naming ``name``."""
        problems = self.errors(value)
        if problems:
            raise ValidationError({name: problems})
        return value

    # -- adapters ------------------------------------------------------------
    def html_attrs(self) -> dict[str, Any]:
        """Attributes for the HTML control, so the browser checks the same rule."""
        attrs: dict[str, Any] = {}
        if self.required:
            attrs["required"] = True
            attrs["data-msg-required"] = self.required_message
        if self.normalize is str.upper:
            attrs["data-normalize"] = "upper"
        if self.pattern:
            attrs["pattern"] = self.pattern
            attrs["data-msg-pattern"] = self.pattern_message or f"{self.label} is not valid."
        if self.max_length:
            attrs["maxlength"] = self.max_length
        if self.min_length:
            attrs["minlength"] = self.min_length
        if self.min_length or self.max_length:
            attrs["data-msg-length"] = self.length_message
        if self.numeric:
            attrs["data-msg-type"] = self.number_message
        if self.min_value is not None:
            attrs["min"] = str(self.min_value)
            attrs["data-msg-min"] = self.min_message
        if self.max_value is not None:
            attrs["max"] = str(self.max_value)
            attrs["data-msg-max"] = self.max_message
        return attrs

    def marshmallow_validator(self) -> Callable[[Any], None]:
        """A marshmallow validator raising this rule's messages."""
        import marshmallow

        def validate(value: Any) -> None:
            problems = self.errors(value)
            if problems:
                raise marshmallow.ValidationError(problems)

        return validate

    def wtforms_validator(self) -> Callable[[Any, Any], None]:
        """A WTForms validator raising this rule's messages."""
        from wtforms.validators import StopValidation
        from wtforms.validators import ValidationError as FormError

        def validate(form: Any, fld: Any) -> None:
            value = fld.data
            typed = any(str(raw).strip() for raw in fld.raw_data or ())
            if fld.process_errors and typed:
                raise StopValidation()  # not a number or date: the field's own message stands
            if value is None or (isinstance(value, str) and value.strip() == ""):
                fld.errors = []  # an empty date box is "missing", not "not a date"
                if self.required:
                    raise StopValidation(self.required_message)
                raise StopValidation()
            problems = self.errors(value)
            if problems:
                raise FormError(" ".join(problems))

        return validate


def clean(rule: Rule, field: str, value: Any) -> Any:
    """The value as stored: trimmed (blank → None), normalized, checked against ``rule``.

    :raises ValidationError: naming ``field`` when the value breaks the rule.
    """
    if isinstance(value, str):
        value = value.strip() or None
        if value is not None and rule.normalize is not None:
            value = rule.normalize(value)
    problems = rule.errors(value)
    if problems:
        raise ValidationError({field: problems})
    return value


def parse_decimal(label: str, value: Any) -> Decimal | None:
    """Parse a money or quantity value; blank is ``None``."""
    if value is None or (isinstance(value, str) and value.strip() == ""):
        return None
    try:
        return Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({label: ["must be a number."]}) from None


def date_message(label: str) -> str:
    """What to say when a date field holds something that is not a date."""
    return f"{label} must be a date (year-month-day)."


def date_order_message(first_label: str, second_label: str) -> str:
    """What to say when the ``second_label`` date comes before the ``first_label`` one."""
    return f"{second_label} cannot be before {first_label.lower()}."


#: A filter's date range that runs backwards (report, audit log): said beside "to"
#: by the server and, from the same constant, by the browser (``data-msg-after``).
DATE_RANGE_MESSAGE = "The end date cannot be before the start date."


def date_order_errors(
    first: date | None, second: date | None, first_label: str, second_label: str
) -> list[str]:
    """Messages when ``second`` comes before ``first``."""
    if first and second and second < first:
        return [date_order_message(first_label, second_label)]
    return []


def after_attrs(first_id: str, message: str) -> dict[str, str]:
    """Attributes for a date that may not come before the control ``first_id``.

    ``message`` is the very text the server gives when the order is wrong (for a form
    field, :func:`date_order_message`), so the browser says the same.
    """
    return {"data-after": first_id, "data-msg-after": message}


def match_attrs(other_id: str, message: str) -> dict[str, str]:
    """Attributes for a control that must repeat the value of ``other_id`` (a password
    typed twice); ``message`` is the server's words when the two differ."""
    return {"data-match": other_id, "data-msg-match": message}

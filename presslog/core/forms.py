"""Form helpers: rule-driven field arguments and mapping service errors onto fields."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from wtforms import Field, Form, IntegerField
from wtforms.validators import DataRequired, Optional

from presslog.core.errors import ValidationError
from presslog.core.rules import Rule, date_message


def ruled(rule: Rule, *, date: bool = False, whole: bool = False, **extra: Any) -> dict[str, Any]:
    """Keyword arguments for a WTForms field that follows ``rule``.

    The field's HTML attributes come from the same rule, so the browser checks the same
    things and says the same words; ``date=True`` for a DateField, ``whole=True`` for an
    IntegerField.
    """
    validators: list[Any] = [] if rule.required else [Optional()]
    validators.append(rule.wtforms_validator())
    render_kw = rule.html_attrs()
    if rule.hint:
        extra.setdefault("description", rule.hint)
    unreadable = rule.number_message
    if date:
        unreadable = date_message(rule.label)
    elif whole:
        unreadable = rule.whole_number_message
        render_kw.update({"step": "1", "data-msg-step": unreadable})
    if date or rule.numeric:
        extra.setdefault("invalid_value_message", unreadable)
        render_kw["data-msg-type"] = unreadable
    render_kw.update(extra.pop("render_kw", {}))
    return {"label": rule.label, "validators": validators, "render_kw": render_kw, **extra}


class WholeNumberField(IntegerField):
    """A count read the way the browser's number box reads it: 5, 5.0 and 5e2 are whole
    numbers; 5.5 and words are not (the field's ``invalid_value_message``)."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        """Read the typed text as a whole number (a far too large one stays a Decimal,
        so the rule's maximum speaks, without building a huge int)."""
        if not valuelist or not str(valuelist[0]).strip():
            return
        try:
            number = Decimal(str(valuelist[0]).strip())
        except InvalidOperation:
            number = Decimal("NaN")
        if not number.is_finite() or number != number.to_integral_value():
            self.data = None
            raise ValueError(
                self.invalid_value_message or self.gettext("Not a valid integer value.")
            )
        self.data = int(number) if number.adjusted() < 19 else number


def optional_date(label: str, **render_kw: Any) -> dict[str, Any]:
    """Keyword arguments for an optional DateField (``render_kw``: e.g. :func:`after_attrs`)."""
    message = date_message(label)
    return {
        "label": label,
        "validators": [Optional()],
        "invalid_value_message": message,
        "render_kw": {"data-msg-type": message, **render_kw},
    }


def needed(label: str, message: str, **render_kw: Any) -> dict[str, Any]:
    """Keyword arguments for a required field without a rule (a password to confirm,
    a choice): the server's message goes to the browser too."""
    return {
        "label": label,
        "validators": [DataRequired(message)],
        "render_kw": {"required": True, "data-msg-required": message, **render_kw},
    }


def blank_to_none(value: Any) -> Any:
    """Filter: empty strings become None."""
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def attach_errors(form: Form, errors: Mapping[str, list[str]]) -> None:
    """Put a service's ``{"a.0.b": [...]}`` messages on the matching form fields."""
    for key, messages in errors.items():
        target: Any = form
        for part in key.split("."):
            if part.isdigit() and hasattr(target, "entries"):
                index = int(part)
                target = target.entries[index] if index < len(target.entries) else None
            elif target is not None:
                target = getattr(target, "form", target)
                target = getattr(target, part, None) if hasattr(target, part) else None
            if target is None:
                break
        if isinstance(target, Field):
            target.errors = [*list(target.errors or []), *messages]
        else:
            form.form_errors.extend(f"{key}: {m}" for m in messages)


def submitted_version(value: str | None) -> int:
    """The version a form was read at; a form without one cannot be checked for conflicts."""
    try:
        return int(value or "")
    except ValueError:
        raise ValidationError(
            {"version": ["The form is missing its version; reload the page and try again."]}
        ) from None

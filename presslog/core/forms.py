"""Form helpers: rule-driven field arguments and mapping service errors onto fields."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wtforms import Field, Form
from wtforms.validators import Optional

from presslog.core.errors import ValidationError
from presslog.core.rules import Rule


def ruled(rule: Rule, **extra: Any) -> dict[str, Any]:
    """Keyword arguments for a WTForms field that follows ``rule``."""
    validators: list[Any] = [] if rule.required else [Optional()]
    validators.append(rule.wtforms_validator())
    render_kw = {**rule.html_attrs(), **extra.pop("render_kw", {})}
    if rule.hint:
        extra.setdefault("description", rule.hint)
    return {"label": rule.label, "validators": validators, "render_kw": render_kw, **extra}


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

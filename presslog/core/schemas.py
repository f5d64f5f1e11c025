"""Marshmallow helpers: fields that follow a Rule, and the shared list arguments."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, pre_load, validate

from presslog.core.pagination import DEFAULT_PER_PAGE, MAX_PAGE, MAX_PER_PAGE
from presslog.core.rules import Rule


def ruled(field_class: type[fields.Field], rule: Rule, **kwargs: Any) -> fields.Field:
    """A schema field validated by ``rule`` and documented with its label and hint."""
    metadata = {"description": rule.hint or rule.label, **kwargs.pop("metadata", {})}
    if rule.pattern:
        metadata.setdefault("pattern", rule.pattern)
    if rule.max_length:
        metadata.setdefault("maxLength", rule.max_length)
    if rule.choices:
        metadata.setdefault("enum", list(rule.choices))
    validators = [rule.marshmallow_validator()]
    if rule.required:
        kwargs.setdefault("required", True)
        kwargs.setdefault(
            "error_messages", {"required": rule.required_message, "null": rule.required_message}
        )
    else:
        kwargs.setdefault("allow_none", True)
    field = field_class(validate=validators, metadata=metadata, **kwargs)
    field.normalize = rule.normalize  # type: ignore[attr-defined]  # applied by StripStrings
    return field


def Money(**kwargs: Any) -> fields.Decimal:
    """Money as a decimal string with two places."""
    return fields.Decimal(as_string=True, places=2, **kwargs)


class StripStrings(Schema):
    """Trims string input (empty strings become null) and applies each rule's normalizer
    (e.g. codes to upper case), as the forms and the models do."""

    @pre_load
    def _strip(self, data: Any, **_kwargs: Any) -> Any:
        if not isinstance(data, dict):
            return data
        cleaned = {k: (v.strip() or None) if isinstance(v, str) else v for k, v in data.items()}
        for name, field in self.fields.items():
            key = field.data_key or name
            normalize = getattr(field, "normalize", None)
            if normalize and isinstance(cleaned.get(key), str):
                cleaned[key] = normalize(cleaned[key])
        return cleaned


class ListArgs(Schema):
    """Sorting and pagination shared by every list."""

    sort = fields.String(metadata={"description": "Field to sort by; prefix - for descending."})
    page = fields.Integer(
        load_default=1,
        validate=validate.Range(min=1, max=MAX_PAGE),
        metadata={"description": f"Page number, from 1 (at most {MAX_PAGE})."},
    )
    per_page = fields.Integer(
        load_default=DEFAULT_PER_PAGE,
        validate=validate.Range(min=1, max=MAX_PER_PAGE),
        metadata={"description": f"Items per page, at most {MAX_PER_PAGE}."},
    )


def page_schema(item_schema: type[Schema], name: str) -> type[Schema]:
    """The envelope a list answers with, for ``item_schema`` (named for the document)."""
    fields_: dict[str, fields.Field[Any]] = {
        "items": fields.List(
            fields.Nested(item_schema), metadata={"description": "This page's records."}
        ),
        "page": fields.Integer(metadata={"description": "This page's number, from 1."}),
        "per_page": fields.Integer(metadata={"description": "Page size asked for."}),
        "total": fields.Integer(
            metadata={"description": "How many match; when total_exact is false, at least this."}
        ),
        "pages": fields.Integer(
            metadata={"description": "How many pages; when total_exact is false, at least this."}
        ),
        "total_exact": fields.Boolean(
            metadata={
                "description": "False when a search finding very many orders was not counted "
                "to the end: total and pages are then lower bounds, there is no last link "
                "and no X-Total-Count; follow the next link while there is one."
            }
        ),
    }
    schema = Schema.from_dict(fields_, name=name)
    schema.__doc__ = f"One page of a list of {item_schema.__name__.removesuffix('Schema')}."
    return schema

"""API schemas for reports: the due-out report's arguments and answer."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates_schema

from presslog.core.pagination import MAX_PAGE, MAX_PER_PAGE
from presslog.orders import rules
from presslog.reports.service import DEFAULT_PER_PAGE, check_range


class DueOutArgs(Schema):
    """Filters of the due-out report; leave both dates out for the default range
    (everything overdue plus the rest of this week)."""

    date_from = fields.Date(
        data_key="from", metadata={"description": "First due date (YYYY-MM-DD); open if left out."}
    )
    date_to = fields.Date(
        data_key="to", metadata={"description": "Last due date (YYYY-MM-DD); open if left out."}
    )
    job_type = fields.String(
        validate=validate.OneOf(
            rules.PRODUCTION_JOB_TYPES,
            error=f"Job type must be one of: {', '.join(rules.PRODUCTION_JOB_TYPES)}.",
        ),
        metadata={
            "description": "Only this job type (production types only).",
            "enum": list(rules.PRODUCTION_JOB_TYPES),
        },
    )
    customer = fields.String(
        validate=rules.CUSTOMER.marshmallow_validator(),
        metadata={"description": "Customer code.", "pattern": rules.CUSTOMER.pattern},
    )
    page = fields.Integer(
        load_default=1,
        validate=validate.Range(min=1, max=MAX_PAGE),
        metadata={"description": f"Page number, from 1 (at most {MAX_PAGE})."},
    )
    per_page = fields.Integer(
        load_default=DEFAULT_PER_PAGE,
        validate=validate.Range(min=1, max=MAX_PER_PAGE),
        metadata={"description": f"Rows per page, at most {MAX_PER_PAGE}."},
    )

    @pre_load
    def _codes_upper(self, data: Any, **_kwargs: Any) -> Any:
        if not hasattr(data, "get"):
            return data
        cleaned = dict(data)
        for name in ("customer", "job_type"):
            value = data.get(name)
            if isinstance(value, str):
                cleaned[name] = value.strip().upper()
        return cleaned

    @validates_schema
    def _range_runs_forward(self, data: dict[str, Any], **_kwargs: Any) -> None:
        problems = check_range(data.get("date_from"), data.get("date_to"))
        if problems:
            raise ValidationError(problems)


class DueOutSchema(Schema):
    """One due out (SPEC field names); ``overdue`` when due before today."""

    log = fields.String()
    customer = fields.String(metadata={"description": "The customer's code."})
    customer_name = fields.String()
    customer_po = fields.String(allow_none=True)
    job_type = fields.String()
    title = fields.String()
    priority = fields.Integer(allow_none=True)
    rush = fields.Boolean()
    status = fields.String()
    received_on = fields.Date()
    due_on = fields.Date()
    quantity = fields.Integer(allow_none=True)
    location = fields.String(allow_none=True)
    overdue = fields.Boolean()


class DueOutReportSchema(Schema):
    """One page of due outs, the range covered and the counts by job type."""

    items = fields.List(fields.Nested(DueOutSchema))
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()
    pages = fields.Integer()
    total_exact = fields.Boolean(metadata={"description": "Always true: due outs are counted."})
    date_from = fields.Date(
        data_key="from", allow_none=True, metadata={"description": "null: open (all overdue)."}
    )
    date_to = fields.Date(data_key="to", allow_none=True)
    today = fields.Date(metadata={"description": "The day overdue is counted from."})
    counts = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        metadata={"description": "Due outs per job type (types without any left out)."},
    )


# -- example for the OpenAPI document (an answer captured from a running instance) -------

DUE_OUT_REPORT_EXAMPLE: dict[str, Any] = {
    "items": [
        {
            "log": "10280",
            "customer": "WOR44",
            "customer_name": "Worthington Arts Council",
            "customer_po": None,
            "job_type": "TR",
            "title": "Delaware Rockets Stickers",
            "priority": 5,
            "rush": False,
            "status": "received",
            "received_on": "2026-10-29",
            "due_on": "2026-11-01",
            "quantity": 36,
            "location": "PRESS 2",
            "overdue": True,
        }
    ],
    "page": 1,
    "per_page": 1,
    "total": 38,
    "pages": 38,
    "total_exact": True,
    "from": None,
    "to": "2026-11-29",
    "today": "2026-11-26",
    "counts": {"TR": 38},
}

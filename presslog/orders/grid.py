"""The order grid: a page of orders edited in place, cell by cell, through the JSON API.

The page lists the same orders as ``/orders`` (same filters, sort and pages). Each
editable cell saves on its own with ``PATCH /api/v1/orders/<log>`` guarded by the
row's version (``static/js/grid.js``); the HTML attributes the browser checks come
from the field rules, like every form's.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from presslog.core.pagination import PageRequest
from presslog.core.rules import Rule
from presslog.core.security import require
from presslog.orders import repository, rules, service
from presslog.orders.views import filters_from_args

bp = Blueprint("grid", __name__)

# Kinds of cell: how a value is shown and, for editable kinds, edited.
EDITOR_KINDS = frozenset({"text", "number", "date", "select", "checkbox"})


@dataclass(frozen=True)
class GridColumn:
    """One column of the grid: the order field it shows and how it is edited."""

    field: str
    label: str
    kind: str  # log | customer | status | money, or one of EDITOR_KINDS
    rule: Rule | None = None
    sort: str | None = None  # key of repository.SORTS, when the column sorts
    editable: bool = False  # decided per user by :func:`columns_for`

    @property
    def editor_attrs(self) -> dict[str, str]:
        """Attributes of the cell's editor: its type and the rule the browser checks."""
        attrs: dict[str, Any] = {}
        if self.kind == "text":
            attrs = {"type": "text", "autocomplete": "off", "spellcheck": "false"}
        elif self.kind == "number":
            attrs = {"type": "number", "inputmode": "numeric", "step": "1"}
        elif self.kind == "date":
            attrs = {"type": "date"}
        if self.rule is not None:
            attrs.update(self.rule.html_attrs())
        # Boolean attributes (required) are present or absent: render them bare.
        return {k: "" if v is True else str(v) for k, v in attrs.items() if v is not False}


COLUMNS: tuple[GridColumn, ...] = (
    GridColumn("log", "LOG", "log", sort="log"),
    GridColumn("customer", "Customer", "customer", sort="customer"),
    GridColumn("title", "Title", "text", rules.TITLE, sort="title"),
    GridColumn("job_type", "Job type", "select", rules.JOB_TYPE, sort="job_type"),
    GridColumn("priority", "Priority", "number", rules.PRIORITY, sort="priority"),
    GridColumn("rush", "Rush", "checkbox"),
    GridColumn("received_on", "Received", "date", rules.RECEIVED_ON, sort="received_on"),
    GridColumn("art_due_on", "Art due", "date"),
    GridColumn("due_on", "Due out", "date", sort="due_on"),
    GridColumn("quantity", "Quantity", "number", rules.QUANTITY),
    GridColumn("color_count", "Colors", "number", rules.COLOR_COUNT),
    GridColumn("artist", "Artist", "text", rules.ARTIST),
    GridColumn("art_log", "Art log", "text", rules.ART_LOG),
    GridColumn("location", "Location", "text", rules.LOCATION),
    GridColumn("customer_po", "Customer PO", "text", rules.CUSTOMER_PO),
    GridColumn("status", "Status", "status", sort="status"),
    GridColumn("total", "Total", "money", sort="total"),
)
# Fields the grid can change; status moves through the workflow, never the grid.
GRID_FIELDS = frozenset(c.field for c in COLUMNS if c.kind in EDITOR_KINDS)


def columns_for(editable: frozenset[str] | None) -> list[GridColumn]:
    """The grid's columns, each marked editable when ``editable`` allows its field.

    ``editable`` is :func:`presslog.orders.service.editable_fields`: ``None`` means all.
    """
    return [
        replace(
            column,
            editable=column.kind in EDITOR_KINDS and (editable is None or column.field in editable),
        )
        for column in COLUMNS
    ]


@bp.get("/orders/grid")
@require("orders.read")
def index() -> ResponseReturnValue:
    """Orders as an editable grid: the order list's search, sort and pages."""
    filters, errors = filters_from_args()
    sort = request.args.get("sort") or repository.DEFAULT_SORT
    page = service.list_orders(
        filters,
        sort=sort,
        page=PageRequest.parse(request.args.get("page"), request.args.get("per_page")),
    )
    columns = columns_for(service.editable_fields(current_user))
    return render_template(
        "orders/grid.html",
        page=page,
        filters=filters,
        filter_errors=errors,
        sort=sort,
        columns=columns,
        can_edit=any(c.editable for c in columns),
        all_editable=all(c.editable for c in columns if c.kind in EDITOR_KINDS),
    )

"""The audit log viewer for admins and managers: filter, page through, export as CSV.

There is deliberately no route that edits or deletes an entry.
"""

from __future__ import annotations

from collections.abc import Iterator

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue

from presslog.audit import repository
from presslog.audit.models import AuditEvent
from presslog.audit.service import ACTIONS, ENTITY_TYPES, record
from presslog.core import params
from presslog.core.clock import today
from presslog.core.exports import csv_response
from presslog.core.pagination import PageRequest
from presslog.core.rules import DATE_RANGE_MESSAGE
from presslog.core.security import require
from presslog.core.transaction import transaction

bp = Blueprint("audit", __name__)

CSV_HEADER = (
    "id",
    "at",
    "actor",
    "action",
    "entity_type",
    "entity_key",
    "summary",
    "changes",
    "ip",
    "request_id",
)


def _filters() -> tuple[repository.AuditFilters, dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    filters = repository.AuditFilters(
        actor=params.text(request.args, "actor"),
        action=params.choice(request.args, "action", ACTIONS),
        entity_type=params.choice(request.args, "entity_type", ENTITY_TYPES),
        entity_key=params.text(request.args, "entity_key"),
        date_from=params.iso_date(request.args, "from", errors),
        date_to=params.iso_date(request.args, "to", errors),
    )
    if filters.date_from and filters.date_to and filters.date_to < filters.date_from:
        errors.setdefault("to", []).append(DATE_RANGE_MESSAGE)
    return filters, errors


def format_changes(changes: dict[str, list[object]] | None) -> str:
    """``field: old → new; …`` for the CSV."""
    if not changes:
        return ""
    return "; ".join(
        f"{name}: {'—' if old in (None, '') else old} → {'—' if new in (None, '') else new}"
        for name, (old, new) in changes.items()
    )


@bp.get("/admin/audit")
@require("audit.read")
def index() -> ResponseReturnValue:
    """Filter and page through the audit log, newest first."""
    filters, errors = _filters()
    page = repository.search(
        filters, PageRequest.parse(request.args.get("page"), request.args.get("per_page"))
    )
    return render_template(
        "admin/audit/index.html",
        page=page,
        filters=filters,
        errors=errors,
        actions=ACTIONS,
        entity_types=ENTITY_TYPES,
    )


@bp.get("/admin/audit.csv")
@require("audit.read")
def export_csv() -> ResponseReturnValue:
    """The filtered audit log as CSV (streamed; the export itself is audited)."""
    filters, _errors = _filters()
    with transaction():
        record("export", entity_type="report", entity_key="audit", summary=_describe(filters))

    def rows() -> Iterator[tuple[object, ...]]:
        event: AuditEvent
        for event in repository.stream(filters):
            yield (
                event.id,
                event.at.isoformat(),
                event.actor or "",
                event.action,
                event.entity_type or "",
                event.entity_key or "",
                event.summary or "",
                format_changes(event.changes),
                event.ip or "",
                event.request_id or "",
            )

    return csv_response(f"presslog-audit-{today():%Y%m%d}.csv", CSV_HEADER, rows())


def _describe(filters: repository.AuditFilters) -> str:
    parts = [f"{k}={v}" for k, v in vars(filters).items() if v not in (None, "")]
    return "Audit log CSV" + (f" ({', '.join(parts)})" if parts else "")

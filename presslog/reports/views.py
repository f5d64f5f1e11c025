"""Report pages and their CSV and PDF downloads.

Reading a report needs ``reports.read``; downloading it needs ``reports.export``, and
every download is written to the audit log before any data leaves.
"""

from __future__ import annotations

from flask import Blueprint, Response, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from presslog.audit.service import record
from presslog.core.db import utcnow
from presslog.core.exports import csv_response
from presslog.core.security import require
from presslog.core.transaction import transaction
from presslog.reports import pdf, service
from presslog.reports.cells import row_renderer
from presslog.reports.service import Report

bp = Blueprint("reports", __name__, url_prefix="/reports")

PAGE_ARGS = ("page", "per_page")


def _audit(report: Report, what: str) -> None:
    with transaction():
        record(
            "export",
            entity_type="report",
            entity_key=report.name,
            summary=service.export_summary(report, what),
        )


def _page(name: str, **view_args: str) -> ResponseReturnValue:
    report = service.build(name, request.args, output="page", **view_args)
    export_args = {k: v for k, v in request.args.items() if k not in PAGE_ARGS and k != "paper"}
    return render_template(
        "reports/report.html",
        report=report,
        export_args={**export_args, **report.view_args},
        display=service.display,
        report_row_renderer=row_renderer,
    ), (400 if report.errors else 200)


def _csv(name: str, **view_args: str) -> ResponseReturnValue:
    report = service.build(name, request.args, output="csv", **view_args)
    _audit(report, "CSV")
    return csv_response(f"{report.file_stem}.csv", report.csv_header, report.csv_rows())


def _pdf(name: str, **view_args: str) -> ResponseReturnValue:
    paper = service.paper_arg(request.args)
    report = service.build(name, request.args, output="pdf", **view_args)
    body = pdf.render(
        report,
        paper=paper,
        generated_by=current_user.username,
        generated_at=utcnow().astimezone(),
    )
    _audit(report, f"PDF ({paper})")
    response = Response(body, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{report.file_stem}.pdf"'
    return response


@bp.get("")
@require("reports.read")
def index() -> ResponseReturnValue:
    """The list of reports."""
    return render_template("reports/index.html", catalog=service.CATALOG)


@bp.get("/due-outs")
@require("reports.read")
def due_outs() -> ResponseReturnValue:
    """Open production jobs by due-out date, overdue first."""
    return _page("due-outs")


@bp.get("/due-outs.csv")
@require("reports.export")
def due_outs_csv() -> ResponseReturnValue:
    """The due outs as CSV."""
    return _csv("due-outs")


@bp.get("/due-outs.pdf")
@require("reports.export")
def due_outs_pdf() -> ResponseReturnValue:
    """The due outs as PDF."""
    return _pdf("due-outs")


@bp.get("/shipped")
@require("reports.read")
def shipped() -> ResponseReturnValue:
    """Orders shipped in a date range with money totals."""
    return _page("shipped")


@bp.get("/shipped.csv")
@require("reports.export")
def shipped_csv() -> ResponseReturnValue:
    """Shipped orders as CSV."""
    return _csv("shipped")


@bp.get("/shipped.pdf")
@require("reports.export")
def shipped_pdf() -> ResponseReturnValue:
    """Shipped orders as PDF."""
    return _pdf("shipped")


@bp.get("/sales")
@require("reports.read")
def sales() -> ResponseReturnValue:
    """Sales by customer or by month."""
    return _page("sales")


@bp.get("/sales.csv")
@require("reports.export")
def sales_csv() -> ResponseReturnValue:
    """Sales as CSV."""
    return _csv("sales")


@bp.get("/sales.pdf")
@require("reports.export")
def sales_pdf() -> ResponseReturnValue:
    """Sales as PDF."""
    return _pdf("sales")


@bp.get("/art-queue")
@require("reports.read")
def art_queue() -> ResponseReturnValue:
    """Jobs waiting for art, by artist."""
    return _page("art-queue")


@bp.get("/art-queue.csv")
@require("reports.export")
def art_queue_csv() -> ResponseReturnValue:
    """The art queue as CSV."""
    return _csv("art-queue")


@bp.get("/art-queue.pdf")
@require("reports.export")
def art_queue_pdf() -> ResponseReturnValue:
    """The art queue as PDF."""
    return _pdf("art-queue")


@bp.get("/customers")
@require("reports.read")
def customer_lookup() -> ResponseReturnValue:
    """Go to the order history of the customer code typed on the reports page."""
    code = (request.args.get("code") or "").strip().upper()
    if code:
        return redirect(url_for("reports.customer_history", code=code))
    return index()


@bp.get("/customers/<code>")
@require("reports.read")
def customer_history(code: str) -> ResponseReturnValue:
    """One customer's orders, newest first, with totals."""
    return _page("customer-history", code=code)


@bp.get("/customers/<code>.csv")
@require("reports.export")
def customer_history_csv(code: str) -> ResponseReturnValue:
    """One customer's orders as CSV."""
    return _csv("customer-history", code=code)


@bp.get("/customers/<code>.pdf")
@require("reports.export")
def customer_history_pdf(code: str) -> ResponseReturnValue:
    """One customer's orders as PDF."""
    return _pdf("customer-history", code=code)

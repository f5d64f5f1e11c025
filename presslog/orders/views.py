"""Order pages: list and search, view, create, edit, status steps, delete and restore."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from presslog.audit.service import record
from presslog.core import params
from presslog.core.clock import today
from presslog.core.errors import Conflict, StaleVersion, ValidationError
from presslog.core.exports import csv_response
from presslog.core.feedback import check_undo_token, flash_undo, undo_token
from presslog.core.forms import attach_errors, submitted_version
from presslog.core.pagination import PageRequest
from presslog.core.security import ORDER_EDIT_CAPABILITIES, require
from presslog.core.transaction import transaction
from presslog.notifications import service as notifications
from presslog.orders import repository, rules, service, workflow
from presslog.orders.forms import OrderForm

bp = Blueprint("orders", __name__, url_prefix="/orders")


def filters_from_args() -> tuple[repository.OrderFilters, dict[str, list[str]]]:
    """The order filters in the query string, and what was wrong with any of them."""
    args = request.args
    errors: dict[str, list[str]] = {}
    filters = repository.OrderFilters(
        q=params.text(args, "q"),
        customer=params.text(args, "customer"),
        job_type=params.choice(args, "job_type", rules.JOB_TYPES),
        status=params.choice(args, "status", rules.STATUSES),
        rush=params.boolean(args, "rush"),
        artist=params.text(args, "artist"),
        received_from=params.iso_date(args, "received_from", errors),
        received_to=params.iso_date(args, "received_to", errors),
        due_from=params.iso_date(args, "due_from", errors),
        due_to=params.iso_date(args, "due_to", errors),
        shipped_from=params.iso_date(args, "shipped_from", errors),
        shipped_to=params.iso_date(args, "shipped_to", errors),
    )
    for start, end in (
        ("received_from", "received_to"),
        ("due_from", "due_to"),
        ("shipped_from", "shipped_to"),
    ):
        low, high = getattr(filters, start), getattr(filters, end)
        if low and high and low > high:
            errors.setdefault(end, []).append(f"'{end}' is before '{start}'.")
    return filters, errors


def _export_cell(value: object) -> object:
    """A CSV cell as the API writes it: ISO dates, money as "12.50", true/false."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return f"{value:.2f}"  # every decimal of the export is money
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


@bp.get("/export.csv")
@require("reports.export")
def export_csv() -> ResponseReturnValue:
    """The filtered, sorted order list as CSV, every page of it (streamed)."""
    filters, _errors = filters_from_args()
    sort = request.args.get("sort")
    given = {k: v for k, v in vars(filters).items() if v not in (None, "", False)}
    described = ", ".join(f"{k}={v}" for k, v in given.items())
    with transaction():
        record("export", entity_type="report", entity_key="orders", summary=described or "all")
    rows = ([_export_cell(v) for v in row] for row in repository.export_rows(filters, sort))
    return csv_response(
        f"presslog-orders-{today():%Y%m%d}.csv", list(repository.EXPORT_COLUMNS), rows
    )


@bp.get("")
@require("orders.read")
def index() -> ResponseReturnValue:
    """List and search orders."""
    filters, errors = filters_from_args()
    page = service.list_orders(
        filters,
        sort=request.args.get("sort"),
        page=PageRequest.parse(request.args.get("page"), request.args.get("per_page")),
    )
    return render_template(
        "orders/index.html",
        page=page,
        filters=filters,
        filter_errors=errors,
        sort=request.args.get("sort") or "-received_on",
        today=today(),
    )


@bp.get("/<log>")
@require("orders.read")
def show(log: str) -> ResponseReturnValue:
    """One order with all its records."""
    order = service.get_order(log)
    return render_template(
        "orders/show.html",
        order=order,
        today=today(),
        next_statuses=workflow.allowed_next(order.status),
        following=notifications.is_following(current_user, order.id),
    )


def _render_form(form: OrderForm, *, order=None, status: int = 200) -> ResponseReturnValue:
    editable = service.editable_fields(current_user) if order is not None else None
    return render_template("orders/form.html", form=form, order=order, editable=editable), status


@bp.route("/new", methods=["GET", "POST"])
@require("orders.write")
def create() -> ResponseReturnValue:
    """Log a new order."""
    form = OrderForm()
    if request.method == "GET":
        form.received_on.data = today()
        form.label_rows()
        if request.args.get("customer"):
            form.customer.data = request.args["customer"].upper()
        return _render_form(form)
    if not form.validate():
        return _render_form(form, status=422)
    try:
        with transaction():
            order = service.create_order(data=form.to_data(), actor=current_user)
    except ValidationError as exc:
        attach_errors(form, exc.errors)
        return _render_form(form, status=422)
    except Conflict as exc:
        if not exc.field:
            raise
        attach_errors(form, {exc.field: [exc.detail]})
        return _render_form(form, status=409)
    flash(f"Order {order.log} logged.", "success")
    return redirect(url_for("orders.show", log=order.log))


@bp.route("/<log>/edit", methods=["GET", "POST"])
@require(*ORDER_EDIT_CAPABILITIES)
def edit(log: str) -> ResponseReturnValue:
    """Change an order and its records; a stale form is refused, not merged."""
    order = service.get_order(log)
    form = OrderForm()
    if request.method == "GET":
        form.fill_from(order)
        return _render_form(form, order=order)
    editable = service.editable_fields(current_user)
    form.keep_locked(order, editable)
    form.customer.data = form.customer.data or order.customer.code
    if not form.validate():
        return _render_form(form, order=order, status=422)
    try:
        with transaction():
            fields = editable if editable is not None else None
            data = form.to_data(fields)
            data.pop("log", None)
            service.update_order(
                log=order.log,
                data=data,
                expected_version=submitted_version(form.version.data),
                actor=current_user,
            )
    except ValidationError as exc:
        attach_errors(form, exc.errors)
        return _render_form(form, order=order, status=422)
    except StaleVersion as exc:
        flash(exc.detail, "danger")
        current = service.get_order(order.log)
        return render_template(
            "orders/form.html", form=form, order=current, editable=editable, conflict=True
        ), 409
    flash(f"Order {log.upper()} saved.", "success")
    return redirect(url_for("orders.show", log=order.log))


@bp.post("/<log>/status")
@require("orders.write")
def change_status(log: str) -> ResponseReturnValue:
    """Move an order one step along the workflow; ``next`` (a local path) is where to go back."""
    from presslog.users.views import safe_next  # the one rule for following ``next``

    back = request.form.get("next")
    back = back if back and safe_next(back) == back else None
    try:
        with transaction():
            order = service.change_status(
                log=log,
                to_status=request.form.get("status", ""),
                expected_version=submitted_version(request.form.get("version")),
                actor=current_user,
            )
    except Conflict as exc:  # a stale card or a move the workflow refuses
        if back is None:
            raise
        flash(exc.detail, "danger")
        return redirect(back)
    flash(f"Order {order.log} is now {order.status_label.lower()}.", "success")
    return redirect(back or url_for("orders.show", log=order.log))


@bp.post("/<log>/delete")
@require("orders.write")
def delete(log: str) -> ResponseReturnValue:
    """Move an order to the trash."""
    with transaction():
        order = service.delete_order(
            log=log, expected_version=submitted_version(request.form.get("version"))
        )
    flash_undo(
        f"Order {order.log} moved to the trash.",
        url_for("orders.undo_delete", log=order.log),
        {"undo": undo_token("order", order.log)},
    )
    return redirect(url_for("orders.index"))


@bp.post("/<log>/undo-delete")
@require("orders.write")
def undo_delete(log: str) -> ResponseReturnValue:
    """Undo one's own deletion of an order, just after it (the toast's Undo button)."""
    try:
        check_undo_token(request.form.get("undo"), "order", log)
        with transaction():
            order = service.restore_order(log=log)
    except Conflict as exc:
        flash(exc.detail, "danger")
        return redirect(url_for("orders.index"))
    flash(f"Order {order.log} restored.", "success")
    return redirect(url_for("orders.show", log=order.log))


@bp.post("/<log>/restore")
@require("orders.restore")
def restore(log: str) -> ResponseReturnValue:
    """Bring an order back from the trash."""
    with transaction():
        order = service.restore_order(log=log)
    flash(f"Order {order.log} restored.", "success")
    return redirect(url_for("orders.show", log=order.log))

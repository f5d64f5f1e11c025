"""Customer pages: list and search, view, create, edit, delete and restore."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from presslog.core import params
from presslog.core.errors import Conflict, StaleVersion, ValidationError
from presslog.core.feedback import check_undo_token, flash_undo, undo_token
from presslog.core.forms import attach_errors, submitted_version
from presslog.core.pagination import PageRequest
from presslog.core.security import require
from presslog.core.transaction import transaction
from presslog.customers import repository, service
from presslog.customers.forms import CustomerForm
from presslog.orders import repository as orders_repository

bp = Blueprint("customers", __name__, url_prefix="/customers")


@bp.get("")
@require("customers.read")
def index() -> ResponseReturnValue:
    """List and search customers."""
    filters = repository.CustomerFilters(
        q=params.text(request.args, "q"),
        city=params.text(request.args, "city"),
        state=params.text(request.args, "state"),
    )
    page = service.list_customers(
        filters,
        sort=request.args.get("sort"),
        page=PageRequest.parse(request.args.get("page"), request.args.get("per_page")),
    )
    return render_template(
        "customers/index.html", page=page, filters=filters, sort=request.args.get("sort") or "name"
    )


@bp.get("/<code>")
@require("customers.read")
def show(code: str) -> ResponseReturnValue:
    """One customer and their recent orders."""
    customer = service.get_customer(code)
    orders = orders_repository.search(
        orders_repository.OrderFilters(customer=customer.code),
        "-received_on",
        PageRequest(page=1, per_page=10),
    )
    return render_template("customers/show.html", customer=customer, orders=orders)


@bp.route("/new", methods=["GET", "POST"])
@require("customers.write")
def create() -> ResponseReturnValue:
    """Add a customer."""
    form = CustomerForm()
    if request.method == "POST" and form.validate():
        try:
            with transaction():
                customer = service.create_customer(data=form.to_data())
        except ValidationError as exc:
            attach_errors(form, exc.errors)
        except Conflict as exc:
            if not exc.field:
                raise
            attach_errors(form, {exc.field: [exc.detail]})
            return render_template("customers/form.html", form=form, customer=None), 409
        else:
            flash(f"Customer {customer.code} added.", "success")
            return redirect(url_for("customers.show", code=customer.code))
    status = 422 if request.method == "POST" else 200
    return render_template("customers/form.html", form=form, customer=None), status


@bp.route("/<code>/edit", methods=["GET", "POST"])
@require("customers.write")
def edit(code: str) -> ResponseReturnValue:
    """Change a customer; a stale form is refused."""
    customer = service.get_customer(code)
    form = CustomerForm()
    if request.method == "GET":
        form.fill_from(customer)
        return render_template("customers/form.html", form=form, customer=customer)
    form.code.data = customer.code
    if form.validate():
        try:
            with transaction():
                data = form.to_data()
                data.pop("code")
                service.update_customer(
                    code=customer.code,
                    data=data,
                    expected_version=submitted_version(form.version.data),
                )
        except ValidationError as exc:
            attach_errors(form, exc.errors)
        except StaleVersion as exc:
            flash(exc.detail, "danger")
            return render_template(
                "customers/form.html", form=form, customer=service.get_customer(code), conflict=True
            ), 409
        else:
            flash(f"Customer {customer.code} saved.", "success")
            return redirect(url_for("customers.show", code=customer.code))
    return render_template("customers/form.html", form=form, customer=customer), 422


@bp.post("/<code>/delete")
@require("customers.write")
def delete(code: str) -> ResponseReturnValue:
    """Move a customer to the trash."""
    with transaction():
        customer = service.delete_customer(
            code=code, expected_version=submitted_version(request.form.get("version"))
        )
    flash_undo(
        f"Customer {customer.code} moved to the trash.",
        url_for("customers.undo_delete", code=customer.code),
        {"undo": undo_token("customer", customer.code)},
    )
    return redirect(url_for("customers.index"))


@bp.post("/<code>/undo-delete")
@require("customers.write")
def undo_delete(code: str) -> ResponseReturnValue:
    """Undo one's own deletion of a customer, just after it (the toast's Undo button)."""
    try:
        check_undo_token(request.form.get("undo"), "customer", code)
        with transaction():
            customer = service.restore_customer(code=code)
    except Conflict as exc:
        flash(exc.detail, "danger")
        return redirect(url_for("customers.index"))
    flash(f"Customer {customer.code} restored.", "success")
    return redirect(url_for("customers.show", code=customer.code))


@bp.post("/<code>/restore")
@require("customers.restore")
def restore(code: str) -> ResponseReturnValue:
    """Bring a customer back from the trash."""
    with transaction():
        customer = service.restore_customer(code=code)
    flash(f"Customer {customer.code} restored.", "success")
    return redirect(url_for("customers.show", code=customer.code))

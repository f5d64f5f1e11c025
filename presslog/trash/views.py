"""/admin/trash: what was moved to the trash, newest first, with a Restore button.

Orders and customers are only ever soft-deleted; managers and admins bring them back
from here (the restore routes of the orders and customers pages do the work).
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from presslog.core.pagination import PageRequest
from presslog.core.security import require
from presslog.customers import repository as customers
from presslog.orders import repository as orders

bp = Blueprint("trash", __name__)

# What the trash lists, and the capability that restores it.
KINDS = {"orders": "orders.restore", "customers": "customers.restore"}


@bp.get("/admin/trash")
@require(*KINDS.values())
def index() -> ResponseReturnValue:
    """Orders (``kind=orders``, the default) or customers in the trash, a page at a time."""
    kind = request.args.get("kind") or "orders"
    if kind not in KINDS:
        abort(404)
    if not current_user.can(KINDS[kind]):
        abort(403)
    page_request = PageRequest.parse(request.args.get("page"), request.args.get("per_page"))
    listing = (orders if kind == "orders" else customers).trash_page(page_request)
    return render_template(
        "admin/trash/index.html",
        kind=kind,
        page=listing,
        kinds=[k for k, capability in KINDS.items() if current_user.can(capability)],
    )

"""The web shell: the home page and what every template may use."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, redirect, request, url_for
from flask.typing import ResponseReturnValue

from presslog.core.pagination import PER_PAGE_CHOICES
from presslog.core.rules import DATE_RANGE_MESSAGE
from presslog.core.security import ROLES, require
from presslog.orders.rules import CHARGE_KINDS, JOB_TYPES, STATUSES

bp = Blueprint("web", __name__)


@bp.get("/")
@require("orders.read")
def index() -> ResponseReturnValue:
    """Home: the order list."""
    return redirect(url_for("orders.index"))


def url_with(**changes: Any) -> str:
    """The current URL with some query arguments changed (None removes one)."""
    args = request.args.to_dict(flat=True)
    for key, value in changes.items():
        if value is None or value == "":
            args.pop(key, None)
        else:
            args[key] = str(value)
    values: dict[str, Any] = {**(request.view_args or {}), **args}
    return url_for(request.endpoint or "web.index", **values)


def template_globals() -> dict[str, Any]:
    """Names available in every template."""
    return {
        "JOB_TYPES": JOB_TYPES,
        "STATUSES": STATUSES,
        "CHARGE_KINDS": CHARGE_KINDS,
        "ROLES": ROLES,
        "PER_PAGE_CHOICES": PER_PAGE_CHOICES,
        "DATE_RANGE_MESSAGE": DATE_RANGE_MESSAGE,
        "url_with": url_with,
        "today": date.today,
    }

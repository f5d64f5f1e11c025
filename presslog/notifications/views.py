"""Notification pages: the centre, the bell's count, preferences, follow / unfollow.

Every write is a POST with the CSRF token and works without script; with htmx the same
routes answer with the fragment to swap and an ``HX-Trigger: notifications-changed``
header, on which the bell refreshes at once.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from presslog.core.clock import shop_zone
from presslog.core.errors import ValidationError
from presslog.core.forms import attach_errors
from presslog.core.pagination import PageRequest
from presslog.core.security import require
from presslog.core.transaction import transaction
from presslog.notifications import jobs, service
from presslog.notifications.events import EMAIL_MODES, EVENTS
from presslog.notifications.forms import PreferencesBase, PreferencesForm
from presslog.orders import service as orders

bp = Blueprint("notifications", __name__)

CHANGED = {"HX-Trigger": "notifications-changed"}
# Imported for its side effect: the scheduled job is declared with the blueprint.
__all__ = ["bp", "jobs"]


def _htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


@bp.get("/notifications")
@require("account.self")
def index() -> ResponseReturnValue:
    """The notification centre: the person's notifications, newest first."""
    page = service.list_notifications(
        current_user, PageRequest.parse(request.args.get("page"), request.args.get("per_page"))
    )
    return render_template(
        "notifications/index.html",
        page=page,
        unread=service.unread_count(current_user),
        zone=shop_zone(),
        events=EVENTS,
    )


@bp.get("/notifications/count")
@require("account.self")
def count() -> ResponseReturnValue:
    """The bell's badge: the unread count (204 when it still is ``shown``, so nothing moves)."""
    unread = service.unread_count(current_user)
    if request.args.get("shown") == str(unread):
        return "", 204
    return render_template("notifications/_count.html", unread=unread)


@bp.post("/notifications/<int:notification_id>/read")
@require("account.self")
def mark_read(notification_id: int) -> ResponseReturnValue:
    """Mark one of your notifications read (404 for anyone else's)."""
    with transaction():
        service.mark_read(current_user, notification_id)
    if _htmx():
        notification = service.get_own(current_user, notification_id)
        html = render_template(
            "notifications/_item.html", item=notification, zone=shop_zone(), events=EVENTS
        )
        return html, 200, CHANGED
    return redirect(url_for("notifications.index", page=request.form.get("page") or None))


@bp.post("/notifications/read-all")
@require("account.self")
def mark_all_read() -> ResponseReturnValue:
    """Mark all your notifications read."""
    with transaction():
        marked = service.mark_all_read(current_user)
    flash(
        f"{marked} notification{'s' if marked != 1 else ''} marked read."
        if marked
        else "No unread notifications.",
        "success",
    )
    return redirect(url_for("notifications.index"))


@bp.route("/account/notifications", methods=["GET", "POST"])
@require("account.self")
def preferences() -> ResponseReturnValue:
    """Choose, per event, whether it shows in the centre and how it is e-mailed."""
    form = PreferencesForm()
    if request.method == "GET":
        form.fill(service.preferences(current_user))
        return _render_preferences(form)
    if not form.validate():
        return _render_preferences(form, status=422)
    try:
        with transaction():
            service.set_preferences(current_user, form.choices())
    except ValidationError as exc:
        attach_errors(form, exc.errors)
        return _render_preferences(form, status=422)
    flash("Notification preferences saved.", "success")
    return redirect(url_for("notifications.preferences"))


def _render_preferences(form: PreferencesBase, status: int = 200) -> ResponseReturnValue:
    return render_template(
        "notifications/preferences.html", form=form, events=EVENTS, modes=EMAIL_MODES
    ), status


def _follow_response(log: str, following: bool) -> ResponseReturnValue:
    if _htmx():
        return render_template(
            "notifications/_follow.html", log=log, following=following, announce=True
        )
    flash(
        f"You follow order {log} now." if following else f"You no longer follow order {log}.",
        "success",
    )
    return redirect(url_for("orders.show", log=log))


@bp.post("/orders/<log>/follow")
@require("orders.read")
def follow(log: str) -> ResponseReturnValue:
    """Follow an order: hear about its status changes and dates."""
    with transaction():
        order = orders.get_order(log)
        service.follow(current_user, order.id)
        log = order.log
    return _follow_response(log, True)


@bp.post("/orders/<log>/unfollow")
@require("orders.read")
def unfollow(log: str) -> ResponseReturnValue:
    """Stop following an order."""
    with transaction():
        order = orders.get_order(log)
        service.unfollow(current_user, order.id)
        log = order.log
    return _follow_response(log, False)

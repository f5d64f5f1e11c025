"""Notification rules: who hears about what, in the centre and by e-mail.

:func:`notify` is the one way to tell people about an event. It adds to the caller's
unit of work and never commits; e-mails it decides to send are handed to the mail
queue only once that unit of work has committed (a rolled-back change mails nobody).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from flask import current_app, has_request_context, request
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session, SessionTransaction

from presslog.core.db import utcnow
from presslog.core.errors import NotFound, ValidationError
from presslog.core.pagination import Page, PageRequest
from presslog.core.security import ROLE_CAPABILITIES
from presslog.extensions import db
from presslog.notifications import repository
from presslog.notifications.events import EMAIL_MODES, EVENTS
from presslog.notifications.models import (
    EVENT_KEY_LENGTH,
    TITLE_LENGTH,
    Notification,
    NotificationPreference,
)
from presslog.orders.models import Order, StatusChange
from presslog.users.models import User

log = logging.getLogger(__name__)

# Mail to hand to the queue once the session's transaction has committed.
_PENDING = "presslog.notifications.after_commit"


@dataclass(frozen=True)
class Preference:
    """How one person wants one event: shown in the centre or not, and the e-mail mode."""

    in_app: bool
    email: str


def roles_with(capability: str) -> list[str]:
    """The roles that grant ``capability``."""
    return [role for role, granted in ROLE_CAPABILITIES.items() if capability in granted]


def default_preference(event: str) -> Preference:
    """The preference of a person who never changed it for ``event``."""
    return Preference(in_app=True, email=EVENTS[event].default_email)


# -- after commit ----------------------------------------------------------------------


def after_commit(callback: Callable[[], None]) -> None:
    """Run ``callback`` once the current unit of work commits (never if it rolls back)."""
    session = db.session()
    session.info.setdefault(_PENDING, []).append(callback)


@sa_event.listens_for(Session, "after_commit")
def _run_pending(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint: the transaction goes on
        return
    for callback in session.info.pop(_PENDING, []):
        try:
            callback()
        except Exception:  # the change is committed: a mail that cannot go is logged
            log.exception("notifications: an after-commit step failed")


@sa_event.listens_for(Session, "after_transaction_end")
def _drop_pending(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the outermost transaction ended without a commit
        session.info.pop(_PENDING, None)


def absolute_url(path: str | None) -> str | None:
    """``path`` (``/orders/LOG-1``) as a full address for an e-mail.

    In a request the address the person used; in a job ``PUBLIC_URL`` (or
    ``SERVER_NAME``), so links in scheduled mail point at the real site.
    """
    if not path:
        return None
    if path.startswith(("http://", "https://")):
        return path
    if has_request_context():
        base = request.url_root
    else:
        base = current_app.config.get("PUBLIC_URL") or ""
        if not base and current_app.config.get("SERVER_NAME"):
            scheme = current_app.config.get("PREFERRED_URL_SCHEME", "http")
            base = f"{scheme}://{current_app.config['SERVER_NAME']}"
        base = base or f"http://localhost:{current_app.config.get('PORT', 5000)}"
    return base.rstrip("/") + "/" + path.lstrip("/")


def _send_immediately(user: User, notification_id: int, row: Mapping[str, Any]) -> None:
    from presslog.mail.service import send_mail

    context: dict[str, Any] = {
        "name": user.full_name or user.username,
        "event": row["event"],
        "event_label": EVENTS[row["event"]].label,
        "title": row["title"],
        "body": row.get("body") or "",
        "url": absolute_url(row.get("url")) or "",
        "centre_url": absolute_url("/notifications") or "",
        "preferences_url": absolute_url("/account/notifications") or "",
    }
    after_commit(
        partial(
            send_mail,
            to=user.email,
            template="notification",
            context=context,
            key=f"notification:{notification_id}",
        )
    )


# -- notify ------------------------------------------------------------------------


def notify(
    event: str,
    *,
    users: Iterable[User],
    key: str,
    title: str,
    body: str | None = None,
    url: str | None = None,
    order_id: int | None = None,
    exclude_user_id: int | None = None,
    mailed_by_caller: bool = False,
) -> int:
    """Tell ``users`` about one occurrence of ``event``; how many notifications were created.

    ``key`` names the occurrence: a person who already has a notification with it gets
    no second one, however often the event is raised (also under a concurrent raise:
    the unique (user, key) pair decides). People who are inactive or deleted, the one
    with ``exclude_user_id`` (the actor), and those who turned the event off in the
    centre are left out. Those whose e-mail preference is "immediate" get an e-mail
    once the caller's unit of work commits; "digest" ones wait for the daily digest.
    ``mailed_by_caller`` says the caller sends its own e-mail about this occurrence,
    whatever the preference (a password change's security notice): then no second
    one goes, and the notification counts as e-mailed.
    """
    if event not in EVENTS:
        raise ValueError(f"unknown notification event {event!r}")
    if not key or len(key) > EVENT_KEY_LENGTH:
        raise ValueError(f"a notification key has 1 to {EVENT_KEY_LENGTH} characters: {key!r}")
    recipients: dict[int, User] = {}
    for user in users:
        if user.id == exclude_user_id or not user.is_active or user.id in recipients:
            continue
        recipients[user.id] = user
    if not recipients:
        return 0
    prefs = _preferences_of(recipients, event)
    wanted = [uid for uid in recipients if prefs[uid].in_app]
    already = repository.users_with_key(wanted, key)
    now = utcnow()
    row = {
        "event": event,
        "event_key": key,
        "order_id": order_id,
        "title": title[:TITLE_LENGTH],
        "body": body,
        "url": url,
        "created_at": now,
    }
    rows = [{**row, "user_id": uid} for uid in wanted if uid not in already]
    created = repository.insert_notifications(rows)
    mailed: list[int] = []
    for notification_id, user_id in created:
        if mailed_by_caller:
            mailed.append(notification_id)
        elif prefs[user_id].email == "immediate":
            _send_immediately(recipients[user_id], notification_id, row)
            mailed.append(notification_id)
    repository.mark_emailed(mailed, now)
    return len(created)


# -- preferences ---------------------------------------------------------------------


def _preferences_of(users: Mapping[int, User] | Iterable[int], event: str) -> dict[int, Preference]:
    ids = list(users)
    stored = {row.user_id: row for row in repository.preference_rows(ids, event)}
    default = default_preference(event)
    return {
        uid: Preference(stored[uid].in_app, stored[uid].email) if uid in stored else default
        for uid in ids
    }


def preferences(user: User) -> dict[str, Preference]:
    """The user's preference for every event (defaults where never changed), in EVENTS order."""
    stored = {row.event: row for row in repository.preference_rows([user.id])}
    return {
        event: Preference(stored[event].in_app, stored[event].email)
        if event in stored
        else default_preference(event)
        for event in EVENTS
    }


def set_preferences(user: User, choices: Mapping[str, Preference | Mapping[str, Any]]) -> None:
    """Store the user's choices (event → in_app, email); events left out keep theirs.

    An unknown event or e-mail mode is refused naming the field (``<event>.email``).
    E-mail needs the event in the centre: a notification that is not created cannot be
    mailed, so "not in the app" with an e-mail mode is refused too.
    """
    errors: dict[str, list[str]] = {}
    parsed: dict[str, Preference] = {}
    for event, choice in choices.items():
        if event not in EVENTS:
            errors[event] = [f"Unknown notification {event!r}."]
            continue
        if isinstance(choice, Preference):
            in_app, email = choice.in_app, choice.email
        else:
            in_app, email = bool(choice.get("in_app")), str(choice.get("email"))
        if email not in EMAIL_MODES:
            errors[f"{event}.email"] = [f"E-mail must be one of: {', '.join(EMAIL_MODES)}."]
            continue
        if not in_app and email != "off":
            errors[f"{event}.email"] = [
                f"{EVENTS[event].label}: e-mail needs the notification shown in the app; "
                "show it in the app or choose no e-mail."
            ]
            continue
        parsed[event] = Preference(in_app=in_app, email=email)
    if errors:
        raise ValidationError(errors)
    stored = {row.event: row for row in repository.preference_rows([user.id])}
    for event, pref in parsed.items():
        row = stored.get(event)
        if row is None:
            db.session.add(
                NotificationPreference(
                    user_id=user.id, event=event, in_app=pref.in_app, email=pref.email
                )
            )
        elif (row.in_app, row.email) != (pref.in_app, pref.email):
            row.in_app, row.email = pref.in_app, pref.email
    db.session.flush()


# -- follows ---------------------------------------------------------------------------


def follow(user: User, order_id: int) -> None:
    """Make ``user`` follow the order (idempotent)."""
    repository.follow(user.id, order_id)


def unfollow(user: User, order_id: int) -> None:
    """Stop ``user`` following the order (idempotent)."""
    repository.unfollow(user.id, order_id)


def is_following(user: User, order_id: int) -> bool:
    """Whether ``user`` follows the order."""
    return repository.is_following(user.id, order_id)


def followers(order_id: int) -> list[User]:
    """Active, not deleted people following the order."""
    return repository.followers([order_id]).get(order_id, [])


# -- the centre ------------------------------------------------------------------------


def unread_count(user: User) -> int:
    """How many of the user's notifications are unread."""
    return repository.unread_count(user.id)


def list_notifications(user: User, page: PageRequest) -> Page[Notification]:
    """A page of the user's notifications, newest first."""
    return repository.page_for(user.id, page)


def get_own(user: User, notification_id: int) -> Notification:
    """One of the user's own notifications; NotFound for anyone else's."""
    notification = repository.get_own(user.id, notification_id)
    if notification is None:
        raise NotFound("No such notification.")
    return notification


def mark_read(user: User, notification_id: int) -> None:
    """Mark one of the user's own notifications read; NotFound for anyone else's."""
    if not repository.mark_read(user.id, notification_id, utcnow()):
        raise NotFound("No such notification.")


def mark_all_read(user: User) -> int:
    """Mark all the user's notifications read; how many were unread."""
    return repository.mark_all_read(user.id, utcnow())


# -- order events ----------------------------------------------------------------------


def order_path(log: str) -> str:
    """The order page's path (``/orders/LOG``), built without a request (jobs too)."""
    return current_app.url_map.bind("localhost").build("orders.show", {"log": log})


def _who(user: User | None) -> str:
    return (user.full_name or user.username) if user is not None else "someone"


def order_created(order: Order, *, actor: User | None) -> int:
    """The creator follows the new order; a rush order rings everyone who reads orders.

    Rush: every active person whose role may read orders, and the order's followers,
    except the creator. Returns how many notifications were created.
    """
    if actor is not None:
        repository.follow(actor.id, order.id)
    if not order.rush:
        return 0
    readers = repository.active_users(roles=roles_with("orders.read"))
    due = f" Due {order.due_on.isoformat()}." if order.due_on else ""
    return notify(
        "rush_created",
        users=[*readers, *followers(order.id)],
        key=f"rush_created:{order.log}",
        title=f"Rush order {order.log}: {order.title or 'untitled'}",
        body=f"{order.customer.code} · {order.customer.name}.{due} Logged by {_who(actor)}.",
        url=order_path(order.log),
        order_id=order.id,
        exclude_user_id=actor.id if actor is not None else None,
    )


def status_changed(order: Order, change: StatusChange, *, actor: User | None) -> int:
    """Tell the order's followers (not the actor) that it moved along the workflow.

    Entering ``shipped`` is the "shipped" event (once per order and shipping date);
    every other move is "status changed". Returns how many notifications were created.
    """
    exclude = actor.id if actor is not None else None
    common: dict[str, Any] = {
        "users": followers(order.id),
        "url": order_path(order.log),
        "order_id": order.id,
        "exclude_user_id": exclude,
    }
    if change.to_status == "shipped":
        shipped_on = order.shipped_on.isoformat() if order.shipped_on else "undated"
        return notify(
            "shipped",
            key=f"shipped:{order.log}:{shipped_on}",
            title=f"Order {order.log} shipped: {order.title or 'untitled'}",
            body=f"Shipped {shipped_on} (marked by {_who(actor)}).",
            **common,
        )
    return notify(
        "status_changed",
        key=f"status_changed:{order.log}:{change.id}",
        title=f"Order {order.log} is now {order.status_label.lower()}: {order.title or 'untitled'}",
        body=f"From {change.from_status or 'new'} to {change.to_status}, by {_who(actor)}."
        + (f" Note: {change.note}" if change.note else ""),
        **common,
    )

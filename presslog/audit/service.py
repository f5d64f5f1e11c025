"""Writing the audit log. Services call :func:`record` inside their unit of work, so an
event is stored exactly when the change it describes is, and never otherwise."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from flask import g, has_request_context, request
from flask_login import current_user

from presslog.audit.models import AuditEvent
from presslog.extensions import db

# Every action the log knows, with the words the viewer shows (SPEC: Audit log).
ACTIONS: dict[str, str] = {
    "order.create": "Order created",
    "order.update": "Order changed",
    "order.status": "Order status changed",
    "order.delete": "Order moved to trash",
    "order.restore": "Order restored",
    "customer.create": "Customer created",
    "customer.update": "Customer changed",
    "customer.delete": "Customer moved to trash",
    "customer.restore": "Customer restored",
    "user.create": "User created",
    "user.update": "User changed",
    "user.role": "Role changed",
    "user.deactivate": "User deactivated",
    "user.reactivate": "User reactivated",
    "user.delete": "User deleted",
    "user.restore": "User restored",
    "login.success": "Signed in",
    "login.failure": "Sign-in failed",
    "login.locked": "Sign-in refused: account locked",
    "logout": "Signed out",
    "password.change": "Password changed",
    "password.reset": "Password reset",
    "password.reset_request": "Password reset link requested",
    "password.reset_failed": "Password reset link refused",
    "user.invite": "User invited",
    "user.invite_accept": "Invitation accepted",
    "user.invite_failed": "Invitation link refused",
    "user.register": "Account registered",
    "user.approve": "Account approved",
    "user.email_request": "E-mail change requested",
    "user.email": "E-mail changed",
    "user.email_failed": "E-mail confirmation link refused",
    "token.create": "API token created",
    "token.revoke": "API token revoked",
    "export": "Data exported",
    "legacy.import": "Legacy job log imported",
}
ENTITY_TYPES: dict[str, str] = {
    "order": "Order",
    "customer": "Customer",
    "user": "User",
    "token": "API token",
    "report": "Report",
}

# Field names whose values are secrets: the log says they changed, never what to.
SECRET_FIELDS = frozenset({"password", "password_hash", "digest", "token", "secret"})
HIDDEN = "(hidden)"

_CURRENT = object()


def display(value: Any) -> Any:
    """A JSON-safe rendering of a field value for the log."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return str(value)


_EMPTY = (None, "", False)


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """``{field: [old, new]}`` for every field whose value differs.

    Blank, absent and "no" count as the same (a new record lists only what was filled in).
    """
    changes: dict[str, list[Any]] = {}
    for name in dict.fromkeys([*before, *after]):
        old, new = display(before.get(name)), display(after.get(name))
        if old != new and not (old in _EMPTY and new in _EMPTY):
            changes[name] = [HIDDEN, HIDDEN] if name in SECRET_FIELDS else [old, new]
    return changes


def _request_actor() -> Any:
    if not has_request_context():
        return None
    return current_user if current_user and current_user.is_authenticated else None


def record(
    action: str,
    *,
    entity_type: str | None = None,
    entity_key: str | None = None,
    summary: str | None = None,
    changes: Mapping[str, list[Any]] | None = None,
    actor: Any = _CURRENT,
) -> AuditEvent:
    """Add an audit event to the current unit of work.

    ``actor`` defaults to the signed-in user of the request (None from the command
    line, where the summary should say which command acted).
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    who = _request_actor() if actor is _CURRENT else actor
    clean = {
        name: ([HIDDEN, HIDDEN] if name in SECRET_FIELDS else [display(v) for v in pair])
        for name, pair in (changes or {}).items()
    }
    event = AuditEvent(
        action=action,
        entity_type=entity_type,
        entity_key=str(entity_key)[:80] if entity_key is not None else None,
        summary=summary[:500] if summary else None,
        changes=clean or None,
        actor_id=getattr(who, "id", None),
        actor=getattr(who, "username", None),
    )
    if has_request_context():
        event.ip = (request.remote_addr or "")[:45] or None
        event.request_id = g.get("request_id")
    db.session.add(event)
    return event


def refuse_changes(_mapper: Any, _connection: Any, target: AuditEvent) -> None:
    """Mapper hook: audit events are never updated or deleted through the app."""
    raise PermissionError(f"audit event {target.id} is append-only")


def install_guards() -> None:
    """Refuse ORM updates and deletes of audit events (the database refuses them too)."""
    from sqlalchemy import event

    for name in ("before_update", "before_delete"):
        if not event.contains(AuditEvent, name, refuse_changes):
            event.listen(AuditEvent, name, refuse_changes)

"""Feedback after an action: flash messages that can be undone.

``flash_undo(message, restore_url)`` flashes a success message that base.html shows as
a toast with an "Undo" button; the button POSTs to ``restore_url`` with the CSRF token
(and any extra ``fields``). A plain ``flash()`` message is a string; an undoable one is
a dict (``text``, ``undo_url``, ``fields``), which the session stores as JSON.

Whoever moved a record to the trash may bring it back at once, even without the
capability to restore from the trash: :func:`undo_token` signs "this person may undo
this deletion" for a short while, and :func:`check_undo_token` checks it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import current_app, flash
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeTimedSerializer

from presslog.core.errors import Conflict

#: How long an "Undo" button works, in seconds.
UNDO_SECONDS = 15 * 60
#: What a stale or foreign undo button is told.
UNDO_EXPIRED = "This undo has expired or is not yours. Ask a manager to restore it from the trash."
_SALT = "presslog.undo"


def flash_undo(message: str, restore_url: str, fields: Mapping[str, str] | None = None) -> None:
    """Flash a success ``message`` whose toast offers "Undo" (a POST to ``restore_url``)."""
    undoable = {"text": message, "undo_url": restore_url, "fields": dict(fields or {})}
    # Flask types the message as str; the session stores any JSON value, so a dict too.
    flash(undoable, "success")  # type: ignore[arg-type]


def message_parts(message: Any) -> dict[str, Any]:
    """A flashed message as the template shows it: text, undo URL (or None), fields."""
    if isinstance(message, Mapping):
        return {
            "text": str(message.get("text", "")),
            "undo_url": message.get("undo_url") or None,
            "fields": dict(message.get("fields") or {}),
        }
    return {"text": str(message), "undo_url": None, "fields": {}}


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def undo_token(kind: str, key: str) -> str:
    """A signed note: the signed-in person may undo the deletion of ``kind`` ``key``."""
    return str(_serializer().dumps([kind, key, int(current_user.id)]))


def check_undo_token(token: str | None, kind: str, key: str) -> None:
    """Refuse (409, :data:`UNDO_EXPIRED`) unless ``token`` lets this person undo it now."""
    try:
        found = _serializer().loads(token or "", max_age=UNDO_SECONDS)
    except BadSignature:
        raise Conflict(UNDO_EXPIRED) from None
    if found != [kind, key, int(current_user.id)]:
        raise Conflict(UNDO_EXPIRED)

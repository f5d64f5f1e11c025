"""Signed links sent by e-mail: password reset, invitation and e-mail confirmation.

A link carries the user's id and a fingerprint of the state it may change (the
password hash, the invitation time, the current address). It is signed with the app's
SECRET_KEY under a salt of its own, so one kind of link never passes for another, and
it dies by itself once that state changes: a reset link is single use because the reset
changes the password hash it was bound to.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

RESET = "password-reset"
INVITATION = "invitation"
EMAIL_CONFIRM = "email-confirm"

# How long each kind of link works, in seconds.
LIFETIMES = {RESET: 3600, INVITATION: 72 * 3600, EMAIL_CONFIRM: 48 * 3600}


class TokenRefused(Exception):
    """A link that cannot be used; ``reason`` is ``expired`` or ``invalid``.

    ``user_id`` names whose link it was when the signature is genuine (an expired link).
    """

    def __init__(self, reason: str, user_id: int | None = None):
        self.reason = reason
        self.user_id = user_id
        super().__init__(reason)


@dataclass(frozen=True)
class Claims:
    """What a valid link says: whose it is and the state it was bound to."""

    user_id: int
    bound: str
    extra: dict[str, Any]


def fingerprint(value: str | None) -> str:
    """A short digest of ``value``: links name the state they depend on without showing it."""
    return hashlib.sha256((value or "").encode()).hexdigest()[:20]


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"presslog.{purpose}")


def issue(purpose: str, *, user_id: int, bound: str, **extra: Any) -> str:
    """A signed link token for ``purpose``, bound to the fingerprint ``bound``."""
    return str(_serializer(purpose).dumps({"u": user_id, "b": bound, "x": extra}))


def read(purpose: str, token: str) -> Claims:
    """The claims of a token of ``purpose`` still within its lifetime.

    :raises TokenRefused: expired, tampered with, or of another kind.
    """
    serializer = _serializer(purpose)
    try:
        data = serializer.loads(token, max_age=LIFETIMES[purpose])
    except SignatureExpired as exc:
        # The signature is genuine, only late: say whose link it was, for the audit log.
        try:
            late = serializer.load_payload(exc.payload) if exc.payload is not None else None
        except BadSignature:
            late = None
        user_id = late.get("u") if isinstance(late, dict) else None
        raise TokenRefused("expired", user_id if isinstance(user_id, int) else None) from None
    except BadSignature:
        raise TokenRefused("invalid") from None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        raise TokenRefused("invalid")
    return Claims(user_id=data["u"], bound=str(data.get("b")), extra=dict(data.get("x") or {}))

"""Authentication plumbing: session users, bearer tokens and capability checks."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from flask import Flask, abort, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from presslog.core.db import utcnow
from presslog.core.security import PUBLIC, token_digest
from presslog.extensions import csrf, db, login_manager


def is_api_request() -> bool:
    """Whether the current request is for the JSON API."""
    return request.path.startswith("/api/")


def enforce(capabilities: Iterable[str]) -> None:
    """Abort unless the current user holds one of ``capabilities``."""
    caps = tuple(capabilities)
    if PUBLIC in caps:
        return
    if not current_user.is_authenticated:
        if is_api_request():
            abort(401)
        abort(login_manager.unauthorized())
    if not any(current_user.can(c) for c in caps):
        abort(403)


def _load_session_user(user_id: str):
    from presslog.users.models import User

    ident, _, _fragment = user_id.partition(":")
    if not ident.isdigit():
        return None
    user = db.session.get(User, int(ident))
    if user is None or not user.is_active or user.get_id() != user_id:
        return None
    return user


def _load_token_user(req):
    """Authenticate an API request by ``Authorization: Bearer <token>``."""
    from presslog.users.models import ApiToken

    if not req.path.startswith("/api/"):
        return None
    header = req.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    record = db.session.execute(
        db.select(ApiToken).where(ApiToken.digest == token_digest(token.strip()))
    ).scalar_one_or_none()
    if record is None or record.revoked_at is not None or not record.user.is_active:
        return None
    now = utcnow()
    if record.last_used_at is None or now - record.last_used_at > timedelta(minutes=1):
        db.session.execute(
            db.update(ApiToken).where(ApiToken.id == record.id).values(last_used_at=now)
        )
        db.session.commit()
    req.environ["presslog.auth"] = "token"
    return record.user


def _unauthorized() -> ResponseReturnValue:
    if is_api_request():
        abort(401)
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def api_csrf_check() -> None:
    """Session-authenticated API writes need the X-CSRFToken header; tokens do not."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    # Load the user first: the token loader is what marks the request as token-based.
    if not current_user.is_authenticated:
        return
    if request.environ.get("presslog.auth") == "token":
        return
    csrf.protect()


def init_auth(app: Flask) -> None:
    """Bind Flask-Login with session and token loaders."""
    login_manager.init_app(app)
    login_manager.session_protection = "strong"
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.user_loader(_load_session_user)
    login_manager.request_loader(_load_token_user)
    login_manager.unauthorized_handler(_unauthorized)

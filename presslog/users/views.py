"""Sign in and sign out."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_user, logout_user

from presslog.audit.service import record
from presslog.core.security import PUBLIC, require
from presslog.core.transaction import transaction
from presslog.extensions import limiter
from presslog.users import service
from presslog.users.forms import LoginForm

bp = Blueprint("auth", __name__)


def safe_next(target: str | None) -> str:
    """Follow ``next`` only to a local path."""
    if not target:
        return url_for("orders.index")
    parts = urlsplit(target)
    if (
        parts.scheme
        or parts.netloc
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
    ):
        return url_for("orders.index")
    return target


WRONG_SIGN_IN = (
    "Wrong username or password. Check both and try again. After several failed attempts "
    "an account is locked for a while: wait a few minutes or ask an administrator."
)
TOO_MANY = "Too many failed sign-in attempts. Wait a minute, then try again."


def _failed(response: Response) -> bool:
    """Only failed sign-ins count against the limits."""
    return response.status_code == 401


def _account_key() -> str:
    """The account name being tried, so one account cannot be hammered from many places."""
    return "login:" + (request.form.get("login") or "").strip().lower()[:255]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_RATE_LIMIT"],
    methods=["POST"],
    deduct_when=_failed,
    error_message=TOO_MANY,
)
@limiter.limit(
    lambda: current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"],
    key_func=_account_key,
    methods=["POST"],
    deduct_when=_failed,
    error_message=TOO_MANY,
)
@require(PUBLIC)
def login() -> ResponseReturnValue:
    """Sign in."""
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm()
    if form.validate_on_submit():
        with transaction():
            user = service.authenticate(form.login.data or "", form.password.data or "")
        if user is not None:
            session.clear()  # a fresh session at sign-in
            login_user(user, remember=form.remember.data)
            flash(f"Welcome, {user.full_name or user.username}.", "success")
            return redirect(safe_next(request.args.get("next")))
        form.password.errors = [WRONG_SIGN_IN]
        return render_template("auth/login.html", form=form), 401
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@require(PUBLIC)
def logout() -> ResponseReturnValue:
    """Sign out (POST with CSRF, so a link elsewhere cannot sign you out)."""
    if current_user.is_authenticated:
        with transaction():
            record("logout", entity_type="user", entity_key=current_user.username)
    logout_user()
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))

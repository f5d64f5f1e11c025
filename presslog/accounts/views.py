"""Account pages: forgotten password, reset link, invitation, registration, the admin's
invite and approve actions, and the signed-in person's own account page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm

from presslog.accounts import service
from presslog.accounts.forms import (
    EmailForm,
    ForgotPasswordForm,
    InviteForm,
    NameForm,
    NewPasswordForm,
    OwnTokenForm,
    PasswordForm,
    RegisterForm,
    ThemeForm,
)
from presslog.core.errors import Conflict, DomainError, NotFound, StaleVersion, ValidationError
from presslog.core.forms import attach_errors, submitted_version
from presslog.core.security import PUBLIC, ROLES, require
from presslog.core.transaction import transaction
from presslog.extensions import limiter
from presslog.users.models import User

bp = Blueprint("accounts", __name__)

T = TypeVar("T")

TOO_MANY = "Too many requests from here or for this address. Wait a while, then try again."
FORGOT_ANSWER = (
    "If an account uses that address, a link to choose a new password is on its way. "
    "It works once, for one hour. No e-mail? Check the spelling and your spam folder, "
    "or ask an administrator."
)


def _explain(exc: DomainError) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(m for messages in exc.errors.values() for m in messages)
    return exc.detail


def _refused(exc: service.LinkRefused) -> ResponseReturnValue:
    """The page for a link that no longer works.

    The audit log gets every refused link that PressLog really sent (expired or spent)
    and every submitted form; a stranger's made-up link only read is not worth a row.
    """
    if exc.username is not None or request.method == "POST":
        with transaction():
            service.record_refused_link(exc)
    return render_template("accounts/link_refused.html", refusal=exc), exc.status


def _address_key() -> str:
    """The address a reset is asked for: one mailbox cannot be flooded from many places."""
    return "reset:" + (request.form.get("email") or "").strip().lower()[:255]


# -- password reset ----------------------------------------------------------------------


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["PASSWORD_RESET_CLIENT_RATE_LIMIT"],
    methods=["POST"],
    error_message=TOO_MANY,
)
@limiter.limit(
    lambda: current_app.config["PASSWORD_RESET_RATE_LIMIT"],
    key_func=_address_key,
    methods=["POST"],
    error_message=TOO_MANY,
)
@require(PUBLIC)
def forgot_password() -> ResponseReturnValue:
    """Ask for a password reset link; the answer is the same for every address."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        service.request_password_reset(email=form.email.data or "", base_url=request.url_root)
        return render_template("accounts/forgot_sent.html")
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/forgot.html", form=form), status


def _link_rate_limit() -> Any:
    """The per-client limit on the pages behind mailed password links (POST only)."""
    return limiter.limit(
        lambda: current_app.config["PASSWORD_RESET_CLIENT_RATE_LIMIT"],
        methods=["POST"],
        error_message=TOO_MANY,
    )


def _password_through_link(
    token: str,
    *,
    read: Callable[[str], User],
    save: Callable[[str, str], User],
    template: str,
    done: Callable[[User], ResponseReturnValue],
) -> ResponseReturnValue:
    """The page behind a mailed link that sets a password (a reset, an invitation).

    ``read`` names the link's person (or refuses the link); ``save`` takes the new
    password typed twice, in one transaction; ``done`` answers once it is saved.
    """
    try:
        user = read(token)
    except service.LinkRefused as exc:
        return _refused(exc)
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            with transaction():
                user = save(form.password.data or "", form.confirm.data or "")
        except service.LinkRefused as exc:
            return _refused(exc)
        except ValidationError as exc:
            attach_errors(form, exc.errors)
        else:
            return done(user)
    status = 422 if request.method == "POST" else 200
    return render_template(template, form=form, user=user), status


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@_link_rate_limit()
@require(PUBLIC)
def reset_password(token: str) -> ResponseReturnValue:
    """Choose a new password through a reset link."""

    def done(_user: User) -> ResponseReturnValue:
        logout_user()
        session.clear()
        flash("Your password is changed and every session has ended. Sign in with it.", "success")
        return redirect(url_for("auth.login"))

    return _password_through_link(
        token,
        read=service.user_for_reset,
        save=lambda password, confirm: service.reset_password(
            token=token, password=password, confirm=confirm, base_url=request.url_root
        ),
        template="accounts/reset.html",
        done=done,
    )


# -- invitations -------------------------------------------------------------------------


@bp.route("/invite/<token>", methods=["GET", "POST"])
@_link_rate_limit()
@require(PUBLIC)
def accept_invitation(token: str) -> ResponseReturnValue:
    """Set the first password of an invited account, then sign in."""

    def done(user: User) -> ResponseReturnValue:
        session.clear()
        login_user(user)
        flash(f"Welcome to PressLog, {user.full_name or user.username}.", "success")
        return redirect(url_for("web.index"))

    return _password_through_link(
        token,
        read=service.user_for_invitation,
        save=lambda password, confirm: service.accept_invitation(
            token=token, password=password, confirm=confirm
        ),
        template="accounts/invitation.html",
        done=done,
    )


@bp.route("/admin/users/invite", methods=["GET", "POST"])
@require("users.manage")
def invite() -> ResponseReturnValue:
    """Invite a person by e-mail: they set their own password through the link."""
    form = InviteForm()
    if request.method == "POST" and form.validate():
        try:
            with transaction():
                user = service.invite_user(data=form.to_data(), actor=current_user)
        except ValidationError as exc:
            attach_errors(form, exc.errors)
        except Conflict as exc:
            form.form_errors.append(exc.detail)
            return render_template("accounts/invite.html", form=form), 409
        else:
            flash(
                f"Invitation sent to {user.email}. {user.username} shows as invited until "
                "they set a password.",
                "success",
            )
            return redirect(url_for("users_admin.show", username=user.username))
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/invite.html", form=form), status


def _admin_action(username: str, action: Any, done: str) -> ResponseReturnValue:
    """Run an admin action on a user's page against the version the page showed."""
    try:
        with transaction():
            user = action(
                username=username,
                expected_version=submitted_version(request.form.get("version")),
                actor=current_user,
            )
    except (Conflict, ValidationError) as exc:
        flash(_explain(exc), "danger")
        return redirect(url_for("users_admin.show", username=username)), 303
    flash(done.format(user=user), "success")
    return redirect(url_for("users_admin.show", username=user.username))


@bp.post("/admin/users/<username>/invite")
@require("users.manage")
def resend_invitation(username: str) -> ResponseReturnValue:
    """Send a pending invitation again; links sent before stop working."""
    return _admin_action(
        username, service.resend_invitation, "A new invitation is on its way to {user.email}."
    )


@bp.post("/admin/users/<username>/approve")
@require("users.manage")
def approve(username: str) -> ResponseReturnValue:
    """Let a self-registered account in; its owner is told by e-mail."""
    return _admin_action(
        username, service.approve, "{user.username} is approved and told so by e-mail."
    )


# -- registration ------------------------------------------------------------------------


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["REGISTRATION_RATE_LIMIT"],
    methods=["POST"],
    error_message=TOO_MANY,
)
@require(PUBLIC)
def register() -> ResponseReturnValue:
    """Create an account of one's own (only when REGISTRATION is approval or open)."""
    mode = service.registration_mode()
    if mode == "closed":
        abort(404)
    if current_user.is_authenticated:
        return redirect(url_for("orders.index"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            with transaction():
                user = service.register(data=form.to_data())
        except ValidationError as exc:
            attach_errors(form, exc.errors)
        except Conflict as exc:
            form.form_errors.append(exc.detail)
            return render_template("accounts/register.html", form=form, mode=mode), 409
        except NotFound:
            abort(404)
        else:
            if user.awaiting_approval:
                return render_template("accounts/register_waiting.html", user=user)
            session.clear()
            login_user(user)
            flash(f"Welcome to PressLog, {user.full_name or user.username}.", "success")
            return redirect(url_for("web.index"))
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/register.html", form=form, mode=mode), status


# -- the account page --------------------------------------------------------------------


def _me() -> User:
    user: User = current_user._get_current_object()
    return user


def _render_account(status: int = 200, **forms: Any) -> ResponseReturnValue:
    user = _me()
    name_form = forms.get("name_form") or NameForm(formdata=None, full_name=user.full_name)
    name_form.version.data = str(user.version)
    theme_form = forms.get("theme_form") or ThemeForm(formdata=None, theme=user.theme)
    theme_form.version.data = str(user.version)
    return render_template(
        "accounts/account.html",
        user=user,
        role=ROLES.get(user.role, user.role),
        name_form=name_form,
        email_form=forms.get("email_form") or EmailForm(formdata=None),
        password_form=forms.get("password_form") or PasswordForm(formdata=None),
        theme_form=theme_form,
        token_form=forms.get("token_form") or OwnTokenForm(formdata=None),
        tokens=service.own_tokens(user),
        new_token=forms.get("new_token"),
    ), status


def _done(message: str) -> ResponseReturnValue:
    flash(message, "success")
    return redirect(url_for("accounts.account"))


def _submit(
    form: FlaskForm, slot: str, change: Callable[[], T]
) -> tuple[T, None] | tuple[None, ResponseReturnValue]:
    """Check one of the account page's forms and make its ``change`` in one transaction.

    Returns the change's result, or the account page again with ``form`` (under the
    template name ``slot``) showing why not: 422 for bad input, 409 for a stale version
    (flashed) or a clash with another record (beside its field).
    """
    if not form.validate():
        return None, _render_account(422, **{slot: form})
    try:
        with transaction():
            return change(), None
    except StaleVersion as exc:
        flash(exc.detail, "danger")
        return None, _render_account(409, **{slot: form})
    except Conflict as exc:
        if exc.field and exc.field in form:
            attach_errors(form, {exc.field: [exc.detail]})
        else:
            flash(exc.detail, "danger")
        return None, _render_account(409, **{slot: form})
    except ValidationError as exc:
        attach_errors(form, exc.errors)
        return None, _render_account(422, **{slot: form})


@bp.get("/account")
@require("account.self")
def account() -> ResponseReturnValue:
    """The signed-in person's own account."""
    return _render_account()


@bp.post("/account/name")
@require("account.self")
def change_name() -> ResponseReturnValue:
    """Change one's own full name."""
    form = NameForm()
    _user, refused = _submit(
        form,
        "name_form",
        lambda: service.update_name(
            user=_me(),
            full_name=form.full_name.data,
            expected_version=submitted_version(form.version.data),
        ),
    )
    return refused or _done("Your name is saved.")


@bp.post("/account/email")
@require("account.self")
def change_email() -> ResponseReturnValue:
    """Ask to change one's e-mail: a link goes to the new address."""
    form = EmailForm()
    new, refused = _submit(
        form,
        "email_form",
        lambda: service.request_email_change(
            user=_me(), email=form.email.data or "", current=form.email_password.data or ""
        ),
    )
    if refused is not None:
        return refused
    return _done(
        f"A confirmation link is on its way to {new}. Your address changes when you follow it."
    )


@bp.get("/account/email/confirm/<token>")
@require("account.self")
def confirm_email(token: str) -> ResponseReturnValue:
    """Follow the link sent to a new address: the address changes now."""
    try:
        with transaction():
            user = service.confirm_email_change(user=_me(), token=token)
    except service.LinkRefused as exc:
        return _refused(exc)
    except Conflict as exc:
        flash(exc.detail, "danger")
        return redirect(url_for("accounts.account")), 303
    return _done(f"Your e-mail address is now {user.email}.")


@bp.post("/account/password")
@require("account.self")
def change_password() -> ResponseReturnValue:
    """Change one's password; every other session and remember-me cookie ends."""
    form = PasswordForm()
    remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies
    user, refused = _submit(
        form,
        "password_form",
        lambda: service.change_password(
            user=_me(),
            current=form.current_password.data or "",
            password=form.password.data or "",
            confirm=form.confirm.data or "",
        ),
    )
    if refused is not None:
        return refused
    assert user is not None
    # The session id includes the password hash: sign this session in again, so only the
    # others end (and this device stays remembered if it was).
    login_user(user, remember=remembered)
    return _done("Your password is changed. Every other session has been signed out.")


@bp.post("/account/theme")
@require("account.self")
def change_theme() -> ResponseReturnValue:
    """Choose the theme of every page.

    The account page's form sends its version; the navbar's theme menu sends none (a
    theme is no conflict) and asks for JSON: ``{"theme", "version", "message"}``, or
    422 with ``{"message", "errors"}``.
    """
    form = ThemeForm()
    version = form.version.data
    if request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json":
        if not form.validate():
            return jsonify(message="Choose a theme.", errors=form.errors), 422
        with transaction():
            user = service.set_theme(user=_me(), theme=form.theme.data or "", expected_version=None)
        return jsonify(theme=user.theme, version=user.version, message="Theme saved.")
    _user, refused = _submit(
        form,
        "theme_form",
        lambda: service.set_theme(
            user=_me(),
            theme=form.theme.data or "",
            expected_version=submitted_version(version) if version else None,
        ),
    )
    return refused or _done("Theme saved.")


@bp.post("/account/tokens")
@require("account.self")
def create_token() -> ResponseReturnValue:
    """Make an API token of one's own and show it this once."""
    form = OwnTokenForm()
    if not form.validate():
        return _render_account(422, token_form=form)
    try:
        with transaction():
            token, plain = service.create_own_token(user=_me(), name=form.name.data or "")
    except ValidationError as exc:
        attach_errors(form, exc.errors)
        return _render_account(422, token_form=form)
    flash(f"API token {token.name!r} created.", "success")
    # Rendered, not redirected: the plain token lives only in this one response.
    return _render_account(new_token={"token": token, "plain": plain})


@bp.post("/account/tokens/<int:token_id>/revoke")
@require("account.self")
def revoke_token(token_id: int) -> ResponseReturnValue:
    """Revoke one of one's own API tokens."""
    try:
        with transaction():
            token = service.revoke_own_token(user=_me(), token_id=token_id)
    except NotFound:
        abort(404)
    except Conflict as exc:
        flash(exc.detail, "danger")
        return redirect(url_for("accounts.account")), 303
    return _done(f"Token {token.name!r} revoked.")

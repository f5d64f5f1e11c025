"""Rules for a person's own account: password reset, invitations, self-registration,
approval and the changes made on the account page.

Functions do not commit: the caller wraps them in ``with transaction():``. E-mails are
handed to the mail queue only once that unit of work commits, so a refused change
mails nobody. Links sent by e-mail are signed tokens bound to the state they change
(see :mod:`presslog.accounts.tokens`), which makes each of them single use.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, url_for

from presslog.accounts import tokens
from presslog.audit.service import diff, record
from presslog.config import REGISTRATION_MODES
from presslog.core.db import utcnow
from presslog.core.errors import Conflict, DomainError, NotFound, ValidationError
from presslog.core.rules import clean
from presslog.core.security import ROLES, hash_password, verify_password
from presslog.core.transaction import check_version, transaction
from presslog.core.validation import collect_errors
from presslog.extensions import db
from presslog.jobs import job
from presslog.mail.service import send_mail
from presslog.users import admin, repository, rules
from presslog.users import service as users_service
from presslog.users.models import THEMES, ApiToken, User
from presslog.users.passwords import password_errors

PASSWORDS_DIFFER = "The two passwords differ; type the same new password twice."
WRONG_CURRENT = "That is not your current password."

# What a refused link says, by kind and reason.
_REFUSALS = {
    (tokens.RESET, "expired"): "This password reset link has expired: links work for one hour.",
    (tokens.RESET, "used"): (
        "This password reset link was already used, or the password has changed since it "
        "was sent. Each link works once."
    ),
    (tokens.RESET, "invalid"): "This password reset link is not valid. Was it copied whole?",
    (tokens.INVITATION, "expired"): (
        "This invitation has expired: invitations work for 72 hours. Ask an administrator "
        "to send a new one."
    ),
    (tokens.INVITATION, "used"): (
        "This invitation was already accepted or replaced by a newer one. Sign in, or ask "
        "an administrator to send a new one."
    ),
    (tokens.INVITATION, "invalid"): "This invitation link is not valid. Was it copied whole?",
    (tokens.EMAIL_CONFIRM, "expired"): (
        "This confirmation link has expired. Ask for the change again on your account page."
    ),
    (tokens.EMAIL_CONFIRM, "used"): (
        "This confirmation link was already used or replaced. Check your account page."
    ),
    (tokens.EMAIL_CONFIRM, "invalid"): "This confirmation link is not valid.",
}


class LinkRefused(DomainError):
    """A link from an e-mail that no longer works (expired, used or not ours)."""

    status = 410
    title = "Link no longer valid"

    def __init__(self, purpose: str, reason: str, user: User | None = None):
        self.purpose = purpose
        self.reason = reason
        self.username = user.username if user is not None else None
        super().__init__(_REFUSALS[(purpose, reason)])


# -- what links are bound to -------------------------------------------------------------


def password_state(user: User) -> str:
    """Fingerprint of the user's password: changes whenever the password does."""
    return tokens.fingerprint(f"{user.id}:{user.password_hash or ''}")


def invitation_state(user: User) -> str:
    """Fingerprint of a pending invitation: a new invitation or a password ends it."""
    # Naive and aware UTC read the same: the databases hand the time back differently.
    sent = user.invited_at.replace(tzinfo=None).isoformat() if user.invited_at else ""
    return tokens.fingerprint(f"{user.id}:{user.password_hash or ''}:{sent}")


def email_state(user: User) -> str:
    """Fingerprint of the user's current address: an e-mail change ends older links."""
    return tokens.fingerprint(f"{user.id}:{user.email}")


def _claimed_user(purpose: str, token: str, state: Any) -> tuple[User, tokens.Claims]:
    """The live user a link of ``purpose`` names, if the link still fits their state."""
    try:
        claims = tokens.read(purpose, token)
    except tokens.TokenRefused as exc:
        late = db.session.get(User, exc.user_id) if exc.user_id is not None else None
        raise LinkRefused(purpose, exc.reason, late) from None
    user = db.session.get(User, claims.user_id)
    if user is None or user.deleted_at is not None or not user.active:
        raise LinkRefused(purpose, "invalid")
    if claims.bound != state(user):
        raise LinkRefused(purpose, "used", user)
    return user, claims


def record_refused_link(refusal: LinkRefused) -> None:
    """Write a refused link to the audit log (in the caller's unit of work)."""
    action = {
        tokens.RESET: "password.reset_failed",
        tokens.INVITATION: "user.invite_failed",
        tokens.EMAIL_CONFIRM: "user.email_failed",
    }[refusal.purpose]
    record(
        action,
        entity_type="user",
        entity_key=refusal.username,
        summary=f"Link refused: {refusal.reason}",
        actor=None,
    )


# -- mail --------------------------------------------------------------------------------


def _mail(*, to: str, template: str, context: Mapping[str, Any], key: str) -> None:
    """Queue a mail; the mail service holds it until the unit of work commits."""
    send_mail(to=to, template=template, context=dict(context), key=key)


def external_url(base_url: str, endpoint: str, **values: Any) -> str:
    """An absolute URL of ``endpoint`` under ``base_url`` (works outside a request)."""
    parts = urlsplit(base_url)
    adapter = current_app.url_map.bind(
        parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme or "http"
    )
    return adapter.build(endpoint, values, force_external=True)


def _audit_user(action: str, user: User, **details: Any) -> None:
    """Add an audit event about ``user``'s account (summary, changes, actor) to the unit."""
    record(action, entity_type="user", entity_key=user.username, **details)


def _greeting(user: User) -> str:
    return user.full_name or user.username


def _account_changed(
    user: User, what: str, *, login_url: str | None = None, mailed: bool = False
) -> None:
    """Tell the person their account changed: in the centre, and by mail per preference
    unless ``mailed`` (this change's own security mail has gone already)."""
    from presslog.notifications.service import notify

    db.session.flush()
    notify(
        "account_changed",
        users=[user],
        key=f"account:{user.id}:v{user.version}",
        title=what,
        body="If this was not you, reset your password and tell an administrator.",
        url=login_url,
        mailed_by_caller=mailed,
    )


def _password_changed(user: User, *, how: str, base_url: str) -> None:
    """Confirm a new password by e-mail and in the notification centre."""
    db.session.flush()
    _mail(
        to=user.email,
        template="password_changed",
        context={
            "name": _greeting(user),
            "username": user.username,
            "how": how,
            "when": utcnow().strftime("%Y-%m-%d %H:%M UTC"),
            "forgot_url": external_url(base_url, "accounts.forgot_password"),
        },
        key=f"password-changed:{user.id}:v{user.version}",
    )
    _account_changed(
        user,
        "Your password was changed",
        login_url=external_url(base_url, "accounts.account"),
        mailed=True,
    )


def _check_new_password(user: User, password: str, confirm: str, field: str = "password") -> str:
    """The new password if it follows the rules and was typed the same twice."""
    problems = password_errors(password, username=user.username, email=user.email)
    errors: dict[str, list[str]] = {}
    if problems:
        errors[field] = problems
    if password != confirm:
        errors["confirm"] = [PASSWORDS_DIFFER]
    if errors:
        raise ValidationError(errors)
    return password


# -- password reset ----------------------------------------------------------------------


def request_password_reset(*, email: str, base_url: str) -> None:
    """Ask for a reset link for ``email``; the answer never tells whether it exists.

    The request itself does exactly the same work for every address: it hands the
    address to a background job, which looks it up, writes the audit entry and mails a
    link only when an active account uses it.
    """
    send_reset_link(email.strip().lower()[:255], base_url, uuid.uuid4().hex)


@job(retries=3, retry_delay=30)
def send_reset_link(email: str, base_url: str, request_key: str) -> None:
    """Background: mail a one-hour reset link if an active account uses ``email``."""
    with transaction():
        user = repository.get_by_login(email) if "@" in email else None
        if user is None or not user.is_active:
            typed = email if not rules.EMAIL.errors(email) else None
            record(
                "password.reset_request",
                entity_type="user",
                entity_key=user.username if user is not None else None,
                summary=(
                    f"No link sent: account {'inactive' if user else 'unknown'}"
                    + (f" ({typed})" if typed and user is None else "")
                ),
                actor=None,
            )
            return
        token = tokens.issue(tokens.RESET, user_id=user.id, bound=password_state(user))
        _audit_user(
            "password.reset_request",
            user,
            summary=f"Link sent to {user.email}",
            actor=None,
        )
        _mail(
            to=user.email,
            template="password_reset",
            context={
                "name": _greeting(user),
                "username": user.username,
                "url": external_url(base_url, "accounts.reset_password", token=token),
                "hours": tokens.LIFETIMES[tokens.RESET] // 3600,
                "forgot_url": external_url(base_url, "accounts.forgot_password"),
            },
            key=f"password-reset:{request_key}",
        )


def user_for_reset(token: str) -> User:
    """The user a reset link is for, while the link works.

    :raises LinkRefused: the link expired, was used, or was not made by PressLog.
    """
    return _claimed_user(tokens.RESET, token, password_state)[0]


def reset_password(*, token: str, password: str, confirm: str, base_url: str) -> User:
    """Set a new password through a reset link; every session of the account ends."""
    user = user_for_reset(token)
    _check_new_password(user, password, confirm)
    user.password_hash = hash_password(password)
    # A reset proves the person holds the mailbox: the sign-in lock goes too.
    user.failed_logins = 0
    user.locked_until = None
    db.session.flush()
    _audit_user(
        "password.reset",
        user,
        summary="Through a link sent by e-mail; every session ended",
        actor=user,
    )
    _password_changed(user, how="through a password reset link", base_url=base_url)
    return user


# -- invitations -------------------------------------------------------------------------


def invitation_pending(user: User) -> bool:
    """Whether the user was invited and has not set a password yet."""
    return user.invited_at is not None and user.password_hash is None


def _send_invitation(user: User, *, actor: Any) -> None:
    token = tokens.issue(tokens.INVITATION, user_id=user.id, bound=invitation_state(user))
    _mail(
        to=user.email,
        template="invitation",
        context={
            "name": _greeting(user),
            "username": user.username,
            "role": ROLES.get(user.role, user.role),
            "invited_by": getattr(actor, "full_name", None) or getattr(actor, "username", ""),
            "url": url_for("accounts.accept_invitation", token=token, _external=True),
            "hours": tokens.LIFETIMES[tokens.INVITATION] // 3600,
        },
        key=f"invitation:{user.id}:{user.invited_at.isoformat() if user.invited_at else ''}",
    )


def invite_user(*, data: Mapping[str, Any], actor: Any) -> User:
    """Create an account without a password and mail its owner a link to set one."""
    username = str(data.get("username") or "").strip().lower()
    email = str(data.get("email") or "").strip().lower()
    role = data.get("role") or ""
    errors = collect_errors(
        {"username": username, "email": email, "role": role}, rules.FIELD_RULES, creating=True
    )
    if username in rules.RESERVED_USERNAMES:
        errors["username"] = [f"{username!r} is reserved; choose another username."]
    try:
        full_name = clean(rules.FULL_NAME, "full_name", data.get("full_name"))
    except ValidationError as exc:
        errors.update(exc.errors)
        full_name = None
    if errors:
        raise ValidationError(errors)
    if repository.username_or_email_taken(username, email):
        raise Conflict("That username or e-mail is already in use.")
    user = User(
        username=username,
        email=email,
        role=role,
        full_name=full_name,
        password_hash=None,
        invited_at=utcnow(),
    )
    db.session.add(user)
    db.session.flush()
    _audit_user(
        "user.invite",
        user,
        summary=f"{user.username} ({ROLES[user.role]}) invited at {user.email}",
        changes=diff({}, users_service.snapshot(user)),
        actor=actor,
    )
    _send_invitation(user, actor=actor)
    return user


def resend_invitation(*, username: str, expected_version: int | None, actor: Any) -> User:
    """Send a new invitation (72 hours from now); links sent before stop working."""
    user = admin.get_user(username)
    check_version(user, expected_version, f"User {user.username}")
    if user.deleted_at is not None or not user.active:
        raise Conflict(f"{user.username} is deactivated or in the trash; restore them first.")
    if not invitation_pending(user):
        raise Conflict(f"{user.username} has already set a password: there is nothing to resend.")
    user.invited_at = utcnow()
    db.session.flush()
    _audit_user(
        "user.invite",
        user,
        summary=f"Invitation sent again to {user.email}",
        actor=actor,
    )
    _send_invitation(user, actor=actor)
    return user


def user_for_invitation(token: str) -> User:
    """The invited user, while the invitation works.

    :raises LinkRefused: the invitation expired, was accepted or replaced, or is not ours.
    """
    user = _claimed_user(tokens.INVITATION, token, invitation_state)[0]
    if not invitation_pending(user):
        raise LinkRefused(tokens.INVITATION, "used", user)
    return user


def accept_invitation(*, token: str, password: str, confirm: str) -> User:
    """Set the first password of an invited account."""
    user = user_for_invitation(token)
    _check_new_password(user, password, confirm)
    user.password_hash = hash_password(password)
    db.session.flush()
    _audit_user(
        "user.invite_accept",
        user,
        summary="Invitation accepted; password set",
        actor=user,
    )
    return user


# -- registration ------------------------------------------------------------------------


def registration_mode() -> str:
    """``closed``, ``approval`` or ``open`` (from the REGISTRATION setting)."""
    mode = str(current_app.config.get("REGISTRATION") or "closed")
    return mode if mode in REGISTRATION_MODES else "closed"


def register(*, data: Mapping[str, Any]) -> User:
    """Create a viewer account from the public form; under ``approval`` it waits."""
    mode = registration_mode()
    if mode == "closed":
        raise NotFound("Registration is closed.")
    password = str(data.get("password") or "")
    errors: dict[str, list[str]] = {}
    if password != str(data.get("confirm") or ""):
        errors["confirm"] = [PASSWORDS_DIFFER]
    try:
        full_name = clean(rules.FULL_NAME, "full_name", data.get("full_name"))
    except ValidationError as exc:
        errors.update(exc.errors)
        full_name = None
    try:
        user = users_service.create_user(
            username=str(data.get("username") or ""),
            email=str(data.get("email") or ""),
            role="viewer",
            password=password,
            full_name=full_name,
        )
    except ValidationError as exc:
        raise exc.merged(ValidationError(errors)) if errors else exc from None
    if errors:
        raise ValidationError(errors)
    user.awaiting_approval = mode == "approval"
    db.session.flush()
    _audit_user(
        "user.register",
        user,
        summary="Registered; waiting for approval" if user.awaiting_approval else "Registered",
        actor=user,
    )
    return user


def approve(*, username: str, expected_version: int | None, actor: Any) -> User:
    """Let a self-registered account sign in, and tell its owner."""
    user = admin.get_user(username)
    check_version(user, expected_version, f"User {user.username}")
    if not user.awaiting_approval:
        raise Conflict(f"{user.username} is not waiting for approval.")
    user.awaiting_approval = False
    db.session.flush()
    _audit_user(
        "user.approve",
        user,
        summary=f"{user.username} approved as {ROLES.get(user.role, user.role).lower()}",
        changes={"awaiting_approval": [True, False]},
        actor=actor,
    )
    _mail(
        to=user.email,
        template="account_approved",
        context={
            "name": _greeting(user),
            "username": user.username,
            "role": ROLES.get(user.role, user.role),
            "url": url_for("auth.login", _external=True),
        },
        key=f"account-approved:{user.id}:v{user.version}",
    )
    return user


# -- the account page --------------------------------------------------------------------


def update_name(*, user: User, full_name: str | None, expected_version: int | None) -> User:
    """Change the person's own full name."""
    check_version(user, expected_version, "Your account")
    value = clean(rules.FULL_NAME, "full_name", full_name)
    if value == user.full_name:
        return user
    before = users_service.snapshot(user)
    user.full_name = value
    db.session.flush()
    _audit_user(
        "user.update",
        user,
        summary="Own name changed",
        changes=diff(before, users_service.snapshot(user)),
        actor=user,
    )
    _account_changed(user, "Your name was changed", login_url=url_for("accounts.account"))
    return user


def set_theme(*, user: User, theme: str, expected_version: int | None) -> User:
    """Choose the interface theme: follow the device (system), light or dark."""
    check_version(user, expected_version, "Your account")
    if theme not in THEMES:
        raise ValidationError({"theme": [f"Theme must be one of: {', '.join(THEMES)}."]})
    if theme == user.theme:
        return user
    old = user.theme
    user.theme = theme
    db.session.flush()
    _audit_user(
        "user.update",
        user,
        summary="Theme changed",
        changes={"theme": [old, theme]},
        actor=user,
    )
    return user


def _require_current_password(user: User, current: str, field: str = "current_password") -> None:
    if not verify_password(user.password_hash, current or ""):
        raise ValidationError({field: [WRONG_CURRENT]})


def change_password(*, user: User, current: str, password: str, confirm: str) -> User:
    """Change the person's password; every other session and remember-me cookie ends.

    The caller signs the current session in again (its id includes the password hash).
    """
    _require_current_password(user, current)
    _check_new_password(user, password, confirm)
    if verify_password(user.password_hash, password):
        raise ValidationError({"password": ["The new password is the one you have now."]})
    user.password_hash = hash_password(password)
    db.session.flush()
    _audit_user(
        "password.change",
        user,
        summary="Changed on the account page; other sessions ended",
        actor=user,
    )
    _password_changed(
        user, how="on your account page", base_url=url_for("web.index", _external=True)
    )
    return user


def request_email_change(*, user: User, email: str, current: str) -> str:
    """Mail a confirmation link to the new address; the address changes only when the
    link is followed. Returns the new address."""
    new = clean(rules.EMAIL, "email", email)
    new = str(new).lower()
    _require_current_password(user, current, "email_password")
    if new == user.email:
        raise ValidationError({"email": ["That is already your address."]})
    if repository.email_taken_by_other(new, user.id):
        raise Conflict("That e-mail is already used by another user.", field="email")
    token = tokens.issue(tokens.EMAIL_CONFIRM, user_id=user.id, bound=email_state(user), email=new)
    _audit_user(
        "user.email_request",
        user,
        summary=f"Asked to change e-mail to {new}; confirmation link sent there",
        actor=user,
    )
    _mail(
        to=new,
        template="email_confirm",
        context={
            "name": _greeting(user),
            "username": user.username,
            "email": new,
            "url": url_for("accounts.confirm_email", token=token, _external=True),
            "hours": tokens.LIFETIMES[tokens.EMAIL_CONFIRM] // 3600,
        },
        key=f"email-confirm:{token[-32:]}",
    )
    return new


def confirm_email_change(*, user: User, token: str) -> User:
    """Change the address to the one a confirmation link was sent to; notify the old one."""
    owner, claims = _claimed_user(tokens.EMAIL_CONFIRM, token, email_state)
    if owner.id != user.id:
        raise LinkRefused(tokens.EMAIL_CONFIRM, "invalid", user)
    new = str(claims.extra.get("email") or "")
    if rules.EMAIL.errors(new):
        raise LinkRefused(tokens.EMAIL_CONFIRM, "invalid", user)
    if repository.email_taken_by_other(new, user.id):
        raise Conflict("That e-mail is now used by another user; the change was not made.")
    old = user.email
    before = users_service.snapshot(user)
    user.email = new
    db.session.flush()
    _audit_user(
        "user.email",
        user,
        summary="E-mail confirmed through the new address",
        changes=diff(before, users_service.snapshot(user)),
        actor=user,
    )
    _mail(
        to=old,
        template="email_changed",
        context={
            "name": _greeting(user),
            "username": user.username,
            "old_email": old,
            "email": new,
            "forgot_url": url_for("accounts.forgot_password", _external=True),
        },
        key=f"email-changed:{user.id}:v{user.version}",
    )
    _account_changed(
        user, f"Your e-mail address is now {new}", login_url=url_for("accounts.account")
    )
    return user


def own_tokens(user: User) -> list[ApiToken]:
    """The person's own API tokens, newest first."""
    return repository.tokens_of(user)


def create_own_token(*, user: User, name: str) -> tuple[ApiToken, str]:
    """A new API token for the person; the plain token is returned only here."""
    return users_service.create_token(username=user.username, name=name)


def revoke_own_token(*, user: User, token_id: int) -> ApiToken:
    """Revoke one of the person's own API tokens."""
    return admin.revoke_token(username=user.username, token_id=token_id, actor=user)

"""Business rules for users: creating accounts, signing in, API tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value

from presslog.audit.service import diff, record
from presslog.core.db import utcnow
from presslog.core.errors import Conflict, NotFound, ValidationError
from presslog.core.security import (
    hash_password,
    needs_rehash,
    new_token,
    token_digest,
    verify_password,
)
from presslog.core.validation import collect_errors
from presslog.extensions import db
from presslog.users import repository, rules
from presslog.users.models import ApiToken, User
from presslog.users.passwords import password_errors


def create_user(
    *, username: str, email: str, role: str, password: str, full_name: str | None = None
) -> User:
    """Add a user with a role and an argon2id-hashed password."""
    data = {"username": username.strip().lower(), "email": email.strip().lower(), "role": role}
    errors = collect_errors(data, rules.FIELD_RULES, creating=True)
    if data["username"] in rules.RESERVED_USERNAMES:
        errors.setdefault("username", []).append(
            f"“{data['username']}” is reserved; choose another username."
        )
    problems = password_errors(password, username=data["username"], email=data["email"])
    if problems:
        errors["password"] = problems
    if errors:
        raise ValidationError(errors)
    if repository.username_or_email_taken(data["username"], data["email"]):
        raise Conflict("That username or e-mail is already in use.")
    user = User(
        username=data["username"],
        email=data["email"],
        role=role,
        full_name=full_name,
        password_hash=hash_password(password),
    )
    db.session.add(user)
    db.session.flush()
    record(
        "user.create",
        entity_type="user",
        entity_key=user.username,
        summary=f"{user.username} ({user.role})",
        changes=diff({}, snapshot(user)),
    )
    return user


def snapshot(user: User) -> dict[str, object]:
    """The user's fields as the audit log compares them (never the password hash)."""
    return {
        "username": user.username,
        "email": user.email,
        "full_name": user.full_name,
        "role": user.role,
        "active": user.active,
    }


@dataclass(frozen=True)
class LockoutPolicy:
    """How repeated failed sign-ins lock an account: after ``threshold`` failures in a row,
    for ``seconds``, doubling with each further failure up to ``max_seconds``."""

    threshold: int = 5
    seconds: int = 60
    max_seconds: int = 3600

    @classmethod
    def from_config(cls) -> LockoutPolicy:
        """The policy configured for this app."""
        config = current_app.config
        return cls(
            threshold=config["LOGIN_LOCKOUT_THRESHOLD"],
            seconds=config["LOGIN_LOCKOUT_SECONDS"],
            max_seconds=config["LOGIN_LOCKOUT_MAX_SECONDS"],
        )

    def lock_for(self, failures: int) -> timedelta | None:
        """How long to lock after ``failures`` failures in a row (None: not yet)."""
        if failures < self.threshold:
            return None
        doublings = min(failures - self.threshold, 20)
        return timedelta(seconds=min(self.seconds * 2**doublings, self.max_seconds))


def _record_sign_in(user: User, **values: object) -> None:
    """Store sign-in bookkeeping without a new version: someone signing in must not make
    an admin's open edit of their account stale."""
    db.session.execute(update(User).where(User.id == user.id).values(**values))
    for name, value in values.items():
        set_committed_value(user, name, value)


def _typed_login(login: str) -> str | None:
    """The name typed at sign-in, for the audit log, only when it looks like a name."""
    value = login.strip().lower()
    if rules.USERNAME.errors(value) and rules.EMAIL.errors(value):
        return None  # maybe a password typed in the wrong box: never store it
    return value[:80]


def authenticate(login: str, password: str, *, policy: LockoutPolicy | None = None) -> User | None:
    """The user if ``login`` and ``password`` match an active, unlocked account, else None.

    Unknown users, wrong passwords, inactive and locked accounts take the same path and
    time and get the same answer; the audit log records which it was. A legacy or
    outdated hash is replaced by a current argon2id hash on success.
    """
    policy = policy or LockoutPolicy.from_config()
    user = repository.get_by_login(login) if login else None
    now = utcnow()
    locked = user is not None and user.locked_until is not None and user.locked_until > now
    stored = user.password_hash if user is not None and not locked else None
    ok = verify_password(stored, password)  # hashes anyway when there is nothing to check
    if user is None:
        record(
            "login.failure",
            entity_type="user",
            entity_key=_typed_login(login),
            summary="Unknown username or e-mail",
            actor=None,
        )
        return None
    if locked:
        record(
            "login.locked",
            entity_type="user",
            entity_key=user.username,
            summary=f"Locked until {user.locked_until:%Y-%m-%d %H:%M} UTC",
            actor=user,
        )
        return None
    if not ok or not user.is_active:
        failures = (user.failed_logins or 0) + 1
        lock = policy.lock_for(failures)
        summary = "Wrong password" if not ok else "Account deactivated"
        bookkeeping: dict[str, object] = {"failed_logins": failures}
        if lock is not None:
            bookkeeping["locked_until"] = now + lock
            summary += f"; locked for {int(lock.total_seconds()) // 60 or 1} min"
        _record_sign_in(user, **bookkeeping)
        record(
            "login.failure",
            entity_type="user",
            entity_key=user.username,
            summary=f"{summary} (failure {user.failed_logins} in a row)",
            actor=user,
        )
        return None
    changes: dict[str, object] = {"failed_logins": 0, "locked_until": None, "last_login_at": now}
    if user.password_hash and needs_rehash(user.password_hash):
        changes["password_hash"] = hash_password(password)
    _record_sign_in(user, **changes)
    record("login.success", entity_type="user", entity_key=user.username, actor=user)
    return user


def create_token(*, username: str, name: str) -> tuple[ApiToken, str]:
    """A new API token for ``username``; the plain token is returned only here."""
    user = repository.get_by_username(username)
    if user is None:
        raise NotFound(f"No user called {username!r}.")
    problems = rules.TOKEN_NAME.errors(name)
    if problems:
        raise ValidationError({"name": problems})
    plain = new_token()
    token = ApiToken(user=user, name=name.strip(), prefix=plain[:12], digest=token_digest(plain))
    db.session.add(token)
    db.session.flush()
    record(
        "token.create",
        entity_type="user",
        entity_key=user.username,
        summary=f"Token {token.name!r} ({token.prefix}…)",
    )
    return token, plain

"""Business rules for users: creating accounts, signing in, API tokens."""

from __future__ import annotations

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


def password_errors(password: str, *, username: str = "", email: str = "") -> list[str]:
    """Why ``password`` is not acceptable (empty when it is)."""
    problems = rules.PASSWORD.errors(password)
    if problems:
        return ["Password must be at least 12 characters."] if password else problems
    lowered = password.lower()
    for part in (username.lower(), email.lower().split("@")[0]):
        if len(part) >= 3 and part in lowered:
            return ["Password must not contain your username or e-mail."]
    return []


def create_user(
    *, username: str, email: str, role: str, password: str, full_name: str | None = None
) -> User:
    """Add a user with a role and an argon2id-hashed password."""
    data = {"username": username.strip().lower(), "email": email.strip().lower(), "role": role}
    errors = collect_errors(data, rules.FIELD_RULES, creating=True)
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


def authenticate(login: str, password: str) -> User | None:
    """The user if ``login`` and ``password`` match an active account, else None.

    Unknown users and wrong passwords take the same path and time.
    """
    user = repository.get_by_login(login) if login else None
    ok = verify_password(user.password_hash if user else None, password)
    if user is None:
        return None
    if not ok or not user.is_active:
        user.failed_logins = (user.failed_logins or 0) + 1
        return None
    if user.password_hash and needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.last_login_at = utcnow()
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

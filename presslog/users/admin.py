"""Business rules for administering users: profile, role, access, trash and API tokens.

Functions do not commit: the caller wraps them in ``with transaction():``. Each state
change is checked against the version the admin read and written to the audit log.
Two invariants hold whoever acts: the shop always keeps an active administrator, and
an admin cannot lock themselves out (deactivate or delete their own account).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from presslog.audit.service import diff, record
from presslog.core.db import utcnow
from presslog.core.errors import Conflict, NotFound, ValidationError
from presslog.core.pagination import Page, PageRequest
from presslog.core.rules import clean
from presslog.core.security import ROLES
from presslog.core.transaction import check_version
from presslog.core.validation import collect_errors
from presslog.extensions import db
from presslog.users import repository, rules, service
from presslog.users.models import ApiToken, User
from presslog.users.passwords import password_errors

# What an admin may change on an account (the username never changes).
PROFILE_FIELDS = ("full_name", "email")
UPDATE_FIELDS = (*PROFILE_FIELDS, "role", "active")
PROFILE_RULES = {"full_name": rules.FULL_NAME, "email": rules.EMAIL, "role": rules.ROLE}

# Which audit action a changed field is recorded under.
_FIELD_ACTIONS = {"role": "user.role"}


def get_user(username: str) -> User:
    """The user called ``username``, in the trash or not; NotFound otherwise."""
    user = repository.get_including_deleted(username)
    if user is None:
        raise NotFound(f"No user called {username.strip().lower()!r}.")
    return user


def list_users(
    filters: repository.UserFilters, *, sort: str | None = None, page: PageRequest
) -> Page[User]:
    """A page of users matching ``filters``."""
    return repository.search(filters, sort, page)


def status_of(user: User) -> str:
    """The account's state: ``active``, ``inactive`` or ``deleted``."""
    if user.deleted_at is not None:
        return "deleted"
    return "active" if user.active else "inactive"


def is_locked(user: User) -> bool:
    """Whether failed sign-ins keep the account locked right now."""
    return user.locked_until is not None and user.locked_until > utcnow()


def _state(user: User) -> dict[str, Any]:
    """What the audit log compares: the user's fields plus trash and sign-in lock."""
    return {
        **service.snapshot(user),
        "deleted_at": user.deleted_at,
        "failed_logins": user.failed_logins,
        "locked_until": user.locked_until,
    }


def _audit(action: str, user: User, changes: Mapping[str, list[Any]] | None, actor: Any) -> None:
    # An explicit actor wins; without one, the signed-in user of the request.
    who = {"actor": actor} if actor is not None else {}
    record(
        action,
        entity_type="user",
        entity_key=user.username,
        summary=f"{user.username} ({ROLES.get(user.role, user.role)})",
        changes=changes,
        **who,
    )


def _what(user: User) -> str:
    return f"User {user.username}"


def _is_self(user: User, actor: Any) -> bool:
    return actor is not None and getattr(actor, "id", None) == user.id


def _guard_last_admin(user: User, doing: str, field: str | None = None) -> None:
    """Refuse to take away the last active administrator."""
    if user.role != "admin" or not user.is_active:
        return
    if set(repository.active_admin_ids(lock=True)) <= {user.id}:
        raise Conflict(
            f"{user.username} is the last active administrator, so they cannot be {doing}: "
            "PressLog would have no one left to manage users. Make another user an "
            "administrator first.",
            field=field,
        )


def _guard_self(user: User, actor: Any, doing: str, field: str | None = None) -> None:
    """Refuse an admin's attempt to lock themselves out."""
    if _is_self(user, actor):
        raise Conflict(
            f"You cannot {doing} your own account. Ask another administrator to do it.",
            field=field,
        )


def _live(username: str, expected_version: int | None) -> User:
    """A user not in the trash, checked against the version the caller read."""
    user = get_user(username)
    check_version(user, expected_version, _what(user))
    if user.deleted_at is not None:
        raise Conflict(f"{user.username} is in the trash. Restore the account first.")
    return user


def _check_username(user: User, data: Mapping[str, Any]) -> None:
    given = data.get("username")
    if given is not None and str(given).strip().lower() != user.username:
        raise ValidationError({"username": ["Usernames cannot be changed once created."]})


def _clean_update(user: User, data: Mapping[str, Any]) -> dict[str, Any]:
    """The changes in ``data``, trimmed and checked; every bad field is named at once."""
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    for name, rule in PROFILE_RULES.items():
        if name not in data:
            continue
        try:
            values[name] = clean(rule, name, data[name])
        except ValidationError as exc:
            errors.update(exc.errors)
    if "email" in values and isinstance(values["email"], str):
        values["email"] = values["email"].lower()
    if "active" in data:
        if not isinstance(data["active"], bool):
            errors["active"] = ["Active must be true or false."]
        else:
            values["active"] = data["active"]
    if errors:
        raise ValidationError(errors)
    if "email" in values and repository.email_taken_by_other(values["email"], user.id):
        raise Conflict("That e-mail is already used by another user.", field="email")
    return values


def _check_role_change(user: User, role: str) -> None:
    if role != user.role and role != "admin":
        _guard_last_admin(user, "given another role", "role")


def _check_active_change(user: User, active: bool, actor: Any) -> None:
    if user.active and not active:
        _guard_self(user, actor, "deactivate", "active")
        _guard_last_admin(user, "deactivated", "active")


def _action_for(name: str, new: Any) -> str:
    if name == "active":
        return "user.reactivate" if new else "user.deactivate"
    return _FIELD_ACTIONS.get(name, "user.update")


def _commit_changes(
    user: User, before: Mapping[str, Any], actor: Any, action: str | None = None
) -> User:
    """Flush once (one new version) and audit what changed: under ``action``, or one
    event per kind of change (role, access, the rest as an update)."""
    changes = diff(before, _state(user))
    if not changes:
        return user  # nothing changed: no new version, no audit entry
    db.session.flush()
    grouped: dict[str, dict[str, list[Any]]] = {}
    for name, pair in changes.items():
        grouped.setdefault(action or _action_for(name, pair[1]), {})[name] = pair
    for kind, fields in grouped.items():
        _audit(kind, user, fields, actor)
    return user


# -- creating ---------------------------------------------------------------------------


def create_user(*, data: Mapping[str, Any]) -> User:
    """Add a user from an admin's form or API call; every bad field is named at once.

    ``data`` holds ``username``, ``email``, ``role``, ``password`` and ``full_name``.
    """
    username = str(data.get("username") or "").strip().lower()
    email = str(data.get("email") or "").strip().lower()
    role = data.get("role") or ""
    password = data.get("password") or ""
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
        # The service checks the password too: show its verdict alongside.
        password_problems = password_errors(password, username=username, email=email)
        if password_problems:
            errors["password"] = password_problems
        raise ValidationError(errors)
    return service.create_user(
        username=username, email=email, role=role, password=password, full_name=full_name
    )


# -- changing ---------------------------------------------------------------------------


def update_user(
    *, username: str, data: Mapping[str, Any], expected_version: int | None, actor: Any
) -> User:
    """Change full name, e-mail, role and/or active flag, refusing stale edits.

    Each kind of change is audited on its own (``user.update``, ``user.role``,
    ``user.deactivate`` / ``user.reactivate``); fields left out stay as they are.
    """
    user = _live(username, expected_version)
    _check_username(user, data)
    values = _clean_update(user, {k: v for k, v in data.items() if k in UPDATE_FIELDS})
    # Every check (they query) before any change, so the row is written once.
    if "role" in values:
        _check_role_change(user, values["role"])
    if "active" in values:
        _check_active_change(user, values["active"], actor)
    before = _state(user)
    for name, value in values.items():
        setattr(user, name, value)
    return _commit_changes(user, before, actor)


def change_role(*, username: str, role: str, expected_version: int | None, actor: Any) -> User:
    """Give a user another role; the last active administrator keeps theirs."""
    user = _live(username, expected_version)
    role = clean(rules.ROLE, "role", role)
    _check_role_change(user, role)
    before = _state(user)
    user.role = role
    return _commit_changes(user, before, actor)


def deactivate(*, username: str, expected_version: int | None, actor: Any) -> User:
    """Stop a user signing in; their sessions and API tokens stop working at once."""
    user = _live(username, expected_version)
    if not user.active:
        raise Conflict(f"{user.username} is already deactivated.")
    _check_active_change(user, False, actor)
    before = _state(user)
    user.active = False
    return _commit_changes(user, before, actor)


def reactivate(*, username: str, expected_version: int | None, actor: Any) -> User:
    """Let a deactivated user sign in again."""
    user = _live(username, expected_version)
    if user.active:
        raise Conflict(f"{user.username} is already active.")
    before = _state(user)
    user.active = True
    return _commit_changes(user, before, actor)


def unlock(*, username: str, expected_version: int | None, actor: Any) -> User:
    """Clear failed sign-ins and a sign-in lock, so the user may try again now."""
    user = _live(username, expected_version)
    if not user.failed_logins and user.locked_until is None:
        raise Conflict(f"{user.username} is not locked and has no failed sign-ins.")
    before = _state(user)
    user.failed_logins = 0
    user.locked_until = None
    return _commit_changes(user, before, actor, "user.update")


def delete_user(*, username: str, expected_version: int | None, actor: Any) -> User:
    """Move a user to the trash: they cannot sign in; their history stays."""
    user = _live(username, expected_version)
    _guard_self(user, actor, "delete")
    _guard_last_admin(user, "deleted")
    before = _state(user)
    user.deleted_at = utcnow()
    return _commit_changes(user, before, actor, "user.delete")


def restore_user(*, username: str, expected_version: int | None, actor: Any) -> User:
    """Bring a user back from the trash, as active or inactive as they were."""
    user = get_user(username)
    check_version(user, expected_version, _what(user))
    if user.deleted_at is None:
        raise Conflict(f"{user.username} is not in the trash.")
    before = _state(user)
    user.deleted_at = None
    return _commit_changes(user, before, actor, "user.restore")


# -- API tokens -------------------------------------------------------------------------


def tokens_of(username: str) -> list[ApiToken]:
    """A user's tokens, newest first (revoked ones included)."""
    return repository.tokens_of(get_user(username))


def create_token(
    *, username: str, name: str, expected_version: int | None = None
) -> tuple[ApiToken, str]:
    """A new API token for an active user; the plain token is returned only here."""
    user = _live(username, expected_version)
    if not user.active:
        raise Conflict(
            f"{user.username} is deactivated, so a token would not work. Reactivate them first."
        )
    return service.create_token(username=user.username, name=name)


def revoke_token(
    *, username: str, token_id: int, actor: Any, expected_version: int | None = None
) -> ApiToken:
    """Revoke one of a user's tokens: requests bearing it are refused from now on."""
    user = get_user(username)
    check_version(user, expected_version, _what(user))
    token = repository.get_token(user, token_id)
    if token is None:
        raise NotFound(f"{user.username} has no API token {token_id}.")
    if token.revoked_at is not None:
        raise Conflict(f"Token {token.name!r} was already revoked.")
    token.revoked_at = utcnow()
    who = {"actor": actor} if actor is not None else {}
    record(
        "token.revoke",
        entity_type="user",
        entity_key=user.username,
        summary=f"Token {token.name!r} ({token.prefix}…)",
        changes={"revoked_at": [None, token.revoked_at]},
        **who,
    )
    return token

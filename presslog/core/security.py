"""Roles, capabilities and the decorator every route uses to declare what it needs.

The role → capability table below is the only place permissions are granted.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from werkzeug.security import check_password_hash

ROLES: dict[str, str] = {
    "admin": "Administrator",
    "manager": "Manager",
    "staff": "Front desk",
    "artist": "Artist",
    "shipping": "Shipping",
    "viewer": "Viewer",
}

# Every signed-in person manages their own account and reads their own notifications.
_SELF = {"account.self"}
_READ = _SELF | {"orders.read", "customers.read"}
_WORK = _READ | {"orders.write", "customers.write", "reports.read", "reports.export"}
_MANAGE = _WORK | {"orders.restore", "customers.restore", "audit.read"}

ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    "admin": frozenset(_MANAGE | {"users.manage", "orders.purge", "system.admin"}),
    "manager": frozenset(_MANAGE),
    "staff": frozenset(_WORK),
    "artist": frozenset(_READ | {"orders.write_art"}),
    "shipping": frozenset(_READ | {"orders.write_shipping"}),
    "viewer": frozenset(_READ),
}

# Capabilities that allow some edit of an order (the fields each may touch are
# decided by the orders service).
ORDER_EDIT_CAPABILITIES = ("orders.write", "orders.write_art", "orders.write_shipping")

PUBLIC = "public"

F = TypeVar("F", bound=Callable[..., Any])


def capabilities_of(role: str) -> frozenset[str]:
    """Capabilities granted to ``role`` (none for an unknown role)."""
    return ROLE_CAPABILITIES.get(role, frozenset())


def require(*capabilities: str) -> Callable[[F], F]:
    """Declare the capability a route needs; any one of several suffices.

    Anonymous callers get a login redirect (pages) or 401 (API); signed-in
    callers without the capability get 403. ``require(PUBLIC)`` marks a
    route open to everyone.
    """

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            from presslog.core.auth import enforce

            enforce(capabilities)
            return view(*args, **kwargs)

        wrapped.required_capabilities = capabilities  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator


# -- passwords --------------------------------------------------------------------

_hasher = PasswordHasher()


def configure_hasher(time_cost: int, memory_cost: int, parallelism: int) -> None:
    """Set the argon2id parameters (from configuration)."""
    global _hasher
    _hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)


def hash_password(password: str) -> str:
    """Hash a password with argon2id."""
    return _hasher.hash(password)


# Hashes the legacy job log wrote (werkzeug's generate_password_hash).
LEGACY_HASH_PREFIXES = ("pbkdf2:", "scrypt:")


def is_legacy_hash(stored_hash: str) -> bool:
    """Whether ``stored_hash`` came from the legacy system (werkzeug pbkdf2 / scrypt)."""
    return stored_hash.startswith(LEGACY_HASH_PREFIXES)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Check ``password`` against ``stored_hash`` without leaking why it failed.

    Legacy werkzeug hashes are accepted; the caller replaces them with argon2id at the
    first successful sign-in (see :func:`needs_rehash`).
    """
    if not stored_hash:
        # Spend comparable time so unknown users cannot be told apart by timing.
        _hasher.hash(password)
        return False
    if is_legacy_hash(stored_hash):
        try:
            return check_password_hash(stored_hash, password)
        except (ValueError, TypeError):
            return False
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """Whether the hash is legacy or was made with other argon2 parameters than now."""
    if is_legacy_hash(stored_hash):
        return True
    try:
        return _hasher.check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True


# -- API tokens -------------------------------------------------------------------

TOKEN_PREFIX = "plg_"  # noqa: S105 - a public prefix, not a secret


def new_token() -> str:
    """A fresh random API token (shown to its owner once)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """The SHA-256 digest stored in place of the token."""
    return hashlib.sha256(token.encode()).hexdigest()

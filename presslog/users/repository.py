"""Queries for users and tokens."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, case, func, or_, select

from presslog.core.pagination import Page, PageRequest, paginate
from presslog.core.query import contains, parse_sort
from presslog.core.security import ROLES
from presslog.extensions import db
from presslog.users.models import ApiToken, User


def get_by_login(login: str) -> User | None:
    """The live user whose username or e-mail is ``login``."""
    value = login.strip().lower()
    stmt = select(User).where(
        or_(User.username == value, func.lower(User.email) == value),
        User.deleted_at.is_(None),
    )
    return db.session.execute(stmt).scalars().first()


def get_by_username(username: str) -> User | None:
    """The live user called ``username``."""
    stmt = select(User).where(User.username == username.strip().lower(), User.deleted_at.is_(None))
    return db.session.execute(stmt).scalar_one_or_none()


def username_or_email_taken(username: str, email: str) -> bool:
    """Whether any user (deleted or not) has this username or e-mail."""
    stmt = select(User.id).where(
        or_(
            User.username == username.strip().lower(),
            func.lower(User.email) == email.strip().lower(),
        )
    )
    return db.session.execute(stmt).first() is not None


def list_users() -> list[User]:
    """All live users by username."""
    stmt = select(User).where(User.deleted_at.is_(None)).order_by(User.username)
    return list(db.session.execute(stmt).scalars())


def tokens_of(user: User) -> list[ApiToken]:
    """A user's tokens, newest first."""
    stmt = select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
    return list(db.session.execute(stmt).scalars())


# -- administration ---------------------------------------------------------------------

MAX_ID = 2**31 - 1  # ids are INTEGER columns

# The account states an admin filters by; a deleted user is in the trash whatever ``active``.
STATUSES: dict[str, str] = {"active": "Active", "inactive": "Inactive", "deleted": "Deleted"}

SORTS: dict[str, Any] = {
    "username": User.username,
    # Roles sort by rank (admin first), as the role table lists them, not alphabetically.
    "role": case({role: rank for rank, role in enumerate(ROLES)}, value=User.role, else_=99),
    "last_login_at": User.last_login_at,
    "created_at": User.created_at,
}


@dataclass(frozen=True)
class UserFilters:
    """What a user search asks for; without a status, every user not in the trash."""

    q: str | None = None
    role: str | None = None
    status: str | None = None


def get_including_deleted(username: str) -> User | None:
    """The user called ``username``, in the trash or not."""
    stmt = select(User).where(User.username == username.strip().lower())
    return db.session.execute(stmt).scalar_one_or_none()


def search_statement(filters: UserFilters, sort: str | None) -> Select[Any]:
    """The filtered, sorted query behind the user list (unique tie-breaker: the id)."""
    stmt = select(User)
    if filters.status == "deleted":
        stmt = stmt.where(User.deleted_at.is_not(None))
    else:
        stmt = stmt.where(User.deleted_at.is_(None))
        if filters.status == "active":
            stmt = stmt.where(User.active.is_(True))
        elif filters.status == "inactive":
            stmt = stmt.where(User.active.is_(False))
    if filters.q and filters.q.strip():
        term = filters.q.strip()
        stmt = stmt.where(
            or_(
                contains(User.username, term),
                contains(User.email, term),
                contains(User.full_name, term),
            )
        )
    if filters.role:
        stmt = stmt.where(User.role == filters.role)
    key, desc = parse_sort(sort, SORTS, default="username")
    column = SORTS[key]
    # Users who never signed in come last both ways (the databases disagree by default).
    order = column.desc().nulls_last() if desc else column.asc().nulls_last()
    return stmt.order_by(order, User.id.desc() if desc else User.id.asc())


def search(filters: UserFilters, sort: str | None, page: PageRequest) -> Page[User]:
    """One page of users matching ``filters``."""
    return paginate(db.session, search_statement(filters, sort), page)


def active_admin_ids(*, lock: bool = False) -> list[int]:
    """Ids of the active administrators not in the trash.

    ``lock`` holds their rows until the transaction ends (PostgreSQL), so two admins
    demoting each other at the same moment cannot leave the shop without one.
    """
    stmt = select(User.id).where(
        User.role == "admin", User.active.is_(True), User.deleted_at.is_(None)
    )
    if lock:
        stmt = stmt.with_for_update()
    return list(db.session.execute(stmt).scalars())


def email_taken_by_other(email: str, user_id: int) -> bool:
    """Whether a user other than ``user_id`` (deleted or not) has this e-mail."""
    stmt = select(User.id).where(
        func.lower(User.email) == email.strip().lower(), User.id != user_id
    )
    return db.session.execute(stmt).first() is not None


def get_token(user: User, token_id: int) -> ApiToken | None:
    """One of ``user``'s tokens by id."""
    if not 0 < token_id <= MAX_ID:
        return None  # no such row, and the database would refuse the number
    stmt = select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id)
    return db.session.execute(stmt).scalar_one_or_none()

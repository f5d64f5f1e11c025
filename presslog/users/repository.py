"""Queries for users and tokens."""

from __future__ import annotations

from sqlalchemy import func, or_, select

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

"""User accounts and API tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String, func
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from presslog.core.db import Base, SoftDeleteMixin, TimestampMixin, VersionedMixin
from presslog.core.errors import ValidationError
from presslog.core.security import capabilities_of
from presslog.users import rules

# The interface themes a person can choose (presslog/static: [data-bs-theme]).
THEMES = ("system", "light", "dark")


class User(TimestampMixin, SoftDeleteMixin, VersionedMixin, Base):
    """A person who signs in to PressLog, with one role."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    email: Mapped[str] = mapped_column(String(255))
    full_name: Mapped[str | None] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(20), default="viewer")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    last_login_at: Mapped[datetime | None]
    failed_logins: Mapped[int] = mapped_column(default=0)
    # Set after repeated failed sign-ins; the wait grows with each further failure.
    locked_until: Mapped[datetime | None]
    # "system" follows the device's setting; "light" or "dark" is the person's choice.
    theme: Mapped[str] = mapped_column(String(10), default="system", server_default="system")
    # Self-registered under REGISTRATION=approval: a viewer until an admin approves.
    awaiting_approval: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=sa_false()
    )
    # When an admin invited the person; the invitation is pending while no password is set.
    invited_at: Mapped[datetime | None]

    tokens: Mapped[list[ApiToken]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )

    __table_args__ = (
        Index("ix_users_email_lower", func.lower(email), unique=True),
        CheckConstraint(f"theme IN ({', '.join(repr(t) for t in THEMES)})", name="theme_known"),
    )

    @validates("username", "email", "role", "full_name")
    def _validate(self, key: str, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip()
            if key in ("username", "email"):
                value = value.lower()
            if key == "full_name":
                value = value or None
        problems = rules.FIELD_RULES[key].errors(value)
        if problems:
            raise ValidationError({key: problems})
        return value

    # -- Flask-Login protocol ---------------------------------------------------
    @property
    def is_active(self) -> bool:
        """Only active, not deleted users, not waiting for approval, may sign in."""
        return self.active and self.deleted_at is None and not self.awaiting_approval

    @property
    def is_authenticated(self) -> bool:
        """A loaded user is an authenticated one."""
        return True

    @property
    def is_anonymous(self) -> bool:
        """Never anonymous."""
        return False

    def get_id(self) -> str:
        """Session identifier: the id plus a fragment of the hash, so a password change
        ends other sessions."""
        return f"{self.id}:{(self.password_hash or '')[-12:]}"

    # -- permissions -------------------------------------------------------------
    def can(self, capability: str) -> bool:
        """Whether this user's role grants ``capability``."""
        return capability in capabilities_of(self.role)

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class ApiToken(TimestampMixin, Base):
    """A named bearer token; only its SHA-256 digest is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    prefix: Mapped[str] = mapped_column(String(12))
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(back_populates="tokens")

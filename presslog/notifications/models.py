"""Notifications, who follows which order, and each person's notification preferences."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from presslog.core.db import Base, TimestampMixin, utcnow
from presslog.notifications.events import EMAIL_MODES, EVENTS

_EVENT_KEYS = ", ".join(f"'{key}'" for key in EVENTS)
_EMAIL_MODES = ", ".join(f"'{mode}'" for mode in EMAIL_MODES)
EVENT_KEY_LENGTH = 160
TITLE_LENGTH = 200


class Notification(Base):
    """One event told to one person: shown in their centre, maybe e-mailed.

    ``event_key`` names the occurrence (``rush_created:LOG-1234``,
    ``due_tomorrow:LOG-1234:2026-11-27``): the pair (user, event_key) is unique, so the
    same event never notifies the same person twice, however often it is raised.
    """

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(30))
    event_key: Mapped[str] = mapped_column(String(EVENT_KEY_LENGTH))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(TITLE_LENGTH))
    body: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, nullable=False)
    read_at: Mapped[datetime | None] = mapped_column(default=None)
    # When it went out by e-mail (at once or in a digest); None while it has not.
    emailed_at: Mapped[datetime | None] = mapped_column(default=None)

    __table_args__ = (
        UniqueConstraint("user_id", "event_key", name="uq_notifications_user_event"),
        CheckConstraint(f"event IN ({_EVENT_KEYS})", name="event_known"),
        Index("ix_notifications_user_unread", "user_id", "read_at", "id"),
        Index("ix_notifications_order_id", "order_id"),
    )

    @property
    def is_read(self) -> bool:
        """Whether the person has marked it read."""
        return self.read_at is not None


class OrderFollow(Base):
    """A person follows an order: they hear about its status changes and dates."""

    __tablename__ = "order_follows"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    order_id: Mapped[int] = mapped_column(
        ForeignKey("orders.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow, nullable=False)

    __table_args__ = (Index("ix_order_follows_order_id", "order_id"),)


class NotificationPreference(TimestampMixin, Base):
    """How one person wants one event: in the centre or not, and by e-mail how.

    A missing row means the event's defaults (in the centre; e-mail as
    :data:`~presslog.notifications.events.EVENTS` says).
    """

    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    event: Mapped[str] = mapped_column(String(30), primary_key=True)
    in_app: Mapped[bool] = mapped_column(Boolean, default=True)
    email: Mapped[str] = mapped_column(String(10), default="off")

    __table_args__ = (
        CheckConstraint(f"event IN ({_EVENT_KEYS})", name="event_known"),
        CheckConstraint(f"email IN ({_EMAIL_MODES})", name="email_mode_known"),
    )


class DigestQueued(Base):
    """A person's digest for one shop date was queued: the schedule builds it once.

    Written in the same transaction that marks the digest's notifications e-mailed, so
    a later run the same day (every five minutes) neither queues it again nor takes
    newer notifications into a digest that will never go out (the mail job sends one
    message per key).
    """

    __tablename__ = "digests_queued"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    shop_date: Mapped[date] = mapped_column(primary_key=True)
    queued_at: Mapped[datetime] = mapped_column(default=utcnow, nullable=False)

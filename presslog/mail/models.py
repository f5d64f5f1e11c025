"""The record of messages sent, which makes sending idempotent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from presslog.core.db import Base, utcnow

KEY_LENGTH = 160


class SentMail(Base):
    """A message handed to the mail server (or written to the outbox), by its key.

    The sending job looks its key up first, so a retried or repeated job never
    sends the same message twice.
    """

    __tablename__ = "sent_mails"

    key: Mapped[str] = mapped_column(String(KEY_LENGTH), primary_key=True)
    recipient: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(255))
    sent_at: Mapped[datetime] = mapped_column(default=utcnow, nullable=False)

    __table_args__ = (Index("ix_sent_mails_sent_at", "sent_at"),)

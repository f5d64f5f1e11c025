"""The audit event: one row per sensitive act, never changed afterwards."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from presslog.core.db import Base, utcnow

# Big on PostgreSQL (the log only grows); SQLite's INTEGER PRIMARY KEY is already 64-bit.
EventId = BigInteger().with_variant(Integer(), "sqlite")
Changes = JSON().with_variant(JSONB(), "postgresql")


class AuditEvent(Base):
    """Who (``actor``) did what (``action``) to which record, when, from where.

    ``changes`` maps a field name to ``[old, new]`` as display strings. Rows are
    append-only: the session refuses to flush an update or delete of one, and
    on PostgreSQL a trigger refuses UPDATE, DELETE and TRUNCATE.
    """

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(EventId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, nullable=False)
    # No foreign key: users are only ever soft-deleted, and the log must outlive anything.
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor: Mapped[str | None] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(40))
    entity_type: Mapped[str | None] = mapped_column(String(20))
    entity_key: Mapped[str | None] = mapped_column(String(80))
    summary: Mapped[str | None] = mapped_column(String(500))
    changes: Mapped[dict[str, Any] | None] = mapped_column(Changes)
    ip: Mapped[str | None] = mapped_column(String(45))
    request_id: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        Index("ix_audit_events_at", "at"),
        Index("ix_audit_events_actor_at", "actor_id", "at"),
        Index("ix_audit_events_action_at", "action", "at"),
        Index("ix_audit_events_entity_at", "entity_type", "entity_key", "at"),
    )

    def __repr__(self) -> str:
        return f"<AuditEvent {self.id} {self.action} {self.entity_type}:{self.entity_key}>"

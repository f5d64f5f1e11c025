"""Declarative base, column types and mixins shared by every model."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import Date, DateTime, MetaData, Numeric, String, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column, registry

CENT = Decimal("0.01")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)


def money(value: Decimal | int | str | None) -> Decimal:
    """Round a value to whole cents, half up, as the shop's invoices do."""
    if value is None:
        return Decimal("0.00")
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always returned timezone-aware (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Convert a value on its way in to UTC; a naive datetime raises ValueError."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware datetime in UTC")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Return a stored value as aware UTC, taking SQLite's naive values as UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


Money = Numeric(12, 2, asdecimal=True)


class Base(DeclarativeBase):
    """Base of every PressLog model."""

    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={
            datetime: UTCDateTime(),
            Decimal: Money,
            str: String(255),
            date: Date(),
        },
    )


class TimestampMixin:
    """created_at / updated_at, set by callables at insert and update time."""

    created_at: Mapped[datetime] = mapped_column(default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow, nullable=False)


class SoftDeleteMixin:
    """A deleted_at stamp: rows are hidden, not removed, and can be restored."""

    deleted_at: Mapped[datetime | None] = mapped_column(default=None, index=True)

    @property
    def is_deleted(self) -> bool:
        """Whether the record sits in the trash."""
        return self.deleted_at is not None


class VersionedMixin:
    """An integer version bumped on every update, for optimistic locking.

    SQLAlchemy adds ``WHERE version = :old`` to each UPDATE, so a concurrent
    writer that got there first makes the second flush fail instead of
    silently overwriting.
    """

    version: Mapped[int] = mapped_column(nullable=False, default=1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]


def install_model_hooks(session_class: Any) -> None:
    """Validate and derive before every flush, so no path can store a broken record.

    Objects with ``validate()`` (and ``recalculate()``) are checked; children
    that point to an owner through ``order`` bring their owner along.
    """
    from sqlalchemy import event

    if event.contains(session_class, "before_flush", _before_flush):
        return
    event.listen(session_class, "before_flush", _before_flush)


def _before_flush(session: Any, flush_context: Any, instances: Any) -> None:
    """Validate (and recalculate) every owner touched by this flush."""
    owners: dict[int, Any] = {}
    for obj in list(session.new) + list(session.dirty):
        owner = obj if hasattr(obj, "validate") else getattr(obj, "order", None)
        if owner is not None and hasattr(owner, "validate") and owner not in session.deleted:
            owners[id(owner)] = owner
    for owner in owners.values():
        if hasattr(owner, "recalculate"):
            owner.recalculate()
        owner.validate()

"""Order and its related records: charges, art proofs, print/setup/pack items, shipment."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Numeric,
    SmallInteger,
    String,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from presslog.core.db import (
    Base,
    SoftDeleteMixin,
    TimestampMixin,
    VersionedMixin,
    money,
    utcnow,
)
from presslog.core.errors import ValidationError
from presslog.core.rules import clean, date_order_errors
from presslog.customers.models import Customer
from presslog.orders import rules
from presslog.orders.rules import DATE_LABELS, DATE_ORDER

if TYPE_CHECKING:
    from presslog.users.models import User

_LIVE: dict[str, Any] = {
    "sqlite_where": text("deleted_at IS NULL"),
    "postgresql_where": text("deleted_at IS NULL"),
}
_DELETED: dict[str, Any] = {
    "sqlite_where": text("deleted_at IS NOT NULL"),
    "postgresql_where": text("deleted_at IS NOT NULL"),
}

Quantity = Numeric(12, 3, asdecimal=True)
UnitPrice = Numeric(14, 4, asdecimal=True)


class Order(TimestampMixin, SoftDeleteMixin, VersionedMixin, Base):
    """A job the shop has taken, identified by its LOG number."""

    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    log: Mapped[str] = mapped_column(String(7), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="RESTRICT"))
    customer_po: Mapped[str | None] = mapped_column(String(20))
    job_type: Mapped[str] = mapped_column(String(3))
    title: Mapped[str] = mapped_column(String(256))
    priority: Mapped[int | None] = mapped_column(SmallInteger)
    rush: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(12), default="received")
    received_on: Mapped[date]
    art_due_on: Mapped[date | None]
    due_on: Mapped[date | None]
    shipped_on: Mapped[date | None]
    color_count: Mapped[int | None] = mapped_column(SmallInteger)
    quantity: Mapped[int | None]
    art_log: Mapped[str | None] = mapped_column(String(7))
    reference_art_log: Mapped[str | None] = mapped_column(String(7))
    artist: Mapped[str | None] = mapped_column(String(10))
    art_page: Mapped[str | None] = mapped_column(String(5))
    lettering_style: Mapped[str | None] = mapped_column(String(10))
    location: Mapped[str | None] = mapped_column(String(30))
    customer_note: Mapped[str | None] = mapped_column(String(255))
    art_enclosed: Mapped[bool] = mapped_column(Boolean, default=False)
    return_art: Mapped[bool] = mapped_column(Boolean, default=False)
    reorder: Mapped[bool] = mapped_column(Boolean, default=False)
    subtotal: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))
    sales_tax: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))
    freight: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))
    total: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))
    # Legacy values whose meaning is unknown are kept here, never dropped.
    legacy: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    customer: Mapped[Customer] = relationship(
        back_populates="orders", lazy="joined", innerjoin=True
    )
    charges: Mapped[list[Charge]] = relationship(
        back_populates="order",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="Charge.position",
    )
    art_proofs: Mapped[list[ArtProof]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="ArtProof.slot"
    )
    print_items: Mapped[list[PrintItem]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="PrintItem.slot"
    )
    setup_items: Mapped[list[SetupItem]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="SetupItem.slot"
    )
    pack_items: Mapped[list[PackItem]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="PackItem.slot"
    )
    shipment: Mapped[Shipment | None] = relationship(
        back_populates="order",
        cascade="all, delete-orphan",
        passive_deletes=True,
        uselist=False,
    )
    status_changes: Mapped[list[StatusChange]] = relationship(
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by=lambda: (StatusChange.changed_at, StatusChange.id),
    )

    __table_args__ = (
        CheckConstraint(
            "subtotal >= 0 AND sales_tax >= 0 AND freight >= 0 AND total >= 0",
            name="money_not_negative",
        ),
        CheckConstraint("due_on IS NULL OR due_on >= received_on", name="due_after_received"),
        CheckConstraint(
            "art_due_on IS NULL OR art_due_on >= received_on", name="art_due_after_received"
        ),
        CheckConstraint(
            "shipped_on IS NULL OR shipped_on >= received_on", name="shipped_after_received"
        ),
        CheckConstraint(
            "priority IS NULL OR (priority >= 0 AND priority <= 9)", name="priority_range"
        ),
        CheckConstraint(
            "job_type IN ('TR','DP','AA','VG','DG','GM','DTF','PP')", name="job_type_known"
        ),
        CheckConstraint(
            "status IN ('received','art','approved','production','ready','shipped','cancelled')",
            name="status_known",
        ),
        Index("ix_orders_customer_id_received_on", "customer_id", "received_on"),
        # Lists show live orders: partial indexes on (sort key, id) let a page — even a
        # deep one — be read from the index alone, in the list's own order.
        Index("ix_orders_live_received_on", "received_on", "id", **_LIVE),
        Index("ix_orders_live_due_on", "due_on", "id", **_LIVE),
        Index("ix_orders_live_shipped_on", "shipped_on", "id", **_LIVE),
        Index("ix_orders_trash", "deleted_at", **_DELETED),
        # Open work by due date (due outs, the board): a few statuses, each a range.
        Index("ix_orders_status_due_on", "status", "due_on"),
        Index("ix_orders_job_type_due_on", "job_type", "due_on"),
        Index("ix_orders_title_lower", func.lower(title)),
        Index("ix_orders_art_log", "art_log"),
        Index("ix_orders_customer_po", "customer_po"),
        Index("ix_orders_artist", "artist"),
    )

    # -- field validation (from orders.rules) ----------------------------------
    @validates("log")
    def _validate_log(self, key: str, value: str) -> str:
        value = rules.normalize_log(value)  # " ab12c" is the same LOG as "AB12C"
        if self.id is not None and self.log is not None and value != self.log:
            raise ValidationError({"log": ["LOG cannot be changed once the order exists."]})
        return clean(rules.LOG, "log", value)

    @validates(
        "job_type",
        "status",
        "title",
        "customer_po",
        "priority",
        "received_on",
        "color_count",
        "quantity",
        "art_log",
        "reference_art_log",
        "artist",
        "location",
        "customer_note",
        "lettering_style",
        "art_page",
        "sales_tax",
        "freight",
    )
    def _validate_field(self, key: str, value: Any) -> Any:
        return clean(rules.FIELD_RULES[key], key, value)

    # -- invariants across fields ---------------------------------------------
    def validate(self) -> None:
        """Check the rules that involve several fields; raise ValidationError."""
        errors: dict[str, list[str]] = {}
        if self.received_on is None:
            errors["received_on"] = [rules.RECEIVED_ON.required_message]
        for first, second in DATE_ORDER:
            problems = date_order_errors(
                getattr(self, first),
                getattr(self, second),
                DATE_LABELS[first],
                DATE_LABELS[second],
            )
            if problems:
                errors.setdefault(second, []).extend(problems)
        for charge in self.charges:
            problems = rules.LINE_TOTAL.errors(charge.total)
            if problems:
                errors[f"charges.{charge.kind}.total"] = problems
        for name, rule in (("subtotal", rules.SUBTOTAL), ("total", rules.TOTAL)):
            problems = rule.errors(getattr(self, name))
            if problems:
                errors[name] = problems
        if errors:
            raise ValidationError(errors)

    def recalculate(self) -> None:
        """Derive line totals, subtotal and total from the charges and extras."""
        for charge in self.charges:
            charge.total = charge.line_total()
        self.subtotal = money(sum((c.total for c in self.charges), Decimal("0")))
        self.total = money(self.subtotal + money(self.sales_tax) + money(self.freight))

    # -- convenience ----------------------------------------------------------
    @property
    def is_open(self) -> bool:
        """Not shipped, not cancelled."""
        return self.status in rules.OPEN_STATUSES

    def is_overdue(self, today: date) -> bool:
        """An open order whose due-out date has passed."""
        return self.is_open and self.due_on is not None and self.due_on < today

    @property
    def job_type_label(self) -> str:
        """The job type's name."""
        return rules.JOB_TYPES.get(self.job_type, self.job_type)

    @property
    def status_label(self) -> str:
        """The status's name."""
        return rules.STATUSES.get(self.status, self.status)

    def __repr__(self) -> str:
        return f"<Order {self.log}>"


class Charge(TimestampMixin, Base):
    """One charge line of an order: quantity × unit price = total."""

    __tablename__ = "charges"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    position: Mapped[int] = mapped_column(SmallInteger, default=0)
    quantity: Mapped[Decimal] = mapped_column(Quantity, default=Decimal("0"))
    unit_price: Mapped[Decimal] = mapped_column(UnitPrice, default=Decimal("0"))
    total: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))

    order: Mapped[Order] = relationship(back_populates="charges")

    __table_args__ = (
        UniqueConstraint("order_id", "kind"),
        CheckConstraint("quantity >= 0 AND unit_price >= 0 AND total >= 0", name="not_negative"),
    )

    @validates("kind")
    def _validate_kind(self, key: str, value: str) -> str:
        if value not in rules.CHARGE_KINDS:
            raise ValidationError(
                {"charges.kind": [f"Charge kind must be one of: {', '.join(rules.CHARGE_KINDS)}."]}
            )
        self.position = list(rules.CHARGE_KINDS).index(value)
        return value

    @validates("quantity")
    def _validate_quantity(self, key: str, value: Decimal) -> Decimal:
        return clean(
            rules.CHARGE_QUANTITY,
            f"charges.{self.kind}.quantity",
            Decimal(value if value is not None else 0),
        )

    @validates("unit_price")
    def _validate_unit_price(self, key: str, value: Decimal) -> Decimal:
        return clean(
            rules.UNIT_PRICE,
            f"charges.{self.kind}.unit_price",
            Decimal(value if value is not None else 0),
        )

    def line_total(self) -> Decimal:
        """Quantity × unit price, rounded to cents."""
        return money(Decimal(self.quantity or 0) * Decimal(self.unit_price or 0))

    @property
    def label(self) -> str:
        """The charge kind's name."""
        return rules.CHARGE_KINDS.get(self.kind, self.kind)


class _SlotItem(TimestampMixin):
    """A numbered slot of the legacy record (art proof, print, setup, pack)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    slot: Mapped[int] = mapped_column(SmallInteger)
    code: Mapped[str | None] = mapped_column(String(10))

    max_slots = 9

    @validates("slot")
    def _validate_slot(self, key: str, value: int) -> int:
        if not 1 <= int(value) <= self.max_slots:
            raise ValidationError(
                {
                    f"{self.__tablename__}.slot": [  # type: ignore[attr-defined]
                        f"Slot must be between 1 and {self.max_slots}."
                    ]
                }
            )
        return int(value)

    @validates("code")
    def _validate_code(self, key: str, value: str | None) -> str | None:
        return clean(rules.SLOT_CODE, f"{self.__tablename__}.code", value)  # type: ignore[attr-defined]


class _Amount:
    """The money amount of a slot, never negative."""

    amount: Mapped[Decimal | None]

    @validates("amount")
    def _validate_amount(self, key: str, value: Decimal | None) -> Decimal | None:
        return clean(rules.SLOT_AMOUNT, f"{self.__tablename__}.amount", value)  # type: ignore[attr-defined]


class ArtProof(_Amount, _SlotItem, Base):
    """One of nine art proof slots: code, date in, date out, amount."""

    __tablename__ = "art_proofs"
    max_slots = rules.ART_PROOF_SLOTS

    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    received_on: Mapped[date | None]
    sent_on: Mapped[date | None]

    __table_args__ = (
        UniqueConstraint("order_id", "slot"),
        CheckConstraint("amount IS NULL OR amount >= 0", name="amount_not_negative"),
    )


class PrintItem(_Amount, _SlotItem, Base):
    """One of nine print item slots: code and amount."""

    __tablename__ = "print_items"
    max_slots = rules.PRINT_ITEM_SLOTS

    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))

    __table_args__ = (
        UniqueConstraint("order_id", "slot"),
        CheckConstraint("amount IS NULL OR amount >= 0", name="amount_not_negative"),
    )


class SetupItem(_Amount, _SlotItem, Base):
    """One of four setup slots: code and amount."""

    __tablename__ = "setup_items"
    max_slots = rules.SETUP_ITEM_SLOTS

    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))

    __table_args__ = (
        UniqueConstraint("order_id", "slot"),
        CheckConstraint("amount IS NULL OR amount >= 0", name="amount_not_negative"),
    )


class PackItem(_SlotItem, Base):
    """One of four pack slots: code and units."""

    __tablename__ = "pack_items"
    max_slots = rules.PACK_ITEM_SLOTS

    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    units: Mapped[Decimal | None] = mapped_column(Quantity)

    __table_args__ = (
        UniqueConstraint("order_id", "slot"),
        CheckConstraint("units IS NULL OR units >= 0", name="units_not_negative"),
    )

    @validates("units")
    def _validate_units(self, key: str, value: Decimal | None) -> Decimal | None:
        return clean(rules.SLOT_AMOUNT, "pack_items.units", value)


class Shipment(TimestampMixin, Base):
    """How an order leaves the shop; its date out is the order's ``shipped_on``."""

    __tablename__ = "shipments"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), unique=True)
    method: Mapped[str | None] = mapped_column(String(10))
    carrier: Mapped[str | None] = mapped_column(String(10))
    weight: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))

    order: Mapped[Order] = relationship(back_populates="shipment")

    __table_args__ = (CheckConstraint("weight IS NULL OR weight >= 0", name="weight_ok"),)

    @validates("method")
    def _validate_method(self, key: str, value: str | None) -> str | None:
        return clean(rules.SHIP_METHOD, "shipment.method", value)

    @validates("carrier")
    def _validate_carrier(self, key: str, value: str | None) -> str | None:
        return clean(rules.CARRIER, "shipment.carrier", value)

    @validates("weight")
    def _validate_weight(self, key: str, value: Decimal | None) -> Decimal | None:
        return clean(rules.WEIGHT, "shipment.weight", value)


class StatusChange(Base):
    """One move of an order through the workflow: who, when, from, to."""

    __tablename__ = "status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(12))
    to_status: Mapped[str] = mapped_column(String(12))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(String(255))

    # Joined: the order page's history names who moved the order without a query per row.
    changed_by: Mapped[User | None] = relationship(lazy="joined")


class OrderTally(Base):
    """How many orders there are per (in the trash?, status, job type).

    Kept exact by database triggers on ``orders`` (see the migration that made this
    table), so an order list can say how many orders it holds without counting a
    million rows. Written by the database only, never by the application.
    """

    __tablename__ = "order_tallies"

    deleted: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    status: Mapped[str] = mapped_column(String(12), primary_key=True)
    job_type: Mapped[str] = mapped_column(String(3), primary_key=True)
    orders: Mapped[int] = mapped_column(default=0)

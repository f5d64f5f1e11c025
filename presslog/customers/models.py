"""Customer and ship-to address models."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, composite, mapped_column, relationship, validates

from presslog.core.db import Base, SoftDeleteMixin, TimestampMixin, VersionedMixin
from presslog.core.errors import ValidationError
from presslog.core.rules import clean
from presslog.customers import rules

if TYPE_CHECKING:
    from presslog.orders.models import Order


@dataclass
class Address:
    """A postal address value."""

    line1: str | None = None
    line2: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        """The address as the API and exports name its parts."""
        return {
            "line1": self.line1,
            "line2": self.line2,
            "city": self.city,
            "state": self.state,
            "zip": self.zip,
        }

    def one_line(self) -> str:
        """The address on one line, skipping blank parts."""
        city = " ".join(p for p in [self.state, self.zip] if p)
        parts = [self.line1, self.line2, ", ".join(p for p in [self.city, city] if p)]
        return ", ".join(p for p in parts if p)


def _check(field: str, value: Any) -> Any:
    return clean(rules.FIELD_RULES[field], field, value)


class Customer(TimestampMixin, SoftDeleteMixin, VersionedMixin, Base):
    """A customer of the shop, identified by its 5-character code."""

    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(5), unique=True)
    legacy_id: Mapped[str | None] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(255))
    billing_line1: Mapped[str | None] = mapped_column(String(100))
    billing_line2: Mapped[str | None] = mapped_column(String(100))
    billing_city: Mapped[str | None] = mapped_column(String(60))
    billing_state: Mapped[str | None] = mapped_column(String(30))
    billing_zip: Mapped[str | None] = mapped_column(String(15))
    billing_address: Mapped[Address] = composite(
        "billing_line1", "billing_line2", "billing_city", "billing_state", "billing_zip"
    )
    contact: Mapped[str | None] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(30))
    phone_alt: Mapped[str | None] = mapped_column(String(30))
    fax: Mapped[str | None] = mapped_column(String(30))
    email: Mapped[str | None] = mapped_column(String(255))
    tax_id: Mapped[str | None] = mapped_column(String(30))
    resale_no: Mapped[str | None] = mapped_column(String(30))
    customer_since: Mapped[date | None]
    notes: Mapped[str | None] = mapped_column(String(2000))

    ship_to: Mapped[list[ShipToAddress]] = relationship(
        back_populates="customer",
        cascade="all, delete-orphan",
        order_by="ShipToAddress.position",
        passive_deletes=True,
    )
    orders: Mapped[list[Order]] = relationship(back_populates="customer", viewonly=True)

    __table_args__ = (
        Index("ix_customers_name_lower", func.lower(name)),
        Index("ix_customers_billing_city", "billing_city"),
        Index("ix_customers_email", "email"),
    )

    @validates("code")
    def _validate_code(self, key: str, value: str) -> str:
        if self.id is not None and self.code is not None and value != self.code:
            raise ValidationError({"code": ["Customer code cannot be changed once created."]})
        return _check("code", rules.normalize_code(value))

    @validates(
        "name", "contact", "phone", "phone_alt", "fax", "email", "tax_id", "resale_no", "notes"
    )
    def _validate_text(self, key: str, value: str | None) -> str | None:
        return _check(key, value)

    @validates("billing_line1", "billing_line2", "billing_city", "billing_state", "billing_zip")
    def _validate_billing(self, key: str, value: str | None) -> str | None:
        part = key.removeprefix("billing_")
        if isinstance(value, str):
            value = value.strip() or None
        problems = rules.ADDRESS_RULES[part].errors(value)
        if problems:
            raise ValidationError({f"billing_address.{part}": problems})
        return value

    def __repr__(self) -> str:
        return f"<Customer {self.code}>"


class ShipToAddress(TimestampMixin, Base):
    """One of a customer's ship-to addresses, in the order the customer listed them."""

    __tablename__ = "ship_to_addresses"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=1)
    line1: Mapped[str | None] = mapped_column(String(100))
    line2: Mapped[str | None] = mapped_column(String(100))
    city: Mapped[str | None] = mapped_column(String(60))
    state: Mapped[str | None] = mapped_column(String(30))
    zip: Mapped[str | None] = mapped_column(String(15))

    customer: Mapped[Customer] = relationship(back_populates="ship_to")

    __table_args__ = (UniqueConstraint("customer_id", "position"),)

    @validates("line1", "line2", "city", "state", "zip")
    def _validate_part(self, key: str, value: str | None) -> str | None:
        if isinstance(value, str):
            value = value.strip() or None
        problems = rules.ADDRESS_RULES[key].errors(value)
        if problems:
            raise ValidationError({f"ship_to.{key}": problems})
        return value

    @property
    def address(self) -> Address:
        """This row as an :class:`Address` value."""
        return Address(self.line1, self.line2, self.city, self.state, self.zip)

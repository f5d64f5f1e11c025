"""factory_boy factories for every model."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import factory
from factory.alchemy import SQLAlchemyModelFactory

from presslog.core.security import hash_password
from presslog.customers.models import Customer, ShipToAddress
from presslog.extensions import db
from presslog.orders.models import (
    ArtProof,
    Charge,
    Order,
    PackItem,
    PrintItem,
    SetupItem,
    Shipment,
    StatusChange,
)
from presslog.users.models import ApiToken, User

PASSWORD = "correct horse battery staple"


class Base(SQLAlchemyModelFactory):
    """Factories add to the app's session and flush."""

    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "flush"


class UserFactory(Base):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n:03d}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    full_name = factory.Faker("name")
    role = "staff"
    password_hash = factory.LazyFunction(lambda: hash_password(PASSWORD))


class ApiTokenFactory(Base):
    class Meta:
        model = ApiToken

    user = factory.SubFactory(UserFactory)
    name = "token"
    prefix = factory.Sequence(lambda n: f"plg_{n:08d}")
    digest = factory.Sequence(lambda n: f"{n:064d}")


class CustomerFactory(Base):
    class Meta:
        model = Customer

    code = factory.Sequence(lambda n: f"C{n:04d}")
    name = factory.Faker("company")
    billing_line1 = factory.Faker("street_address")
    billing_city = "Columbus"
    billing_state = "OH"
    billing_zip = "43215"
    contact = factory.Faker("name")
    phone = "614-555-0100"
    email = factory.Sequence(lambda n: f"buyer{n}@example.com")


class ShipToAddressFactory(Base):
    class Meta:
        model = ShipToAddress

    customer = factory.SubFactory(CustomerFactory)
    position = 1
    line1 = "1 Dock Rd"
    city = "Dublin"
    state = "OH"
    zip = "43017"


class OrderFactory(Base):
    class Meta:
        model = Order

    log = factory.Sequence(lambda n: f"{20000 + n}")
    customer = factory.SubFactory(CustomerFactory)
    job_type = "TR"
    title = factory.Sequence(lambda n: f"Eagles Team Shirts {n}")
    priority = 3
    status = "received"
    received_on = factory.LazyFunction(lambda: date.today() - timedelta(days=2))
    due_on = factory.LazyAttribute(lambda o: o.received_on + timedelta(days=7))
    quantity = 24


class ChargeFactory(Base):
    class Meta:
        model = Charge

    order = factory.SubFactory(OrderFactory)
    kind = "print"
    quantity = Decimal("24")
    unit_price = Decimal("4.50")


class ArtProofFactory(Base):
    class Meta:
        model = ArtProof

    order_id = factory.LazyAttribute(lambda o: OrderFactory().id)
    slot = 1
    code = "00011"
    amount = Decimal("25.00")


class PrintItemFactory(Base):
    class Meta:
        model = PrintItem

    order_id = factory.LazyAttribute(lambda o: OrderFactory().id)
    slot = 1
    code = "FRONT"
    amount = Decimal("1.00")


class SetupItemFactory(Base):
    class Meta:
        model = SetupItem

    order_id = factory.LazyAttribute(lambda o: OrderFactory().id)
    slot = 1
    code = "SCRN"
    amount = Decimal("15.00")


class PackItemFactory(Base):
    class Meta:
        model = PackItem

    order_id = factory.LazyAttribute(lambda o: OrderFactory().id)
    slot = 1
    code = "BOX"
    units = Decimal("2")


class ShipmentFactory(Base):
    class Meta:
        model = Shipment

    order = factory.SubFactory(OrderFactory)
    method = "UPS"
    carrier = "1"
    weight = Decimal("3.50")


class StatusChangeFactory(Base):
    class Meta:
        model = StatusChange

    order_id = factory.LazyAttribute(lambda o: OrderFactory().id)
    from_status = None
    to_status = "received"

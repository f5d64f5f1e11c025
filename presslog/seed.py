"""Realistic demo data, loaded in bulk (Core inserts in batches, not one ORM object at a time).

Idempotent: customers, users and orders are keyed by code, username and LOG, and
only what is missing is added, so running it again changes nothing.
"""

from __future__ import annotations

import random
import re
import secrets
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import Table, func, insert, select, text

from presslog.core import clock, textsearch
from presslog.core.db import utcnow
from presslog.core.security import hash_password
from presslog.customers.models import Customer
from presslog.extensions import db
from presslog.orders.models import Order
from presslog.orders.rules import CHARGE_KINDS
from presslog.users.models import User

BATCH = 5000


def table(model: Any) -> Table:
    """The Core table of a mapped class, for bulk inserts."""
    return model.__table__


DEMO_USERS = (
    ("admin", "admin"),
    ("manager", "manager"),
    ("frontdesk", "staff"),
    ("artist", "artist"),
    ("shipping", "shipping"),
    ("viewer", "viewer"),
)
CREDENTIALS_FILE = "demo-credentials.txt"

_PLACES = [
    "Central",
    "Canal Winchester",
    "Pickerington",
    "Sunbury",
    "Westerville",
    "Dublin",
    "Hilliard",
    "Grove City",
    "Worthington",
    "Gahanna",
    "Reynoldsburg",
    "Delaware",
    "Marysville",
    "Lancaster",
    "Newark",
    "Bexley",
    "Upper Arlington",
    "Granville",
]
_KINDS = [
    "High School",
    "Middle School",
    "Arts Council",
    "Youth Soccer",
    "Little League",
    "Rotary Club",
    "Fire Department",
    "Brewing Co.",
    "Auto Body",
    "Dental Group",
    "Church",
    "Marching Band",
    "Volleyball Club",
    "Running Club",
    "Library Friends",
]
_STREETS = [
    "Main St",
    "Walnut Rd",
    "Third Ln",
    "High St",
    "Broad St",
    "Maple Ave",
    "Oak Dr",
    "Church St",
    "Market St",
    "Park Pl",
]
_FIRST = [
    "Elizabeth",
    "Tony",
    "Maria",
    "James",
    "Aisha",
    "Dmitri",
    "Grace",
    "Luis",
    "Chen",
    "Fatima",
    "Olivia",
    "Noah",
    "Zoë",
    "René",
    "Priya",
    "Marcus",
]
_LAST = [
    "Müller",
    "Carter",
    "Nguyen",
    "Smith",
    "Okafor",
    "Kowalski",
    "Garcia",
    "Brown",
    "Johnson",
    "O'Neil",
    "Patel",
    "Schmidt",
    "Rossi",
    "Walker",
]
_MASCOTS = [
    "Bears",
    "Tigers",
    "Eagles",
    "Panthers",
    "Wildcats",
    "Lions",
    "Hawks",
    "Knights",
    "Rockets",
    "Titans",
]
_ITEMS = [
    "Cross Country Wall Graphics",
    "Sleeve Transfers",
    "Team Shirts",
    "Hoodies",
    "Banner",
    "Window Decals",
    "Hats",
    "Warm-up Jackets",
    "Spirit Wear",
    "Tote Bags",
    "Yard Signs",
    "Vehicle Lettering",
    "Jersey Numbers",
    "Staff Polos",
    "Koozies",
    "Event T-shirts",
    "Fun Run Bibs",
    "Stickers",
    "Travel Team Transfers",
    "Aprons",
]
_JOB_TYPES = ["TR"] * 5 + ["DP"] * 4 + ["DTF"] * 3 + ["AA", "VG", "VG", "DG", "GM", "PP", "PP"]
_ARTISTS = ["AMB5", "DKR10", "EVG9", "JDM2", "KB01", "LRS3", "MRA11"]
_LOCATIONS = ["FRONT COUNTER", "PRESS 2", "PRESS 3", "CUT TABLE", "QC", "SHIPPING", "ARCHIVE"]
_METHODS = ["UPS", "FEDEX", "USPS", "PU", "DEL"]


@dataclass
class SeedResult:
    """What a seeding run added."""

    users: int = 0
    customers: int = 0
    orders: int = 0
    skipped_orders: int = 0
    credentials: Path | None = None
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """A few lines for the terminal."""
        lines = [
            f"Demo data: added {self.users} users, {self.customers} customers, "
            f"{self.orders} orders ({self.skipped_orders} already there)."
        ]
        if self.credentials:
            lines.append(read_credentials(self.credentials) or "")
        return "\n".join(lines + self.notes)


def _credentials_path(path: str | None) -> Path:
    return Path(path) if path else Path(current_app.instance_path) / CREDENTIALS_FILE


def read_credentials(path: Path | None = None) -> str | None:
    """The demo sign-in text written by the first seeding run."""
    path = path or _credentials_path(None)
    return path.read_text().strip() if path.exists() else None


def _recorded_password(path: Path) -> str | None:
    if not path.exists():
        return None
    match = re.search(r"password (\S+)", path.read_text())
    return match.group(1) if match else None


def _seed_users(path: Path, result: SeedResult) -> None:
    existing = set(db.session.execute(select(User.username)).scalars())
    missing = [(u, r) for u, r in DEMO_USERS if u not in existing]
    if not missing:
        return
    password = secrets.token_urlsafe(9)
    recorded = _recorded_password(path)
    if recorded:
        password = recorded  # one password for all demo users
    hashed = hash_password(password)
    now = utcnow()
    db.session.execute(
        insert(table(User)),
        [
            {
                "username": u,
                "email": f"{u}@demo.presslog.local",
                "full_name": u.title(),
                "role": r,
                "active": True,
                "password_hash": hashed,
                "failed_logins": 0,
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
            for u, r in missing
        ],
    )
    result.users = len(missing)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        users = ", ".join(u for u, _ in DEMO_USERS)
        path.write_text(
            f"Demo sign-in: username admin, password {password}\n"
            f"(the same password works for {users})\n"
        )
        path.chmod(0o600)


def customer_code(i: int, place: str) -> str:
    """A unique 5-character code: place letters + number, then Z + base 36."""
    if i < 100:
        letters = "".join(ch for ch in place.upper() if ch.isalpha())[:3]
        return f"{letters}{i:02d}"
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    out = ""
    n = i
    for _ in range(4):
        n, r = divmod(n, 36)
        out = digits[r] + out
    return "Z" + out


def customer_row(i: int, rng: random.Random) -> dict[str, Any]:
    """Demo customer number ``i`` (deterministic)."""
    place = _PLACES[i % len(_PLACES)]
    kind = _KINDS[(i // len(_PLACES)) % len(_KINDS)]
    name = f"{place} {kind}"
    if i >= len(_PLACES) * len(_KINDS):
        name += f" #{i // (len(_PLACES) * len(_KINDS)) + 1}"
    code = customer_code(i, place)
    first, last = rng.choice(_FIRST), rng.choice(_LAST)
    now = utcnow()
    return {
        "code": code,
        "legacy_id": code,
        "name": name,
        "billing_line1": f"{rng.randint(100, 19999)} {rng.choice(_STREETS)}",
        "billing_line2": None,
        "billing_city": "Columbus" if rng.random() < 0.4 else place,
        "billing_state": "OH",
        "billing_zip": f"43{rng.randint(0, 999):03d}",
        "contact": f"{first} {last}",
        "phone": f"614-{rng.randint(200, 999)}-{rng.randint(0, 9999):04d}",
        "phone_alt": None,
        "fax": None,
        "email": f"{first[0].lower()}{last.lower().replace(chr(39), '')}{i}@example.com".encode(
            "ascii", "ignore"
        ).decode(),
        "tax_id": f"EX-{rng.randint(0, 999999):06d}",
        "resale_no": None,
        "customer_since": date(1990, 1, 1) + timedelta(days=rng.randint(0, 12000)),
        "notes": None,
        "version": 1,
        "created_at": now,
        "updated_at": now,
    }


def _seed_customers(count: int, result: SeedResult) -> list[int]:
    rng = random.Random(20261126)
    rows = [customer_row(i, rng) for i in range(count)]
    existing = set(db.session.execute(select(Customer.code)).scalars())
    missing = [r for r in rows if r["code"] not in existing]
    for start in range(0, len(missing), BATCH):
        db.session.execute(insert(table(Customer)), missing[start : start + BATCH])
    result.customers = len(missing)
    codes = [r["code"] for r in rows]
    ids = {row.code: row.id for row in db.session.execute(select(Customer.code, Customer.id))}
    return [ids[c] for c in codes]


def demo_log(i: int) -> str:
    """LOG number of demo order ``i``: 10000, 10001, … (5–7 digits)."""
    return str(10000 + i)


def _cents(value: int) -> str:
    """Whole cents as a decimal string: 1234 → '12.34'."""
    return f"{value // 100}.{value % 100:02d}"


ORDER_COLUMNS = (
    "id",
    "log",
    "customer_id",
    "customer_po",
    "job_type",
    "title",
    "priority",
    "rush",
    "status",
    "received_on",
    "art_due_on",
    "due_on",
    "shipped_on",
    "color_count",
    "quantity",
    "art_log",
    "artist",
    "location",
    "art_enclosed",
    "return_art",
    "reorder",
    "subtotal",
    "sales_tax",
    "freight",
    "total",
    "version",
    "created_at",
    "updated_at",
)
CHARGE_COLUMNS = (
    "order_id",
    "kind",
    "position",
    "quantity",
    "unit_price",
    "total",
    "created_at",
    "updated_at",
)
SHIPMENT_COLUMNS = ("order_id", "method", "carrier", "weight", "created_at", "updated_at")
PROOF_COLUMNS = (
    "order_id",
    "slot",
    "code",
    "received_on",
    "sent_on",
    "amount",
    "created_at",
    "updated_at",
)
CHANGE_COLUMNS = ("order_id", "from_status", "to_status", "changed_at", "note")
_KIND_POSITION = {kind: n for n, kind in enumerate(CHARGE_KINDS)}
_EXTRA_KINDS = list(CHARGE_KINDS)[1:]


@dataclass
class _Batch:
    """Rows of one batch, as tuples in the column orders above."""

    orders: list[tuple[Any, ...]] = field(default_factory=list)
    charges: list[tuple[Any, ...]] = field(default_factory=list)
    shipments: list[tuple[Any, ...]] = field(default_factory=list)
    proofs: list[tuple[Any, ...]] = field(default_factory=list)
    changes: list[tuple[Any, ...]] = field(default_factory=list)


def _add_order(
    batch: _Batch,
    rng: random.Random,
    i: int,
    order_id: int,
    customer_ids: list[int],
    received: date,
    today: date,
    now: str,
) -> None:
    """Append demo order ``i`` and its records to ``batch`` (money in whole cents)."""
    due = received + timedelta(days=rng.randint(3, 21))
    if (today - received).days > 30:
        status = "cancelled" if rng.random() < 0.03 else "shipped"
    else:
        status = rng.choice(("received", "art", "approved", "production", "ready", "shipped"))
    shipped = None
    if status == "shipped":
        shipped = min(today, max(received, due + timedelta(days=rng.randint(-3, 2))))
    job_type = rng.choice(_JOB_TYPES)
    quantity = rng.choice((1, 12, 24, 36, 48, 72, 100, 144, 150, 250, 300, 500, 1000))
    rush = rng.random() < 0.08
    kinds = ["print", *rng.sample(_EXTRA_KINDS, k=rng.randint(0, 2))]
    if rush and "rush" not in kinds:
        kinds.append("rush")
    subtotal = 0
    for kind in kinds:
        qty = quantity if kind in ("print", "garment", "lettering") else 1
        price = rng.randint(25, 1200) if kind == "print" else rng.randint(500, 7500)
        line = qty * price
        subtotal += line
        batch.charges.append(
            (order_id, kind, _KIND_POSITION[kind], qty, _cents(price), _cents(line), now, now)
        )
    tax = (subtotal * 725 + 5000) // 10000 if rng.random() < 0.7 else 0
    freight = rng.randint(0, 4000) if rng.random() < 0.4 else 0
    production = job_type in ("TR", "DP", "AA", "DTF")
    batch.orders.append(
        (
            order_id,
            demo_log(i),
            customer_ids[(i * 31 + rng.randint(0, 5)) % len(customer_ids)],
            str(rng.randint(1000000, 99999999)) if rng.random() < 0.6 else None,
            job_type,
            f"{rng.choice(_PLACES)} {rng.choice(_MASCOTS)} {rng.choice(_ITEMS)}",
            rng.randint(1, 9),
            int(rush),
            status,
            received.isoformat(),
            (received + timedelta(days=rng.randint(1, 3))).isoformat() if production else None,
            due.isoformat(),
            shipped.isoformat() if shipped else None,
            rng.randint(1, 6),
            quantity,
            f"A{i % 100000:05d}" if rng.random() < 0.5 else None,
            rng.choice(_ARTISTS) if rng.random() < 0.6 else None,
            rng.choice(_LOCATIONS),
            int(rng.random() < 0.2),
            int(rng.random() < 0.1),
            int(rng.random() < 0.25),
            _cents(subtotal),
            _cents(tax),
            _cents(freight),
            _cents(subtotal + tax + freight),
            1,
            now,
            now,
        )
    )
    if shipped:
        batch.shipments.append(
            (
                order_id,
                rng.choice(_METHODS),
                str(rng.randint(1, 5)),
                f"{rng.randint(1, 400) / 10:.1f}",
                now,
                now,
            )
        )
    if production and rng.random() < 0.3:
        batch.proofs.append(
            (
                order_id,
                1,
                f"{i % 99999:05d}",
                received.isoformat(),
                (received + timedelta(days=1)).isoformat(),
                "25.00",
                now,
                now,
            )
        )
    batch.changes.append((order_id, None, "received", now, "demo data"))


def _bulk_insert(table_name: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    """Insert many rows fast: COPY on PostgreSQL, one prepared executemany on SQLite.

    Values are plain strings and numbers that both databases parse for their column types.
    """
    if not rows:
        return
    connection = db.session.connection()
    names = ", ".join(columns)
    if connection.dialect.name == "postgresql":
        raw: Any = connection.connection.driver_connection
        with raw.cursor() as cursor, cursor.copy(f"COPY {table_name} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        marks = ", ".join("?" for _ in columns)
        # Table and column names are this module's constants, never user input.
        sql = f"INSERT INTO {table_name} ({names}) VALUES ({marks})"  # noqa: S608
        connection.exec_driver_sql(sql, rows)


def _timestamp(dialect: str) -> str:
    """Now, written the way each database stores an aware timestamp."""
    now = utcnow()
    if dialect == "postgresql":
        return now.isoformat()
    return now.replace(tzinfo=None).isoformat(sep=" ")


def _seed_orders(count: int, customer_ids: list[int], result: SeedResult) -> None:
    today = clock.today()
    span_days = min(365 * 8, max(60, count // 40))
    dialect = db.engine.dialect.name
    next_id = (db.session.execute(select(func.max(Order.id))).scalar() or 0) + 1
    for start in range(0, count, BATCH):
        indexes = range(start, min(count, start + BATCH))
        logs = [demo_log(i) for i in indexes]
        existing = set(db.session.execute(select(Order.log).where(Order.log.in_(logs))).scalars())
        rng = random.Random(start)
        now = _timestamp(dialect)
        batch = _Batch()
        for i in indexes:
            if logs[i - start] in existing:
                result.skipped_orders += 1
                continue
            received = today - timedelta(
                days=span_days - (i * span_days) // max(1, count) + rng.randint(0, 2)
            )
            _add_order(batch, rng, i, next_id, customer_ids, received, today, now)
            next_id += 1
        _bulk_insert("orders", ORDER_COLUMNS, batch.orders)
        _bulk_insert("charges", CHARGE_COLUMNS, batch.charges)
        _bulk_insert("shipments", SHIPMENT_COLUMNS, batch.shipments)
        _bulk_insert("art_proofs", PROOF_COLUMNS, batch.proofs)
        _bulk_insert("status_changes", CHANGE_COLUMNS, batch.changes)
        db.session.commit()
        result.orders += len(batch.orders)
    if dialect == "postgresql":
        db.session.execute(
            text(
                "SELECT setval(pg_get_serial_sequence('orders', 'id'), "
                "COALESCE((SELECT max(id) FROM orders), 1))"
            )
        )
        db.session.commit()
    if result.orders:
        _refresh_statistics(dialect)


def _refresh_statistics(dialect: str) -> None:
    """Planner statistics after a bulk load; on PostgreSQL also the visibility map, so
    counts can be answered from indexes alone."""
    db.session.commit()
    if dialect == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        # Merge the search index's many small segments, written row by row by its
        # triggers, into one: a search then reads one b-tree, not dozens.
        for table in (textsearch.ORDERS.fts_table, textsearch.CUSTOMERS.fts_table):
            db.session.execute(text(f"INSERT INTO {table}({table}) VALUES ('optimize')"))  # noqa: S608 (fixed names)
        db.session.execute(text("ANALYZE"))
        db.session.commit()


def seed(*, orders: int, customers: int, credentials_file: str | None = None) -> SeedResult:
    """Add the demo users, customers and orders that are missing."""
    result = SeedResult()
    path = _credentials_path(credentials_file)
    _seed_users(path, result)
    customer_ids = _seed_customers(customers, result)
    db.session.commit()
    _seed_orders(orders, customer_ids, result)
    db.session.commit()
    result.credentials = path
    return result

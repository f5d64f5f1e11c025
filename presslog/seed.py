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
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import Table, func, insert, select, text

from presslog.core import clock
from presslog.core.db import money, utcnow
from presslog.core.security import hash_password
from presslog.customers.models import Customer
from presslog.extensions import db
from presslog.orders.models import ArtProof, Charge, Order, Shipment, StatusChange
from presslog.orders.rules import CHARGE_KINDS
from presslog.users.models import User

BATCH = 5000


def table(model: Any) -> Table:
    """The Core table of a mapped class, for bulk inserts."""
    return model.__table__
DEMO_USERS = (
    ("admin", "admin"), ("manager", "manager"), ("frontdesk", "staff"),
    ("artist", "artist"), ("shipping", "shipping"), ("viewer", "viewer"),
)
CREDENTIALS_FILE = "demo-credentials.txt"

_PLACES = ["Central", "Canal Winchester", "Pickerington", "Sunbury", "Westerville", "Dublin",
           "Hilliard", "Grove City", "Worthington", "Gahanna", "Reynoldsburg", "Delaware",
           "Marysville", "Lancaster", "Newark", "Bexley", "Upper Arlington", "Granville"]
_KINDS = ["High School", "Middle School", "Arts Council", "Youth Soccer", "Little League",
          "Rotary Club", "Fire Department", "Brewing Co.", "Auto Body", "Dental Group",
          "Church", "Marching Band", "Volleyball Club", "Running Club", "Library Friends"]
_STREETS = ["Main St", "Walnut Rd", "Third Ln", "High St", "Broad St", "Maple Ave", "Oak Dr",
            "Church St", "Market St", "Park Pl"]
_FIRST = ["Elizabeth", "Tony", "Maria", "James", "Aisha", "Dmitri", "Grace", "Luis", "Chen",
          "Fatima", "Olivia", "Noah", "Zoë", "René", "Priya", "Marcus"]
_LAST = ["Müller", "Carter", "Nguyen", "Smith", "Okafor", "Kowalski", "Garcia", "Brown",
         "Johnson", "O'Neil", "Patel", "Schmidt", "Rossi", "Walker"]
_MASCOTS = ["Bears", "Tigers", "Eagles", "Panthers", "Wildcats", "Lions", "Hawks", "Knights",
            "Rockets", "Titans"]
_ITEMS = ["Cross Country Wall Graphics", "Sleeve Transfers", "Team Shirts", "Hoodies",
          "Banner", "Window Decals", "Hats", "Warm-up Jackets", "Spirit Wear", "Tote Bags",
          "Yard Signs", "Vehicle Lettering", "Jersey Numbers", "Staff Polos", "Koozies",
          "Event T-shirts", "Fun Run Bibs", "Stickers", "Travel Team Transfers", "Aprons"]
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
        lines = [f"Demo data: added {self.users} users, {self.customers} customers, "
                 f"{self.orders} orders ({self.skipped_orders} already there)."]
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
    db.session.execute(insert(table(User)), [
        {"username": u, "email": f"{u}@demo.presslog.local", "full_name": u.title(),
         "role": r, "active": True, "password_hash": hashed, "failed_logins": 0,
         "version": 1, "created_at": now, "updated_at": now}
        for u, r in missing
    ])
    result.users = len(missing)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        users = ", ".join(u for u, _ in DEMO_USERS)
        path.write_text(f"Demo sign-in: username admin, password {password}\n"
                        f"(the same password works for {users})\n")
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
        "code": code, "legacy_id": code, "name": name,
        "billing_line1": f"{rng.randint(100, 19999)} {rng.choice(_STREETS)}",
        "billing_line2": None, "billing_city": "Columbus" if rng.random() < 0.4 else place,
        "billing_state": "OH", "billing_zip": f"43{rng.randint(0, 999):03d}",
        "contact": f"{first} {last}", "phone": f"614-{rng.randint(200, 999)}-"
                                                f"{rng.randint(0, 9999):04d}",
        "phone_alt": None, "fax": None,
        "email": f"{first[0].lower()}{last.lower().replace(chr(39), '')}{i}@example.com"
                 .encode("ascii", "ignore").decode(),
        "tax_id": f"EX-{rng.randint(0, 999999):06d}", "resale_no": None,
        "customer_since": date(1990, 1, 1) + timedelta(days=rng.randint(0, 12000)),
        "notes": None, "version": 1, "created_at": now, "updated_at": now,
    }


def _seed_customers(count: int, result: SeedResult) -> list[int]:
    rng = random.Random(20261126)
    rows = [customer_row(i, rng) for i in range(count)]
    existing = set(db.session.execute(select(Customer.code)).scalars())
    missing = [r for r in rows if r["code"] not in existing]
    for start in range(0, len(missing), BATCH):
        db.session.execute(insert(table(Customer)), missing[start:start + BATCH])
    result.customers = len(missing)
    codes = [r["code"] for r in rows]
    ids = dict(db.session.execute(select(Customer.code, Customer.id)
                                  .where(Customer.code.in_(codes))).tuples().all())
    return [ids[c] for c in codes]


def demo_log(i: int) -> str:
    """LOG number of demo order ``i``: 10000, 10001, … (5–7 digits)."""
    return str(10000 + i)


def _order_rows(i: int, order_id: int, customer_ids: list[int], today: date,
                span_days: int, count: int) -> tuple[dict[str, Any], list[dict[str, Any]],
                                         dict[str, Any] | None, list[dict[str, Any]],
                                         dict[str, Any]]:
    rng = random.Random(i * 7919 + 17)
    now = utcnow()
    received = today - timedelta(days=span_days - (i * span_days) // max(1, count))
    received -= timedelta(days=rng.randint(0, 2))
    due = received + timedelta(days=rng.randint(3, 21))
    age = (today - received).days
    if age > 30:
        status = "cancelled" if rng.random() < 0.03 else "shipped"
    else:
        status = rng.choice(["received", "art", "approved", "production", "ready",
                             "shipped"])
    shipped = None
    if status == "shipped":
        shipped = min(today, max(received, due + timedelta(days=rng.randint(-3, 2))))
    job_type = rng.choice(_JOB_TYPES)
    quantity = rng.choice([1, 12, 24, 36, 48, 72, 100, 144, 150, 250, 300, 500, 1000])
    customer_id = customer_ids[(i * 31 + rng.randint(0, 5)) % len(customer_ids)]
    place = rng.choice(_PLACES)
    title = f"{place} {rng.choice(_MASCOTS)} {rng.choice(_ITEMS)}"
    charges = []
    kinds = ["print", *rng.sample(list(CHARGE_KINDS)[1:], k=rng.randint(0, 2))]
    rush = rng.random() < 0.08
    if rush and "rush" not in kinds:
        kinds.append("rush")
    subtotal = Decimal("0.00")
    for kind in kinds:
        qty = Decimal(quantity if kind in ("print", "garment", "lettering") else 1)
        price = Decimal(rng.randint(25, 1200)) / Decimal(100) if kind == "print" \
            else Decimal(rng.randint(500, 7500)) / Decimal(100)
        total = money(qty * price)
        subtotal += total
        charges.append({"order_id": order_id, "kind": kind,
                        "position": list(CHARGE_KINDS).index(kind), "quantity": qty,
                        "unit_price": price, "total": total, "created_at": now,
                        "updated_at": now})
    sales_tax = money(subtotal * Decimal("0.0725")) if rng.random() < 0.7 else Decimal("0.00")
    freight = money(Decimal(rng.randint(0, 4000)) / 100) if rng.random() < 0.4 \
        else Decimal("0.00")
    order = {
        "id": order_id, "log": demo_log(i), "customer_id": customer_id,
        "customer_po": str(rng.randint(1000000, 99999999)) if rng.random() < 0.6 else None,
        "job_type": job_type, "title": title, "priority": rng.randint(1, 9), "rush": rush,
        "status": status, "received_on": received,
        "art_due_on": received + timedelta(days=rng.randint(1, 3))
        if job_type in ("TR", "DP", "AA", "DTF") else None,
        "due_on": due, "shipped_on": shipped, "color_count": rng.randint(1, 6),
        "quantity": quantity,
        "art_log": f"A{i % 100000:05d}"[:7] if rng.random() < 0.5 else None,
        "reference_art_log": None, "artist": rng.choice(_ARTISTS) if rng.random() < 0.6
        else None, "art_page": None, "lettering_style": None,
        "location": rng.choice(_LOCATIONS), "customer_note": None,
        "art_enclosed": rng.random() < 0.2, "return_art": rng.random() < 0.1,
        "reorder": rng.random() < 0.25, "subtotal": money(subtotal), "sales_tax": sales_tax,
        "freight": freight, "total": money(subtotal + sales_tax + freight), "legacy": None,
        "version": 1, "created_at": now, "updated_at": now, "deleted_at": None,
    }
    shipment = None
    if status == "shipped":
        shipment = {"order_id": order_id, "method": rng.choice(_METHODS),
                    "carrier": str(rng.randint(1, 5)),
                    "weight": Decimal(rng.randint(1, 400)) / 10, "created_at": now,
                    "updated_at": now}
    proofs = []
    if job_type in ("TR", "DP", "AA", "DTF") and rng.random() < 0.3:
        proofs.append({"order_id": order_id, "slot": 1, "code": f"{i % 99999:05d}",
                       "received_on": received, "sent_on": received + timedelta(days=1),
                       "amount": Decimal("25.00"), "created_at": now, "updated_at": now})
    change = {"order_id": order_id, "from_status": None, "to_status": "received",
              "changed_at": now, "changed_by_id": None, "note": "demo data"}
    return order, charges, shipment, proofs, change


def _seed_orders(count: int, customer_ids: list[int], result: SeedResult) -> None:
    today = clock.today()
    span_days = min(365 * 8, max(60, count // 40))
    next_id = (db.session.execute(select(func.max(Order.id))).scalar() or 0) + 1
    for start in range(0, count, BATCH):
        indexes = range(start, min(count, start + BATCH))
        logs = [demo_log(i) for i in indexes]
        existing = set(db.session.execute(select(Order.log).where(Order.log.in_(logs)))
                       .scalars())
        orders, charges, shipments, proofs, changes = [], [], [], [], []
        for i in indexes:
            if demo_log(i) in existing:
                result.skipped_orders += 1
                continue
            o, c, s, p, h = _order_rows(i, next_id, customer_ids, today, span_days,
                                         count)
            next_id += 1
            orders.append(o)
            charges.extend(c)
            proofs.extend(p)
            changes.append(h)
            if s:
                shipments.append(s)
        if orders:
            db.session.execute(insert(table(Order)), orders)
            db.session.execute(insert(table(Charge)), charges)
            if shipments:
                db.session.execute(insert(table(Shipment)), shipments)
            if proofs:
                db.session.execute(insert(table(ArtProof)), proofs)
            db.session.execute(insert(table(StatusChange)), changes)
            db.session.commit()
            result.orders += len(orders)
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text(
            "SELECT setval(pg_get_serial_sequence('orders', 'id'), "
            "COALESCE((SELECT max(id) FROM orders), 1))"))
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

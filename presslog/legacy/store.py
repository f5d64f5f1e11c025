"""Orders and customers as flat legacy records: read from and written to the database.

A *flat record* is a dict from the mapping's targets (``order.log``,
``charge.print.total``, ``legacy.ink_type`` …) to stored values, holding only the
values that are set. The importer builds one from a legacy row, this module builds
one from the database, and the two are compared to tell an unchanged row from an
updated one; the exporter formats the database's flat records as legacy rows.

Writes go through SQLAlchemy Core, in batches: the ORM would recompute line totals,
subtotal and total on flush, and the import must keep the legacy money as stated.
The order tallies and search indexes are kept by the database's own triggers.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, delete, insert, select, text, update
from sqlalchemy.sql import ColumnElement

from presslog.core.db import utcnow
from presslog.customers.models import Customer, ShipToAddress
from presslog.extensions import db
from presslog.legacy.mapping import CUSTOMER_COLUMNS, ORDER_COLUMNS
from presslog.orders import rules as order_rules
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

Flat = dict[str, Any]

ORDERS: Table = Order.__table__  # type: ignore[assignment]
CUSTOMERS: Table = Customer.__table__  # type: ignore[assignment]
SHIP_TO: Table = ShipToAddress.__table__  # type: ignore[assignment]
CHARGES: Table = Charge.__table__  # type: ignore[assignment]
SHIPMENTS: Table = Shipment.__table__  # type: ignore[assignment]
STATUS_CHANGES: Table = StatusChange.__table__  # type: ignore[assignment]
SLOT_TABLES: dict[str, Table] = {
    "art_proof": ArtProof.__table__,  # type: ignore[dict-item]
    "print_item": PrintItem.__table__,  # type: ignore[dict-item]
    "setup_item": SetupItem.__table__,  # type: ignore[dict-item]
    "pack_item": PackItem.__table__,  # type: ignore[dict-item]
}


def _fields(columns: Iterable[Any], prefix: str) -> tuple[str, ...]:
    found = [c.target.split(".", 2)[-1] for c in columns if c.target.startswith(prefix)]
    return tuple(dict.fromkeys(found))


ORDER_FIELDS = tuple(f for f in _fields(ORDER_COLUMNS, "order.") if f != "customer")
SHIPMENT_FIELDS = _fields(ORDER_COLUMNS, "shipment.")
SLOT_FIELDS = {name: _fields(ORDER_COLUMNS, f"{name}.") for name in SLOT_TABLES}
CHARGE_FIELDS = ("quantity", "unit_price", "total")
CUSTOMER_FIELDS = _fields(CUSTOMER_COLUMNS, "customer.")
SHIP_TO_FIELDS = _fields(CUSTOMER_COLUMNS, "ship_to.")
BOOLEAN_FIELDS = ("rush", "art_enclosed", "return_art", "reorder")
BATCH = 1000
IMPORT_NOTE = "imported from the legacy job log"


@dataclass
class Stored:
    """A record as PressLog holds it: its id, version, status (orders) and flat values."""

    id: int
    version: int
    flat: Flat
    status: str | None = None


# -- reading -----------------------------------------------------------------
def load_orders(where: ColumnElement[bool]) -> list[Stored]:
    """The orders matching ``where`` (with their related records) as flat records."""
    columns = [ORDERS.c[f] for f in ORDER_FIELDS]
    query = (
        select(ORDERS.c.id, ORDERS.c.version, ORDERS.c.status, ORDERS.c.legacy, CUSTOMERS.c.code)
        .add_columns(*columns)
        .join(CUSTOMERS, CUSTOMERS.c.id == ORDERS.c.customer_id)
        .where(where)
        .order_by(ORDERS.c.id)
    )
    found: dict[int, Stored] = {}
    for row in db.session.execute(query).mappings():
        flat: Flat = {"order.customer": row["code"]}
        for name in ORDER_FIELDS:
            if row[name] is not None:
                flat[f"order.{name}"] = row[name]
        for key, value in (row["legacy"] or {}).items():
            flat[f"legacy.{key}"] = tuple(value) if isinstance(value, list) else value
        found[row["id"]] = Stored(row["id"], row["version"], flat, row["status"])
    if not found:
        return []
    ids = list(found)
    for row in db.session.execute(select(CHARGES).where(CHARGES.c.order_id.in_(ids))).mappings():
        flat = found[row["order_id"]].flat
        for name in CHARGE_FIELDS:
            flat[f"charge.{row['kind']}.{name}"] = row[name]
    for prefix, table in SLOT_TABLES.items():
        for row in db.session.execute(select(table).where(table.c.order_id.in_(ids))).mappings():
            flat = found[row["order_id"]].flat
            for name in SLOT_FIELDS[prefix]:
                if row[name] is not None:
                    flat[f"{prefix}.{row['slot']}.{name}"] = row[name]
    query = select(SHIPMENTS).where(SHIPMENTS.c.order_id.in_(ids))
    for row in db.session.execute(query).mappings():
        flat = found[row["order_id"]].flat
        for name in SHIPMENT_FIELDS:
            if row[name] is not None:
                flat[f"shipment.{name}"] = row[name]
    return list(found.values())


def load_customers(where: ColumnElement[bool]) -> list[Stored]:
    """The customers matching ``where`` (with their first ship-to address) as flat records."""
    found: dict[int, Stored] = {}
    query = select(CUSTOMERS).where(where).order_by(CUSTOMERS.c.id)
    for row in db.session.execute(query).mappings():
        flat = {f"customer.{n}": row[n] for n in CUSTOMER_FIELDS if row[n] is not None}
        found[row["id"]] = Stored(row["id"], row["version"], flat)
    if not found:
        return []
    query = select(SHIP_TO).where(SHIP_TO.c.customer_id.in_(list(found)), SHIP_TO.c.position == 1)
    for row in db.session.execute(query).mappings():
        flat = found[row["customer_id"]].flat
        for name in SHIP_TO_FIELDS:
            if row[name] is not None:
                flat[f"ship_to.{name}"] = row[name]
    return list(found.values())


def iter_live(loader: Any, table: Table, batch: int = BATCH) -> Iterator[Stored]:
    """Every record of ``table`` not in the trash, through ``loader``, ``batch`` at a time."""
    last = 0
    while True:
        query = (
            select(table.c.id)
            .where(table.c.id > last, table.c.deleted_at.is_(None))
            .order_by(table.c.id)
            .limit(batch)
        )
        ids = list(db.session.execute(query).scalars())
        if not ids:
            return
        yield from loader(table.c.id.in_(ids))
        last = ids[-1]
        db.session.expire_all()


# PostgreSQL plans with the statistics it last gathered; a bulk import leaves them far
# behind until autovacuum catches up, and the next run's lookups (IN lists of a
# thousand ids) then scan whole tables: 0.3 s a query instead of 1 ms.
ANALYZE_AFTER_ROWS = 10_000


def refresh_statistics() -> None:
    """Update PostgreSQL's planner statistics of the tables the import writes."""
    if db.session.connection().dialect.name != "postgresql":
        return  # SQLite plans these lookups by its indexes without statistics
    tables = [CUSTOMERS, SHIP_TO, ORDERS, CHARGES, SHIPMENTS, STATUS_CHANGES, *SLOT_TABLES.values()]
    db.session.execute(text("ANALYZE " + ", ".join(t.name for t in tables)))
    db.session.commit()


def customer_ids() -> dict[str, int | None]:
    """Every customer code in PressLog (the trash included) and its id."""
    return dict(db.session.execute(select(CUSTOMERS.c.code, CUSTOMERS.c.id)).tuples().all())


# -- writing -----------------------------------------------------------------
def _order_row(flat: Flat, customer_id: int, status: str) -> dict[str, Any]:
    row = {name: flat.get(f"order.{name}") for name in ORDER_FIELDS}
    for name in BOOLEAN_FIELDS:
        row[name] = bool(row[name])
    legacy = {
        key.removeprefix("legacy."): list(v) if isinstance(v, tuple) else v
        for key, v in flat.items()
        if key.startswith("legacy.")
    }
    return {**row, "customer_id": customer_id, "status": status, "legacy": legacy or None}


def _children(order_id: int, flat: Flat, now: Any) -> dict[str, list[dict[str, Any]]]:
    """Rows of the related tables of one order, keyed by table name."""
    out: dict[str, list[dict[str, Any]]] = {"charges": [], "shipments": []}
    for position, kind in enumerate(order_rules.CHARGE_KINDS):
        values = {n: flat.get(f"charge.{kind}.{n}") for n in CHARGE_FIELDS}
        if any(v is not None for v in values.values()):
            out["charges"].append(
                {
                    "order_id": order_id,
                    "kind": kind,
                    "position": position,
                    **values,
                    "created_at": now,
                    "updated_at": now,
                }
            )
    used: dict[str, set[int]] = {prefix: set() for prefix in SLOT_TABLES}
    for key in flat:
        prefix, _, rest = key.partition(".")
        if prefix in used:
            used[prefix].add(int(rest.partition(".")[0]))
    for prefix, table in SLOT_TABLES.items():
        rows = out.setdefault(table.name, [])
        for slot in sorted(used[prefix]):
            values = {n: flat.get(f"{prefix}.{slot}.{n}") for n in SLOT_FIELDS[prefix]}
            rows.append(
                {"order_id": order_id, "slot": slot, **values, "created_at": now, "updated_at": now}
            )
    shipment = {n: flat.get(f"shipment.{n}") for n in SHIPMENT_FIELDS}
    if any(v is not None for v in shipment.values()) or flat.get("order.shipped_on"):
        out["shipments"].append(
            {"order_id": order_id, **shipment, "created_at": now, "updated_at": now}
        )
    return out


def imported_status(flat: Flat, current: str | None = None) -> str:
    """Shipped when the legacy row has a date out; otherwise the order stays open.

    A new open order is ``received``; an existing one keeps the status it has in
    PressLog (staff may have moved it on), unless it was ``shipped`` and the
    legacy row no longer has a date out, when it is ``received`` again.
    """
    if flat.get("order.shipped_on") is not None:
        return "shipped"
    if current is None or current == "shipped":
        return "received"
    return current


def _copy_rows(table: Table, rows: list[dict[str, Any]]) -> None:
    """Write ``rows`` into ``table`` with PostgreSQL's COPY, in the session's transaction.

    Values go through each column's bind processing, as an INSERT would, and the
    columns a row leaves out get their model defaults. Triggers, constraints and
    generated columns apply to COPY as to INSERT.
    """
    connection = db.session.connection()
    dialect = connection.dialect
    names = list(rows[0])
    defaults: dict[str, Any] = {}
    for column in table.columns:
        default: Any = column.default
        if column.name in names or default is None:
            continue
        if default.is_callable:
            defaults[column.name] = default.arg(None)
        elif default.is_scalar:
            defaults[column.name] = default.arg
    given = len(names)
    names += list(defaults)
    processors = [table.c[name].type._cached_bind_processor(dialect) for name in names]
    quote = dialect.identifier_preparer.quote
    statement = f"COPY {quote(table.name)} ({', '.join(quote(n) for n in names)}) FROM STDIN"
    driver = connection.connection.driver_connection
    assert driver is not None
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            values = [row[name] for name in names[:given]] + list(defaults.values())
            pairs = zip(processors, values, strict=True)
            copy.write_row([v if p is None or v is None else p(v) for p, v in pairs])


def _insert(table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` (all with the same keys): COPY on PostgreSQL, executemany elsewhere.

    A batch of a thousand orders as one INSERT has some forty thousand parameters;
    parsing that statement was half of PostgreSQL's import time.
    """
    if not rows:
        return
    if db.session.connection().dialect.name == "postgresql":
        _copy_rows(table, rows)
    else:
        db.session.execute(insert(table), rows)


def _insert_with_ids(table: Table, rows: list[dict[str, Any]], key: str) -> dict[Any, int]:
    """Insert ``rows`` and return their new ids by the value of their ``key`` column."""
    if db.session.connection().dialect.name != "postgresql":
        result = db.session.execute(insert(table).returning(table.c.id, table.c[key]), rows)
        return {value: new_id for new_id, value in result.tuples()}
    ids = db.session.execute(
        text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"),
        {"table": table.name, "n": len(rows)},
    ).scalars()
    for row, new_id in zip(rows, ids, strict=True):
        row["id"] = new_id
    _copy_rows(table, rows)
    return {row[key]: row["id"] for row in rows}


def _insert_children(rows: dict[str, list[dict[str, Any]]]) -> None:
    tables = {
        "charges": CHARGES,
        "shipments": SHIPMENTS,
        **{t.name: t for t in SLOT_TABLES.values()},
    }
    for name, batch in rows.items():
        _insert(tables[name], batch)


def insert_orders(items: list[tuple[Flat, int]]) -> None:
    """Insert new orders (flat record, customer id) with their related records."""
    if not items:
        return
    now = utcnow()
    rows = [
        {**_order_row(flat, customer_id, imported_status(flat)), "version": 1}
        | {"created_at": now, "updated_at": now}
        for flat, customer_id in items
    ]
    ids = _insert_with_ids(ORDERS, rows, "log")
    children: dict[str, list[dict[str, Any]]] = {}
    changes = []
    for (flat, _), row in zip(items, rows, strict=True):
        order_id = ids[flat["order.log"]]
        for name, batch in _children(order_id, flat, now).items():
            children.setdefault(name, []).extend(batch)
        changes.append(_status_change(order_id, None, row["status"], now))
    _insert_children(children)
    _insert(STATUS_CHANGES, changes)


def _status_change(order_id: int, old: str | None, new: str, now: Any) -> dict[str, Any]:
    return {
        "order_id": order_id,
        "from_status": old,
        "to_status": new,
        "changed_at": now,
        "changed_by_id": None,
        "note": IMPORT_NOTE,
    }


def update_order(stored: Stored, flat: Flat, customer_id: int) -> bool:
    """Replace a stored order's values with the flat record's; False if its version moved.

    The version check is the optimistic lock every other writer uses: an order
    saved by someone else since it was read is left alone.
    """
    now = utcnow()
    status = imported_status(flat, stored.status)
    row = _order_row(flat, customer_id, status)
    result = db.session.execute(
        update(ORDERS)
        .where(ORDERS.c.id == stored.id, ORDERS.c.version == stored.version)
        .values(**row, version=stored.version + 1, updated_at=now)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    for table in (CHARGES, SHIPMENTS, *SLOT_TABLES.values()):
        db.session.execute(delete(table).where(table.c.order_id == stored.id))
    _insert_children(_children(stored.id, flat, now))
    if status != stored.status:
        db.session.execute(
            insert(STATUS_CHANGES), [_status_change(stored.id, stored.status, status, now)]
        )
    return True


def _customer_row(flat: Flat) -> dict[str, Any]:
    return {name: flat.get(f"customer.{name}") for name in CUSTOMER_FIELDS}


def _ship_to_rows(customer_id: int, flat: Flat, now: Any) -> list[dict[str, Any]]:
    address = {name: flat.get(f"ship_to.{name}") for name in SHIP_TO_FIELDS}
    if not any(v is not None for v in address.values()):
        return []
    return [
        {
            "customer_id": customer_id,
            "position": 1,
            **address,
            "created_at": now,
            "updated_at": now,
        }
    ]


def insert_customers(flats: list[Flat]) -> dict[str, int]:
    """Insert new customers (and their first ship-to address); their ids by code."""
    if not flats:
        return {}
    now = utcnow()
    rows = [{**_customer_row(f), "version": 1, "created_at": now, "updated_at": now} for f in flats]
    ids = _insert_with_ids(CUSTOMERS, rows, "code")
    addresses = [a for f in flats for a in _ship_to_rows(ids[f["customer.code"]], f, now)]
    if addresses:
        db.session.execute(insert(SHIP_TO), addresses)
    return ids


def update_customer(stored: Stored, flat: Flat) -> bool:
    """Replace a stored customer's values with the flat record's; False if its version moved."""
    now = utcnow()
    result = db.session.execute(
        update(CUSTOMERS)
        .where(CUSTOMERS.c.id == stored.id, CUSTOMERS.c.version == stored.version)
        .values(**_customer_row(flat), version=stored.version + 1, updated_at=now)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    db.session.execute(
        delete(SHIP_TO).where(SHIP_TO.c.customer_id == stored.id, SHIP_TO.c.position == 1)
    )
    addresses = _ship_to_rows(stored.id, flat, now)
    if addresses:
        db.session.execute(insert(SHIP_TO), addresses)
    return True

"""``presslog export-legacy``: PressLog's orders and customers in the legacy layout.

The files have exactly the legacy header (names, order, spaces) and are written
through the same mapping table the import reads with, a batch of records at a
time. Values are written in one canonical form: dates ``YYYY-MM-DD``, money with
two decimals, other numbers without trailing zeros, flags as the column's own
legacy spelling (``Y``/``N``; ``true``/``false`` for RUSH), text as stored, UTF-8.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from presslog.audit.service import record
from presslog.extensions import db
from presslog.legacy import store
from presslog.legacy.mapping import CUSTOMER_COLUMNS, ORDER_COLUMNS, Column
from presslog.legacy.values import BadValue


@dataclass
class ExportResult:
    """What an export wrote."""

    orders: int
    customers: int
    directory: Path


def legacy_row(columns: Iterable[Column], flat: dict[str, Any]) -> list[str]:
    """One flat record as the legacy columns' text."""
    return [column.kind.format(flat.get(column.target)) for column in columns]


def _write(path: Path, columns: tuple[Column, ...], records: Iterable[store.Stored]) -> int:
    count = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow([c.name for c in columns])
        for record in records:
            writer.writerow(legacy_row(columns, record.flat))
            count += 1
    return count


def export_legacy(*, out: Path) -> ExportResult:
    """Write ``Customers.csv`` and ``Orders.csv`` into ``out`` (created if needed).

    Records in the trash are left out: the legacy layout has no place to say so.
    """
    out.mkdir(parents=True, exist_ok=True)
    customers = _write(
        out / "Customers.csv",
        CUSTOMER_COLUMNS,
        store.iter_live(store.load_customers, store.CUSTOMERS),
    )
    orders = _write(
        out / "Orders.csv", ORDER_COLUMNS, store.iter_live(store.load_orders, store.ORDERS)
    )
    record(
        "export",
        entity_type="report",
        entity_key="legacy",
        summary=f"presslog export-legacy: {customers} customers, {orders} orders",
        actor=None,
    )
    db.session.commit()
    return ExportResult(orders=orders, customers=customers, directory=out)


def same_value(column: Column, first: str, second: str) -> bool:
    """Whether two legacy texts of ``column`` mean the same stored value.

    This is what "export-legacy gives back the same values" means: both texts are
    read with the column's kind, as the import reads them, and the results
    compared. So ``1995-03-04`` equals ``03/04/1995``, ``7.40`` equals ``7.4``,
    ``$1,000`` equals ``1000``, a blank flag equals ``N`` (PressLog's flags are
    never unknown), ``T`` equals ``true``, and text equals itself once trimmed.
    A text neither side can read is compared as written.
    """
    try:
        return bool(column.kind.parse(first)[0] == column.kind.parse(second)[0])
    except BadValue:
        return first == second

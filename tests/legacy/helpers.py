"""Shared helpers of the legacy import/export tests: sample files, rejects, digests."""

from __future__ import annotations

import csv
import hashlib
import json
import os
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from presslog.extensions import db

# The shop's sample exports (clean/ and dirty/ with defects.json, and the README naming
# each defect's treatment), kept beside the tests; LEGACY_SAMPLES overrides.
SAMPLES = Path(os.environ.get("LEGACY_SAMPLES", Path(__file__).resolve().parent / "samples"))
CLEAN, DIRTY = SAMPLES / "clean", SAMPLES / "dirty"
TABLES = (
    "customers",
    "ship_to_addresses",
    "orders",
    "charges",
    "art_proofs",
    "print_items",
    "setup_items",
    "pack_items",
    "shipments",
    "status_changes",
    "order_tallies",
    "audit_events",
)


def defects() -> dict[str, Any]:
    """The dirty sample's list of bad rows."""
    return json.loads((DIRTY / "defects.json").read_text())


def read_csv(path: Path, encoding: str = "utf-8") -> list[dict[str, str]]:
    """A CSV file's rows as dicts (undecodable bytes kept as surrogates)."""
    with path.open(encoding=encoding, errors="surrogateescape", newline="") as handle:
        return list(csv.DictReader(handle))


def header(path: Path) -> list[str]:
    """A CSV file's header names."""
    with path.open(encoding="utf-8", newline="") as handle:
        return next(csv.reader(handle))


def rejects(path: Path) -> dict[int, dict[str, str]]:
    """A rejects file's rows by their REJECT_ROW number."""
    return {int(r["REJECT_ROW"]): r for r in read_csv(path)}


def digest() -> dict[str, tuple[int, str]]:
    """Row count and a hash of every row, per table: equal digests mean equal data."""
    out = {}
    for name in TABLES:
        table = sa.table(name, *[sa.column(c.name) for c in db.metadata.tables[name].columns])
        order = [sa.column(c.name) for c in db.metadata.tables[name].primary_key.columns]
        rows = db.session.execute(sa.select(table).order_by(*order)).all()
        text = "\n".join(repr(tuple(r)) for r in rows)
        out[name] = (len(rows), hashlib.sha256(text.encode()).hexdigest())
    return out


def count(table: str) -> int:
    """Rows in ``table``."""
    return int(db.session.execute(sa.text(f'SELECT count(*) FROM "{table}"')).scalar_one())  # noqa: S608

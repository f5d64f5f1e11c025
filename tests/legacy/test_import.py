"""presslog import-legacy / export-legacy on the legacy samples (both databases)."""

from __future__ import annotations

import csv
import re
import shutil
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from presslog.audit.models import AuditEvent
from presslog.customers.models import Customer
from presslog.extensions import db
from presslog.legacy import store
from presslog.legacy.exporter import export_legacy, same_value
from presslog.legacy.importer import import_legacy
from presslog.legacy.mapping import CUSTOMER_COLUMNS, ORDER_COLUMNS
from presslog.orders.models import Order, Shipment
from tests.helpers import audit_events
from tests.legacy.helpers import (
    CLEAN,
    DIRTY,
    count,
    defects,
    digest,
    header,
    read_csv,
    rejects,
)

# Treatments the README allows for each defect.
MUST_REJECT = {
    "date_invalid",
    "date_order",
    "log_blank",
    "log_duplicate",
    "cust_unknown",
    "cust_format",
    "negative_amount",
    "logtype_unknown",
    "custid_blank",
    "custid_duplicate",
    "custid_format",
}
FLAGGED = {"line_mismatch", "subtotal_mismatch", "total_mismatch"}
BY_LOG = {c.name: c for c in ORDER_COLUMNS}
BY_CUSTOMER = {c.name: c for c in CUSTOMER_COLUMNS}


@pytest.fixture
def cli(app):
    """Run a presslog command in-process against the test app."""
    runner = app.test_cli_runner()

    def run(*args: str):
        result = runner.invoke(args=list(args))
        db.session.expire_all()
        return result

    return run


def load(folder: Path, tmp_path: Path, **kw: Any):
    """Import a sample folder; rejects go to tmp_path/rejects."""
    summary = import_legacy(
        orders=kw.pop("orders", folder / "Orders.csv"),
        customers=kw.pop("customers", folder / "Customers.csv"),
        rejects_dir=tmp_path / "rejects",
        **kw,
    )
    db.session.expire_all()
    return summary


def _stored_logs() -> set[str]:
    return set(db.session.execute(sa.select(Order.log)).scalars())


# -- the mapping -----------------------------------------------------------------
def test_mapping_names_every_legacy_column_in_the_samples_order():
    assert [c.name for c in ORDER_COLUMNS] == header(CLEAN / "Orders.csv")
    assert [c.name for c in CUSTOMER_COLUMNS] == header(CLEAN / "Customers.csv")
    assert len(ORDER_COLUMNS) == 134
    targets = [c.target for c in (*ORDER_COLUMNS, *CUSTOMER_COLUMNS)]
    assert len(targets) == len(set(targets)), "two columns write to one place"


# -- clean sample -----------------------------------------------------------------
def test_clean_sample_imports_whole_and_exports_the_same_values(cli, tmp_path):
    result = cli(
        "import-legacy",
        "--orders",
        str(CLEAN / "Orders.csv"),
        "--customers",
        str(CLEAN / "Customers.csv"),
        "--rejects",
        str(tmp_path / "rejects"),
    )
    assert result.exit_code == 0, result.output
    assert "Customers: read 40, imported 40, updated 0, unchanged 0, rejected 0" in result.output
    assert "Orders: read 400, imported 400, updated 0, unchanged 0, rejected 0" in result.output
    assert count("orders") == 400
    assert count("customers") == 40
    assert rejects(tmp_path / "rejects" / "orders.rejects.csv") == {}
    # Status rule: a date out means shipped, with a shipment; otherwise open.
    shipped = db.session.execute(sa.select(Order).where(Order.shipped_on.is_not(None))).scalars()
    for order in shipped:
        assert order.status == "shipped"
        assert order.shipment is not None
    open_statuses = set(
        db.session.execute(sa.select(Order.status).where(Order.shipped_on.is_(None))).scalars()
    )
    assert open_statuses == {"received"}
    tallies = db.session.execute(sa.text("SELECT sum(orders) FROM order_tallies")).scalar_one()
    assert tallies == 400

    out = tmp_path / "export"
    result = cli("export-legacy", "--out", str(out))
    assert result.exit_code == 0, result.output
    for name, columns, key in (
        ("Orders.csv", BY_LOG, "LOG"),
        ("Customers.csv", BY_CUSTOMER, "CUSTID"),
    ):
        first_line = (CLEAN / name).read_bytes().split(b"\n", 1)[0]
        assert (out / name).read_bytes().split(b"\n", 1)[0] == first_line
        original = {r[key]: r for r in read_csv(CLEAN / name)}
        exported = {r[key]: r for r in read_csv(out / name)}
        assert original.keys() == exported.keys()
        differences = [
            (k, column, row[column], exported[k][column])
            for k, row in original.items()
            for column in row
            if not same_value(columns[column], row[column], exported[k][column])
        ]
        assert differences == []


# -- dirty sample ------------------------------------------------------------------
def _us_or_iso(raw: str) -> date | None:
    for layout in ("%Y-%m-%d", "%m/%d/%Y"):
        try:
            return datetime.strptime(raw.strip(), layout).date()
        except ValueError:
            continue
    return None


def _check_defect(table: str, defect: dict[str, Any], row: dict[str, str], rejected, exported):
    """Assert the treatment the README names for one bad row."""
    reason, column, number = defect["reason"], defect["column"], defect["row"]
    key = "LOG" if table == "Orders" else "CUSTID"
    raw = row[column]
    if number in rejected:
        assert reason not in FLAGGED | {"whitespace", "encoding"}, (number, reason)
        message = rejected[number]["REJECT_REASON"]
        names = (
            {column, key} if reason.endswith("duplicate") or reason == "log_format" else {column}
        )
        assert any(n in message for n in names), (number, reason, message)
        assert rejected[number][column] == raw  # the row is kept unchanged
        return
    assert reason not in MUST_REJECT, (number, reason, "was imported")
    stored = exported[row[key].strip().upper()]
    if reason in ("date_format", "date_invalid"):
        assert _us_or_iso(raw) is not None
        assert stored[column] == _us_or_iso(raw).isoformat()
    elif reason == "encoding":
        assert "\ufffd" not in stored[column]
        assert stored[column] == raw.encode("utf-8", "surrogateescape").decode("cp1252")
    elif reason == "non_numeric":
        assert re.fullmatch(r"\$?\d{1,3}(,\d{3})+(\.\d+)?|\$\d+(\.\d+)?", raw.strip()), raw
        assert Decimal(stored[column]) == Decimal(raw.strip().lstrip("$").replace(",", ""))
    elif reason == "whitespace":
        assert stored[column] == raw.strip().upper()
    elif reason == "log_format":
        assert re.fullmatch(r"[A-Z0-9]{5,7}", stored["LOG"])
    elif reason in FLAGGED:
        columns = BY_LOG
        assert same_value(columns[column], raw, stored[column])  # as stated
    else:  # imported unaltered: overlong, field_format, control_char, e-mail, zip, phone
        assert stored[column] == raw, (number, reason)


def test_dirty_sample_gives_every_defect_its_treatment(app, tmp_path):
    summary = load(DIRTY, tmp_path)
    info = defects()["tables"]
    out = tmp_path / "export"
    export_legacy(out=out)
    for table, key in (("Orders", "LOG"), ("Customers", "CUSTID")):
        rows = read_csv(DIRTY / f"{table}.csv")
        rejected = rejects(tmp_path / "rejects" / f"{table.lower()}.rejects.csv")
        exported = {r[key]: r for r in read_csv(out / f"{table}.csv")}
        bad = {d["row"]: d for d in info[table]["invalid"]}
        for number, defect in bad.items():
            _check_defect(table, defect, rows[number - 1], rejected, exported)
        # Every clean row is imported; every row is in PressLog or in the rejects file.
        for number, row in enumerate(rows, start=1):
            if number not in bad:
                assert number not in rejected, (table, number, rejected.get(number))
            if number not in rejected:
                assert row[key].strip().upper() in exported, (table, number)
        # Rejected rows are copied byte for byte (the samples have one line per row).
        lines = (DIRTY / f"{table}.csv").read_bytes().split(b"\n")
        copied = (tmp_path / "rejects" / f"{table.lower()}.rejects.csv").read_bytes()
        for number, line in zip(rejected, copied.split(b"\n")[1:], strict=False):
            assert line.startswith(str(number).encode() + b","), number
            assert line.endswith(b"," + lines[number]), number
        part = summary.orders if table == "Orders" else summary.customers
        assert part.read == len(rows)
        assert part.imported + sum(part.rejected.values()) == len(rows)
        assert sum(part.rejected.values()) == len(rejected)
    flagged = db.session.execute(sa.select(Order.log, Order.legacy)).all()
    kinds = sorted(
        flag.split(":")[0]
        for _log, legacy in flagged
        for flag in (legacy or {}).get("money_flags", [])
    )
    assert kinds.count("subtotal_mismatch") == 5
    assert kinds.count("total_mismatch") == 5
    assert summary.orders.flagged["line_mismatch"] >= 5
    assert summary.orders.repaired["encoding"] == 5
    assert summary.orders.repaired["whitespace"] == 5


def test_small_batches_give_the_same_result(app, tmp_path):
    summary = load(DIRTY, tmp_path, batch=37)
    assert (summary.orders.imported, summary.customers.imported) == (435, 44)
    rejected = rejects(tmp_path / "rejects" / "orders.rejects.csv")
    export_legacy(out=tmp_path / "export")
    exported = {r["LOG"]: r for r in read_csv(tmp_path / "export" / "Orders.csv")}
    assert len(exported) == 435
    for number, row in enumerate(read_csv(DIRTY / "Orders.csv"), start=1):
        if number in rejected:
            continue
        stored = exported[row["LOG"].strip().upper()]
        for name, raw in row.items():
            if not re.search(r"[\udc80-\udcff]", raw):  # cp1252 bytes: checked elsewhere
                assert same_value(BY_LOG[name], raw, stored[name]), (number, name)
    again = load(DIRTY, tmp_path, batch=37)
    assert again.orders.unchanged == 435


def test_money_is_kept_as_stated_and_flagged(app, tmp_path):
    load(DIRTY, tmp_path)
    bad = [d for d in defects()["tables"]["Orders"]["invalid"] if d["reason"] == "total_mismatch"]
    rows = read_csv(DIRTY / "Orders.csv")
    for defect in bad:
        row = rows[defect["row"] - 1]
        order = db.session.execute(sa.select(Order).where(Order.log == row["LOG"])).scalar_one()
        assert order.total == Decimal(row["TOTAL"])
        assert order.total != order.subtotal + order.sales_tax + order.freight
        assert any(f.startswith("total_mismatch") for f in order.legacy["money_flags"])


# -- idempotence ---------------------------------------------------------------------
def test_second_import_changes_nothing_and_an_edited_row_is_updated(app, tmp_path):
    load(DIRTY, tmp_path)
    before = digest()
    again = load(DIRTY, tmp_path)
    assert again.orders.imported == again.orders.updated == 0
    assert again.customers.imported == again.customers.updated == 0
    assert again.orders.unchanged == 435
    assert again.customers.unchanged == 44
    assert digest() == before
    (event,) = audit_events("legacy.import")  # the first run's; the second wrote nothing
    assert event.actor is None
    assert event.summary.startswith("presslog import-legacy — customers: ")
    assert "orders: 435 imported, 0 updated, 0 unchanged, 65 rejected" in event.summary

    edited = tmp_path / "Orders.csv"
    rows = read_csv(CLEAN / "Orders.csv")
    load(CLEAN, tmp_path)
    old_title, rows[5]["TITLE"] = rows[5]["TITLE"], "A new title"
    rows[6]["DATOUT"] = ""  # no longer shipped
    with edited.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    summary = load(CLEAN, tmp_path, orders=edited)
    assert (summary.orders.updated, summary.orders.unchanged) == (2, 398)
    order = db.session.execute(sa.select(Order).where(Order.log == rows[5]["LOG"])).scalar_one()
    assert order.title == "A new title"
    assert order.version == 2
    event = db.session.execute(
        sa.select(AuditEvent).where(
            AuditEvent.action == "order.update", AuditEvent.entity_key == rows[5]["LOG"]
        )
    ).scalar_one()
    assert event.changes == {"order.title": [old_title, "A new title"]}
    reopened = db.session.execute(sa.select(Order).where(Order.log == rows[6]["LOG"])).scalar_one()
    assert reopened.status == "received"
    assert reopened.shipped_on is None


# -- rejects, corrected by hand ---------------------------------------------------------
def _fix_order(row: dict[str, str], defect: dict[str, Any], customer: str) -> None:
    """What a person does to a rejected order row, by its defect."""
    reason, column = defect["reason"], defect["column"]
    if reason in ("log_blank", "log_duplicate", "log_format"):
        row["LOG"] = f"FX{defect['row']:03d}"
    elif reason in ("cust_unknown", "cust_format"):
        row["CUST"] = customer
    elif reason == "date_format":
        for layout in ("%Y/%m/%d", "%Y%m%d", "%d.%m.%Y", "%b %d %Y"):
            try:
                row[column] = datetime.strptime(row[column], layout).date().isoformat()
                break
            except ValueError:
                continue
    elif reason in ("date_invalid", "date_order"):
        if column == "DATIN":
            others = [row[c] for c in ("ARTOUT", "DUEOUT", "DATOUT") if row[c]]
            row["DATIN"] = min(others) if others else "2020-01-02"
        else:
            row[column] = row["DATIN"]
    elif reason == "overlong":
        row[column] = row[column][: {"TITLE": 256, "CUST_P_0": 20}.get(column, 255)]
    elif reason == "negative_amount":  # the sign is on the whole line, not one column
        for name, value in row.items():
            if re.fullmatch(r"-\d+(\.\d+)?", value or ""):
                row[name] = value[1:]
    elif reason == "logtype_unknown":
        row["LOGTYPE"] = "TR"
    elif reason == "non_numeric":
        row[column] = re.sub(r"[^0-9.]", "", row[column])
    elif reason == "control_char":
        row[column] = re.sub(r"[\x00-\x1f]", "", row[column])


def _fix_customer(row: dict[str, str], defect: dict[str, Any]) -> None:
    reason, column = defect["reason"], defect["column"]
    if reason.startswith("custid"):
        row["CUSTID"] = f"FX{defect['row']:03d}"
    elif reason == "email_format":
        row[column] = row[column].replace(" at ", "@")
    elif reason == "overlong":
        row[column] = row[column][:255]
    elif reason in ("date_invalid", "date_format"):
        row[column] = ""


def _write_fixed(path: Path, fixed: Path, bad: dict[int, Any], fix: Any) -> int:
    rows = read_csv(path)
    for row in rows:
        fix(row, bad[int(row["REJECT_ROW"])])
    with fixed.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header(path), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


def test_corrected_rejects_file_imports_cleanly(app, tmp_path):
    load(DIRTY, tmp_path)
    info = defects()["tables"]
    rejected = tmp_path / "rejects"
    customer = db.session.execute(sa.select(Customer.code).limit(1)).scalar_one()
    orders_bad = {d["row"]: d for d in info["Orders"]["invalid"]}
    customers_bad = {d["row"]: d for d in info["Customers"]["invalid"]}
    n_orders = _write_fixed(
        rejected / "orders.rejects.csv",
        tmp_path / "FixedOrders.csv",
        orders_bad,
        lambda row, d: _fix_order(row, d, customer),
    )
    n_customers = _write_fixed(
        rejected / "customers.rejects.csv",
        tmp_path / "FixedCustomers.csv",
        customers_bad,
        _fix_customer,
    )
    shutil.rmtree(rejected)
    summary = load(
        DIRTY,
        tmp_path,
        orders=tmp_path / "FixedOrders.csv",
        customers=tmp_path / "FixedCustomers.csv",
    )
    assert summary.rejected == 0, summary.text()
    assert summary.orders.imported == n_orders
    assert summary.customers.imported == n_customers
    assert count("orders") == 500
    assert count("customers") == 50
    assert rejects(rejected / "orders.rejects.csv") == {}


# -- dry run, exit codes, options -------------------------------------------------------
def test_dry_run_writes_nothing_to_the_database(cli, tmp_path):
    args = ["--orders", str(DIRTY / "Orders.csv"), "--customers", str(DIRTY / "Customers.csv")]
    result = cli("import-legacy", *args, "--rejects", str(tmp_path / "r"), "--dry-run")
    assert result.exit_code == 1
    assert "Orders: read 500, imported 435," in result.output
    assert "Dry run: nothing was written to the database." in result.output
    assert result.output.strip().splitlines()[-1].startswith("Error: 71 rows rejected")
    assert all(n == 0 for n, _ in digest().values())
    assert len(rejects(tmp_path / "r" / "orders.rejects.csv")) == 65  # the check's report

    load(CLEAN, tmp_path)
    before = digest()
    edited = tmp_path / "Orders.csv"
    rows = read_csv(CLEAN / "Orders.csv")
    rows[0]["TITLE"] = "Changed in the old system"
    with edited.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    summary = load(CLEAN, tmp_path, orders=edited, dry_run=True)
    assert (summary.orders.updated, summary.orders.unchanged) == (1, 399)
    assert digest() == before


def test_missing_customers_are_created_on_request(app, tmp_path):
    summary = load(DIRTY, tmp_path, create_missing_customers=True)
    assert summary.customers_created == 5
    assert summary.orders.imported == 440
    assert summary.orders.rejected["CUST: unknown_customer"] == 0
    created = db.session.execute(sa.select(Customer).where(Customer.code == "Q7LJM")).scalar_one()
    assert "legacy import" in created.name


def test_a_file_that_is_not_the_legacy_layout_fails_in_one_line(cli, tmp_path):
    bad = tmp_path / "Orders.csv"
    bad.write_text("LOG,CUST,SOMETHING\n10000,CEN15,x\n")
    result = cli("import-legacy", "--orders", str(bad), "--customers", str(CLEAN / "Customers.csv"))
    assert result.exit_code == 1
    assert result.output.strip() == "Error: Orders.csv: unknown column 'SOMETHING'"


def test_shipment_and_kept_values(app, tmp_path):
    load(CLEAN, tmp_path)
    row = read_csv(CLEAN / "Orders.csv")[1]  # 10001: shipped by UPS, 1.2 lb
    order = db.session.execute(sa.select(Order).where(Order.log == row["LOG"])).scalar_one()
    shipment = db.session.execute(
        sa.select(Shipment).where(Shipment.order_id == order.id)
    ).scalar_one()
    assert (shipment.method, shipment.carrier, shipment.weight) == ("UPS", "3", Decimal("1.2"))
    assert order.shipped_on == date.fromisoformat(row["DATOUT"])
    assert order.legacy["time_in"] == row["TIMEIN"]
    assert order.legacy["late"] == row["LATE"]
    assert order.subtotal == Decimal(row["SUBTOTAL"])
    assert "money_flags" not in order.legacy


def test_export_leaves_out_the_trash(app, tmp_path):
    load(CLEAN, tmp_path)
    log = read_csv(CLEAN / "Orders.csv")[0]["LOG"]
    db.session.execute(
        sa.update(Order).where(Order.log == log).values(deleted_at=sa.func.current_timestamp())
    )
    db.session.commit()
    result = export_legacy(out=tmp_path / "export")
    assert (result.orders, result.customers) == (399, 40)
    assert log not in {r["LOG"] for r in read_csv(tmp_path / "export" / "Orders.csv")}


def test_a_large_import_refreshes_postgresql_planner_statistics(app, tmp_path, monkeypatch):
    monkeypatch.setattr(store, "ANALYZE_AFTER_ROWS", 400)
    dialect = db.engine.dialect.name

    def analyzed() -> set[str]:
        if dialect != "postgresql":
            return set()
        query = sa.text("SELECT relname FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL")
        return set(db.session.execute(query).scalars())

    before = analyzed()
    load(DIRTY, tmp_path, dry_run=True)  # 435 rows "imported", none written
    assert analyzed() == before
    load(CLEAN, tmp_path)  # 440 rows written
    if dialect == "postgresql":
        assert {"orders", "customers", "charges", "art_proofs"} <= analyzed() - before
    assert count("orders") == 400

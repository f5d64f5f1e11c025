"""Backup and restore: a backup taken while orders are written restores that very moment,
on SQLite and PostgreSQL; damaged, edited or too-new backups are refused with a reason;
scheduled backups keep the newest BACKUP_KEEP and touch nothing else."""

from __future__ import annotations

import io
import json
import os
import shutil
import tarfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade

from presslog import backup, create_app, jobs
from presslog.core.health import MIGRATIONS, current_revisions, migration_heads
from presslog.extensions import db
from presslog.orders.models import Order
from tests.conftest import PG_URL, app_config, drop_pg_database, new_database
from tests.factories import ChargeFactory, CustomerFactory, OrderFactory, UserFactory

IN_CI = os.environ.get("CI") == "true"
STAMP = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


# -- helpers --------------------------------------------------------------------------


def needs_pg_tools(backend: str) -> None:
    """PostgreSQL backups need pg_dump / pg_restore / psql: skip without them, except in
    CI, where a missing tool must fail the run."""
    if backend == "postgresql" and not IN_CI:
        for tool in ("pg_dump", "pg_restore", "psql"):
            if shutil.which(tool) is None:
                pytest.skip(f"{tool} is not installed")


@contextmanager
def scratch_app(backend: str, tmp_path: Path, *, revision: str | None = "heads") -> Iterator[Flask]:
    """An app on a database of its own (dropped afterwards), migrated to ``revision``
    (None: left empty); the job queue goes back to the app that was current."""
    outer = jobs._app
    tmp_path.mkdir(parents=True, exist_ok=True)
    url = new_database(backend, tmp_path)
    other = create_app(app_config(url))
    try:
        with other.app_context():
            if revision:
                upgrade(revision=revision)
            yield other
            db.session.remove()
            db.engine.dispose()
    finally:
        if backend == "postgresql":
            drop_pg_database(url)
        if outer is not None:
            jobs.configure_jobs(outer)


def writer_log(n: int) -> str:
    return f"W{n:05d}"


def writer_orders(commits: int) -> list[tuple[str, str, str, int]]:
    """The writer's orders after ``commits`` transactions: (log, title, status, version)."""
    return [
        (writer_log(i), f"Writer job {i} v2", "art", 2)
        if i < commits
        else (writer_log(i), f"Writer job {i} v1", "received", 1)
        for i in range(1, commits + 1)
    ]


class OrderWriter(threading.Thread):
    """Keeps writing, one transaction at a time, until stopped: transaction n adds order
    Wn and changes order W(n-1) (title, status, version), so the database after n
    commits is known exactly and a mix of two moments would show."""

    def __init__(self, url: str, customer_id: int):
        super().__init__(daemon=True)
        options = {"connect_args": {"timeout": 15}} if url.startswith("sqlite") else {}
        self.engine = sa.create_engine(url, **options)
        self.customer_id = customer_id
        self.commits = 0
        self.error: BaseException | None = None
        self.halt = threading.Event()

    def run(self) -> None:
        orders = Order.__table__
        stamp = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
        try:
            while not self.halt.is_set():
                n = self.commits + 1
                with self.engine.begin() as conn:
                    conn.execute(
                        orders.insert().values(
                            log=writer_log(n),
                            customer_id=self.customer_id,
                            job_type=("TR", "DP", "DTF")[n % 3],
                            title=f"Writer job {n} v1",
                            rush=False,
                            status="received",
                            received_on=date(2026, 1, 5),
                            art_enclosed=False,
                            return_art=False,
                            reorder=False,
                            subtotal=Decimal("0.00"),
                            sales_tax=Decimal("0.00"),
                            freight=Decimal("0.00"),
                            total=Decimal("0.00"),
                            version=1,
                            created_at=stamp,
                            updated_at=stamp,
                        )
                    )
                    if n > 1:
                        conn.execute(
                            orders.update()
                            .where(orders.c.log == writer_log(n - 1))
                            .values(title=f"Writer job {n - 1} v2", status="art", version=2)
                        )
                self.commits = n
        except BaseException as exc:  # reported by the test
            self.error = exc

    def wait_for(self, commits: int, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while self.commits < commits:
            assert self.error is None, self.error
            assert time.monotonic() < deadline, f"writer stuck at {self.commits} commits"
            time.sleep(0.005)

    def stop(self) -> None:
        self.halt.set()
        self.join(timeout=20)
        self.engine.dispose()
        assert self.error is None, self.error


def restored_writer_orders() -> list[tuple[str, str, str, int]]:
    rows = db.session.execute(
        sa.select(Order.log, Order.title, Order.status, Order.version)
        .where(Order.log.like("W%"))
        .order_by(Order.log)
    )
    return [tuple(row) for row in rows]  # type: ignore[misc]


def tallies_match_orders() -> bool:
    """order_tallies (kept by triggers) agree with the orders themselves."""
    tallies = {
        (bool(d), s, j): n
        for d, s, j, n in db.session.execute(
            sa.text("SELECT deleted, status, job_type, orders FROM order_tallies WHERE orders > 0")
        )
    }
    counted = {
        (bool(d), s, j): n
        for d, s, j, n in db.session.execute(
            sa.text(
                "SELECT deleted_at IS NOT NULL, status, job_type, count(*) FROM orders "
                "GROUP BY deleted_at IS NOT NULL, status, job_type"
            )
        )
    }
    return tallies == counted


def some_data() -> None:
    """A few records in most tables."""
    UserFactory(role="manager")
    order = OrderFactory(title="Lions banner")
    ChargeFactory(order=order)
    db.session.commit()


def rewrite_manifest(path: Path, change: Callable[[dict[str, Any]], None], *, reseal: bool) -> Path:
    """A copy of the backup with its manifest changed (and its checksum made to match
    when ``reseal``), the dump untouched."""
    with tarfile.open(path) as tar:
        manifest = json.loads(tar.extractfile(backup.MANIFEST).read())  # type: ignore[union-attr]
        dump_name = manifest["dump"]["file"]
        dump = tar.extractfile(dump_name).read()  # type: ignore[union-attr]
    change(manifest)
    if reseal:
        manifest = backup.seal(manifest)
    out = path.with_name("edited-" + path.name)
    with tarfile.open(out, "w") as tar:
        for name, data in ((backup.MANIFEST, json.dumps(manifest).encode()), (dump_name, dump)):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out


def one_error_line(result: Any) -> str:
    assert result.exit_code != 0, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    return lines[0]


@pytest.fixture
def cli(app: Flask) -> Callable[..., Any]:
    """Run a presslog command in-process against the test app."""
    runner = app.test_cli_runner()

    def run(*args: str, stdin: str | None = None) -> Any:
        return runner.invoke(args=list(args), input=stdin)

    return run


@pytest.fixture
def a_backup(app: Flask, backend: str, tmp_path: Path) -> Path:
    """A backup of the test database holding a few records."""
    needs_pg_tools(backend)
    some_data()
    return backup.create_backup(tmp_path).path


# -- a backup under writes restores one consistent moment -----------------------------


def test_a_backup_taken_while_orders_are_written_restores_exactly_that_moment(
    app, backend, database_url, tmp_path, monkeypatch
):
    needs_pg_tools(backend)
    some_data()
    customer = CustomerFactory(code="WRITE")
    db.session.commit()
    writer = OrderWriter(database_url, customer.id)
    writer.start()
    writer.wait_for(5)

    # Hold the backup after its snapshot until the writer has committed a few more
    # times: the manifest must still describe the snapshot, not the live database.
    stats_name = "sqlite_table_stats" if backend == "sqlite" else "pg_table_stats"
    count_rows = getattr(backup, stats_name)
    seen_while_counting: list[int] = []

    def count_after_more_writes(conn: Any) -> dict[str, Any]:
        writer.wait_for(writer.commits + 3)
        seen_while_counting.append(writer.commits)
        return count_rows(conn)

    monkeypatch.setattr(backup, stats_name, count_after_more_writes)
    try:
        result = backup.create_backup(tmp_path / "backups", make_dirs=True)
    finally:
        monkeypatch.setattr(backup, stats_name, count_rows)
    writer.wait_for(writer.commits + 2)
    writer.stop()

    manifest = result.manifest
    snapshot_orders = manifest["tables"]["orders"]["rows"]
    snapshot_commits = snapshot_orders - 1  # some_data() added one order
    assert 5 <= snapshot_commits < seen_while_counting[0] <= writer.commits
    assert result.path.name == backup.backup_name(
        datetime.fromisoformat(manifest["created_at"].replace("Z", "+00:00"))
    )
    source_now = backup.database_stats(backend)
    untouched = set(source_now) - {"orders", "order_tallies", "order_search"}

    with scratch_app(backend, tmp_path, revision=None):
        with backup.verified_backup(result.path) as checked:
            report = backup.restore_backup(checked)
        assert report.stats == manifest["tables"]
        assert not report.migrated_to
        # Exactly the database after `snapshot_commits` of the writer's transactions,
        # with the trigger-kept tallies agreeing: one moment, not a mix.
        assert restored_writer_orders() == writer_orders(snapshot_commits)
        assert tallies_match_orders()
        restored = backup.database_stats(backend)
        assert {t: restored[t] for t in untouched} == {t: source_now[t] for t in untouched}
        assert current_revisions() == migration_heads()


def test_the_manifest_describes_the_backup(a_backup, backend):
    manifest = backup.read_manifest(a_backup)
    assert manifest["format_version"] == backup.FORMAT_VERSION
    assert manifest["database"]["kind"] == backend
    assert manifest["schema_revisions"] == sorted(migration_heads())
    model_tables = {t.name for t in db.metadata.sorted_tables}
    assert model_tables | {"alembic_version"} <= set(manifest["tables"])
    assert manifest["tables"]["orders"]["rows"] == 1
    assert manifest["tables"]["charges"]["rows"] == 1
    with tarfile.open(a_backup) as tar:
        assert tar.getnames() == [backup.MANIFEST, manifest["dump"]["file"]]
        assert tar.getmember(manifest["dump"]["file"]).size == manifest["dump"]["size"]
    assert backup.backup_time(a_backup) == datetime.fromisoformat(
        manifest["created_at"].replace("Z", "+00:00")
    )
    assert not [p for p in a_backup.parent.iterdir() if p.name.startswith(".")]


def test_an_older_backup_is_restored_through_the_cli_and_migrated_to_the_latest_schema(
    app, backend, tmp_path
):
    needs_pg_tools(backend)
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    (head,) = migration_heads()
    previous = ScriptDirectory.from_config(config).get_revision(head).down_revision
    assert isinstance(previous, str)
    insert_customer = sa.text(
        "INSERT INTO customers (code, name, version, created_at, updated_at) "
        "VALUES (:code, :name, 1, :at, :at)"
    )

    with scratch_app(backend, tmp_path / "old", revision=previous) as old:
        db.session.execute(insert_customer, {"code": "OLD01", "name": "Old Shop", "at": STAMP})
        db.session.commit()
        taken = old.test_cli_runner().invoke(args=["backup", str(tmp_path)])
        assert taken.exit_code == 0, taken.output
        assert taken.stdout.startswith("Backup written to ")
    (path,) = backup.list_backups(tmp_path)
    assert backup.read_manifest(path)["schema_revisions"] == [previous]

    with scratch_app(backend, tmp_path / "new") as new:
        db.session.execute(insert_customer, {"code": "NEW01", "name": "New Shop", "at": STAMP})
        db.session.commit()
        kept = new.test_cli_runner().invoke(args=["restore", str(path), "--yes", "--no-upgrade"])
        assert kept.exit_code == 0, kept.output
        assert "run 'presslog db upgrade' before starting PressLog" in kept.stdout
        assert current_revisions() == {previous}
        done = new.test_cli_runner().invoke(args=["restore", str(path), "--yes"])
        assert done.exit_code == 0, done.output
        assert f"Migrated the schema from revision {previous} to {head}" in done.stdout
        assert current_revisions() == {head}
        names = db.session.execute(sa.text("SELECT code FROM customers")).scalars().all()
        assert names == ["OLD01"]


def test_a_postgresql_restore_that_breaks_off_changes_nothing(app, tmp_path, monkeypatch):
    if not PG_URL:
        pytest.skip("needs PostgreSQL (TEST_DATABASE_URL); CI always has it")
    needs_pg_tools("postgresql")
    with scratch_app("postgresql", tmp_path / "source"):
        some_data()
        path = backup.create_backup(tmp_path).path
    # A pg_restore that stops with an error right after the first table's rows, at a
    # clean line: psql alone would commit what it got.
    real = shutil.which("pg_restore")
    broken = tmp_path / "pg_restore"
    broken.write_text(
        "#!/bin/sh\n"
        f'case "$*" in *--list*) exec "{real}" "$@";; esac\n'
        f'"{real}" "$@" | awk \'{{ print }} /^\\\\\\.$/ {{ exit }}\'\n'
        "echo 'pg_restore: error: could not read from input file' >&2\n"
        "exit 1\n"
    )
    broken.chmod(0o755)
    find_tool = backup.pg_tool
    monkeypatch.setattr(
        backup,
        "pg_tool",
        lambda name, **kw: str(broken) if name == "pg_restore" else find_tool(name, **kw),
    )

    with scratch_app("postgresql", tmp_path / "target"):
        CustomerFactory(code="KEEP1")
        db.session.commit()
        before = backup.database_stats("postgresql")
        with backup.verified_backup(path) as checked, pytest.raises(backup.BackupError) as err:
            backup.restore_backup(checked)
        assert str(err.value) == (
            "pg_restore failed, nothing was changed: "
            "pg_restore: error: could not read from input file"
        )
        assert backup.database_stats("postgresql") == before


# -- refusals -------------------------------------------------------------------------


def test_a_changed_byte_in_the_dump_is_refused_and_nothing_changes(a_backup, cli):
    with tarfile.open(a_backup) as tar:
        member = tar.getmember(backup.read_manifest(a_backup)["dump"]["file"])
    with a_backup.open("r+b") as fh:
        fh.seek(member.offset_data + member.size // 2)
        byte = fh.read(1)
        fh.seek(-1, io.SEEK_CUR)
        fh.write(bytes([byte[0] ^ 0x01]))
    OrderFactory(title="Written after the backup")
    db.session.commit()

    line = one_error_line(cli("restore", str(a_backup), "--yes"))
    assert "dump in this backup is damaged or was changed" in line
    assert "SHA-256 does not match" in line
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Order)) == 2


def test_an_edited_manifest_is_refused(a_backup, cli):
    def more_orders(manifest: dict[str, Any]) -> None:
        manifest["tables"]["orders"]["rows"] += 1

    edited = rewrite_manifest(a_backup, more_orders, reseal=False)
    line = one_error_line(cli("restore", str(edited), "--yes"))
    assert "manifest was changed or is damaged (its checksum does not match)" in line


def test_a_dump_that_does_not_match_its_manifest_is_refused(a_backup, backend, tmp_path):
    # Sealed again, so only the content check can tell: SQLite checks the extracted copy
    # before touching the database, PostgreSQL checks the database after pg_restore.
    def fewer_orders(manifest: dict[str, Any]) -> None:
        manifest["tables"]["orders"]["rows"] -= 1

    edited = rewrite_manifest(a_backup, fewer_orders, reseal=True)
    refused = pytest.raises(backup.BackupError, match="table orders has 1 rows, expected 0")
    with (
        scratch_app(backend, tmp_path, revision=None),
        refused,
        backup.verified_backup(edited) as checked,
    ):
        backup.restore_backup(checked)


def test_a_backup_from_a_newer_schema_is_refused(a_backup, cli):
    def newer(manifest: dict[str, Any]) -> None:
        manifest["schema_revisions"] = ["f00dfeedbeef"]

    edited = rewrite_manifest(a_backup, newer, reseal=True)
    line = one_error_line(cli("restore", str(edited), "--yes"))
    assert line == (
        "Error: this backup comes from a newer PressLog (revision f00dfeedbeef); "
        "upgrade PressLog first"
    )


def test_a_newer_backup_format_is_refused(a_backup, cli):
    def newer(manifest: dict[str, Any]) -> None:
        manifest["format_version"] = backup.FORMAT_VERSION + 1

    edited = rewrite_manifest(a_backup, newer, reseal=True)
    line = one_error_line(cli("restore", str(edited), "--yes"))
    assert "written by a newer PressLog" in line
    assert "upgrade PressLog first" in line


def test_a_backup_of_the_other_database_kind_is_refused(a_backup, backend, cli):
    other = "postgresql" if backend == "sqlite" else "sqlite"

    def swap(manifest: dict[str, Any]) -> None:
        manifest["database"]["kind"] = other

    edited = rewrite_manifest(a_backup, swap, reseal=True)
    line = one_error_line(cli("restore", str(edited), "--yes"))
    assert f"holds a {other} database but PressLog is configured for {backend}" in line
    assert "does not move data between SQLite and PostgreSQL" in line


def test_restore_asks_first_and_a_no_changes_nothing(a_backup, cli):
    OrderFactory(title="Written after the backup")
    db.session.commit()
    result = cli("restore", str(a_backup), stdin="n\n")
    assert "Replace ALL data in " in result.stdout
    assert one_error_line(result) == (
        "Error: restore cancelled, nothing was changed (--yes restores without asking)"
    )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Order)) == 2


# -- command line errors --------------------------------------------------------------


def test_restore_errors_are_one_line_with_the_reason(app, cli, tmp_path):
    missing = tmp_path / "presslog-20260101T000000Z.tar"
    assert one_error_line(cli("restore", str(missing), "--yes")) == (
        f"Error: no such backup file: {missing}"
    )
    text = tmp_path / "notes.tar"
    text.write_text("not a backup at all\n" * 40)
    assert one_error_line(cli("restore", str(text), "--yes")) == (
        f"Error: {text} is not a PressLog backup (not a tar file)"
    )
    empty = tmp_path / "other.tar"
    with tarfile.open(empty, "w") as tar:
        info = tarfile.TarInfo("readme.txt")
        tar.addfile(info, io.BytesIO(b""))
    assert one_error_line(cli("restore", str(empty), "--yes")) == (
        f"Error: {empty} is not a PressLog backup (no manifest.json inside)"
    )
    assert "is a folder" in one_error_line(cli("restore", str(tmp_path), "--yes"))


def test_backup_errors_are_one_line_with_the_reason(app, backend, cli, tmp_path):
    needs_pg_tools(backend)
    nowhere = tmp_path / "no-such-folder" / "b.tar"
    assert one_error_line(cli("backup", str(nowhere))) == (
        f"Error: folder {nowhere.parent} does not exist: create it or choose another"
    )
    assert one_error_line(cli("backup", str(tmp_path / "later"))) == (
        f"Error: folder {tmp_path / 'later'} does not exist: create it, or give a file name "
        "ending in .tar"
    )
    locked = tmp_path / "read-only"
    locked.mkdir(mode=0o500)
    if os.geteuid() != 0:  # root writes anywhere
        assert "Permission denied" in one_error_line(cli("backup", str(locked)))
    taken = cli("backup", str(tmp_path / "mine.tar"))
    assert taken.exit_code == 0, taken.output
    assert one_error_line(cli("backup", str(tmp_path / "mine.tar"))) == (
        f"Error: {tmp_path / 'mine.tar'} already exists: choose another name or folder"
    )


def test_backup_without_a_path_writes_into_backup_dir(app, backend, cli, tmp_path):
    needs_pg_tools(backend)
    app.config["BACKUP_DIR"] = str(tmp_path / "made" / "for" / "backups")
    taken = cli("backup")
    assert taken.exit_code == 0, taken.output
    (path,) = backup.list_backups(Path(app.config["BACKUP_DIR"]))
    assert str(path) in taken.stdout


def test_pg_tools_are_checked_and_the_password_stays_off_the_command_line():
    with pytest.raises(backup.BackupError, match="no_such_pg_tool not found: install"):
        backup.pg_tool("no_such_pg_tool", at_least=17)
    if shutil.which("pg_dump") or IN_CI:
        with pytest.raises(backup.BackupError, match=r"pg_dump is version \d+ but the server"):
            backup.pg_tool("pg_dump", at_least=99, reason="the server (99.0)")
    url = sa.make_url("postgresql+psycopg://shop:p%40ss%20word@db.internal:5433/presslog")
    env = backup.pg_environment(url.update_query_dict({"sslmode": "require"}))
    assert {k: env[k] for k in ("PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE")} == {
        "PGHOST": "db.internal",
        "PGPORT": "5433",
        "PGUSER": "shop",
        "PGPASSWORD": "p@ss word",
        "PGDATABASE": "presslog",
    }
    assert env["PGSSLMODE"] == "require"


# -- schedule and retention -----------------------------------------------------------


def touch_backups(folder: Path, *stamps: str) -> list[Path]:
    paths = [folder / f"presslog-{stamp}.tar" for stamp in stamps]
    for path in paths:
        path.write_bytes(b"x")
    return paths


def test_retention_keeps_the_newest_and_nothing_else_is_touched(tmp_path):
    old = touch_backups(
        tmp_path, "20260101T023000Z", "20260102T023000Z", "20260103T023000Z", "20251231T023000Z"
    )
    newest = touch_backups(tmp_path, "20260104T023000Z", "20260105T023000Z", "20260106T023000Z")
    others = [
        tmp_path / name
        for name in (
            "notes.txt",
            "presslog-before-upgrade.tar",
            "presslog-20200101T000000Z.tar.gz",
            ".presslog-20200101T000000Z.tar.partial",
            "presslog-20200101T000000Z.tar.bak",
        )
    ]
    for path in others:
        path.write_text("keep me")
    (tmp_path / "presslog-20190101T000000Z.tar").mkdir()  # a folder, not a backup

    deleted = backup.prune_backups(tmp_path, keep=3)

    assert sorted(deleted) == sorted(old)
    assert backup.list_backups(tmp_path) == newest
    assert all(p.exists() for p in others)
    assert (tmp_path / "presslog-20190101T000000Z.tar").is_dir()
    assert backup.prune_backups(tmp_path, keep=0) == []
    assert backup.list_backups(tmp_path) == newest


def test_last_backup_time_is_the_newest_backup_in_backup_dir(app, tmp_path):
    app.config["BACKUP_DIR"] = str(tmp_path / "none-yet")
    assert backup.last_backup_time(app) is None
    app.config["BACKUP_DIR"] = str(tmp_path)
    (tmp_path / "presslog-notes.tar").write_text("not a backup")
    touch_backups(tmp_path, "20260105T023000Z", "20260104T023000Z")
    assert backup.last_backup_time(app) == datetime(2026, 1, 5, 2, 30, tzinfo=UTC).timestamp()


def test_the_scheduled_backup_writes_into_backup_dir_and_keeps_backup_keep(app, backend, tmp_path):
    needs_pg_tools(backend)
    some_data()
    folder = tmp_path / "scheduled"
    folder.mkdir()
    older = touch_backups(folder, "20250101T023000Z", "20250102T023000Z", "20250103T023000Z")
    (folder / "README.txt").write_text("copied off-site nightly")
    app.config.update(BACKUP_DIR=str(folder), BACKUP_KEEP=2)

    before = time.time()
    result = backup.run_scheduled_backup(app)

    assert result is not None
    assert backup.list_backups(folder) == [older[-1], result.path]
    assert (folder / "README.txt").exists()
    newest = backup.last_backup_time(app)
    assert newest is not None
    assert before - 1 <= newest <= time.time()
    # A second worker's scheduler a moment later finds a fresh backup and skips.
    assert backup.run_scheduled_backup(app) is None
    assert len(backup.list_backups(folder)) == 2


def test_the_worker_schedules_the_backup_from_backup_schedule(app):
    def due(moment: datetime) -> bool:
        return any(
            type(task).__name__ == "scheduled_backup" for task in jobs.huey.read_periodic(moment)
        )

    assert app.config["BACKUP_SCHEDULE"] == "30 2 * * *"
    assert due(datetime(2026, 5, 4, 2, 30))
    assert not due(datetime(2026, 5, 4, 2, 31))
    app.config["BACKUP_SCHEDULE"] = "15 4 * * 0"  # Sundays, 04:15 UTC
    assert due(datetime(2026, 5, 3, 4, 15))
    assert not due(datetime(2026, 5, 4, 4, 15))
    app.config["BACKUP_SCHEDULE"] = "off"
    assert not due(datetime(2026, 5, 3, 4, 15))
    app.config["BACKUP_SCHEDULE"] = "every night"
    assert not due(datetime(2026, 5, 3, 4, 15))
    with pytest.raises(ValueError, match="5 fields"):
        backup.backup_schedule("every night")

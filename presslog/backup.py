"""Backups of the whole database, their verification and their restore (docs/backup.md).

A backup is one tar file, ``presslog-<UTC YYYYmmddTHHMMSSZ>.tar``, holding:

* ``manifest.json`` — what the backup is: format version, PressLog version, when it was
  taken, the database kind, the schema revision(s), the number of rows and a content
  digest of every table, the size and SHA-256 of the dump, and a checksum of the
  manifest itself (so an edited manifest is noticed);
* the dump — SQLite: a copy of the database file made with SQLite's online backup API
  (``database.sqlite3``); PostgreSQL: ``pg_dump --format=custom`` (``database.pgdump``).

Both kinds describe one consistent moment while the app keeps writing: SQLite copies
every page in one step of the backup API inside one read transaction (WAL lets writers
go on), and the manifest is counted from that copy; PostgreSQL counts inside a
REPEATABLE READ transaction whose snapshot pg_dump imports (``--snapshot``), so the
manifest describes exactly what the dump holds.

The checksums catch damage and accidental edits; they are not a signature. Anyone who
can write a backup can also write a matching manifest, so keep backups where only the
operators can write (docs/backup.md).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app
from huey import crontab

from presslog import __version__
from presslog.extensions import db
from presslog.jobs import huey, periodic_job

log = logging.getLogger(__name__)

FORMAT = "presslog-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DUMP_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
DUMP_FORMATS = {"sqlite": "sqlite3-database", "postgresql": "pg_dump-custom"}
NAME_FORMAT = "presslog-%Y%m%dT%H%M%SZ.tar"
NAME_PATTERN = re.compile(r"^presslog-(\d{8}T\d{6}Z)\.tar$")
# FTS5 keeps a virtual table's data in "shadow" tables named after it.
FTS_SHADOW_SUFFIXES = ("_data", "_idx", "_docsize", "_config", "_content")
# A scheduled backup is skipped when another one is younger than this (several workers
# may run the scheduler; the first takes the backup).
RECENT_SECONDS = 10 * 60
CHUNK = 1024 * 1024
# How long pg_dump waits for a table lock (e.g. held by a migration) before giving up.
DUMP_LOCK_WAIT_MS = 120_000
DEFAULT_SCHEDULE = "30 2 * * *"


class BackupError(RuntimeError):
    """A backup or restore cannot go on; the message is one line: why, and what to do."""


# -- names, retention and the newest backup ---------------------------------------------


def backup_name(moment: datetime) -> str:
    """The file name of a backup taken at ``moment``."""
    return moment.astimezone(UTC).strftime(NAME_FORMAT)


def backup_time(path: Path) -> datetime | None:
    """When a backup named ``presslog-<timestamp>.tar`` was taken (None: another name)."""
    match = NAME_PATTERN.match(path.name)
    if not match:
        return None
    return datetime.strptime(match.group(1), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)


def list_backups(directory: Path) -> list[Path]:
    """The backup files in ``directory``, oldest first (only ``presslog-<timestamp>.tar``)."""
    try:
        entries = list(directory.iterdir())
    except FileNotFoundError:
        return []
    found = [p for p in entries if NAME_PATTERN.match(p.name) and p.is_file()]
    return sorted(found, key=lambda p: p.name)  # the timestamp sorts as text


def prune_backups(directory: Path, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` backups in ``directory`` and return the deleted.

    Only files named ``presslog-<timestamp>.tar`` are counted and deleted; anything else
    in the folder is left alone. ``keep`` of 0 or less keeps everything.
    """
    if keep <= 0:
        return []
    backups = list_backups(directory)
    doomed = backups[:-keep] if len(backups) > keep else []
    for path in doomed:
        path.unlink(missing_ok=True)
        log.info("backup: deleted %s (keeping the newest %d)", path.name, keep)
    return doomed


def last_backup_time(app: Flask) -> float | None:
    """Epoch seconds of the newest backup in ``app``'s BACKUP_DIR (None: there is none)."""
    backups = list_backups(Path(app.config["BACKUP_DIR"]))
    if not backups:
        return None
    moment = backup_time(backups[-1])
    return moment.timestamp() if moment else None


# -- the manifest ---------------------------------------------------------------------


def _canonical(data: dict[str, Any]) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def manifest_checksum(manifest: dict[str, Any]) -> str:
    """The checksum of a manifest: SHA-256 of its canonical JSON without the checksum."""
    body = {k: v for k, v in manifest.items() if k != "checksum"}
    return "sha256:" + hashlib.sha256(_canonical(body)).hexdigest()


def seal(manifest: dict[str, Any]) -> dict[str, Any]:
    """Return ``manifest`` with its checksum set."""
    return {**manifest, "checksum": manifest_checksum(manifest)}


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


@functools.cache
def known_revisions() -> frozenset[str]:
    """Every migration revision this code knows."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from presslog.core.health import MIGRATIONS

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return frozenset(s.revision for s in ScriptDirectory.from_config(config).walk_revisions())


# -- table digests --------------------------------------------------------------------
#
# Each table gets its row count and a digest of its content that does not depend on the
# order of the rows: the sums of the first and second 64 bits of each row's SHA-256.
# SQLite hashes each row's Python repr; PostgreSQL each row's text form, in the server,
# with fixed output settings. A digest is only compared with one made by the same code
# on the same kind of database (a restore checks its result against the manifest).


@dataclass
class _Sums:
    rows: int = 0
    high: int = 0
    low: int = 0

    def add(self, digest: bytes) -> None:
        self.rows += 1
        self.high += int.from_bytes(digest[:8], "big", signed=True)
        self.low += int.from_bytes(digest[8:16], "big", signed=True)

    def summary(self) -> dict[str, Any]:
        text = f"{self.rows}:{self.high}:{self.low}".encode()
        return {"rows": self.rows, "sha256": hashlib.sha256(text).hexdigest()}


def _quote_sqlite(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def sqlite_tables(conn: sqlite3.Connection) -> list[tuple[str, bool]]:
    """The tables of an SQLite database as (name, is virtual), without SQLite's own
    tables and FTS5 shadow tables (their content is counted through the virtual table)."""
    rows = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ).fetchall()
    virtual = {name for name, sql in rows if (sql or "").upper().startswith("CREATE VIRTUAL")}
    shadows = {v + suffix for v in virtual for suffix in FTS_SHADOW_SUFFIXES}
    return sorted((name, name in virtual) for name, _sql in rows if name not in shadows)


def sqlite_table_stats(conn: sqlite3.Connection) -> dict[str, dict[str, Any]]:
    """Row count and content digest of every table of an SQLite database."""
    stats = {}
    for name, is_virtual in sqlite_tables(conn):
        # An FTS table's rowid is the record's id: part of its content.
        columns = "rowid, *" if is_virtual else "*"
        sums = _Sums()
        for row in conn.execute(f"SELECT {columns} FROM {_quote_sqlite(name)}"):  # noqa: S608
            sums.add(hashlib.sha256(repr(tuple(row)).encode()).digest())
        stats[name] = sums.summary()
    return stats


# Output settings that make a row's text form the same on every server and session.
PG_TEXT_SETTINGS = {
    "TimeZone": "UTC",
    "DateStyle": "ISO, YMD",
    "IntervalStyle": "postgres",
    "extra_float_digits": "1",
    "bytea_output": "hex",
}


def pg_table_stats(conn: sa.Connection) -> dict[str, dict[str, Any]]:
    """Row count and content digest of every table in the current schema, computed by the
    server in the connection's current transaction (its snapshot)."""
    for setting, value in PG_TEXT_SETTINGS.items():
        conn.execute(
            sa.text("SELECT set_config(:name, :value, true)"), {"name": setting, "value": value}
        )
    names = conn.execute(
        sa.text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
    ).scalars()
    quote = conn.dialect.identifier_preparer.quote
    stats = {}
    for name in sorted(names):
        part = "('x' || encode(substr(h, {start}, 8), 'hex'))::bit(64)::bigint::numeric"
        sql = (
            f"SELECT count(*), coalesce(sum({part.format(start=1)}), 0), "  # noqa: S608
            f"coalesce(sum({part.format(start=9)}), 0) "
            f"FROM (SELECT sha256(convert_to(t::text, 'UTF8')) AS h "
            f"FROM {quote(name)} AS t) AS rows"
        )
        rows, high_sum, low_sum = conn.execute(sa.text(sql)).one()
        stats[name] = _Sums(int(rows), int(high_sum), int(low_sum)).summary()
    return stats


def compare_stats(expected: dict[str, Any], actual: dict[str, Any]) -> list[str]:
    """What differs between two sets of table statistics, one line per table."""
    problems = []
    for name in sorted(set(expected) | set(actual)):
        want, got = expected.get(name), actual.get(name)
        if want is None:
            problems.append(f"table {name} is not in the backup")
        elif got is None:
            problems.append(f"table {name} is missing")
        elif want["rows"] != got["rows"]:
            problems.append(f"table {name} has {got['rows']} rows, expected {want['rows']}")
        elif want["sha256"] != got["sha256"]:
            problems.append(f"table {name} has different content")
    return problems


# -- the configured database ----------------------------------------------------------


def database_kind() -> str:
    """``sqlite`` or ``postgresql``: the kind of the app's database."""
    name = str(db.engine.dialect.name)
    if name not in DUMP_FILES:
        raise BackupError(f"backups support SQLite and PostgreSQL, not {name}")
    return name


def sqlite_path() -> Path:
    """The file of the app's SQLite database."""
    database = db.engine.url.database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        raise BackupError("the database is in memory (DATABASE_URL=sqlite://): nothing to back up")
    return Path(database)


def describe_database() -> str:
    """The app's database for messages, without its password."""
    return db.engine.url.render_as_string(hide_password=True)


# URL query parameters libpq also reads from the environment.
_PG_QUERY_ENV = {
    "host": "PGHOST",
    "port": "PGPORT",
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "sslcrl": "PGSSLCRL",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "application_name": "PGAPPNAME",
    "options": "PGOPTIONS",
    "target_session_attrs": "PGTARGETSESSIONATTRS",
    "passfile": "PGPASSFILE",
    "service": "PGSERVICE",
}


def pg_environment(url: sa.URL) -> dict[str, str]:
    """The environment for pg_dump, pg_restore and psql: the connection from ``url`` in
    ``PG*`` variables, so that no secret appears on a command line."""
    env = dict(os.environ)
    parts = {
        "PGHOST": url.host,
        "PGPORT": str(url.port) if url.port else None,
        "PGUSER": url.username,
        "PGPASSWORD": url.password,
        "PGDATABASE": url.database,
    }
    for key, value in url.query.items():
        if key in _PG_QUERY_ENV:
            parts[_PG_QUERY_ENV[key]] = value if isinstance(value, str) else ",".join(value)
    env.update({k: str(v) for k, v in parts.items() if v})
    return env


def _tool_major(program: str) -> int:
    """The major version of a PostgreSQL client program (``pg_dump (PostgreSQL) 15.8``)."""
    try:
        out = subprocess.run(  # noqa: S603
            [program, "--version"], capture_output=True, text=True, check=True, timeout=30
        ).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        raise BackupError(f"cannot run {program} --version: {exc}") from exc
    match = re.search(r"\(PostgreSQL\)\s+(\d+)", out)
    if not match:
        raise BackupError(f"cannot tell the version of {program} from {out.strip()!r}")
    return int(match.group(1))


def pg_tool(name: str, *, at_least: int | None = None, reason: str = "") -> str:
    """The path of a PostgreSQL client program, checked to be of major ``at_least`` or newer."""
    program = shutil.which(name)
    hint = f"postgresql-client-{at_least}" if at_least else "postgresql-client"
    if not program:
        raise BackupError(
            f"{name} not found: install the PostgreSQL client programs "
            f"(Debian/Ubuntu: apt-get install {hint})"
        )
    if at_least is not None:
        major = _tool_major(program)
        if major < at_least:
            raise BackupError(
                f"{name} is version {major} but {reason or 'the server'} is version {at_least}: "
                f"install the PostgreSQL {at_least} client programs ({hint}) or newer"
            )
    return program


def _server_major(conn: sa.Connection) -> int:
    return int(conn.execute(sa.text("SHOW server_version_num")).scalar_one()) // 10000


def _last_error_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for line in lines:
        if "ERROR:" in line or "FATAL:" in line or "error:" in line:
            return line
    return lines[-1] if lines else "no message"


# -- taking a backup ------------------------------------------------------------------


@dataclass
class BackupResult:
    """A backup just written."""

    path: Path
    manifest: dict[str, Any]

    def summary(self) -> str:
        """One line for the person who asked for it."""
        tables = self.manifest["tables"]
        rows = sum(t["rows"] for t in tables.values())
        size = self.path.stat().st_size
        revision = ", ".join(self.manifest["schema_revisions"]) or "none"
        return (
            f"Backup written to {self.path} ({_size(size)}; {len(tables)} tables, "
            f"{rows} rows; schema revision {revision})."
        )


def _size(n: int) -> str:
    value = float(n)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{n} bytes"  # pragma: no cover


def _destination(path: Path, moment: datetime, *, make_dirs: bool) -> Path:
    if make_dirs:
        path.mkdir(parents=True, exist_ok=True)
    if path.is_dir():
        path = path / backup_name(moment)
    elif path.suffix != ".tar":
        raise BackupError(
            f"folder {path} does not exist: create it, or give a file name ending in .tar"
        )
    elif not path.parent.is_dir():
        raise BackupError(f"folder {path.parent} does not exist: create it or choose another")
    if path.exists():
        raise BackupError(f"{path} already exists: choose another name or folder")
    return path


def create_backup(
    path: Path | str, *, make_dirs: bool = False, now: datetime | None = None
) -> BackupResult:
    """Back up the app's database into ``path`` (a file, or a folder to put a
    ``presslog-<timestamp>.tar`` into) and return where and what.

    :raises BackupError: with a one-line reason; nothing is left behind.
    """
    moment = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    kind = database_kind()
    target = _destination(Path(path), moment, make_dirs=make_dirs)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".presslog-backup-") as work:
        dump = Path(work) / DUMP_FILES[kind]
        try:
            if kind == "sqlite":
                revisions, stats, server = _dump_sqlite(dump)
                tool = f"sqlite3 backup API (SQLite {sqlite3.sqlite_version})"
            else:
                revisions, stats, server, tool = _dump_postgresql(dump)
        except (sqlite3.Error, sa.exc.SQLAlchemyError, OSError, subprocess.SubprocessError) as exc:
            raise BackupError(f"backup failed: {_one_line(exc)}") from exc
        manifest = seal(
            {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "presslog_version": __version__,
                "created_at": moment.isoformat().replace("+00:00", "Z"),
                "database": {"kind": kind, "server_version": server, "dump_tool": tool},
                "schema_revisions": sorted(revisions),
                "tables": stats,
                "dump": {
                    "file": dump.name,
                    "format": DUMP_FORMATS[kind],
                    "size": dump.stat().st_size,
                    "sha256": _file_sha256(dump),
                },
            }
        )
        _write_tar(target, manifest, dump, moment)
    return BackupResult(target, manifest)


def _one_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _dump_sqlite(dump: Path) -> tuple[list[str], dict[str, Any], str]:
    source = sqlite_path()
    if not source.exists():
        raise BackupError(f"the database file {source} does not exist: nothing to back up")
    live = sqlite3.connect(source, timeout=30)
    copy = sqlite3.connect(dump)
    try:
        # pages=-1: every page in one step, inside one read transaction of the live
        # database, so the copy is one consistent moment however much the app writes.
        live.backup(copy, pages=-1)
        # A self-contained file: no -wal/-shm companions when it is opened later.
        copy.execute("PRAGMA journal_mode=DELETE")
        revisions = _sqlite_revisions(copy)
        stats = sqlite_table_stats(copy)
    finally:
        copy.close()
        live.close()
    return revisions, stats, sqlite3.sqlite_version


def _sqlite_revisions(conn: sqlite3.Connection) -> list[str]:
    has_table = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
    ).fetchone()
    if not has_table:
        return []
    return [row[0] for row in conn.execute("SELECT version_num FROM alembic_version")]


def _dump_postgresql(dump: Path) -> tuple[list[str], dict[str, Any], str, str]:
    env = pg_environment(db.engine.url)
    with db.engine.connect() as conn:
        server_major = _server_major(conn)
        server = str(conn.execute(sa.text("SHOW server_version")).scalar_one()).split()[0]
        conn.rollback()
        program = pg_tool("pg_dump", at_least=server_major, reason=f"the server ({server})")
        tool = subprocess.run(  # noqa: S603
            [program, "--version"], capture_output=True, text=True, check=True
        ).stdout.strip()
        conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            conn.execute(sa.text("SET TRANSACTION READ ONLY"))
            # pg_dump reads the very snapshot this transaction sees, so the counts below
            # describe exactly the rows in the dump, however much the app writes.
            snapshot = conn.execute(sa.text("SELECT pg_export_snapshot()")).scalar_one()
            done = subprocess.run(  # noqa: S603
                [
                    program,
                    "--format=custom",
                    "--no-password",
                    f"--snapshot={snapshot}",
                    f"--lock-wait-timeout={DUMP_LOCK_WAIT_MS}",
                    f"--file={dump}",
                ],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode != 0:
                raise BackupError(f"pg_dump failed: {_last_error_line(done.stderr)}")
            revisions = _pg_revisions(conn)
            stats = pg_table_stats(conn)
    return revisions, stats, server, tool


def _pg_revisions(conn: sa.Connection) -> list[str]:
    exists = conn.execute(sa.text("SELECT to_regclass('alembic_version')")).scalar()
    if exists is None:
        return []
    return list(conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars())


def _write_tar(target: Path, manifest: dict[str, Any], dump: Path, moment: datetime) -> None:
    """Write the tar beside ``target`` under a temporary name, then rename it: a backup
    that is half written never carries a backup's name."""
    partial = target.with_name(f".{target.name}.partial")
    body = json.dumps(manifest, indent=2, sort_keys=True).encode() + b"\n"
    try:
        with partial.open("wb") as raw:
            with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
                info = tarfile.TarInfo(MANIFEST)
                info.size = len(body)
                info.mtime = int(moment.timestamp())
                info.mode = 0o640
                tar.addfile(info, _BytesReader(body))
                dump_info = tar.gettarinfo(str(dump), arcname=dump.name)
                dump_info.mtime = int(moment.timestamp())
                dump_info.mode = 0o640
                dump_info.uid = dump_info.gid = 0
                dump_info.uname = dump_info.gname = ""
                with dump.open("rb") as fh:
                    tar.addfile(dump_info, fh)
            raw.flush()
            os.fsync(raw.fileno())
        if target.exists():
            raise BackupError(f"{target} already exists: choose another name or folder")
        partial.chmod(0o640)
        os.replace(partial, target)
        _fsync_dir(target.parent)
    finally:
        partial.unlink(missing_ok=True)


class _BytesReader:
    """A minimal file object over bytes for ``TarFile.addfile``."""

    def __init__(self, data: bytes):
        self._data = data
        self._pos = 0

    def read(self, size: int = -1) -> bytes:
        end = len(self._data) if size < 0 else self._pos + size
        chunk = self._data[self._pos : end]
        self._pos += len(chunk)
        return chunk


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some filesystems cannot sync a folder; the rename is still atomic
    finally:
        os.close(fd)


# -- reading and checking a backup ----------------------------------------------------


@dataclass
class VerifiedBackup:
    """A backup whose manifest and dump passed every check, its dump extracted."""

    path: Path
    manifest: dict[str, Any]
    dump: Path
    work: Path

    def describe(self) -> str:
        """One line: what this backup is."""
        tables = self.manifest["tables"]
        rows = sum(t["rows"] for t in tables.values())
        revision = ", ".join(self.manifest["schema_revisions"]) or "none"
        return (
            f"Backup {self.path.name}: {self.manifest['database']['kind']} database taken "
            f"{self.manifest['created_at']} by PressLog {self.manifest['presslog_version']}, "
            f"schema revision {revision}, {len(tables)} tables, {rows} rows; checksums match."
        )


def read_manifest(path: Path) -> dict[str, Any]:
    """The manifest of the backup at ``path``, its own checksum checked."""
    with _open_tar(path) as tar:
        return _manifest_from(tar, path)


@contextmanager
def _open_tar(path: Path) -> Iterator[tarfile.TarFile]:
    if not path.exists():
        raise BackupError(f"no such backup file: {path}")
    if path.is_dir():
        raise BackupError(f"{path} is a folder: give the backup file (presslog-<time>.tar)")
    try:
        tar = tarfile.open(path, mode="r:")  # noqa: SIM115 (closed below, after the yield)
    except (tarfile.TarError, OSError) as exc:
        raise BackupError(f"{path} is not a PressLog backup (not a tar file)") from exc
    try:
        yield tar
    finally:
        tar.close()


def _manifest_from(tar: tarfile.TarFile, path: Path) -> dict[str, Any]:
    try:
        member = tar.getmember(MANIFEST)
    except KeyError:
        raise BackupError(f"{path} is not a PressLog backup (no {MANIFEST} inside)") from None
    fh = tar.extractfile(member) if member.isfile() else None
    if fh is None:
        raise BackupError(f"{path} is not a PressLog backup ({MANIFEST} is not a file)")
    try:
        manifest = json.loads(fh.read(1024 * 1024 * 16))
    except ValueError as exc:
        raise BackupError(
            f"the manifest of {path} is not valid JSON: the backup is damaged"
        ) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{path} is not a PressLog backup (unknown manifest format)")
    version = manifest.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise BackupError(
            f"this backup was written by a newer PressLog (backup format {version}); "
            "upgrade PressLog first"
        )
    if manifest.get("checksum") != manifest_checksum(manifest):
        raise BackupError(
            "the manifest was changed or is damaged (its checksum does not match): "
            "this backup cannot be trusted; use another one"
        )
    return manifest


def _check_fits_this_code(manifest: dict[str, Any], kind: str) -> None:
    theirs = manifest["database"]["kind"]
    if theirs != kind:
        raise BackupError(
            f"this backup holds a {theirs} database but PressLog is configured for {kind} "
            f"(DATABASE_URL): restore it into a {theirs} database; restore does not move "
            "data between SQLite and PostgreSQL"
        )
    unknown = sorted(set(manifest["schema_revisions"]) - known_revisions())
    if unknown:
        raise BackupError(
            f"this backup comes from a newer PressLog (revision {', '.join(unknown)}); "
            "upgrade PressLog first"
        )


@contextmanager
def verified_backup(path: Path | str) -> Iterator[VerifiedBackup]:
    """Check the backup at ``path`` and extract its dump into a temporary folder (removed
    on leaving): the manifest's own checksum, the dump's size and SHA-256, the database
    kind, the schema revision; for SQLite also the copy's integrity and its tables
    against the manifest.

    :raises BackupError: when anything does not match, saying why.
    """
    path = Path(path)
    kind = database_kind()
    with _open_tar(path) as tar:
        manifest = _manifest_from(tar, path)
        _check_fits_this_code(manifest, kind)
        # SQLite: extract beside the database (same disk, and the restore reads it there).
        parent = sqlite_path().parent if kind == "sqlite" else None
        if parent is not None:
            parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=parent, prefix=".presslog-restore-") as work:
            dump = Path(work) / DUMP_FILES[kind]
            _extract_dump(tar, manifest, dump, path)
            checked = VerifiedBackup(path, manifest, dump, Path(work))
            if kind == "sqlite":
                _check_sqlite_copy(checked)
            yield checked


def _extract_dump(tar: tarfile.TarFile, manifest: dict[str, Any], dump: Path, path: Path) -> None:
    expected = manifest["dump"]
    try:
        member = tar.getmember(expected["file"])
    except KeyError:
        raise BackupError(
            f"the backup has no {expected['file']} although its manifest lists it: it is damaged"
        ) from None
    source = tar.extractfile(member) if member.isfile() else None
    if source is None:
        raise BackupError(f"{expected['file']} in {path} is not a file: the backup is damaged")
    digest = hashlib.sha256()
    size = 0
    with dump.open("wb") as out:
        for chunk in iter(lambda: source.read(CHUNK), b""):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    if size != expected["size"] or digest.hexdigest() != expected["sha256"]:
        raise BackupError(
            "the database dump in this backup is damaged or was changed (its SHA-256 does "
            "not match the manifest): use another backup"
        )


def _check_sqlite_copy(checked: VerifiedBackup) -> None:
    conn = sqlite3.connect(checked.dump)
    try:
        verdict = conn.execute("PRAGMA quick_check").fetchone()[0]
        if verdict != "ok":
            raise BackupError(f"the database in this backup is damaged ({verdict}): use another")
        problems = compare_stats(checked.manifest["tables"], sqlite_table_stats(conn))
    except sqlite3.Error as exc:
        raise BackupError(f"the database in this backup cannot be read: {exc}") from exc
    finally:
        conn.close()
    if problems:
        raise BackupError(f"the database in this backup does not match its manifest: {problems[0]}")


# -- restoring ------------------------------------------------------------------------


@dataclass
class RestoreReport:
    """What a restore did."""

    manifest: dict[str, Any]
    stats: dict[str, Any]
    migrated_from: list[str] = field(default_factory=list)
    migrated_to: list[str] = field(default_factory=list)
    upgrade_pending: bool = False

    def lines(self) -> list[str]:
        """The report, for the person who ran the restore."""
        rows = sum(t["rows"] for t in self.stats.values())
        out = [
            f"Restored {len(self.stats)} tables, {rows} rows from the backup taken "
            f"{self.manifest['created_at']}; every table's row count and content match "
            "the manifest."
        ]
        if self.migrated_to:
            out.append(
                f"Migrated the schema from revision {', '.join(self.migrated_from) or 'none'} "
                f"to {', '.join(self.migrated_to)} (the latest)."
            )
        elif self.upgrade_pending:
            out.append(
                "The backup's schema is older than this PressLog's: run 'presslog db upgrade' "
                "before starting PressLog."
            )
        else:
            out.append("The schema is at the latest revision; no migration was needed.")
        return out


def restore_backup(checked: VerifiedBackup, *, upgrade: bool = True) -> RestoreReport:
    """Replace all data of the app's database with the verified backup, check every table
    against the manifest, then migrate the schema to the latest revision if it is older.

    :raises BackupError: with a one-line reason.
    """
    kind = database_kind()
    manifest = checked.manifest
    try:
        if kind == "sqlite":
            _restore_sqlite(checked)
        else:
            _restore_postgresql(checked)
        db.session.remove()
        db.engine.dispose()
        stats = database_stats(kind)
    except (sqlite3.Error, sa.exc.SQLAlchemyError, OSError, subprocess.SubprocessError) as exc:
        raise BackupError(f"restore failed: {_one_line(exc)}") from exc
    problems = compare_stats(manifest["tables"], stats)
    if problems:
        raise BackupError(
            f"the restored database does not match the backup's manifest ({problems[0]}): "
            "restore again, or another backup"
        )
    report = RestoreReport(manifest, stats)
    from presslog.core.health import current_revisions, migration_heads

    behind = set(manifest["schema_revisions"]) != migration_heads()
    report.upgrade_pending = behind and not upgrade
    if behind and upgrade:
        from flask_migrate import upgrade as migrate_up

        try:
            migrate_up()
        except Exception as exc:
            raise BackupError(
                f"the data was restored but migrating it failed ({_one_line(exc)}): "
                "fix the cause and run 'presslog db upgrade'"
            ) from exc
        report.migrated_from = list(manifest["schema_revisions"])
        report.migrated_to = sorted(current_revisions())
    return report


def database_stats(kind: str) -> dict[str, Any]:
    """Row count and content digest of every table of the app's database, now."""
    if kind == "sqlite":
        live = sqlite3.connect(sqlite_path(), timeout=30)
        try:
            live.execute("BEGIN")
            return sqlite_table_stats(live)
        finally:
            live.close()
    with db.engine.connect() as conn, conn.begin():
        return pg_table_stats(conn)


def _restore_sqlite(checked: VerifiedBackup) -> None:
    live = sqlite_path()
    db.session.remove()
    db.engine.dispose()
    source = sqlite3.connect(checked.dump)
    target = sqlite3.connect(live, timeout=30)
    try:
        # The backup API writes every page of the copy into the live database inside one
        # write transaction: other connections see the old data or the new, never a mix.
        source.backup(target, pages=-1)
        target.execute("PRAGMA journal_mode=WAL")
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise BackupError(
                "the database is busy: stop the app and the worker, then run the restore again"
            ) from exc
        raise
    finally:
        target.close()
        source.close()


# Drop every object of the current schema that the dump will create again (tables, views,
# sequences, functions, types), but not what belongs to an extension. It runs in the
# same transaction as the dump's own SQL: a failed restore leaves the database as it was.
# It waits at most 30 s for the app's sessions to let go of a table.
PG_CLEAR_SCHEMA = """
SET lock_timeout = '30s';
DO $restore$
DECLARE
    item record;
BEGIN
    FOR item IN
        SELECT format('%I.%I', n.nspname, c.relname) AS name,
               CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                              WHEN 'S' THEN 'SEQUENCE' WHEN 'f' THEN 'FOREIGN TABLE'
                              ELSE 'TABLE' END AS kind
        FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
        WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
          AND NOT EXISTS (SELECT 1 FROM pg_depend AS d WHERE d.classid = 'pg_class'::regclass
                          AND d.objid = c.oid AND d.deptype = 'e')
        ORDER BY c.relkind DESC
    LOOP
        EXECUTE format('DROP %s IF EXISTS %s CASCADE', item.kind, item.name);
    END LOOP;
    FOR item IN
        SELECT p.oid::regprocedure::text AS name,
               CASE p.prokind WHEN 'a' THEN 'AGGREGATE' ELSE 'ROUTINE' END AS kind
        FROM pg_proc AS p JOIN pg_namespace AS n ON n.oid = p.pronamespace
        WHERE n.nspname = current_schema()
          AND NOT EXISTS (SELECT 1 FROM pg_depend AS d WHERE d.classid = 'pg_proc'::regclass
                          AND d.objid = p.oid AND d.deptype = 'e')
    LOOP
        EXECUTE format('DROP %s IF EXISTS %s CASCADE', item.kind, item.name);
    END LOOP;
    FOR item IN
        SELECT format('%I.%I', n.nspname, t.typname) AS name,
               CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END AS kind
        FROM pg_type AS t JOIN pg_namespace AS n ON n.oid = t.typnamespace
        LEFT JOIN pg_class AS c ON c.oid = t.typrelid
        WHERE n.nspname = current_schema()
          AND (t.typtype IN ('e', 'd', 'r') OR (t.typtype = 'c' AND c.relkind = 'c'))
          AND NOT EXISTS (SELECT 1 FROM pg_depend AS d WHERE d.classid = 'pg_type'::regclass
                          AND d.objid = t.oid AND d.deptype = 'e')
    LOOP
        EXECUTE format('DROP %s IF EXISTS %s CASCADE', item.kind, item.name);
    END LOOP;
END
$restore$;
"""

# Entries of the dump's table of contents left out of a restore: comments on an extension
# or a schema may only be set by their owner, and the app's role seldom owns them.
_SKIPPED_TOC = re.compile(r"\bCOMMENT - (EXTENSION|SCHEMA)\b")


def _restore_postgresql(checked: VerifiedBackup) -> None:
    dumped_with = re.search(r"\(PostgreSQL\)\s+(\d+)", checked.manifest["database"]["dump_tool"])
    pg_restore = pg_tool(
        "pg_restore",
        at_least=int(dumped_with.group(1)) if dumped_with else None,
        reason="the backup's pg_dump",
    )
    psql = pg_tool("psql")
    env = pg_environment(db.engine.url)
    env["PGOPTIONS"] = (env.get("PGOPTIONS", "") + " -c client_min_messages=warning").strip()
    toc = checked.work / "restore.list"
    listed = subprocess.run(  # noqa: S603
        [pg_restore, "--list", str(checked.dump)], capture_output=True, text=True, check=False
    )
    if listed.returncode != 0:
        raise BackupError(f"pg_restore cannot read the dump: {_last_error_line(listed.stderr)}")
    toc.write_text(
        "".join(
            line
            for line in listed.stdout.splitlines(keepends=True)
            if not _SKIPPED_TOC.search(line)
        )
    )
    db.session.remove()
    db.engine.dispose()
    # pg_restore turns the dump into SQL; psql runs it after clearing the schema, all in
    # one transaction (--single-transaction, ON_ERROR_STOP): all or nothing. The SQL goes
    # through here so that a pg_restore that stops early ends in an error, not in psql
    # committing the part it was given.
    restore_errors = checked.work / "pg_restore.err"
    psql_errors = checked.work / "psql.err"
    with restore_errors.open("w") as r_err, psql_errors.open("w") as p_err:
        producer = subprocess.Popen(  # noqa: S603
            [
                pg_restore,
                "--no-owner",
                "--no-acl",
                f"--use-list={toc}",
                "--file=-",
                str(checked.dump),
            ],
            stdout=subprocess.PIPE,
            stderr=r_err,
            env=env,
        )
        consumer = subprocess.Popen(  # noqa: S603
            [
                psql,
                "--no-psqlrc",
                "--quiet",
                "--no-password",
                "--single-transaction",
                "--set=ON_ERROR_STOP=1",
                f"--command={PG_CLEAR_SCHEMA}",
                "--file=-",
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=p_err,
            env=env,
        )
        producer_code, consumer_code = _relay(producer, consumer)
    if producer_code != 0:
        reason = _last_error_line(restore_errors.read_text())
        raise BackupError(f"pg_restore failed, nothing was changed: {reason}")
    if consumer_code != 0:
        message = _last_error_line(psql_errors.read_text())
        if "lock timeout" in message:
            raise BackupError(
                "the database is busy (another session holds a table): stop the app and the "
                "worker, then run the restore again; nothing was changed"
            )
        raise BackupError(f"restore failed, nothing was changed: {message}")
    with db.engine.begin() as conn:
        conn.execute(sa.text("ANALYZE"))  # a restored database has no planner statistics


# Sent to psql when pg_restore failed: ends a COPY in progress, then fails for certain,
# so that psql rolls the transaction back instead of committing a partial restore.
_ABORT_RESTORE = (
    b"\n\\.\n"
    b"DO $abort$ BEGIN RAISE EXCEPTION 'pg_restore stopped before the end of the dump'; "
    b"END $abort$;\n"
)


def _relay(producer: subprocess.Popen[bytes], consumer: subprocess.Popen[bytes]) -> tuple[int, int]:
    """Pass pg_restore's output to psql; return both exit codes."""
    source, sink = producer.stdout, consumer.stdin
    if source is None or sink is None:
        raise BackupError("restore failed: no pipe between pg_restore and psql")
    try:
        for chunk in iter(lambda: source.read(CHUNK), b""):
            sink.write(chunk)
        if producer.wait() != 0:
            sink.write(_ABORT_RESTORE)
    except BrokenPipeError:  # psql stopped at an error (and rolled back)
        producer.kill()
    finally:
        source.close()
        with contextlib.suppress(BrokenPipeError):
            sink.close()
    consumer_code = consumer.wait()
    producer_code = producer.wait()
    return producer_code, consumer_code


# -- scheduled backups ----------------------------------------------------------------


@functools.cache
def backup_schedule(spec: str) -> Callable[[datetime], bool] | None:
    """The test of a cron schedule ``"minute hour day month weekday"`` (UTC); None for
    ``off``. Raises ValueError for a schedule that is not five valid fields."""
    spec = spec.strip()
    if spec.lower() in {"", "off", "none", "never"}:
        return None
    fields = spec.split()
    if len(fields) != 5:
        raise ValueError(f"BACKUP_SCHEDULE must have 5 fields (m h dom mon dow), not {spec!r}")
    return crontab(*fields)


_reported_schedules: set[str] = set()


def _backup_is_due(moment: datetime) -> bool:
    """Whether BACKUP_SCHEDULE says a backup is due at ``moment`` (asked every minute)."""
    from presslog import jobs

    app = jobs._app
    if app is None:
        return False
    spec = str(app.config.get("BACKUP_SCHEDULE", DEFAULT_SCHEDULE))
    try:
        due = backup_schedule(spec)
    except ValueError as exc:
        if spec not in _reported_schedules:
            _reported_schedules.add(spec)
            log.error("backup: no scheduled backups: %s", exc)
        return False
    return due is not None and bool(due(moment))


def run_scheduled_backup(app: Flask) -> BackupResult | None:
    """Take a backup into BACKUP_DIR and keep the newest BACKUP_KEEP; skip it when another
    backup is younger than ten minutes (another worker took it)."""
    directory = Path(app.config["BACKUP_DIR"])
    with huey.lock_task("presslog-scheduled-backup"):
        newest = last_backup_time(app)
        if newest is not None and time.time() - newest < RECENT_SECONDS:
            log.info("backup: skipped, %s already holds one from the last minutes", directory)
            return None
        result = create_backup(directory, make_dirs=True)
        log.info("backup: %s", result.summary())
        prune_backups(directory, int(app.config["BACKUP_KEEP"]))
    return result


@periodic_job(_backup_is_due, retries=2, retry_delay=600)
def scheduled_backup() -> None:
    """Back up the database on BACKUP_SCHEDULE (run by ``presslog worker``)."""
    run_scheduled_backup(current_app._get_current_object())  # type: ignore[attr-defined]

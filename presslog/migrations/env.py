"""Alembic environment: runs inside the Flask app, against its database and models."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext

from alembic import context
from flask import current_app
from sqlalchemy import text

from presslog.core.textsearch import is_search_object

try:
    import fcntl
except ImportError:  # not on Windows: no lock there (PressLog is deployed on Linux)
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger("alembic.env")

# Key of the PostgreSQL advisory lock that migrations run under: the bytes "PRESSLOG"
# read as one 64-bit number. Any fixed number works as long as nothing else in the
# database uses it; it must never change between releases (an old and a new container
# starting together must wait for the same lock).
MIGRATION_LOCK_KEY = int.from_bytes(b"PRESSLOG", "big")
config = context.config
database = current_app.extensions["migrate"].db
config.set_main_option(
    "sqlalchemy.url",
    database.engine.url.render_as_string(hide_password=False).replace("%", "%%"),
)
options = dict(current_app.extensions["migrate"].configure_args)


def include_object(obj, name, type_, reflected, compare_to):  # type: ignore[no-untyped-def]
    """Objects managed outside the models (search indexes, triggers) are not compared."""
    if is_search_object(name):
        return False
    return not (obj.info.get("skip_autogenerate") if hasattr(obj, "info") else False)


def process_revision_directives(context_, revision, directives):  # type: ignore[no-untyped-def]
    """Do not write an empty migration when nothing changed."""
    if getattr(config.cmd_opts, "autogenerate", False):
        script = directives[0]
        if script.upgrade_ops.is_empty():
            directives[:] = []
            log.info("No changes in schema detected.")


def run_offline() -> None:
    """Emit SQL without a connection."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=database.metadata,
        literal_binds=True,
        **options,
    )
    with context.begin_transaction():
        context.run_migrations()


def _release_lock(connection) -> None:  # type: ignore[no-untyped-def]
    """Give the migration lock back; a broken connection has already lost it."""
    try:
        if connection.in_transaction():
            connection.rollback()  # a failed migration may leave its transaction open
        connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY})
        connection.commit()
    except Exception:  # never hide the migration's own error behind this one
        log.warning("Could not release the migration lock; it ends with the connection.")
        connection.invalidate()  # do not hand a session holding the lock back to the pool


@contextmanager
def _postgresql_lock(connection) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """Hold PostgreSQL's advisory lock for migrations on this connection's session."""
    key = {"key": MIGRATION_LOCK_KEY}
    if not connection.execute(text("SELECT pg_try_advisory_lock(:key)"), key).scalar():
        log.info("Another process is migrating this database; waiting for it to finish.")
        connection.execute(text("SELECT pg_advisory_lock(:key)"), key)
    # Commit the statement's transaction (the lock stays: it is the session's), so that
    # Alembic begins and commits a transaction of its own.
    connection.commit()
    try:
        yield
    finally:
        _release_lock(connection)


@contextmanager
def _sqlite_lock(connection) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """Hold an exclusive lock on a file beside the SQLite database while migrating."""
    path = connection.engine.url.database
    if not path or path == ":memory:" or fcntl is None:
        yield
        return
    with open(f"{path}.migration-lock", "a") as handle:
        if not _try_flock(handle):
            log.info("Another process is migrating this database; waiting for it to finish.")
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _try_flock(handle) -> bool:  # type: ignore[no-untyped-def]
    """Take the file lock if free, without waiting."""
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def migration_lock(connection):  # type: ignore[no-untyped-def]
    """One migrating process at a time per database.

    Several containers may start together, each running ``presslog db upgrade``
    (deploy/entrypoint.sh): the first takes the lock and migrates, the others wait, then
    find the database at head and do nothing. PostgreSQL: a session-level advisory lock,
    freed by the server if the process dies. SQLite: a file lock beside the database
    (the app and worker containers share that file's volume on one host), freed by the
    kernel if the process dies.
    """
    dialect = connection.dialect.name
    if dialect == "postgresql":
        return _postgresql_lock(connection)
    if dialect == "sqlite":
        return _sqlite_lock(connection)
    return nullcontext()


def run_online() -> None:
    """Run against the app's engine, one process at a time."""
    options.setdefault("process_revision_directives", process_revision_directives)
    with database.engine.connect() as connection, migration_lock(connection):
        context.configure(
            connection=connection,
            target_metadata=database.metadata,
            include_object=include_object,
            **options,
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()

"""Health endpoints: /healthz (process alive) and /readyz (database and migrations)."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import text

from presslog import __version__
from presslog.core.security import PUBLIC, require
from presslog.extensions import csrf, db

bp = Blueprint("health", __name__)
csrf.exempt(bp)

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def migration_heads() -> set[str]:
    """Revision ids at the head of the migration scripts."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return set(ScriptDirectory.from_config(config).get_heads())


def current_revisions() -> set[str]:
    """Revision ids the database says it is at."""
    from alembic.runtime.migration import MigrationContext

    with db.engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())


@bp.get("/healthz")
@require(PUBLIC)
def healthz() -> ResponseReturnValue:
    """The process is alive; does not touch the database."""
    return jsonify(status="ok", version=__version__)


@bp.get("/readyz")
@require(PUBLIC)
def readyz() -> ResponseReturnValue:
    """Ready to serve: the database answers and its schema is at the latest migration."""
    try:
        db.session.execute(text("SELECT 1"))
        current = current_revisions()
    except Exception as exc:
        current_app.logger.warning("readiness: database unreachable: %s", type(exc).__name__)
        return jsonify(status="unavailable", database="unreachable"), 503
    heads = migration_heads()
    if current != heads:
        return jsonify(
            status="unavailable",
            database="ok",
            migrations="pending",
            current=sorted(current),
            head=sorted(heads),
        ), 503
    return jsonify(status="ok", database="ok", migrations="current", version=__version__)

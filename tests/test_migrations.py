"""Migrations: a brand-new database of each backend gets exactly the models' schema."""

from __future__ import annotations

import warnings

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from presslog import create_app
from presslog.core.health import current_revisions, migration_heads
from presslog.core.textsearch import is_search_object
from presslog.extensions import db
from tests.conftest import BACKENDS, drop_pg_database, new_database
from tests.conftest import app_config as app_settings

EXPRESSION_INDEXES = {"ix_customers_name_lower", "ix_orders_title_lower", "ix_users_email_lower"}


@pytest.fixture(params=BACKENDS)
def empty_app(request, tmp_path, monkeypatch):
    """An app on a brand-new, empty database (dropped afterwards)."""
    monkeypatch.setenv("PRESSLOG_INSTANCE_PATH", str(tmp_path / "instance"))
    url = new_database(request.param, tmp_path)
    app = create_app(app_settings(url))
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()
    if request.param == "postgresql":
        drop_pg_database(url)


def schema_differences() -> list:
    """What autogenerate would change to make the database match the models."""
    with db.engine.connect() as conn, warnings.catch_warnings():
        # SQLite cannot reflect expression indexes; they are checked by name below.
        warnings.filterwarnings("ignore", message=".*expression-based index")
        context = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                "compare_server_default": True,
                "include_object": lambda _obj, name, *_rest: not is_search_object(name),
            },
        )
        return compare_metadata(context, db.metadata)


def table_names() -> set[str]:
    """Tables of the database, less the search structures (checked on their own)."""
    return {name for name in sa.inspect(db.engine).get_table_names() if not is_search_object(name)}


def index_names() -> set[str]:
    """Every index in the database, expression indexes included."""
    with db.engine.connect() as conn:
        if db.engine.dialect.name == "sqlite":
            rows = conn.execute(sa.text("SELECT name FROM sqlite_master WHERE type = 'index'"))
        else:
            rows = conn.execute(
                sa.text("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()")
            )
        return {name for (name,) in rows}


def test_upgrade_builds_the_models_schema_and_downgrade_undoes_it(empty_app):
    assert table_names() == set()
    upgrade()
    assert table_names() == {t.name for t in db.metadata.sorted_tables} | {"alembic_version"}
    assert current_revisions() == migration_heads()
    assert schema_differences() == []
    model_indexes = {ix.name for t in db.metadata.sorted_tables for ix in t.indexes}
    assert model_indexes >= EXPRESSION_INDEXES
    assert model_indexes <= index_names()

    downgrade(revision="base")
    assert table_names() == {"alembic_version"}
    assert current_revisions() == set()
    assert not index_names() & model_indexes

    upgrade()
    assert current_revisions() == migration_heads()
    assert schema_differences() == []


def test_migrations_have_a_single_head():
    assert len(migration_heads()) == 1


def search_objects() -> set[str]:
    """The trigram search structures present (FTS5 tables or GIN indexes)."""
    names = set(sa.inspect(db.engine).get_table_names()) | index_names()
    return {name for name in names if is_search_object(name)}


def test_search_indexes_come_and_go_with_their_migration(empty_app):
    upgrade()
    if db.engine.dialect.name == "sqlite":
        assert {"order_search", "customer_search"} <= search_objects()
    else:
        assert search_objects() == {
            "ix_orders_search_trgm",
            "ix_customers_search_trgm",
            "ix_orders_live_received_walk",
        }
    downgrade(revision="5e91f7c88500")
    assert search_objects() == set()
    upgrade()
    assert search_objects()

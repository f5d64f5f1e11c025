"""Migrations: a brand-new database of each backend gets exactly the models' schema."""

from __future__ import annotations

import warnings
from decimal import Decimal

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
from tests.factories import ChargeFactory, CustomerFactory, OrderFactory

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


# -- A deploy's round trip: down one step and up again, with the shop's data in place --

STORED_WORK = sa.text(
    "SELECT c.code, c.name, o.log, o.customer_po, o.title, o.status, o.subtotal, o.total,"
    " ch.kind, ch.quantity, ch.unit_price, ch.total"
    " FROM orders o JOIN customers c ON c.id = o.customer_id"
    " JOIN charges ch ON ch.order_id = o.id ORDER BY o.log, ch.kind"
)
# The revision under d4f6a2b8c1e7, whose PostgreSQL downgrade drops the orders'
# generated search column: going below it must not touch the orders themselves.
BEFORE_SEARCH_TEXT_COLUMN = "c3a8f1d2e4b5"


def stored_work() -> list[tuple]:
    """Customers, orders and charges as the database holds them."""
    with db.engine.connect() as conn:
        return [tuple(row) for row in conn.execute(STORED_WORK)]


def test_downgrade_one_step_and_upgrade_again_keeps_the_data(empty_app):
    upgrade()
    customer = CustomerFactory(code="RTRIP", name="Round Trip Tees")
    order = OrderFactory(
        customer=customer, log="RT1001", customer_po="PO-77", title="Eagles Booster Shirts"
    )
    ChargeFactory(order=order, kind="print", quantity=Decimal("24"), unit_price=Decimal("4.50"))
    ChargeFactory(order=order, kind="art", quantity=Decimal("1"), unit_price=Decimal("25.00"))
    OrderFactory(customer=customer, log="RT1002", title="Plain Hoodies")
    ChargeFactory(order=order, kind="rush", quantity=Decimal("1"), unit_price=Decimal("15.00"))
    db.session.commit()
    db.session.close()  # nothing may hold a lock on the tables the migrations alter
    before = stored_work()
    assert [(r[2], r[8], r[11]) for r in before] == [
        ("RT1001", "art", Decimal("25.00")),
        ("RT1001", "print", Decimal("108.00")),
        ("RT1001", "rush", Decimal("15.00")),
    ]
    assert before[0][6] == Decimal("148.00")

    for target in ("-1", BEFORE_SEARCH_TEXT_COLUMN):
        downgrade(revision=target)
        assert current_revisions() != migration_heads()
        assert stored_work() == before, f"data changed going down to {target}"
        upgrade()
        assert stored_work() == before, f"data changed coming back up from {target}"
        assert current_revisions() == migration_heads()

    with db.engine.connect() as conn:
        orders = conn.execute(sa.text("SELECT count(*) FROM orders")).scalar()
        tallied = conn.execute(sa.text("SELECT sum(orders) FROM order_tallies")).scalar()
        assert orders == tallied == 2  # the tally triggers survived the round trip
        if db.engine.dialect.name == "postgresql":
            # The generated column came back, computed for the rows already there.
            search_text = conn.execute(
                sa.text("SELECT search_text FROM orders WHERE log = 'RT1001'")
            ).scalar()
            assert search_text == "rt1001 po-77  eagles booster shirts"
    answer = empty_app.test_client().get("/readyz")
    assert answer.status_code == 200, answer.json
    assert answer.json["migrations"] == "current"

"""Health endpoints: /healthz never touches the database, /readyz checks it and migrations."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from presslog import __version__, create_app
from presslog.core.health import migration_heads
from presslog.extensions import db
from tests.conftest import app_config as app_settings


class StatementCounter:
    """Counts SQL statements sent through an engine while installed."""

    def __init__(self, engine: sa.Engine):
        self.engine = engine
        self.statements: list[str] = []

    def _count(self, _conn, _cursor, statement, *_args) -> None:
        self.statements.append(statement)

    def __enter__(self) -> StatementCounter:
        sa.event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *_exc) -> None:
        sa.event.remove(self.engine, "before_cursor_execute", self._count)


@pytest.fixture
def own_app(monkeypatch, tmp_path):
    """An app of its own on ``url`` with its instance folder under tmp_path."""
    monkeypatch.setenv("PRESSLOG_INSTANCE_PATH", str(tmp_path / "instance"))

    def make(url: str):
        return create_app(app_settings(url))

    return make


def test_healthz_answers_without_using_the_database(app, client):
    with StatementCounter(db.engine) as counter:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "version": __version__}
    assert counter.statements == []


def test_healthz_answers_even_when_the_database_is_gone(own_app, tmp_path):
    broken = own_app(f"sqlite:///{tmp_path / 'missing-dir' / 'x.sqlite3'}")
    response = broken.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["status"] == "ok"


def test_readyz_is_ok_on_a_migrated_database(app, client):
    with StatementCounter(db.engine) as counter:
        response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {
        "status": "ok",
        "database": "ok",
        "migrations": "current",
        "version": __version__,
    }
    assert counter.statements, "readiness must really ask the database"


def test_readyz_is_503_when_the_database_is_behind_the_migrations(app, client):
    (head,) = migration_heads()
    db.session.execute(sa.text("UPDATE alembic_version SET version_num = 'behind000001'"))
    db.session.commit()
    try:
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.get_json() == {
            "status": "unavailable",
            "database": "ok",
            "migrations": "pending",
            "current": ["behind000001"],
            "head": [head],
        }
    finally:
        db.session.rollback()
        db.session.execute(
            sa.text("UPDATE alembic_version SET version_num = :head"), {"head": head}
        )
        db.session.commit()
    assert client.get("/readyz").status_code == 200


def test_readyz_is_503_on_a_fresh_unmigrated_database(own_app, tmp_path):
    fresh = own_app(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    response = fresh.test_client().get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["migrations"] == "pending"
    assert body["current"] == []
    assert body["head"] == sorted(migration_heads())


def test_readyz_is_503_when_the_database_is_unreachable(own_app, tmp_path, caplog):
    broken = own_app(f"sqlite:///{tmp_path / 'missing-dir' / 'x.sqlite3'}")
    response = broken.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "database": "unreachable"}
    assert any("database unreachable" in r.getMessage() for r in caplog.records)


def test_health_endpoints_need_no_sign_in_and_are_not_cached(app, client):
    for url in ("/healthz", "/readyz"):
        response = client.get(url)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-store"
        assert response.mimetype == "application/json"

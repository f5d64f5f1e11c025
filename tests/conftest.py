"""Test fixtures: every test gets its own app on a migrated database, on SQLite and,
when TEST_DATABASE_URL is set, again on PostgreSQL."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask, g
from flask.testing import FlaskClient

from presslog import create_app
from presslog.extensions import db
from tests.mail_helpers import smtp_server  # noqa: F401  (a fixture for every test)

PG_URL = os.environ.get("TEST_DATABASE_URL", "").strip()
if os.environ.get("CI") == "true" and not PG_URL:
    raise pytest.UsageError("CI=true needs TEST_DATABASE_URL: the suite must run on PostgreSQL too")

BACKENDS = ["sqlite", *(["postgresql"] if PG_URL else [])]
PASSWORD = "correct horse battery staple"


def _pg_admin_url() -> sa.URL:
    url = sa.make_url(PG_URL)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url


def create_pg_database(prefix: str) -> str:
    """Create a fresh PostgreSQL database on the test server and return its URL."""
    admin = _pg_admin_url()
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return admin.set(database=name).render_as_string(hide_password=False)


def drop_pg_database(url: str) -> None:
    """Drop a database made by :func:`create_pg_database`."""
    admin = _pg_admin_url()
    name = sa.make_url(url).database
    engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def app_config(database_url: str, **extra: Any) -> dict[str, Any]:
    """Settings for an app under test."""
    return {
        "PRESSLOG_ENV": "testing",
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "PASSWORD_HASH_TIME_COST": 1,
        "PASSWORD_HASH_MEMORY_COST": 8192,
        "PASSWORD_HASH_PARALLELISM": 1,
        "LOG_LEVEL": "WARNING",
        **extra,
    }


def new_database(backend: str, tmp_dir: Any) -> str:
    """An empty database of ``backend``."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_dir / f'presslog-{uuid.uuid4().hex[:8]}.sqlite3'}"
    return create_pg_database("presslog_test")


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[str]:
    """A migrated database shared by the tests of one backend (emptied after each test)."""
    from flask_migrate import upgrade

    url = new_database(request.param, tmp_path_factory.mktemp("db"))
    app = create_app(app_config(url))
    with app.app_context():
        upgrade()
        db.engine.dispose()
    yield url
    if request.param == "postgresql":
        drop_pg_database(url)


def _empty_tables() -> None:
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        quoted = ", ".join(f'"{t}"' for t in tables)
        # The audit log refuses TRUNCATE by trigger; a replica-role session skips triggers.
        db.session.execute(sa.text("SET LOCAL session_replication_role = replica"))
        db.session.execute(sa.text(f"TRUNCATE TABLE {quoted} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(sa.text(f'DELETE FROM "{table}"'))  # noqa: S608
    db.session.commit()


@pytest.fixture
def app(database_url: str, tmp_path: Any) -> Iterator[Flask]:
    """An app on the shared database, inside an app context; tables emptied afterwards."""
    os.environ["PRESSLOG_INSTANCE_PATH"] = str(tmp_path / "instance")
    application = create_app(app_config(database_url))

    @application.teardown_request
    def _forget_request_state(_exc: BaseException | None) -> None:
        # Tests hold one app context open, so ``g`` would outlive a request and carry
        # the signed-in user or the CSRF token over to the next client: clear it.
        vars(g).clear()

    with application.app_context():
        yield application
        db.session.rollback()
        db.session.remove()
        _empty_tables()
        db.engine.dispose()


@pytest.fixture
def backend(app: Flask) -> str:
    """Name of the database dialect under test."""
    return str(db.engine.dialect.name)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A browser-like client with no one signed in."""
    return app.test_client()


def csrf_from(html: str) -> str:
    """The CSRF token in a page's form."""
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, "no CSRF token in the page"
    return match.group(1)


def login(
    client: FlaskClient, username: str, password: str = PASSWORD, *, remember: bool = False
) -> Any:
    """Sign in through the real login form (ticking "keep me signed in" if asked)."""
    page = client.get("/login")
    data = {"login": username, "password": password, "csrf_token": csrf_from(page.text)}
    if remember:
        data["remember"] = "y"
    return client.post("/login", data=data)


@pytest.fixture
def make_user(app: Flask) -> Any:
    """Create a user with a role (password: PASSWORD)."""
    from tests.factories import UserFactory

    def make(role: str = "staff", **kwargs: Any) -> Any:
        user = UserFactory(role=role, **kwargs)
        db.session.commit()
        return user

    return make


@pytest.fixture
def as_role(app: Flask, make_user: Any) -> Any:
    """A client signed in with a new user of ``role``."""

    def signed_in(role: str) -> FlaskClient:
        user = make_user(role)
        c = app.test_client()
        response = login(c, user.username)
        assert response.status_code == 302, response.text
        c.csrf = csrf_from(c.get("/orders" if role else "/").text)  # type: ignore[attr-defined]
        c.user = user  # type: ignore[attr-defined]
        return c

    return signed_in


@pytest.fixture
def api(app: Flask, make_user: Any) -> Any:
    """An API client authenticated with a bearer token for a user of ``role``."""
    from presslog.users import service

    def client_for(role: str = "staff") -> Any:
        user = make_user(role)
        _token, plain = service.create_token(username=user.username, name="tests")
        db.session.commit()
        return ApiClient(app.test_client(), plain, user)

    return client_for


class ApiClient:
    """A test client that sends the bearer token and JSON."""

    def __init__(self, client: FlaskClient, token: str, user: Any):
        self.client = client
        self.token = token
        self.user = user

    def _call(
        self, method: str, url: str, *, json: Any = None, headers: dict[str, str] | None = None
    ) -> Any:
        all_headers = {"Authorization": f"Bearer {self.token}", **(headers or {})}
        return self.client.open(url, method=method, json=json, headers=all_headers)

    def get(self, url: str, **kw: Any) -> Any:
        return self._call("GET", url, **kw)

    def post(self, url: str, **kw: Any) -> Any:
        return self._call("POST", url, **kw)

    def patch(self, url: str, **kw: Any) -> Any:
        return self._call("PATCH", url, **kw)

    def delete(self, url: str, **kw: Any) -> Any:
        return self._call("DELETE", url, **kw)

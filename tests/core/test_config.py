"""Settings: refuse unsafe production setups, keep a development secret, normalise URLs."""

from __future__ import annotations

import stat

import pytest

from presslog import create_app
from presslog.config import ConfigError, load_config

GOOD_SECRET = "q7Xv2LpN9wRt4YkZ8mBc3HsJ6dFg1QaE5uVx0TyWnKe"


def test_production_refuses_to_start_without_secret_key(tmp_path):
    with pytest.raises(ConfigError, match="SECRET_KEY must be set") as caught:
        load_config(tmp_path, {"PRESSLOG_ENV": "production"})
    assert "production" in str(caught.value)
    assert not (tmp_path / "secret_key").exists()


@pytest.mark.parametrize(
    "secret",
    [
        "changeme",
        "secret",
        "   ",
        "short-but-random-Zx81",
        "x" * 31,
        "a" * 64,
        "changemechangemechangemechangeme",
    ],
)
def test_production_refuses_a_weak_or_short_secret_key(tmp_path, secret):
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_config(tmp_path, {"PRESSLOG_ENV": "production", "SECRET_KEY": secret})


def test_production_with_a_strong_secret_is_hardened(tmp_path):
    config = load_config(tmp_path, {"PRESSLOG_ENV": "production", "SECRET_KEY": GOOD_SECRET})
    assert config["SECRET_KEY"] == GOOD_SECRET
    assert config["PRESSLOG_ENV"] == "production"
    assert config["DEBUG"] is False
    assert config["TESTING"] is False
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["REMEMBER_COOKIE_SECURE"] is True
    assert config["SESSION_COOKIE_HTTPONLY"] is True
    assert config["FORCE_HTTPS"] is True
    assert config["LOG_FORMAT"] == "json"


def test_development_creates_a_private_secret_and_reuses_it(tmp_path):
    instance = tmp_path / "instance"
    first = load_config(instance, {"PRESSLOG_ENV": "development"})
    key_file = instance / "secret_key"
    assert key_file.read_text().strip() == first["SECRET_KEY"]
    assert len(first["SECRET_KEY"]) >= 32
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    second = load_config(instance, {})
    assert second["PRESSLOG_ENV"] == "development"
    assert second["SECRET_KEY"] == first["SECRET_KEY"]
    assert first["SESSION_COOKIE_SECURE"] is False
    assert first["LOG_FORMAT"] == "text"


def test_an_explicit_secret_wins_over_the_instance_file(tmp_path):
    config = load_config(tmp_path, {"PRESSLOG_ENV": "development", "SECRET_KEY": "mine"})
    assert config["SECRET_KEY"] == "mine"
    assert not (tmp_path / "secret_key").exists()


def test_testing_never_writes_a_secret_file(tmp_path):
    config = load_config(tmp_path, {"PRESSLOG_ENV": "testing"})
    assert config["TESTING"] is True
    assert len(config["SECRET_KEY"]) >= 32
    assert not (tmp_path / "secret_key").exists()


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://shop:pw@db:5432/presslog", "postgresql+psycopg://shop:pw@db:5432/presslog"),
        ("postgresql://shop@db/presslog", "postgresql+psycopg://shop@db/presslog"),
        ("postgresql+psycopg://shop@db/presslog", "postgresql+psycopg://shop@db/presslog"),
        ("sqlite:////var/lib/presslog/data.sqlite3", "sqlite:////var/lib/presslog/data.sqlite3"),
    ],
)
def test_database_url_uses_the_psycopg_driver(tmp_path, given, expected):
    config = load_config(tmp_path, {"PRESSLOG_ENV": "testing", "DATABASE_URL": given})
    assert config["SQLALCHEMY_DATABASE_URI"] == expected


def test_default_database_is_a_sqlite_file_in_the_instance_folder(tmp_path):
    config = load_config(tmp_path, {"PRESSLOG_ENV": "testing", "DATABASE_URL": "  "})
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'presslog.sqlite3'}"


@pytest.mark.parametrize("name", ["staging", "prod", "debug"])
def test_unknown_environment_name_is_refused(tmp_path, name):
    with pytest.raises(
        ConfigError, match=f"PRESSLOG_ENV must be development, testing or production, not '{name}'"
    ):
        load_config(tmp_path, {"PRESSLOG_ENV": name})


def test_settings_are_read_from_the_environment(tmp_path):
    config = load_config(
        tmp_path,
        {
            "PRESSLOG_ENV": "testing",
            "LOG_LEVEL": "debug",
            "LOG_FORMAT": "JSON",
            "PORT": "8080",
            "WEB_CONCURRENCY": "5",
            "FORCE_HTTPS": "yes",
            "TRUSTED_PROXIES": "1",
            "REDIS_URL": "redis://cache:6379/0",
        },
    )
    assert config["LOG_LEVEL"] == "DEBUG"
    assert config["LOG_FORMAT"] == "json"
    assert config["PORT"] == 8080
    assert config["WEB_CONCURRENCY"] == 5
    assert config["FORCE_HTTPS"] is True
    assert config["TRUSTED_PROXIES"] == 1
    assert config["REDIS_URL"] == "redis://cache:6379/0"
    assert config["MAX_PER_PAGE"] == 100


def _production_env(monkeypatch, tmp_path, secret):
    monkeypatch.setenv("PRESSLOG_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("PRESSLOG_ENV", "production")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'prod.sqlite3'}")
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    if secret is None:
        monkeypatch.delenv("SECRET_KEY", raising=False)
    else:
        monkeypatch.setenv("SECRET_KEY", secret)


def test_create_app_in_production_with_a_good_secret_works(monkeypatch, tmp_path):
    _production_env(monkeypatch, tmp_path, GOOD_SECRET)
    app = create_app()
    assert app.config["PRESSLOG_ENV"] == "production"
    assert app.config["SECRET_KEY"] == GOOD_SECRET
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'prod.sqlite3'}"
    client = app.test_client()
    alive = client.get("/healthz")
    assert alive.status_code == 200
    assert alive.get_json()["status"] == "ok"
    # Plain HTTP is sent to HTTPS in production.
    plain = client.get("/orders")
    assert plain.status_code == 308
    assert plain.headers["Location"] == "https://localhost/orders"
    secure = client.get("/login", base_url="https://localhost")
    assert secure.status_code == 200
    assert "max-age=31536000" in secure.headers["Strict-Transport-Security"]
    assert "Secure" in secure.headers["Set-Cookie"]


def test_create_app_in_production_without_a_secret_refuses(monkeypatch, tmp_path):
    _production_env(monkeypatch, tmp_path, None)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app()

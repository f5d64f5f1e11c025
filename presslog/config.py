"""Settings for each environment, read from the process environment (SPEC: Settings)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any


class ConfigError(RuntimeError):
    """Raised when the settings cannot produce a safe, working configuration."""


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _database_url(env: dict[str, str], instance_path: Path) -> str:
    url = env.get("DATABASE_URL", "").strip()
    if not url:
        return f"sqlite:///{instance_path / 'presslog.sqlite3'}"
    # Accept the common short forms and use the psycopg 3 driver for PostgreSQL.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _shop_timezone(env: dict[str, str]) -> str:
    """SHOP_TIMEZONE, an IANA name ("Europe/Berlin"); "UTC" when unset."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    name = env.get("SHOP_TIMEZONE", "").strip() or "UTC"
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"SHOP_TIMEZONE must be an IANA time zone name such as America/New_York, not {name!r}"
        ) from None
    return name


REGISTRATION_MODES = ("closed", "approval", "open")


def _registration(env: dict[str, str]) -> str:
    """REGISTRATION: who may create an account on /register; "closed" when unset."""
    mode = (env.get("REGISTRATION") or "closed").strip().lower()
    if mode not in REGISTRATION_MODES:
        raise ConfigError(f"REGISTRATION must be closed, approval or open, not {mode!r}")
    return mode


def _public_url(env: dict[str, str]) -> str:
    """PUBLIC_URL without its trailing slash; "" when unset."""
    url = env.get("PUBLIC_URL", "").strip().rstrip("/")
    if url and not url.startswith(("http://", "https://")):
        raise ConfigError(
            f"PUBLIC_URL must start with https:// or http:// (https://presslog.example.com), "
            f"not {url!r}"
        )
    return url


def _development_secret(instance_path: Path) -> str:
    """Return the development secret kept in the instance folder, creating it once."""
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


def _mail_settings(env: dict[str, str]) -> dict[str, Any]:
    """The mail settings, in their types; presslog.mail.settings checks they work together."""
    from presslog.mail.settings import DEFAULT_FROM, DEFAULT_TIMEOUT, flag, number

    return {
        "MAIL_URL": env.get("MAIL_URL", "").strip(),
        "MAIL_SERVER": env.get("MAIL_SERVER", "").strip(),
        "MAIL_PORT": number(env.get("MAIL_PORT"), "MAIL_PORT", None, 1, 65535),
        "MAIL_USERNAME": env.get("MAIL_USERNAME", "").strip(),
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD", ""),
        "MAIL_USE_TLS": flag(env.get("MAIL_USE_TLS"), "MAIL_USE_TLS"),
        "MAIL_USE_SSL": flag(env.get("MAIL_USE_SSL"), "MAIL_USE_SSL"),
        "MAIL_FROM": env.get("MAIL_FROM", "").strip() or DEFAULT_FROM,
        "MAIL_TIMEOUT": number(env.get("MAIL_TIMEOUT"), "MAIL_TIMEOUT", DEFAULT_TIMEOUT, 1, 600),
        # Empty: outbox/ in the instance folder.
        "MAIL_OUTBOX": env.get("MAIL_OUTBOX", "").strip(),
    }


WEAK_SECRETS = {"", "dev", "secret", "changeme", "change-me", "development", "test"}


def load_config(instance_path: Path, environ: dict[str, str] | None = None) -> dict[str, Any]:
    """Build the Flask configuration for PRESSLOG_ENV from the environment."""
    env = dict(os.environ if environ is None else environ)
    name = env.get("PRESSLOG_ENV", "development").strip().lower() or "development"
    if name not in {"development", "testing", "production"}:
        raise ConfigError(f"PRESSLOG_ENV must be development, testing or production, not {name!r}")

    secret = env.get("SECRET_KEY", "").strip()
    if name == "production":
        # A long key of few distinct characters ("aaaa…", "changemechangeme…") is no secret.
        if secret.lower() in WEAK_SECRETS or len(secret) < 32 or len(set(secret)) < 8:
            raise ConfigError(
                "SECRET_KEY must be set to a random value of at least 32 characters "
                "in production (e.g. python -c 'import secrets; print(secrets.token_urlsafe(48))')"
            )
    elif not secret:
        secret = (
            secrets.token_urlsafe(32) if name == "testing" else _development_secret(instance_path)
        )

    production = name == "production"
    config: dict[str, Any] = {
        "PRESSLOG_ENV": name,
        "TESTING": name == "testing",
        "DEBUG": False,
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": _database_url(env, instance_path),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "REDIS_URL": env.get("REDIS_URL") or None,
        "LOG_LEVEL": env.get("LOG_LEVEL", "INFO").upper(),
        "LOG_FORMAT": env.get("LOG_FORMAT", "json" if production else "text").lower(),
        "PORT": int(env.get("PORT", "5000")),
        "WEB_CONCURRENCY": int(env.get("WEB_CONCURRENCY", "2")),
        "FORCE_HTTPS": _bool(env.get("FORCE_HTTPS"), default=production),
        "TRUSTED_PROXIES": int(env.get("TRUSTED_PROXIES", "0") or 0),
        # Monitoring (docs/operations.md): /metrics answers a bearer METRICS_TOKEN or a
        # client in METRICS_ALLOW (CIDRs, comma-separated; empty: none); errors go to
        # Sentry when SENTRY_DSN is set, traces only with SENTRY_TRACES_SAMPLE_RATE.
        "METRICS_TOKEN": env.get("METRICS_TOKEN", ""),
        "METRICS_ALLOW": env.get("METRICS_ALLOW", "127.0.0.1/32,::1/128"),
        "SENTRY_DSN": env.get("SENTRY_DSN", ""),
        "SENTRY_TRACES_SAMPLE_RATE": env.get("SENTRY_TRACES_SAMPLE_RATE", ""),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
        # Larger bodies for the few views that take big files (endpoint → bytes): the
        # legacy job log of a shop with decades of jobs runs to hundreds of megabytes.
        "UPLOAD_LIMITS": {
            "legacy_import.index": int(env.get("IMPORT_MAX_UPLOAD_MB", "1024") or 1024)
            * 1024
            * 1024
        },
        # Days the admin import page keeps a finished run's uploads and rejects files
        # (the run's summary stays in the database); 0 keeps them for ever.
        "IMPORT_KEEP_DAYS": int(env.get("IMPORT_KEEP_DAYS", "30") or 0),
        "WTF_CSRF_TIME_LIMIT": None,
        "PASSWORD_HASH_TIME_COST": int(env.get("PASSWORD_HASH_TIME_COST", "3")),
        "PASSWORD_HASH_MEMORY_COST": int(env.get("PASSWORD_HASH_MEMORY_COST", "65536")),
        "PASSWORD_HASH_PARALLELISM": int(env.get("PASSWORD_HASH_PARALLELISM", "4")),
        # Sign-in protection: limits per client address and per account name (failed
        # attempts only), and a lockout that grows with each further failure.
        "RATELIMIT_ENABLED": _bool(env.get("RATELIMIT_ENABLED"), default=True),
        "RATELIMIT_STORAGE_URI": env.get("REDIS_URL") or "memory://",
        "RATELIMIT_STRATEGY": "moving-window",
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_KEY_PREFIX": "presslog",
        "LOGIN_RATE_LIMIT": env.get("LOGIN_RATE_LIMIT", "20 per minute;200 per hour"),
        "LOGIN_ACCOUNT_RATE_LIMIT": env.get("LOGIN_ACCOUNT_RATE_LIMIT", "10 per 10 minutes"),
        "LOGIN_LOCKOUT_THRESHOLD": int(env.get("LOGIN_LOCKOUT_THRESHOLD", "5")),
        "LOGIN_LOCKOUT_SECONDS": int(env.get("LOGIN_LOCKOUT_SECONDS", "60")),
        "LOGIN_LOCKOUT_MAX_SECONDS": int(env.get("LOGIN_LOCKOUT_MAX_SECONDS", "3600")),
        # Accounts (docs/accounts.md): reset links per address and per client, and
        # self-registration (closed | approval | open) with its own limit per client.
        "PASSWORD_RESET_RATE_LIMIT": env.get("PASSWORD_RESET_RATE_LIMIT", "3 per hour"),
        "PASSWORD_RESET_CLIENT_RATE_LIMIT": env.get(
            "PASSWORD_RESET_CLIENT_RATE_LIMIT", "10 per 10 minutes;30 per hour"
        ),
        "REGISTRATION": _registration(env),
        "REGISTRATION_RATE_LIMIT": env.get("REGISTRATION_RATE_LIMIT", "5 per hour"),
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_DURATION": 14 * 24 * 3600,
        # Backups (docs/backup.md): where scheduled backups go, how many to keep, and
        # when the worker takes them (cron "minute hour day month weekday", UTC; "off").
        "BACKUP_DIR": env.get("BACKUP_DIR") or str(instance_path / "backups"),
        "BACKUP_KEEP": int(env.get("BACKUP_KEEP", "14") or 14),
        "BACKUP_SCHEDULE": env.get("BACKUP_SCHEDULE", "30 2 * * *"),
        # The shop's time zone (IANA name): the daily digest goes out at 07:00 there.
        "SHOP_TIMEZONE": _shop_timezone(env),
        # The site's address as people reach it (https://presslog.example.com): links in
        # mail sent by the worker, where no request tells it (PORT on localhost if unset).
        "PUBLIC_URL": _public_url(env),
        # Mail (docs/mail.md): an SMTP server from MAIL_URL or MAIL_SERVER & co., checked by
        # presslog.mail at start; with none, messages go to the outbox folder. Tests never
        # take a mail server from the environment: they name their own.
        **_mail_settings({} if name == "testing" else env),
        "DEFAULT_PER_PAGE": 25,
        "MAX_PER_PAGE": 100,
        # flask-smorest / OpenAPI
        "API_TITLE": "PressLog API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
    }
    return config

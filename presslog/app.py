"""The application factory."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy.orm import Session as SASession
from werkzeug.middleware.proxy_fix import ProxyFix

from presslog import __version__
from presslog.config import load_config
from presslog.core.db import install_model_hooks
from presslog.extensions import csrf, db, limiter, migrate

MIGRATIONS_DIR = str(Path(__file__).resolve().parent / "migrations")


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build a PressLog app; ``config`` overrides settings (tests pass their own)."""
    instance_path = os.environ.get("PRESSLOG_INSTANCE_PATH")
    app = Flask(__name__, instance_path=instance_path, instance_relative_config=True)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    environ = None
    if config and "PRESSLOG_ENV" in config:
        environ = {**os.environ, "PRESSLOG_ENV": config["PRESSLOG_ENV"]}
        if "SECRET_KEY" in config:
            environ["SECRET_KEY"] = config["SECRET_KEY"]
    app.config.update(load_config(Path(app.instance_path), environ))
    if config:
        app.config.update(config)

    register_logging(app)
    register_assets(app)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_monitoring(app)
    register_commands(app)
    register_template_helpers(app)
    return app


def register_logging(app: Flask) -> None:
    """Logging first, so everything after can log."""
    from presslog.core.logging import configure_logging

    configure_logging(app)


def register_assets(app: Flask) -> None:
    """Fingerprinted, gzipped static files; gzipped pages (its after_request runs last)."""
    from presslog.core.assets import init_assets

    init_assets(app)


def register_extensions(app: Flask) -> None:
    """Bind the extensions to this app."""
    from presslog.audit.service import install_guards as install_audit_guards
    from presslog.core.auth import init_auth
    from presslog.core.headers import init_security_headers
    from presslog.core.security import configure_hasher
    from presslog.jobs import configure_jobs
    from presslog.mail import init_mail

    configure_hasher(
        app.config["PASSWORD_HASH_TIME_COST"],
        app.config["PASSWORD_HASH_MEMORY_COST"],
        app.config["PASSWORD_HASH_PARALLELISM"],
    )

    if app.config["TRUSTED_PROXIES"]:
        n = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            **app.config["SQLALCHEMY_ENGINE_OPTIONS"],
            "connect_args": {"timeout": 15},
        }
    db.init_app(app)
    with app.app_context():
        _tune_sqlite(db.engine)
    install_model_hooks(SASession)
    install_audit_guards()
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    limiter.init_app(app)
    init_auth(app)
    init_security_headers(app)
    configure_jobs(app)
    init_mail(app)


_hooked_engines: set[int] = set()


# Page cache of each SQLite connection, in KiB.
SQLITE_CACHE_KIB = 32 * 1024


def _tune_sqlite(engine: Any) -> None:
    """Foreign keys on, WAL journal: SQLite behaves like a real database."""
    from sqlalchemy import event

    if engine.dialect.name != "sqlite" or id(engine) in _hooked_engines:
        return
    _hooked_engines.add(id(engine))

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # SQLite's own page cache is 2 MiB; a search that visits rows all over a large
        # database reads the same pages again and again without a bigger one.
        cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
        cursor.execute("PRAGMA temp_store=MEMORY")
        cursor.close()


def register_blueprints(app: Flask) -> None:
    """Web pages, the JSON API and the health endpoints."""
    import presslog.mail.models  # noqa: F401  (its table, for migrations and create_all)
    from presslog.accounts.views import bp as accounts_bp
    from presslog.api import init_api
    from presslog.audit.views import bp as audit_bp
    from presslog.core.health import bp as health_bp
    from presslog.customers.views import bp as customers_bp
    from presslog.legacy.web import bp as legacy_import_bp
    from presslog.notifications.views import bp as notifications_bp
    from presslog.ops.admin_views import bp as jobs_admin_bp
    from presslog.orders.grid import bp as grid_bp
    from presslog.orders.production import bp as production_bp
    from presslog.orders.views import bp as orders_bp
    from presslog.reports.views import bp as reports_bp
    from presslog.styleguide import bp as styleguide_bp
    from presslog.trash.views import bp as trash_bp
    from presslog.users.admin_views import bp as users_admin_bp
    from presslog.users.views import bp as auth_bp
    from presslog.web import bp as web_bp

    app.register_blueprint(health_bp)
    app.register_blueprint(web_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(grid_bp)
    app.register_blueprint(orders_bp)
    app.register_blueprint(production_bp)
    app.register_blueprint(customers_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(users_admin_bp)
    app.register_blueprint(legacy_import_bp)
    app.register_blueprint(jobs_admin_bp)
    app.register_blueprint(trash_bp)
    app.register_blueprint(notifications_bp)
    app.register_blueprint(styleguide_bp)
    init_api(app)


def register_errorhandlers(app: Flask) -> None:
    """Pages and problem+json for every error."""
    from presslog.core.error_handlers import register_error_handlers

    register_error_handlers(app)


def register_monitoring(app: Flask) -> None:
    """/metrics and error reporting; after the error handlers, whose 500s it counts."""
    from presslog.ops.metrics import init_metrics
    from presslog.ops.sentry import init_error_reporting

    init_error_reporting(app)
    init_metrics(app)


def register_commands(app: Flask) -> None:
    """The presslog command line."""
    from presslog.cli import register

    register(app)


def register_template_helpers(app: Flask) -> None:
    """Values every template can use."""
    from presslog.core.feedback import message_parts
    from presslog.core.numbers import plain_number
    from presslog.web import template_globals

    app.jinja_env.globals.update(template_globals())
    app.jinja_env.filters["plain"] = plain_number
    app.jinja_env.globals["version"] = __version__
    app.jinja_env.globals["flash_parts"] = message_parts

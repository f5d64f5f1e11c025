"""The ``presslog`` command: Flask's CLI bound to the app factory, plus PressLog's commands."""

from __future__ import annotations

import sys
from typing import Any

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext

from presslog.core.errors import DomainError


def _create_app(*_args: Any) -> Flask:
    from presslog.app import create_app

    return create_app()


def fail(message: str) -> None:
    """Exit non-zero with a one-line reason."""
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\n")
    return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))


def _make_user(username: str, email: str, role: str, password_stdin: bool) -> None:
    from presslog.core.transaction import transaction
    from presslog.users import service

    password = _read_password(password_stdin)
    try:
        with transaction():
            user = service.create_user(username=username, email=email, role=role, password=password)
    except DomainError as exc:
        details = "; ".join(f"{k}: {' '.join(v)}" for k, v in getattr(exc, "errors", {}).items())
        fail(details or exc.detail)
        return
    click.echo(f"Created {user.role} {user.username}.")


@click.command("create-admin")
@click.option("--username", required=True)
@click.option("--email", required=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def create_admin(username: str, email: str, password_stdin: bool) -> None:
    """Create an administrator."""
    _make_user(username, email, "admin", password_stdin)


@click.command("create-user")
@click.option("--username", required=True)
@click.option("--email", required=True)
@click.option("--role", required=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def create_user(username: str, email: str, role: str, password_stdin: bool) -> None:
    """Create a user with a role."""
    _make_user(username, email, role, password_stdin)


@click.command("create-token")
@click.option("--username", required=True)
@click.option("--name", required=True)
@with_appcontext
def create_token(username: str, name: str) -> None:
    """Create an API token and print it once."""
    from presslog.core.transaction import transaction
    from presslog.users import service

    try:
        with transaction():
            _token, plain = service.create_token(username=username, name=name)
    except DomainError as exc:
        fail(exc.detail)
        return
    click.echo(plain)


@click.command("seed-demo")
@click.option("--orders", "orders", default=500, show_default=True, type=click.IntRange(0))
@click.option(
    "--customers", "customers", default=60, show_default=True, type=click.IntRange(1, 90000)
)
@click.option(
    "--credentials-file",
    default=None,
    help="Where to keep the demo logins (default: the instance folder).",
)
@with_appcontext
def seed_demo(orders: int, customers: int, credentials_file: str | None) -> None:
    """Load realistic demo data (idempotent: safe to run again)."""
    from presslog.seed import seed

    result = seed(orders=orders, customers=customers, credentials_file=credentials_file)
    click.echo(result.summary())


@click.command("demo-login")
@with_appcontext
def demo_login() -> None:
    """Print the demo sign-in created by seed-demo."""
    from presslog.seed import read_credentials

    creds = read_credentials()
    if not creds:
        fail("no demo data yet: run 'presslog seed-demo' first")
        return
    click.echo(creds)


@click.command("serve")
@click.option(
    "--bind", default=None, help="Address to listen on, HOST:PORT (default 0.0.0.0:$PORT)."
)
@click.option("--reload", is_flag=True, help="Restart when code changes (development).")
@click.option(
    "--workers", type=click.IntRange(1), default=None, help="Processes (default $WEB_CONCURRENCY)."
)
def serve(bind: str | None, reload: bool, workers: int | None) -> None:
    """Run PressLog under gunicorn with presslog/gunicorn.conf.py."""
    from presslog.server import run

    run(bind=bind, reload=reload, workers=workers)


@click.command("worker")
@click.option("--workers", type=click.IntRange(1, 32), default=2, show_default=True)
@with_appcontext
def worker(workers: int) -> None:
    """Run background and scheduled jobs (mail, notifications, digests, backups)."""
    from presslog.jobs import huey, run_worker

    if huey.immediate:
        fail("jobs run immediately when PRESSLOG_ENV=testing: there is no queue to work on")
        return
    click.echo(f"PressLog worker: {workers} threads on {type(huey.storage).__name__}")
    run_worker(workers)


def register(app: Flask) -> None:
    """Add PressLog's commands to the app's CLI."""
    from presslog.backup_cli import backup_command, restore_command
    from presslog.legacy.cli import export_legacy_command, import_legacy_command
    from presslog.schema_doc import schema_doc_command

    for command in (create_admin, create_user, create_token, seed_demo, demo_login, worker):
        app.cli.add_command(command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(import_legacy_command)
    app.cli.add_command(export_legacy_command)
    app.cli.add_command(schema_doc_command)


cli = FlaskGroup(
    create_app=_create_app,
    add_default_commands=True,
    add_version_option=False,
    load_dotenv=True,
    set_debug_flag=False,
)
cli.add_command(serve)
# gunicorn is the one server: Flask's `run` (werkzeug's development server) is not offered.
del cli.commands["run"]
cli.params.append(
    click.Option(
        ["--version"],
        is_flag=True,
        expose_value=False,
        is_eager=True,
        help="Show the PressLog version and exit.",
        callback=lambda ctx, _param, value: _print_version(ctx) if value else None,
    )
)


def _print_version(ctx: click.Context) -> None:
    from presslog import __version__

    click.echo(f"PressLog {__version__}")
    ctx.exit()


def main() -> None:
    """Entry point of the ``presslog`` console script."""
    from presslog.config import ConfigError

    try:
        cli.main(prog_name="presslog")
    except ConfigError as exc:  # unsafe or broken settings: one line, not a traceback
        fail(str(exc))

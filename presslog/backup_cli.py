"""``presslog backup`` and ``presslog restore`` (docs/backup.md)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from presslog import backup
from presslog.cli import fail


@click.command("backup")
@click.argument("path", required=False, type=click.Path(path_type=Path))
@with_appcontext
def backup_command(path: Path | None) -> None:
    """Back up the database into PATH: a file, or a folder to put
    presslog-<time>.tar into (default: BACKUP_DIR)."""
    try:
        if path is None:
            result = backup.create_backup(Path(current_app.config["BACKUP_DIR"]), make_dirs=True)
        else:
            result = backup.create_backup(path)
    except backup.BackupError as exc:
        fail(str(exc))
        return
    except OSError as exc:  # a folder that cannot be written, a full disk
        fail(f"backup failed: {exc}")
        return
    click.echo(result.summary())


@click.command("restore")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask: replace all data without confirmation.")
@click.option(
    "--no-upgrade",
    is_flag=True,
    help="Leave an older backup's schema as it is (run 'presslog db upgrade' later).",
)
@with_appcontext
def restore_command(path: Path, yes: bool, no_upgrade: bool) -> None:
    """Replace ALL data with the backup in PATH, after checking it; then migrate."""
    try:
        with backup.verified_backup(path) as checked:
            click.echo(checked.describe())
            target = backup.describe_database()
            if not yes:
                try:
                    confirmed = click.confirm(
                        f"Replace ALL data in {target} with this backup?", default=False
                    )
                except click.Abort:  # no terminal to answer on
                    confirmed = False
                if not confirmed:
                    fail("restore cancelled, nothing was changed (--yes restores without asking)")
                    return
            report = backup.restore_backup(checked, upgrade=not no_upgrade)
    except backup.BackupError as exc:
        fail(str(exc))
        return
    except OSError as exc:  # a folder that cannot be written, a full disk
        fail(f"restore failed: {exc}")
        return
    for line in report.lines():
        click.echo(line)

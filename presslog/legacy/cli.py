"""The ``import-legacy`` and ``export-legacy`` commands."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.exc import SQLAlchemyError

_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)
_DIR = click.Path(file_okay=False, path_type=Path)


@click.command("import-legacy")
@click.option("--orders", "orders", required=True, type=_FILE, help="The legacy Orders.csv.")
@click.option(
    "--customers", "customers", required=True, type=_FILE, help="The legacy Customers.csv."
)
@click.option(
    "--rejects",
    "rejects",
    type=_DIR,
    default=None,
    help="Folder for orders.rejects.csv and customers.rejects.csv "
    "(default: legacy-rejects in the instance folder).",
)
@click.option("--dry-run", is_flag=True, help="Check and compare everything; write nothing.")
@click.option(
    "--create-missing-customers",
    is_flag=True,
    help="Add a customer for an order whose customer code is nowhere, instead of rejecting it.",
)
@with_appcontext
def import_legacy_command(
    orders: Path,
    customers: Path,
    rejects: Path | None,
    dry_run: bool,
    create_missing_customers: bool,
) -> None:
    """Import the legacy job log (customers first); idempotent, rejects to files."""
    from presslog.cli import fail
    from presslog.legacy.importer import LegacyFormatError, import_legacy

    if rejects is None:
        rejects = Path(current_app.instance_path) / "legacy-rejects"

    try:
        summary = import_legacy(
            orders=orders,
            customers=customers,
            rejects_dir=rejects,
            dry_run=dry_run,
            create_missing_customers=create_missing_customers,
        )
    except (LegacyFormatError, OSError) as exc:
        fail(str(exc))
        return
    except SQLAlchemyError as exc:
        fail(f"the database refused a batch: {str(exc).splitlines()[0]}")
        return
    click.echo(summary.text())
    if summary.rejected:
        fail(f"{summary.rejected} rows rejected; see the rejects files in {rejects}")


@click.command("export-legacy")
@click.option("--out", "out", required=True, type=_DIR, help="Folder to write the files into.")
@with_appcontext
def export_legacy_command(out: Path) -> None:
    """Write Orders.csv and Customers.csv in the legacy layout."""
    from presslog.cli import fail
    from presslog.legacy.exporter import export_legacy

    try:
        result = export_legacy(out=out)
    except OSError as exc:
        fail(str(exc))
        return
    click.echo(
        f"Exported {result.customers} customers and {result.orders} orders to {result.directory}."
    )

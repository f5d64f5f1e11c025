"""The background job behind /admin/import: run the legacy import for one import run.

The job claims its run by moving it from ``queued`` to ``running`` in one UPDATE, so a
second delivery of the same job (a retry, a duplicate enqueue) finds nothing to do.
Progress (rows read) is written on a connection of its own after each batch: a dry
run rolls the import's session back at the end, and the page must see progress while
the import works.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app

from presslog.audit.service import record
from presslog.core.db import utcnow
from presslog.extensions import db
from presslog.jobs import job
from presslog.legacy.importer import ImportSummary, TableSummary, import_legacy
from presslog.legacy.models import ERROR_LENGTH, ImportRun
from presslog.users.models import User

log = logging.getLogger(__name__)

ORDERS_FILE = "Orders.csv"
CUSTOMERS_FILE = "Customers.csv"
REJECTS_DIR = "rejects"
SUMMARY_FILE = "summary.txt"
IMPORTS_DIR = "imports"


def imports_folder() -> Path:
    """The folder holding every import run's own folder."""
    return Path(current_app.instance_path) / IMPORTS_DIR


def run_folder(run_id: int) -> Path:
    """Where an import run's uploads and rejects files live."""
    return imports_folder() / str(int(run_id))


def _set(run_id: int, **values: Any) -> int:
    """Update the run on a connection of its own, committed at once; the rows changed."""
    with db.engine.begin() as conn:
        result = conn.execute(sa.update(ImportRun).where(ImportRun.id == run_id).values(**values))
    return int(result.rowcount)


def _claim(run_id: int) -> bool:
    """Move a queued run to running; False when it is not queued (already taken)."""
    now = utcnow()
    with db.engine.begin() as conn:
        result = conn.execute(
            sa.update(ImportRun)
            .where(ImportRun.id == run_id, ImportRun.status == "queued")
            .values(status="running", started_at=now, updated_at=now)
        )
    return bool(result.rowcount)


def _table_counts(table: TableSummary) -> dict[str, int]:
    return {
        "read": table.read,
        "imported": table.imported,
        "updated": table.updated,
        "unchanged": table.unchanged,
        "rejected": sum(table.rejected.values()),
    }


def _outcome(summary: ImportSummary, folder: Path) -> dict[str, Any]:
    """What the run keeps of the importer's summary."""
    rejects = {
        name: str(table.rejects_file.relative_to(folder))
        for name, table in (("customers", summary.customers), ("orders", summary.orders))
        if table.rejects_file is not None and table.rejects_file.exists()
    }
    return {
        "counts": {
            "customers": _table_counts(summary.customers),
            "orders": _table_counts(summary.orders),
            "customers_created": summary.customers_created,
        },
        "rejected": summary.rejected,
        "summary": summary.text(),
        "rejects_files": rejects,
        "rows_read": summary.customers.read + summary.orders.read,
    }


def _audit(run: ImportRun, text: str) -> None:
    """One audit event per finished run, in the name of the admin who started it."""
    actor = db.session.get(User, run.started_by_id) if run.started_by_id else None
    record(
        "legacy.import",
        entity_key=f"import run {run.id}",
        summary=text,
        actor=actor,
    )


def run_import(run_id: int) -> None:
    """Run the legacy import for ``run_id`` unless another delivery already did."""
    if not _claim(run_id):
        log.info("import run %s is not queued: nothing to do", run_id)
        return
    run = db.session.get(ImportRun, run_id)
    assert run is not None  # claimed just now
    folder = run_folder(run_id)
    options = {"dry_run": run.dry_run, "create_missing_customers": run.create_missing_customers}
    db.session.rollback()  # no transaction held while the import works

    def progress(rows: int) -> None:
        _set(run_id, rows_read=rows, updated_at=utcnow())

    try:
        summary = import_legacy(
            orders=folder / ORDERS_FILE,
            customers=folder / CUSTOMERS_FILE,
            rejects_dir=folder / REJECTS_DIR,
            progress=progress,
            **options,
        )
    except Exception as exc:
        db.session.rollback()
        message = (str(exc).splitlines() or [type(exc).__name__])[0][:ERROR_LENGTH]
        log.exception("import run %s failed", run_id)
        run = db.session.get(ImportRun, run_id)
        assert run is not None
        run.status, run.error, run.finished_at = "failed", message, utcnow()
        _audit(run, f"Import run {run_id} from the admin page failed: {message}"[:500])
        db.session.commit()
        raise
    (folder / SUMMARY_FILE).write_text(summary.text() + "\n", encoding="utf-8")
    run = db.session.get(ImportRun, run_id)
    assert run is not None
    for name, value in _outcome(summary, folder).items():
        setattr(run, name, value)
    run.rows_total = run.rows_read
    run.status, run.finished_at = "done", utcnow()
    kind = "dry run" if run.dry_run else "import"
    _audit(
        run,
        f"Import run {run_id} ({kind}) from the admin page: "
        + "; ".join(summary.text().splitlines()[:2]),
    )
    db.session.commit()


import_job = job(retries=0)(run_import)

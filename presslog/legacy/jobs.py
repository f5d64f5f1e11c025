"""The background jobs behind /admin/import: run the legacy import for one import run,
and keep the runs tidy.

The job claims its run by moving it from ``queued`` to ``running`` in one UPDATE, so a
second delivery of the same job (a retry, a duplicate enqueue) finds nothing to do.
Progress (rows read) is written on a connection of its own after each batch: a dry
run rolls the import's session back at the end, and the page must see progress while
the import works.

Housekeeping, every few minutes on the worker (:func:`tidy_imports`): a run that has
read nothing for :data:`STALLED_AFTER` (its worker was stopped mid-import) is marked
failed with what to do; the files of runs finished more than ``IMPORT_KEEP_DAYS`` days
ago are deleted (the summary stays on the run), and so are uploads abandoned half-way.
"""

from __future__ import annotations

import logging
import shutil
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app
from huey import crontab

from presslog.audit.service import record
from presslog.core.db import utcnow
from presslog.extensions import db
from presslog.jobs import job, periodic_job
from presslog.legacy.importer import ImportSummary, TableSummary, import_legacy
from presslog.legacy.models import ERROR_LENGTH, ImportRun
from presslog.users.models import User

log = logging.getLogger(__name__)

ORDERS_FILE = "Orders.csv"
CUSTOMERS_FILE = "Customers.csv"
REJECTS_DIR = "rejects"
SUMMARY_FILE = "summary.txt"
IMPORTS_DIR = "imports"
UPLOAD_PREFIX = "upload-"
# A running import reports progress after every batch (about a second); this long
# without any means its worker is gone.
STALLED_AFTER = timedelta(minutes=15)
STALLED_ERROR = (
    "The import made no progress for 15 minutes: the background worker was stopped while "
    "it ran. Upload the same files again: rows already loaded are kept and reported as "
    "unchanged, and the import carries on from there."
)
# A queued run not picked up after this long: no worker is consuming the queue.
UNCLAIMED_AFTER = timedelta(minutes=2)
# An upload folder not yet renamed to its run's id after this long was abandoned.
ABANDONED_UPLOAD_AFTER = timedelta(days=1)


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


def _starter(run: ImportRun) -> User | None:
    """The admin who started the run, in whose name the audit log records it."""
    return db.session.get(User, run.started_by_id) if run.started_by_id else None


def run_import(run_id: int) -> None:
    """Run the legacy import for ``run_id`` unless another delivery already did."""
    if not _claim(run_id):
        log.info("import run %s is not queued: nothing to do", run_id)
        return
    run = db.session.get(ImportRun, run_id)
    assert run is not None  # claimed just now
    folder = run_folder(run_id)
    options: dict[str, Any] = {
        "dry_run": run.dry_run,
        "create_missing_customers": run.create_missing_customers,
        "actor": _starter(run),
        "origin": f"Import run {run_id} from the admin page",
        "run_key": f"import run {run_id}",
    }
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
        record(
            "legacy.import",
            entity_key=f"import run {run_id}",
            summary=f"Import run {run_id} from the admin page failed: {message}"[:500],
            actor=_starter(run),
        )
        db.session.commit()
        raise
    (folder / SUMMARY_FILE).write_text(summary.text() + "\n", encoding="utf-8")
    run = db.session.get(ImportRun, run_id)
    assert run is not None
    for name, value in _outcome(summary, folder).items():
        setattr(run, name, value)
    run.rows_total = run.rows_read
    run.status, run.finished_at = "done", utcnow()
    db.session.commit()


import_job = job(retries=0)(run_import)


def is_stalled(run: ImportRun, now: datetime | None = None) -> bool:
    """Whether a running run has reported no progress for :data:`STALLED_AFTER`."""
    return run.status == "running" and run.updated_at < (now or utcnow()) - STALLED_AFTER


def is_unclaimed(run: ImportRun, now: datetime | None = None) -> bool:
    """Whether a queued run has waited for a worker longer than :data:`UNCLAIMED_AFTER`."""
    return run.status == "queued" and run.created_at < (now or utcnow()) - UNCLAIMED_AFTER


def fail_stalled_runs(now: datetime | None = None) -> int:
    """Mark the runs whose worker stopped mid-import as failed; how many there were."""
    now = now or utcnow()
    with db.engine.begin() as conn:
        result = conn.execute(
            sa.update(ImportRun)
            .where(ImportRun.status == "running", ImportRun.updated_at < now - STALLED_AFTER)
            .values(status="failed", error=STALLED_ERROR, finished_at=now, updated_at=now)
        )
    if result.rowcount:
        log.warning("marked %s stalled import run(s) as failed", result.rowcount)
    return int(result.rowcount)


def files_kept(run: ImportRun) -> bool:
    """Whether the run's uploads and rejects files are still on disk."""
    return run_folder(run.id).is_dir()


def remove_old_files(now: datetime | None = None) -> list[int]:
    """Delete the folders of runs finished over ``IMPORT_KEEP_DAYS`` ago; their ids.

    Upload folders never turned into a run (the request died half-way) go after a day.
    """
    now = now or utcnow()
    folder = imports_folder()
    if not folder.is_dir():
        return []
    abandoned = time.time() - ABANDONED_UPLOAD_AFTER.total_seconds()
    for staging in folder.glob(f"{UPLOAD_PREFIX}*"):
        if staging.is_dir() and staging.stat().st_mtime < abandoned:
            shutil.rmtree(staging, ignore_errors=True)
    keep_days = int(current_app.config.get("IMPORT_KEEP_DAYS", 0))
    if keep_days <= 0:
        return []
    stmt = sa.select(ImportRun.id).where(
        ImportRun.status.in_(("done", "failed")),
        ImportRun.finished_at < now - timedelta(days=keep_days),
    )
    removed = []
    for run_id in db.session.execute(stmt).scalars():
        path = run_folder(run_id)
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
            removed.append(run_id)
    if removed:
        log.info("removed the files of %s finished import run(s)", len(removed))
    return removed


@periodic_job(crontab(minute="*/5"), retries=0)
def tidy_imports() -> None:
    """Fail stalled runs and delete old runs' files (see the module's description)."""
    fail_stalled_runs()
    remove_old_files()

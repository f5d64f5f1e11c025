"""The legacy import page for admins (/admin/import): upload Orders.csv and
Customers.csv, run the import as a background job, follow its progress, download the
summary and the rejects files.

The uploads are checked for the legacy header before anything is queued; a run's files
live in ``<instance>/imports/<run id>/`` and downloads are served from that folder by
names the run recorded, never by a path taken from the request.
"""

from __future__ import annotations

import secrets
import shutil
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    send_file,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select
from wtforms import BooleanField

from presslog.core.security import require
from presslog.extensions import db
from presslog.legacy import jobs
from presslog.legacy.importer import LegacyFormatError, resolve_columns
from presslog.legacy.mapping import CUSTOMER_COLUMNS, ORDER_COLUMNS, Column
from presslog.legacy.models import ImportRun
from presslog.legacy.reader import LegacyFile

bp = Blueprint("legacy_import", __name__, url_prefix="/admin/import")

CAPABILITY = "system.admin"
RECENT_RUNS = 20
REJECTS_TABLES = ("customers", "orders")
CSV_ACCEPT = {"accept": ".csv,text/csv"}
ORDERS_MISSING = "Choose the legacy Orders.csv file."
CUSTOMERS_MISSING = "Choose the legacy Customers.csv file."


class ImportForm(FlaskForm):
    """The two legacy files and the import's options."""

    orders = FileField(
        "Orders.csv",
        validators=[FileRequired(ORDERS_MISSING)],
        description="The job log's orders, exported by the old system.",
        render_kw={**CSV_ACCEPT, "data-msg-required": ORDERS_MISSING},
    )
    customers = FileField(
        "Customers.csv",
        validators=[FileRequired(CUSTOMERS_MISSING)],
        description="The customer list, exported by the old system.",
        render_kw={**CSV_ACCEPT, "data-msg-required": CUSTOMERS_MISSING},
    )
    dry_run = BooleanField(
        "Dry run: check and compare everything, write nothing",
    )
    create_missing_customers = BooleanField(
        "Create missing customers (named “CODE (added by the legacy import)”)",
    )


def _count_rows(path: Path) -> int:
    """Lines after the header: about the rows the import will read (for the progress bar)."""
    lines, last = 0, b""
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            lines += chunk.count(b"\n")
            last = chunk
    if last and not last.endswith(b"\n"):
        lines += 1
    return max(0, lines - 1)


def _layout_error(path: Path, columns: tuple[Column, ...], label: str) -> str | None:
    """Why ``path`` is not the legacy ``label`` layout, or None when its header is."""
    try:
        source = LegacyFile(path)
    except OSError as exc:
        return f"{label}: the file cannot be read ({exc.strerror or exc})."
    try:
        resolve_columns(source, columns)
    except LegacyFormatError as exc:
        return (
            f"{exc} — this is not the legacy {label} layout. Choose the {label} "
            "exported by the old job log (header row unchanged)."
        )
    finally:
        source.close()
    return None


def _queue(form: ImportForm) -> ImportRun | None:
    """Store the uploads, check their headers and record a queued run (committed).

    Returns None, with the errors on the form, when a file is not the legacy layout;
    nothing is then kept.
    """
    staging = jobs.imports_folder() / f"{jobs.UPLOAD_PREFIX}{secrets.token_hex(8)}"
    staging.mkdir(parents=True)
    try:
        orders, customers = staging / jobs.ORDERS_FILE, staging / jobs.CUSTOMERS_FILE
        form.orders.data.save(orders)
        form.customers.data.save(customers)
        ok = True
        for field, path, columns, label in (
            (form.orders, orders, ORDER_COLUMNS, jobs.ORDERS_FILE),
            (form.customers, customers, CUSTOMER_COLUMNS, jobs.CUSTOMERS_FILE),
        ):
            problem = _layout_error(path, columns, label)
            if problem:
                field.errors = [*field.errors, problem]
                ok = False
        if not ok:
            shutil.rmtree(staging, ignore_errors=True)
            return None
        run = ImportRun(
            started_by_id=current_user.id,
            started_by=current_user.username,
            dry_run=bool(form.dry_run.data),
            create_missing_customers=bool(form.create_missing_customers.data),
            status="queued",
            rows_read=0,
            rows_total=_count_rows(orders) + _count_rows(customers),
            rejected=0,
        )
        db.session.add(run)
        db.session.flush()
        staging.rename(jobs.run_folder(run.id))
        staging = jobs.run_folder(run.id)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return run


def _recent() -> list[ImportRun]:
    stmt = select(ImportRun).order_by(ImportRun.id.desc()).limit(RECENT_RUNS)
    return list(db.session.execute(stmt).scalars())


def _run(run_id: int) -> ImportRun:
    run = db.session.get(ImportRun, run_id)
    if run is None:
        abort(404)
    return run


def _run_context(run: ImportRun) -> dict[str, Any]:
    """What the run's status block shows besides the run itself."""
    return {
        "run": run,
        "stalled": jobs.is_stalled(run),
        "unclaimed": jobs.is_unclaimed(run),
        "files_kept": jobs.files_kept(run),
        "keep_days": current_app.config.get("IMPORT_KEEP_DAYS", 0),
    }


@bp.route("", methods=["GET", "POST"])
@require(CAPABILITY)
def index() -> ResponseReturnValue:
    """Upload the legacy files to start an import; list the recent runs."""
    form = ImportForm()
    if form.validate_on_submit():
        run = _queue(form)
        if run is not None:
            jobs.import_job(run.id)
            flash(f"Import run {run.id} queued.", "success")
            return redirect(url_for("legacy_import.show", run_id=run.id))
    status = 422 if form.is_submitted() else 200
    return render_template("admin/legacy/index.html", form=form, runs=_recent()), status


@bp.get("/<int:run_id>")
@require(CAPABILITY)
def show(run_id: int) -> ResponseReturnValue:
    """One run: status, progress, summary and downloads."""
    return render_template("admin/legacy/show.html", **_run_context(_run(run_id)))


@bp.get("/<int:run_id>/progress")
@require(CAPABILITY)
def progress(run_id: int) -> ResponseReturnValue:
    """The run's status block alone, for htmx polling (it stops polling when finished)."""
    return render_template("admin/legacy/_run.html", **_run_context(_run(run_id)))


@bp.get("/<int:run_id>/summary.txt")
@require(CAPABILITY)
def summary(run_id: int) -> ResponseReturnValue:
    """The run's summary as a text file."""
    run = _run(run_id)
    path = jobs.run_folder(run.id) / jobs.SUMMARY_FILE
    if run.status != "done" or not path.is_file():
        abort(404)
    return send_file(
        path,
        mimetype="text/plain",
        as_attachment=True,
        download_name=f"import-{run.id}-summary.txt",
    )


@bp.get("/<int:run_id>/rejects/<table>.csv")
@require(CAPABILITY)
def rejects(run_id: int, table: str) -> ResponseReturnValue:
    """A rejects file of the run (``customers`` or ``orders``)."""
    run = _run(run_id)
    if table not in REJECTS_TABLES or not run.rejects_files or table not in run.rejects_files:
        abort(404)
    folder = jobs.run_folder(run.id).resolve()
    path = (folder / run.rejects_files[table]).resolve()
    if not path.is_relative_to(folder) or not path.is_file():
        abort(404)
    return send_file(
        path,
        mimetype="text/csv",
        as_attachment=True,
        download_name=f"import-{run.id}-{table}.rejects.csv",
    )

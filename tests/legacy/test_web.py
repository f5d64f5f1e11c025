"""The legacy import page: upload, background run with progress, downloads (both databases)."""

from __future__ import annotations

import io
import os
import re
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from presslog.core.db import utcnow
from presslog.extensions import db
from presslog.jobs import task_names
from presslog.legacy import jobs
from presslog.legacy.models import ImportRun
from tests.conftest import csrf_from
from tests.helpers import audit_events, error_beside, page_text
from tests.legacy.helpers import CLEAN, DIRTY, count, defects

URL = "/admin/import"


def _files(folder: Path, **override: Any) -> dict[str, Any]:
    data = {
        "orders": (io.BytesIO((folder / "Orders.csv").read_bytes()), "Orders.csv"),
        "customers": (io.BytesIO((folder / "Customers.csv").read_bytes()), "Customers.csv"),
    }
    data.update(override)
    return data


def upload(client: Any, folder: Path = CLEAN, **fields: Any) -> Any:
    """Post the import form as a browser would (CSRF token from the page)."""
    token = csrf_from(client.get(URL).text)
    files = {k: fields.pop(k) for k in ("orders", "customers") if k in fields}
    data = {"csrf_token": token, **_files(folder, **files), **fields}
    return client.post(URL, data=data, content_type="multipart/form-data")


def runs() -> list[ImportRun]:
    db.session.expire_all()
    return list(db.session.execute(db.select(ImportRun).order_by(ImportRun.id)).scalars())


@pytest.fixture
def admin(as_role):
    return as_role("admin")


def test_only_admins_reach_the_import_pages(app, client, as_role):
    run = ImportRun(status="done", rows_read=1, rows_total=1, rejected=0, summary="x")
    db.session.add(run)
    db.session.commit()
    paths = [URL, f"{URL}/{run.id}", f"{URL}/{run.id}/progress", f"{URL}/{run.id}/summary.txt"]
    for path in paths:
        answer = client.get(path)
        assert answer.status_code == 302
        assert answer.headers["Location"].startswith("/login")
    for role in ("manager", "staff", "viewer"):
        browser = as_role(role)
        for path in paths:
            assert browser.get(path).status_code == 403, (role, path)
        refused = browser.post(URL, data={"csrf_token": browser.csrf})
        assert refused.status_code == 403
    assert len(runs()) == 1


def test_the_clean_sample_is_imported_and_its_summary_downloaded(app, admin):
    answer = upload(admin)
    assert answer.status_code == 302, answer.text
    (run,) = runs()
    assert answer.headers["Location"] == f"{URL}/{run.id}"
    assert run.status == "done", run.error
    assert run.started_by == admin.user.username
    assert run.counts["orders"]["imported"] == 400
    assert run.counts["customers"]["imported"] == 40
    assert run.rows_read == run.rows_total == 440
    assert run.rejected == 0
    assert count("orders") == 400
    assert count("customers") == 40
    folder = jobs.run_folder(run.id)
    assert folder == Path(app.instance_path) / "imports" / str(run.id)
    assert (folder / "Orders.csv").read_bytes() == (CLEAN / "Orders.csv").read_bytes()

    page = admin.get(answer.headers["Location"])
    assert page.status_code == 200
    text = page_text(page.text)
    assert "Done" in text
    assert "Orders: read 400, imported 400" in text
    assert f"{URL}/{run.id}/progress" not in page.text  # finished: no more polling
    summary = admin.get(f"{URL}/{run.id}/summary.txt")
    assert summary.status_code == 200
    assert summary.mimetype == "text/plain"
    assert "attachment" in summary.headers["Content-Disposition"]
    assert "Customers: read 40, imported 40" in summary.text
    assert run.summary.splitlines()[0] in summary.text

    listing = admin.get(URL)
    assert f'href="{URL}/{run.id}"' in listing.text
    (event,) = audit_events("legacy.import")  # one event per run, not one per layer
    assert event.actor == admin.user.username
    assert event.entity_key == f"import run {run.id}"
    assert event.summary.startswith(f"Import run {run.id} from the admin page — ")
    assert "orders: 400 imported, 0 updated, 0 unchanged, 0 rejected" in event.summary


def test_a_second_delivery_of_the_job_does_nothing(app, admin):
    upload(admin)
    (run,) = runs()
    before = (run.updated_at, run.summary, len(audit_events("legacy.import")))
    jobs.import_job(run.id)
    jobs.run_import(run.id)
    (again,) = runs()
    assert (again.updated_at, again.summary, len(audit_events("legacy.import"))) == before


def test_rejected_rows_of_the_dirty_sample_are_downloadable(app, admin):
    answer = upload(admin, DIRTY)
    assert answer.status_code == 302
    (run,) = runs()
    assert run.status == "done", run.error
    assert run.rejected > 0
    assert set(run.rejects_files) == {"customers", "orders"}
    page = admin.get(f"{URL}/{run.id}")
    assert f"{URL}/{run.id}/rejects/orders.csv" in page.text
    assert f"{URL}/{run.id}/rejects/customers.csv" in page.text

    rejected = admin.get(f"{URL}/{run.id}/rejects/orders.csv")
    assert rejected.status_code == 200
    assert rejected.mimetype == "text/csv"
    lines = rejected.data.split(b"\n")[1:-1]
    assert len(lines) == run.counts["orders"]["rejected"]
    source = (DIRTY / "Orders.csv").read_bytes().split(b"\n")
    numbers = set()
    for line in lines:  # each rejected row, copied byte for byte after number and reason
        number = int(line.split(b",", 1)[0])
        assert line.endswith(b"," + source[number].rstrip(b"\r")), number
        numbers.add(number)
    must = {
        d["row"]
        for d in defects()["tables"]["Orders"]["invalid"]
        if d["reason"] in {"date_invalid", "log_duplicate", "negative_amount"}
    }
    assert must
    assert must <= numbers
    customers = admin.get(f"{URL}/{run.id}/rejects/customers.csv")
    assert customers.status_code == 200
    assert len(customers.data.splitlines()) - 1 == run.counts["customers"]["rejected"]
    # Only the two tables, and never a path from the request.
    assert admin.get(f"{URL}/{run.id}/rejects/other.csv").status_code == 404
    assert admin.get(f"{URL}/{run.id}/rejects/..%2FOrders.csv").status_code == 404


def test_a_file_that_is_not_the_legacy_layout_is_refused_and_nothing_is_queued(app, admin):
    wrong = io.BytesIO(b"name,email\nAcme,a@example.com\n")
    answer = upload(admin, orders=(wrong, "Orders.csv"))
    assert answer.status_code == 422
    message = error_beside(answer.text, "orders")
    assert "Orders.csv" in message
    assert "not the legacy Orders.csv layout" in message
    assert "customers" not in re.findall(r'name="(\w+)"[^>]*is-invalid', answer.text)
    # The two files swapped: each is named.
    swapped = upload(
        admin,
        orders=(io.BytesIO((CLEAN / "Customers.csv").read_bytes()), "Customers.csv"),
        customers=(io.BytesIO((CLEAN / "Orders.csv").read_bytes()), "Orders.csv"),
    )
    assert swapped.status_code == 422
    assert "Orders.csv" in error_beside(swapped.text, "orders")
    assert "Customers.csv" in error_beside(swapped.text, "customers")
    assert runs() == []
    assert count("orders") == 0
    assert list((Path(app.instance_path) / "imports").iterdir()) == []


def test_both_files_are_required(app, admin):
    token = csrf_from(admin.get(URL).text)
    answer = admin.post(URL, data={"csrf_token": token}, content_type="multipart/form-data")
    assert answer.status_code == 422
    assert "Choose the legacy Orders.csv file." in error_beside(answer.text, "orders")
    assert "Choose the legacy Customers.csv file." in error_beside(answer.text, "customers")
    assert runs() == []


def test_a_dry_run_writes_nothing(app, admin):
    answer = upload(admin, dry_run="y", create_missing_customers="y")
    assert answer.status_code == 302
    (run,) = runs()
    assert run.status == "done", run.error
    assert run.dry_run
    assert run.create_missing_customers
    assert run.counts["orders"]["imported"] == 400  # "would be"
    assert count("orders") == 0
    assert count("customers") == 0
    assert "Dry run: nothing was written" in admin.get(f"{URL}/{run.id}/summary.txt").text
    assert audit_events("legacy.import") == []  # a dry run writes nothing at all


def test_the_progress_endpoint_answers_the_htmx_fragment(app, admin):
    run = ImportRun(status="running", rows_read=1000, rows_total=4000, rejected=0)
    db.session.add(run)
    db.session.commit()
    page = admin.get(f"{URL}/{run.id}")
    assert f'hx-get="{URL}/{run.id}/progress"' in page.text
    assert 'hx-trigger="every 2s"' in page.text
    fragment = admin.get(f"{URL}/{run.id}/progress", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    assert 'id="run-status"' in fragment.text
    assert 'hx-trigger="every 2s"' in fragment.text
    assert 'value="25"' in fragment.text
    assert "1,000 of about 4,000 rows read" in page_text(fragment.text)
    run.status, run.rows_read, run.summary = "done", 4000, "Orders: read 4000"
    db.session.commit()
    done = admin.get(f"{URL}/{run.id}/progress", headers={"HX-Request": "true"})
    assert "hx-trigger" not in done.text  # polling stops
    assert "Orders: read 4000" in done.text
    assert admin.get(f"{URL}/{run.id + 1}/progress").status_code == 404


def test_a_failed_run_shows_its_error(app, admin, monkeypatch):
    def broken(**_kwargs: Any) -> Any:
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(jobs, "import_legacy", broken)
    assert upload(admin).status_code == 302
    (run,) = runs()
    assert run.status == "failed"
    assert run.error == "the disk is full"
    assert "the disk is full" in admin.get(f"{URL}/{run.id}").text
    assert admin.get(f"{URL}/{run.id}/summary.txt").status_code == 404


def test_the_upload_needs_the_csrf_token(app: Flask, admin):
    answer = admin.post(URL, data=_files(CLEAN), content_type="multipart/form-data")
    assert answer.status_code == 400
    assert runs() == []


def test_rows_read_are_stored_after_every_batch(app, admin, monkeypatch):
    seen: list[tuple[int, int]] = []
    real = jobs.import_legacy

    def small_batches(**kwargs: Any) -> Any:
        report = kwargs.pop("progress")

        def spy(rows: int) -> None:
            report(rows)
            with db.engine.connect() as conn:  # what the page would read now
                stored = conn.execute(db.select(ImportRun.rows_read, ImportRun.status)).one()
            seen.append((rows, stored.rows_read))
            assert stored.status == "running"

        return real(**kwargs, batch=100, progress=spy)

    monkeypatch.setattr(jobs, "import_legacy", small_batches)
    assert upload(admin).status_code == 302
    assert [rows for rows, _stored in seen] == [40, 140, 240, 340, 440, 440]
    assert all(rows == stored for rows, stored in seen)
    (run,) = runs()
    assert run.status == "done"
    assert run.rows_read == 440


def test_a_queued_run_polls_until_the_worker_has_run_it(app, admin, monkeypatch):
    queued: list[int] = []
    monkeypatch.setattr(jobs, "import_job", queued.append)  # a worker elsewhere, later
    answer = upload(admin)
    (run,) = runs()
    assert queued == [run.id]
    assert run.status == "queued"
    assert run.rows_total == 440  # counted at upload, for the progress bar
    page = admin.get(answer.headers["Location"])
    assert "Queued" in page_text(page.text)
    assert 'hx-trigger="every 2s"' in page.text
    assert count("orders") == 0
    jobs.run_import(run.id)  # the worker picks it up
    fragment = admin.get(f"{URL}/{run.id}/progress")
    assert "hx-trigger" not in fragment.text
    assert "Done" in page_text(fragment.text)
    assert count("orders") == 400
    assert "presslog.legacy.jobs.run_import" in task_names()


def test_the_import_page_takes_files_beyond_the_usual_16_mb_limit(app, admin):
    # A shop's decades of jobs: an Orders.csv of 20 MB (the clean sample, repeated rows
    # beyond its header are not needed for the limit — padding in a trailing column is).
    clean = (CLEAN / "Orders.csv").read_bytes()
    big = clean + b"\n" * (20 * 1024 * 1024)
    answer = upload(admin, orders=(io.BytesIO(big), "Orders.csv"))
    assert answer.status_code != 413
    assert len(runs()) == 1
    # Everywhere else the usual limit holds.
    token = csrf_from(admin.get("/orders/new").text)
    refused = admin.post(
        "/orders/new",
        data={"csrf_token": token, "title": "x" * (17 * 1024 * 1024)},
    )
    assert refused.status_code == 413


def _aged(run: ImportRun, **ago: Any) -> None:
    """Put the run's timestamps back in time, as if it had been written ``ago``."""
    past = utcnow() - timedelta(**ago)
    db.session.execute(
        db.update(ImportRun)
        .where(ImportRun.id == run.id)
        .values(created_at=past, updated_at=past, finished_at=past if run.finished_at else None)
    )
    db.session.commit()


def test_a_run_whose_worker_stopped_is_shown_stalled_then_failed(app, admin):
    stalled = ImportRun(status="running", rows_read=5000, rows_total=9000, rejected=0)
    working = ImportRun(status="running", rows_read=100, rows_total=9000, rejected=0)
    db.session.add_all([stalled, working])
    db.session.commit()
    _aged(stalled, minutes=16)
    _aged(working, minutes=14)
    page = page_text(admin.get(f"{URL}/{stalled.id}/progress").text)
    assert "No progress for over 15 minutes" in page
    assert "presslog worker" in page
    assert "No progress" not in page_text(admin.get(f"{URL}/{working.id}").text)

    jobs.tidy_imports()  # the worker's periodic housekeeping
    stalled_now, working_now = runs()
    assert (stalled_now.status, stalled_now.error) == ("failed", jobs.STALLED_ERROR)
    assert stalled_now.finished_at is not None
    assert working_now.status == "running"
    page = page_text(admin.get(f"{URL}/{stalled.id}").text)
    assert "Upload the same files again" in page
    assert "hx-trigger" not in admin.get(f"{URL}/{stalled.id}/progress").text
    assert "presslog.legacy.jobs.tidy_imports" in task_names()


def test_a_run_no_worker_has_taken_says_so(app, admin, monkeypatch):
    monkeypatch.setattr(jobs, "import_job", lambda _run_id: None)  # no worker running
    upload(admin)
    (run,) = runs()
    assert "waiting for the background worker" not in admin.get(f"{URL}/{run.id}").text
    _aged(run, minutes=3)
    page = page_text(admin.get(f"{URL}/{run.id}/progress").text)
    assert "Still waiting for the background worker" in page
    assert 'hx-trigger="every 2s"' in admin.get(f"{URL}/{run.id}/progress").text


def test_old_runs_files_are_removed_and_their_summary_kept(app, admin, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_KEEP_DAYS", 30)
    upload(admin, DIRTY)
    upload(admin)
    old, recent = runs()
    assert old.status == recent.status == "done"
    _aged(old, days=31)
    _aged(recent, days=29)
    abandoned = jobs.imports_folder() / f"{jobs.UPLOAD_PREFIX}dead"
    fresh = jobs.imports_folder() / f"{jobs.UPLOAD_PREFIX}busy"
    for folder in (abandoned, fresh):
        folder.mkdir()
        (folder / "Orders.csv").write_text("LOG\n")
    two_days = time.time() - 2 * 24 * 3600
    os.utime(abandoned, (two_days, two_days))

    assert jobs.remove_old_files() == [old.id]
    assert not jobs.run_folder(old.id).exists()
    assert jobs.run_folder(recent.id).is_dir()
    assert not abandoned.exists()
    assert fresh.is_dir()
    page = page_text(admin.get(f"{URL}/{old.id}").text)
    assert "deleted 30 days after it finished" in page
    assert "Orders: read" in page  # the summary stays
    assert "Download summary" not in page
    assert admin.get(f"{URL}/{old.id}/summary.txt").status_code == 404
    assert admin.get(f"{URL}/{old.id}/rejects/orders.csv").status_code == 404
    assert "Download summary" in admin.get(f"{URL}/{recent.id}").text
    assert jobs.remove_old_files() == []


def test_import_files_are_kept_for_ever_when_keep_days_is_zero(app, admin, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_KEEP_DAYS", 0)
    upload(admin)
    (run,) = runs()
    _aged(run, days=4000)
    assert jobs.remove_old_files() == []
    assert jobs.run_folder(run.id).is_dir()

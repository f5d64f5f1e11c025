"""/admin/jobs: admins see each failed job attempt, newest first, and the queue (both
databases)."""

from __future__ import annotations

from datetime import timedelta

from presslog import jobs
from presslog.core.db import utcnow
from presslog.extensions import db
from presslog.ops.models import JobFailure
from tests.helpers import page_text

URL = "/admin/jobs"


@jobs.job(retries=0)
def explode(reason: str) -> None:
    """A job that always fails."""
    raise RuntimeError(reason)


def _failure(task: str, minutes_ago: int, *, retry: bool, message: str) -> None:
    db.session.add(
        JobFailure(
            task=task,
            task_id=f"id-{minutes_ago}",
            error="SMTPConnectError",
            message=message,
            will_retry=retry,
            failed_at=utcnow() - timedelta(minutes=minutes_ago),
        )
    )
    db.session.commit()


def test_a_failed_job_shows_on_the_admin_page(app, as_role):
    explode("the printer caught fire")  # immediate in tests: fails, and is recorded
    page = page_text(as_role("admin").get(URL).text)
    assert "tests.test_jobs_admin.explode" in page
    assert "RuntimeError" in page
    assert "the printer caught fire" in page
    assert "gave up" in page


def test_failures_are_newest_first_and_filtered_by_job(app, as_role):
    _failure("presslog.mail.service.deliver_mail", 30, retry=True, message="older mail")
    _failure("presslog.legacy.jobs.run_import", 20, retry=False, message="import broke")
    _failure("presslog.mail.service.deliver_mail", 10, retry=True, message="newer mail")
    admin = as_role("admin")
    page = page_text(admin.get(URL).text)
    assert page.index("newer mail") < page.index("import broke") < page.index("older mail")
    assert "will be retried" in page
    mail_only = page_text(
        admin.get(URL, query_string={"task": "presslog.mail.service.deliver_mail"}).text
    )
    assert "newer mail" in mail_only
    assert "older mail" in mail_only
    assert "import broke" not in mail_only
    unknown = page_text(admin.get(URL, query_string={"task": "no.such.job"}).text)
    assert "import broke" in unknown  # an unknown job name filters nothing


def test_an_empty_page_says_all_is_well_and_shows_the_queue(app, as_role):
    answer = as_role("admin").get(URL)
    assert answer.status_code == 200
    text = page_text(answer.text)
    assert "No failed jobs" in text
    assert "Jobs waiting" in text
    assert "runs at once (tests)" in text


def test_only_admins_see_the_jobs_page(app, as_role, client):
    for role in ("manager", "staff", "artist", "shipping", "viewer"):
        assert as_role(role).get(URL).status_code == 403
    assert client.get(URL).status_code == 302

"""Sending through a real SMTP server on loopback (aiosmtpd): what arrives, once per
key, and retries with growing delays while the server is down or busy."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from presslog import jobs
from presslog.extensions import db
from presslog.mail.models import SentMail
from presslog.mail.service import RETRY_DELAYS, send_mail
from presslog.ops.models import JobFailure
from tests.mail_helpers import outbox

CONTEXT = {
    "name": "Ann",
    "log": "T10042",
    "title": "Team shirts",
    "items": ["24 shirts"],
    "url": "https://presslog.example/orders/T10042",
}
TASK = "presslog.mail.service.deliver_mail"


def send(key="hello:1", to="ann@example.com"):
    send_mail(to=to, template="hello", context=CONTEXT, key=key)


def failures():
    return db.session.scalars(sa.select(JobFailure).order_by(JobFailure.id)).all()


def next_retry():
    """The one retry Huey has scheduled, and its delay from now in seconds."""
    [task] = jobs.huey.scheduled()
    now = datetime.now(UTC).replace(tzinfo=None)
    return task, (task.eta - now).total_seconds()


def run_retry(task):
    """Run a scheduled retry as the worker's scheduler would once it is due."""
    [due] = jobs.huey.read_schedule(task.eta)
    jobs.huey.execute(due, timestamp=task.eta)


def test_the_message_reaches_the_server_with_text_and_html(app, smtp_server):
    send()
    [message] = smtp_server.messages
    assert smtp_server.envelope_recipients == [["ann@example.com"]]
    assert message["From"] == "PressLog <presslog@localhost>"
    assert message["To"] == "ann@example.com"
    assert message["Subject"] == "Hello Ann, order T10042 is ready"
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "Order T10042 (Team shirts) is ready." in text
    assert "<strong>Team shirts</strong>" in html
    assert outbox(app) == []
    assert db.session.get(SentMail, "hello:1") is not None


def test_the_same_key_twice_reaches_the_server_once(app, smtp_server):
    send(key="hello:same")
    send(key="hello:same")
    assert len(smtp_server.messages) == 1


def test_while_the_server_is_down_the_job_is_retried_and_sends_once(app, smtp_server):
    smtp_server.stop()
    send()
    assert smtp_server.messages == []
    assert db.session.get(SentMail, "hello:1") is None
    [failure] = failures()
    assert (failure.task, failure.will_retry) == (TASK, True)
    assert failure.error == "ConnectionRefusedError"
    task, delay = next_retry()
    assert RETRY_DELAYS[0] - 5 < delay <= RETRY_DELAYS[0]

    smtp_server.start()
    run_retry(task)
    assert len(smtp_server.messages) == 1
    assert jobs.huey.scheduled() == []
    send()  # the same message queued again later: still once
    assert len(smtp_server.messages) == 1
    assert len(failures()) == 1


def test_retries_wait_longer_each_time_then_stop(app, smtp_server):
    smtp_server.stop()
    send()
    delays = []
    for _ in RETRY_DELAYS:
        task, delay = next_retry()
        delays.append(round(delay / 60))
        run_retry(task)
    assert delays == [1, 2, 4, 8, 16]
    assert jobs.huey.scheduled() == []
    will_retry = [f.will_retry for f in failures()]
    assert will_retry == [True] * len(RETRY_DELAYS) + [False]
    assert db.session.get(SentMail, "hello:1") is None


def test_a_busy_server_4xx_is_retried(app, smtp_server):
    smtp_server.refuse.append("451 4.3.0 Try again later")
    send()
    assert smtp_server.messages == []
    [failure] = failures()
    assert failure.will_retry is True
    assert "451" in failure.message
    task, _delay = next_retry()
    run_retry(task)
    assert len(smtp_server.messages) == 1


def test_a_refusal_5xx_is_not_retried(app, smtp_server):
    smtp_server.refuse.append("554 5.7.1 Rejected")
    send()
    [failure] = failures()
    assert failure.will_retry is False
    assert "554" in failure.message
    assert jobs.huey.scheduled() == []
    assert smtp_server.messages == []
    assert db.session.get(SentMail, "hello:1") is None

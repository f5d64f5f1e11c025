"""send_mail with no mail server: messages land in the outbox folder, once per key,
after the caller's transaction commits; render_mail for previews."""

from __future__ import annotations

import logging

import jinja2
import pytest
import sqlalchemy as sa

from presslog import jobs
from presslog.extensions import db
from presslog.mail.models import SentMail
from presslog.mail.service import render_mail, send_mail
from presslog.ops.models import JobFailure
from tests.mail_helpers import outbox

CONTEXT = {
    "name": "Ann",
    "log": "T10042",
    "title": "Team shirts",
    "items": ["24 shirts", "2 colors"],
    "url": "https://presslog.example/orders/T10042",
}


def parts(message):
    """The (text, html) bodies of a multipart/alternative message."""
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    return text.get_content(), html.get_content()


def test_with_no_mail_server_the_message_is_written_to_the_outbox_and_logged(app, caplog):
    caplog.set_level(logging.INFO, logger="presslog.mail")
    send_mail(to="ann@example.com", template="hello", context=CONTEXT, key="hello:1")

    [message] = outbox(app)
    assert message["To"] == "ann@example.com"
    assert message["From"] == "PressLog <presslog@localhost>"
    assert message["Subject"] == "Hello Ann, order T10042 is ready"
    assert message["Auto-Submitted"] == "auto-generated"
    text, html = parts(message)
    assert "Order T10042 (Team shirts) is ready." in text
    assert "- 24 shirts\n- 2 colors" in text
    assert "Open the order:\nhttps://presslog.example/orders/T10042" in text
    assert "You get this e-mail because a test asked for it." in text
    assert '<a href="https://presslog.example/orders/T10042"' in html
    assert "<title>Hello Ann, order T10042 is ready</title>" in html

    [line] = [r.getMessage() for r in caplog.records if r.name == "presslog.mail"]
    assert "ann@example.com" in line
    assert "Hello Ann, order T10042 is ready" in line
    assert line.split("written to ")[1].split(" ")[0].endswith(".eml")

    sent = db.session.get(SentMail, "hello:1")
    assert (sent.recipient, sent.subject) == ("ann@example.com", "Hello Ann, order T10042 is ready")


def test_the_same_key_is_sent_once_however_often_it_is_queued(app):
    for _ in range(3):
        send_mail(to="ann@example.com", template="hello", context=CONTEXT, key="hello:once")
    send_mail(to="ann@example.com", template="hello", context=CONTEXT, key="hello:other")
    assert len(outbox(app)) == 2
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SentMail)) == 2


def test_mail_waits_until_the_callers_transaction_commits(app):
    db.session.add(SentMail(key="unrelated", recipient="x@example.com", subject="x"))
    db.session.flush()
    send_mail(to="ann@example.com", template="hello", context=CONTEXT, key="hello:later")
    assert outbox(app) == []
    db.session.commit()
    assert [m["To"] for m in outbox(app)] == ["ann@example.com"]


def test_a_rolled_back_transaction_sends_no_mail(app):
    db.session.add(SentMail(key="unrelated", recipient="x@example.com", subject="x"))
    send_mail(to="ann@example.com", template="hello", context=CONTEXT, key="hello:never")
    db.session.rollback()
    db.session.add(SentMail(key="next", recipient="x@example.com", subject="x"))
    db.session.commit()
    assert outbox(app) == []
    assert db.session.get(SentMail, "hello:never") is None


def test_with_nothing_written_the_mail_is_queued_at_once(app):
    db.session.scalars(sa.select(SentMail)).all()  # a transaction that only reads
    send_mail(to="ann@example.com", template="hello", context=CONTEXT, key="hello:now")
    assert len(outbox(app)) == 1


def test_render_mail_escapes_values_in_html_only(app):
    subject, text, html = render_mail("hello", {**CONTEXT, "name": "Ann & <Bob>"})
    assert subject == "Hello Ann & <Bob>, order T10042 is ready"
    assert "Hello Ann & <Bob>," in text
    assert "Hello Ann &amp; &lt;Bob&gt;," in html
    assert "<Bob>" not in html
    assert "<title>Hello Ann &amp; &lt;Bob&gt;, order T10042 is ready</title>" in html
    assert text.endswith("asked for it.\n")


@pytest.mark.parametrize(
    ("arguments", "error"),
    [
        ({"to": "not an address"}, ValueError),
        ({"to": "ann@example.com\nBcc: everyone@example.com"}, ValueError),
        ({"key": ""}, ValueError),
        ({"key": "k" * 161}, ValueError),
        ({"template": "no_such_template"}, jinja2.TemplateNotFound),
        ({"context": {**CONTEXT, "user": object()}}, ValueError),
    ],
)
def test_arguments_that_cannot_work_are_refused_in_the_caller(app, arguments, error):
    call = {"to": "ann@example.com", "template": "hello", "context": CONTEXT, "key": "k:1"}
    with pytest.raises(error):
        send_mail(**{**call, **arguments})
    assert outbox(app) == []


def test_a_template_without_subject_fails_for_good_and_is_logged(app):
    send_mail(to="ann@example.com", template="no_subject", context={}, key="broken:1")
    assert outbox(app) == []
    [failure] = db.session.scalars(sa.select(JobFailure)).all()
    assert failure.task == "presslog.mail.service.deliver_mail"
    assert "block subject" in failure.message
    assert failure.will_retry is False
    assert jobs.huey.scheduled() == []

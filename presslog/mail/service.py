"""Sending mail: ``send_mail`` queues a job; the job renders, sends once, and records it.

A request never talks to the mail server. ``send_mail`` checks its arguments and queues
the ``deliver_mail`` job, which renders ``templates/mail/<template>.txt`` and ``.html``
(the subject is the templates' ``{% block subject %}``), sends one multipart/alternative
message and records a ``SentMail`` row under the caller's ``key``. A job that finds its
key recorded sends nothing, so a retried or repeated job never sends twice.

When the caller's database transaction has written anything, the job is queued only
once that transaction commits: a rolled-back action sends no mail, and a job run at once
(tests) never waits for the caller's uncommitted rows.

Errors reaching the mail server (refused connection, timeout, a 4xx answer) are retried
after 1, 2, 4, 8 and 16 minutes; a 5xx answer or a broken template is not retried. Every
failed attempt is written to the job failure log (``presslog.jobs``).
"""

from __future__ import annotations

import hashlib
import logging
import re
import smtplib
from collections.abc import Mapping
from email.utils import parseaddr
from typing import Any

import jinja2
from flask import current_app
from flask_mailman import EmailMultiAlternatives
from markupsafe import Markup
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, SessionTransaction

from presslog.extensions import db
from presslog.jobs import job
from presslog.mail.models import KEY_LENGTH, SentMail

log = logging.getLogger("presslog.mail")

# Minutes between attempts after a failure that may pass: 1, 2, 4, 8, 16 (six in all).
RETRY_DELAYS = (60, 120, 240, 480, 960)
SUBJECT_LENGTH = 255

# Keys of Session.info: mails waiting for the transaction to commit, and whether the
# transaction has written anything (flushed) so far.
_PENDING = "presslog.mail.pending"
_WROTE = "presslog.mail.wrote"

PlainValue = str | int | float | bool | None


def send_mail(*, to: str, template: str, context: dict[str, Any], key: str) -> None:
    """Queue the message ``template`` for ``to``, sent at most once for ``key``.

    ``context`` holds plain values only (text, numbers, lists and dicts of them): links
    are built by the caller with ``url_for(..., _external=True)``. The job is queued at
    once, or when the current transaction commits if it has written anything.

    :raises ValueError: for an address, key, template or context that cannot work.
    """
    _check_address(to)
    if not key or len(key) > KEY_LENGTH:
        raise ValueError(f"a mail key has 1 to {KEY_LENGTH} characters, not {len(key)}")
    for suffix in ("txt", "html"):
        current_app.jinja_env.get_template(f"mail/{template}.{suffix}")  # TemplateNotFound
    _check_plain(context, "context")

    args = {"to": to, "template": template, "context": dict(context), "key": key}
    session = db.session()
    if session.in_transaction() and (
        session.info.get(_WROTE) or session.new or session.dirty or session.deleted
    ):
        session.info.setdefault(_PENDING, []).append(args)
    else:
        deliver_mail(**args)


def render_mail(template: str, context: Mapping[str, Any]) -> tuple[str, str, str]:
    """Render ``mail/<template>.txt`` and ``.html``: return (subject, text, html)."""
    env = current_app.jinja_env
    text_template = env.get_template(f"mail/{template}.txt")
    html_template = env.get_template(f"mail/{template}.html")
    subject = _subject(text_template, context)
    if not subject:  # the HTML block is markup already escaped by Jinja: read it as text
        subject = Markup(_subject(html_template, context)).striptags()  # noqa: S704
    subject = " ".join(subject.split())
    if not subject:
        raise ValueError(f"mail/{template}.txt has no {{% block subject %}}")
    values = {**context, "mail_subject": subject}
    text = _tidy_text(text_template.render(values))
    html = html_template.render(values)
    return subject[:SUBJECT_LENGTH], text, html


@job(retries=len(RETRY_DELAYS), retry_delay=RETRY_DELAYS[0], context=True)
def deliver_mail(
    to: str, template: str, context: dict[str, Any], key: str, task: Any = None
) -> None:
    """Send the message once (the job ``send_mail`` queues); retry what may pass."""
    try:
        _deliver(to=to, template=template, context=context, key=key)
    except Exception as exc:
        db.session.rollback()
        if task is not None:
            if _may_pass(exc) and task.retries:
                attempt = len(RETRY_DELAYS) - task.retries
                task.retry_delay = RETRY_DELAYS[min(max(attempt, 0), len(RETRY_DELAYS) - 1)]
                log.warning(
                    "mail %s to %s failed (%s); next attempt in %d s",
                    key,
                    to,
                    exc,
                    task.retry_delay,
                )
            else:
                task.retries = 0  # permanent: the failure log keeps it for an admin
        raise


def _deliver(*, to: str, template: str, context: dict[str, Any], key: str) -> None:
    if db.session.get(SentMail, key) is not None:
        log.info("mail %s was sent already: not sending it again", key)
        return
    subject, text, html = render_mail(template, context)
    mailman = current_app.extensions["mailman"]
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        to=[to],
        headers={
            # The same key gives the same Message-ID: should a message ever go twice
            # (the server took it, then the worker died before recording it), mail
            # programs show it once. RFC 3834: no out-of-office replies to this.
            "Message-ID": _message_id(key, mailman.default_sender),
            "Auto-Submitted": "auto-generated",
        },
    )
    message.attach_alternative(html, "text/html")
    message.send()
    db.session.add(SentMail(key=key, recipient=to[:255], subject=subject))
    try:
        db.session.commit()
    except IntegrityError:  # another worker sent the same key at the same moment
        db.session.rollback()
        log.warning("mail %s was sent by two jobs at once", key)
        return
    if mailman.backend == "smtp":
        log.info("mail %s to %s sent: %s", key, to, subject)


def _may_pass(exc: BaseException) -> bool:
    """Whether trying again later may succeed (a server down or busy, not a 5xx)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return any(code < 500 for code, _reason in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return bool(exc.smtp_code < 500)
    # Connection errors, timeouts, a busy database may pass; a broken template will not.
    return not isinstance(exc, jinja2.TemplateError | ValueError | TypeError | LookupError)


def _subject(template: jinja2.Template, context: Mapping[str, Any]) -> str:
    block = template.blocks.get("subject")
    if block is None:
        return ""
    return "".join(block(template.new_context(dict(context)))).strip()


def _tidy_text(text: str) -> str:
    # Trailing blanks go, except in "-- ", the line mail programs know starts a signature.
    lines = [line if line == "-- " else line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"


def _message_id(key: str, sender: str) -> str:
    domain = parseaddr(sender)[1].rpartition("@")[2] or "presslog.invalid"
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:40]}@{domain}>"


def _check_address(to: str) -> None:
    if not isinstance(to, str) or "\n" in to or "\r" in to or "@" not in parseaddr(to)[1]:
        raise ValueError(f"not an e-mail address: {to!r}")


def _check_plain(value: Any, where: str) -> None:
    if isinstance(value, dict):
        for name, item in value.items():
            if not isinstance(name, str):
                raise ValueError(f"{where} has a key that is not text: {name!r}")
            _check_plain(item, f"{where}[{name!r}]")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _check_plain(item, f"{where}[{index}]")
    elif not isinstance(value, PlainValue):
        raise ValueError(
            f"{where} must hold plain values (text, numbers, lists, dicts), "
            f"not {type(value).__name__}: pass what the mail shows, e.g. a URL, not an object"
        )


_hooks_installed = False


def install_session_hooks() -> None:
    """Queue waiting mails when a transaction commits; forget them when it does not."""
    global _hooks_installed
    if _hooks_installed:
        return
    _hooks_installed = True
    event.listen(Session, "after_flush", _note_write)
    event.listen(Session, "after_commit", _queue_pending)
    event.listen(Session, "after_transaction_end", _forget_pending)


def _note_write(session: Session, _flush_context: Any) -> None:
    session.info[_WROTE] = True


def _queue_pending(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint: the transaction goes on
        return
    pending = session.info.pop(_PENDING, [])
    session.info.pop(_WROTE, None)
    for args in pending:
        try:
            deliver_mail(**args)
        except Exception:  # the data is committed: do not turn that into an error page
            log.exception("mail %s to %s could not be queued", args["key"], args["to"])


def _forget_pending(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is not None:
        return
    session.info.pop(_WROTE, None)
    dropped = session.info.pop(_PENDING, [])
    if dropped:
        log.info("%d mail(s) not sent: their transaction was rolled back", len(dropped))

"""Password reset end to end over a real SMTP server, and what it must never reveal."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
import time_machine
from flask import Flask

from presslog.accounts import service
from presslog.audit.models import AuditEvent
from presslog.extensions import db
from presslog.notifications.models import Notification
from tests.accounts.helpers import link_in, mails_to, text_of
from tests.conftest import PASSWORD, csrf_from, login

NEW_PASSWORD = "plum orchard ladder 42"


def ask_for_link(client: Any, email: str) -> Any:
    page = client.get("/password/forgot")
    return client.post(
        "/password/forgot", data={"email": email, "csrf_token": csrf_from(page.text)}
    )


def choose_password(client: Any, path: str, password: str, confirm: str | None = None) -> Any:
    page = client.get(path)
    assert page.status_code == 200, page.text
    return client.post(
        path,
        data={
            "password": password,
            "confirm": password if confirm is None else confirm,
            "csrf_token": csrf_from(page.text),
        },
    )


def actions(username: str | None = None) -> list[str]:
    stmt = sa.select(AuditEvent.action).order_by(AuditEvent.id)
    if username is not None:
        stmt = stmt.where(AuditEvent.entity_key == username)
    return list(db.session.execute(stmt).scalars())


def test_reset_end_to_end_over_smtp(app: Flask, client: Any, make_user: Any, smtp_server: Any):
    user = make_user("staff", email="pat@example.com")
    signed_in = app.test_client()
    assert login(signed_in, user.username, remember=True).status_code == 302
    assert signed_in.get("/orders").status_code == 200

    answer = ask_for_link(client, "PAT@example.com ")
    assert answer.status_code == 200
    assert "If an account uses that address" in answer.text
    [mail] = smtp_server.messages
    assert mail["To"] == "pat@example.com"
    assert mail["Subject"] == "Choose a new PressLog password"
    assert mail.get_body(("html",)) is not None
    path = link_in(mail, "/password/reset/")

    done = choose_password(client, path, NEW_PASSWORD)
    assert done.status_code == 302
    assert done.headers["Location"].endswith("/login")

    db.session.expire_all()
    # The old password no longer signs in; the new one does.
    assert login(app.test_client(), user.username).status_code == 401
    assert login(app.test_client(), user.username, NEW_PASSWORD).status_code == 302
    # The session (and its remember-me cookie) signed in before the reset is dead.
    assert signed_in.get("/orders").status_code == 302
    # The link works once.
    again = client.get(path)
    assert again.status_code == 410
    assert "already used" in again.text
    assert 'href="/password/forgot"' in again.text
    # A confirmation reached the SMTP server, and the bell knows.
    subjects = [m["Subject"] for m in smtp_server.messages]
    assert "Your PressLog password was changed" in subjects
    assert db.session.execute(
        sa.select(Notification.event).where(Notification.user_id == user.id)
    ).scalars().all() == ["account_changed"]
    log = actions(user.username)
    assert log.count("password.reset_request") == 1
    assert "password.reset" in log
    assert log[-1] == "password.reset_failed"


def test_a_link_is_dead_after_an_hour(app: Flask, client: Any, make_user: Any):
    user = make_user("staff")
    start = datetime.now(UTC)
    with time_machine.travel(start, tick=False) as clock:
        ask_for_link(client, user.email)
        [mail] = mails_to(app, user.email)
        path = link_in(mail, "/password/reset/")
        clock.shift(timedelta(minutes=59))
        assert client.get(path).status_code == 200
        clock.shift(timedelta(minutes=2))
        late = client.get(path)
        assert late.status_code == 410
        assert "expired" in late.text
        assert choose_password_status(client, path) == 410
    assert actions(user.username)[-2:] == ["password.reset_failed", "password.reset_failed"]
    db.session.expire_all()
    assert login(app.test_client(), user.username).status_code == 302


def choose_password_status(client: Any, path: str) -> int:
    page = client.get("/password/forgot")
    response = client.post(
        path,
        data={
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
            "csrf_token": csrf_from(page.text),
        },
    )
    return int(response.status_code)


def test_a_link_dies_when_the_password_changes_otherwise(app: Flask, client: Any, make_user: Any):
    user = make_user("staff")
    ask_for_link(client, user.email)
    path = link_in(mails_to(app, user.email)[0], "/password/reset/")
    ask_for_link(client, user.email)
    second = link_in(mails_to(app, user.email)[1], "/password/reset/")
    assert choose_password(client, second, NEW_PASSWORD).status_code == 302
    assert client.get(path).status_code == 410


def test_a_tampered_or_foreign_link_is_refused(app: Flask, client: Any, make_user: Any):
    user = make_user("staff")
    ask_for_link(client, user.email)
    path = link_in(mails_to(app, user.email)[0], "/password/reset/")
    assert client.get(path[:-3] + "xyz").status_code == 410
    assert client.get("/password/reset/not-a-token").status_code == 410
    # A made-up link only looked at leaves no trace; one submitted does.
    assert "password.reset_failed" not in actions()
    assert choose_password_status(client, "/password/reset/not-a-token") == 410
    assert actions()[-1] == "password.reset_failed"
    # An invitation-type token does not pass for a reset one (its own salt).
    from presslog.accounts import tokens

    other = tokens.issue(tokens.INVITATION, user_id=user.id, bound=service.password_state(user))
    assert client.get(f"/password/reset/{other}").status_code == 410


def test_new_password_follows_the_rules_and_is_typed_twice(app: Flask, client: Any, make_user: Any):
    user = make_user("staff")
    ask_for_link(client, user.email)
    path = link_in(mails_to(app, user.email)[0], "/password/reset/")
    short = choose_password(client, path, "short")
    assert short.status_code == 422
    assert "Password must be 12–200 characters." in short.text
    differ = choose_password(client, path, NEW_PASSWORD, "something else entirely")
    assert differ.status_code == 422
    assert service.PASSWORDS_DIFFER in differ.text
    # Nothing was changed: the link still works.
    assert choose_password(client, path, NEW_PASSWORD).status_code == 302


def _normalized(response: Any) -> tuple[int, str, dict[str, str]]:
    body = re.sub(r'value="[^"]+"', 'value=""', response.text)
    body = re.sub(r'nonce="[^"]+"', 'nonce=""', body)
    body = re.sub(r"<code>[0-9a-f-]{8,}</code>", "<code></code>", body)  # request id
    varying = {"set-cookie", "content-security-policy", "x-request-id"}
    headers = {k: v for k, v in response.headers.items() if k.lower() not in varying}
    return response.status_code, body, headers


def client_at(app: Flask, address: str) -> Any:
    """A client coming from ``address`` (the rate limits count per client)."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_forgot_answers_the_same_for_known_and_unknown_addresses(
    app: Flask, make_user: Any, smtp_server: Any
):
    user = make_user("staff")
    inactive = make_user("viewer", active=False)
    # Frozen time: the Date and rate-limit reset headers may then be compared too.
    with time_machine.travel(datetime.now(UTC), tick=False):
        known = ask_for_link(client_at(app, "192.0.2.1"), user.email)
        unknown = ask_for_link(client_at(app, "192.0.2.2"), "nobody@example.com")
        # An inactive account is treated as unknown, in words and by mail.
        off = ask_for_link(client_at(app, "192.0.2.3"), inactive.email)
    assert _normalized(known) == _normalized(unknown)
    assert _normalized(off) == _normalized(unknown)
    assert "Retry-After" in known.headers
    assert len(smtp_server.messages) == 1
    # The audit log (admins only) says which it was.
    summaries = (
        db.session.execute(
            sa.select(AuditEvent.summary).where(AuditEvent.action == "password.reset_request")
        )
        .scalars()
        .all()
    )
    assert summaries[0] == f"Link sent to {user.email}"
    assert summaries[1] == "No link sent: account unknown (nobody@example.com)"
    assert summaries[2] == "No link sent: account inactive"


def test_forgot_does_the_same_work_for_known_and_unknown_addresses(
    app: Flask, make_user: Any, monkeypatch: pytest.MonkeyPatch
):
    """The request itself runs the same statements and queues the same job for any
    address; only the background job looks the address up (so timing cannot tell)."""
    user = make_user("staff")
    queued: list[tuple[str, ...]] = []
    monkeypatch.setattr(service, "send_reset_link", lambda *args: queued.append(args))
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        runs = []
        for address in (user.email, "nobody@example.com"):
            client = app.test_client()
            page = client.get("/password/forgot")
            statements.clear()
            client.post(
                "/password/forgot", data={"email": address, "csrf_token": csrf_from(page.text)}
            )
            runs.append(list(statements))
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    assert runs[0] == runs[1]
    assert [q[0] for q in queued] == [user.email, "nobody@example.com"]


def test_forgot_is_rate_limited_per_address_and_per_client(app: Flask, make_user: Any):
    user = make_user("staff")
    statuses = [
        ask_for_link(app.test_client(), user.email).status_code for _ in range(4)
    ]  # each from a new client, all from the same address
    assert statuses == [200, 200, 200, 429]
    # The same address from elsewhere is refused too (per address) …
    far = client_at(app, "198.51.100.7")
    assert ask_for_link(far, user.email).status_code == 429
    # … and one client asking for many addresses is stopped (per client).
    many = client_at(app, "198.51.100.8")
    answers = [ask_for_link(many, f"someone{i}@example.com").status_code for i in range(11)]
    assert answers[:10] == [200] * 10
    assert answers[10] == 429
    # At most three links went to the person.
    assert len(mails_to(app, user.email)) == 3


def test_reset_lifts_a_sign_in_lock(app: Flask, client: Any, make_user: Any):
    user = make_user("staff", failed_logins=7, locked_until=datetime.now(UTC) + timedelta(hours=1))
    ask_for_link(client, user.email)
    path = link_in(mails_to(app, user.email)[0], "/password/reset/")
    assert choose_password(client, path, NEW_PASSWORD).status_code == 302
    assert login(app.test_client(), user.username, NEW_PASSWORD).status_code == 302


def test_login_page_links_to_forgot_password(client: Any):
    page = client.get("/login")
    assert 'href="/password/forgot"' in page.text
    assert "Create an account" not in page.text


def test_password_changed_mail_names_the_account(app: Flask, client: Any, make_user: Any):
    user = make_user("staff", full_name="Pat Doe")
    ask_for_link(client, user.email)
    choose_password(client, link_in(mails_to(app, user.email)[0], "/password/reset/"), NEW_PASSWORD)
    changed = [m for m in mails_to(app, user.email) if "was changed" in str(m["Subject"])]
    assert changed
    assert user.username in text_of(changed[0])
    assert "Hello Pat Doe" in text_of(changed[0])
    assert PASSWORD not in text_of(changed[0])

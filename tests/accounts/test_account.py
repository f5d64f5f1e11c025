"""The account page: name, e-mail (confirmed through the new address), password, theme
and one's own API tokens."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from flask import Flask

from presslog.audit.models import AuditEvent
from presslog.extensions import db
from presslog.notifications.models import Notification
from presslog.users.models import ApiToken, User
from tests.accounts.helpers import link_in, mails_to
from tests.conftest import PASSWORD, csrf_from, login

NEW_PASSWORD = "plum orchard ladder 42"


def me(client: Any) -> User:
    db.session.expire_all()
    user = db.session.get(User, client.user.id)
    assert user is not None
    return user


def post(client: Any, path: str, **data: str) -> Any:
    page = client.get("/account")
    return client.post(path, data={**data, "csrf_token": csrf_from(page.text)})


def audit_actions(username: str) -> list[str]:
    stmt = sa.select(AuditEvent.action).where(AuditEvent.entity_key == username)
    return list(db.session.execute(stmt.order_by(AuditEvent.id)).scalars())


def bells(user: User) -> list[str]:
    stmt = sa.select(Notification.title).where(Notification.user_id == user.id)
    return list(db.session.execute(stmt.order_by(Notification.id)).scalars())


def test_every_role_has_an_account_page_linked_from_the_menu(as_role: Any, client: Any):
    for role in ("viewer", "shipping", "admin"):
        signed_in = as_role(role)
        page = signed_in.get("/account")
        assert page.status_code == 200
        assert page.text.count("<h1") == 1
        assert 'href="/account"' in page.text
        assert 'href="/account/notifications"' in page.text
    assert client.get("/account").status_code == 302


def test_change_name(as_role: Any):
    client = as_role("staff")
    user = me(client)
    done = post(client, "/account/name", full_name="Robin Press", version=str(user.version))
    assert done.status_code == 302
    assert me(client).full_name == "Robin Press"
    assert audit_actions(user.username)[-1] == "user.update"
    assert bells(user) == ["Your name was changed"]


def test_a_stale_name_form_is_refused(as_role: Any):
    client = as_role("staff")
    user = me(client)
    stale = str(user.version)
    user.full_name = "Changed Elsewhere"
    db.session.commit()
    refused = post(client, "/account/name", full_name="Mine", version=stale)
    assert refused.status_code == 409
    assert "changed by someone else" in refused.text
    assert me(client).full_name == "Changed Elsewhere"


def test_email_changes_only_through_the_link_sent_to_the_new_address(app: Flask, as_role: Any):
    client = as_role("staff")
    old = me(client).email
    asked = post(client, "/account/email", email="New.Me@Example.com", email_password=PASSWORD)
    assert asked.status_code == 302
    assert me(client).email == old  # not yet
    [mail] = mails_to(app, "new.me@example.com")
    assert mail["Subject"] == "Confirm your new PressLog e-mail address"
    path = link_in(mail, "/account/email/confirm/")
    # Another person's session cannot use the link.
    other = as_role("viewer")
    assert other.get(path).status_code == 410
    assert me(client).email == old

    done = client.get(path)
    assert done.status_code == 302
    assert me(client).email == "new.me@example.com"
    [notice] = mails_to(app, old)
    assert notice["Subject"] == "Your PressLog e-mail address was changed"
    assert client.get(path).status_code == 410  # single use
    actions = audit_actions(me(client).username)
    assert "user.email_request" in actions
    assert "user.email" in actions
    assert bells(me(client)) == ["Your e-mail address is now new.me@example.com"]


def test_email_change_needs_the_password_and_a_free_address(
    app: Flask, as_role: Any, make_user: Any
):
    client = as_role("staff")
    wrong = post(client, "/account/email", email="x@example.com", email_password="not mine!!")
    assert wrong.status_code == 422
    assert "not your current password" in wrong.text
    taken = make_user("viewer")
    clash = post(client, "/account/email", email=taken.email, email_password=PASSWORD)
    assert clash.status_code == 409
    assert "already used" in clash.text
    assert mails_to(app, "x@example.com") == []


def test_change_password_ends_every_other_session(app: Flask, as_role: Any, smtp_server: Any):
    client = as_role("staff")
    user = me(client)
    elsewhere = app.test_client()
    assert login(elsewhere, user.username, remember=True).status_code == 302
    changed = post(
        client,
        "/account/password",
        current_password=PASSWORD,
        password=NEW_PASSWORD,
        confirm=NEW_PASSWORD,
    )
    assert changed.status_code == 302
    # This session stays; the other one (and its remember-me cookie) ends.
    assert client.get("/orders").status_code == 200
    assert elsewhere.get("/orders").status_code == 302
    assert login(app.test_client(), user.username, NEW_PASSWORD).status_code == 302
    # One mail: the security notice; the bell's notification does not send a second.
    assert [m["Subject"] for m in smtp_server.messages] == ["Your PressLog password was changed"]
    assert "password.change" in audit_actions(user.username)
    assert bells(user) == ["Your password was changed"]


def test_remembered_device_stays_remembered_after_a_change(app: Flask, make_user: Any):
    user = make_user("staff")
    client = app.test_client()
    login(client, user.username, remember=True)
    post(
        client,
        "/account/password",
        current_password=PASSWORD,
        password=NEW_PASSWORD,
        confirm=NEW_PASSWORD,
    )
    # Drop the session cookie: the fresh remember-me cookie alone signs this device in.
    client.delete_cookie("session")
    assert client.get("/orders").status_code == 200


def test_change_password_checks_current_and_rules(as_role: Any):
    client = as_role("staff")
    wrong = post(
        client,
        "/account/password",
        current_password="wrong password!",
        password=NEW_PASSWORD,
        confirm=NEW_PASSWORD,
    )
    assert wrong.status_code == 422
    assert "not your current password" in wrong.text
    differ = post(
        client,
        "/account/password",
        current_password=PASSWORD,
        password=NEW_PASSWORD,
        confirm="another one entirely",
    )
    assert differ.status_code == 422
    assert "two passwords differ" in differ.text
    assert client.get("/orders").status_code == 200


def test_theme_applies_to_every_page(as_role: Any):
    client = as_role("staff")
    assert 'data-theme-choice="system"' in client.get("/orders").text
    done = post(client, "/account/theme", theme="dark", version=str(me(client).version))
    assert done.status_code == 302
    page = client.get("/orders").text
    assert 'data-bs-theme="dark"' in page
    assert 'data-theme-choice="dark"' in page
    bad = post(client, "/account/theme", theme="pink", version=str(me(client).version))
    assert bad.status_code == 422
    assert me(client).theme == "dark"


def test_own_api_tokens(app: Flask, as_role: Any):
    client = as_role("viewer")
    made = post(client, "/account/tokens", name="My spreadsheet")
    assert made.status_code == 200
    plain = re.search(r'id="new-token" type="text" readonly autofocus value="([^"]+)"', made.text)
    assert plain
    assert (
        app.test_client()
        .get("/api/v1/me", headers={"Authorization": f"Bearer {plain.group(1)}"})
        .status_code
        == 200
    )
    listing = client.get("/account").text
    assert "My spreadsheet" in listing
    assert plain.group(1) not in listing
    token = db.session.execute(sa.select(ApiToken)).scalar_one()
    revoked = post(client, f"/account/tokens/{token.id}/revoke")
    assert revoked.status_code == 302
    assert (
        app.test_client()
        .get("/api/v1/me", headers={"Authorization": f"Bearer {plain.group(1)}"})
        .status_code
        == 401
    )
    assert audit_actions(me(client).username)[-2:] == ["token.create", "token.revoke"]


def test_someone_elses_token_cannot_be_revoked(as_role: Any, api: Any):
    other = api("staff")
    token = db.session.execute(sa.select(ApiToken)).scalar_one()
    client = as_role("viewer")
    assert post(client, f"/account/tokens/{token.id}/revoke").status_code == 404
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).revoked_at is None
    assert other.get("/api/v1/me").status_code == 200

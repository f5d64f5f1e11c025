"""Invitations: an admin invites by e-mail; the link sets a password once, for 72 hours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
import time_machine
from flask import Flask

from presslog.audit.models import AuditEvent
from presslog.extensions import db
from presslog.users.models import User
from tests.accounts.helpers import link_in, mails_to, text_of
from tests.conftest import csrf_from, login

PASSWORD = "plum orchard ladder 42"


def invite(admin: Any, **values: str) -> Any:
    page = admin.get("/admin/users/invite")
    assert page.status_code == 200
    data = {"username": "newbie", "email": "newbie@example.com", "role": "artist"}
    return admin.post(
        "/admin/users/invite", data={**data, **values, "csrf_token": csrf_from(page.text)}
    )


def accept(client: Any, path: str, password: str = PASSWORD) -> Any:
    page = client.get(path)
    assert page.status_code == 200, page.text
    return client.post(
        path, data={"password": password, "confirm": password, "csrf_token": csrf_from(page.text)}
    )


def newbie() -> User:
    db.session.expire_all()
    return db.session.execute(sa.select(User).where(User.username == "newbie")).scalar_one()


def test_invitation_end_to_end_over_smtp(app: Flask, as_role: Any, smtp_server: Any):
    admin = as_role("admin")
    answer = invite(admin, full_name="Nell Newbie")
    assert answer.status_code == 302
    user = newbie()
    assert user.password_hash is None
    assert user.invited_at is not None
    assert user.role == "artist"
    listing = admin.get("/admin/users?q=newbie")
    assert "Invited" in listing.text

    [mail] = smtp_server.messages
    assert mail["To"] == "newbie@example.com"
    assert mail["Subject"] == "You are invited to PressLog"
    assert "72 hours" in text_of(mail)
    path = link_in(mail, "/invite/")
    # No password, no sign-in.
    assert login(app.test_client(), "newbie", "").status_code != 302

    person = app.test_client()
    done = accept(person, path)
    assert done.status_code == 302
    assert person.get("/orders").status_code == 200  # signed in at once
    assert "Invited" not in admin.get("/admin/users?q=newbie").text
    assert login(app.test_client(), "newbie", PASSWORD).status_code == 302
    # Single use.
    used = app.test_client().get(path)
    assert used.status_code == 410
    assert "already accepted" in used.text
    actions = (
        db.session.execute(sa.select(AuditEvent.action).where(AuditEvent.entity_key == "newbie"))
        .scalars()
        .all()
    )
    assert actions[0] == "user.invite"
    assert "user.invite_accept" in actions
    assert actions[-1] == "user.invite_failed"


def test_an_invitation_expires_after_72_hours(app: Flask, as_role: Any):
    admin = as_role("admin")
    with time_machine.travel(datetime.now(UTC), tick=False) as clock:
        invite(admin)
        path = link_in(mails_to(app, "newbie@example.com")[0], "/invite/")
        clock.shift(timedelta(hours=71, minutes=59))
        assert app.test_client().get(path).status_code == 200
        clock.shift(timedelta(minutes=2))
        late = app.test_client().get(path)
        assert late.status_code == 410
        assert "expired" in late.text
    assert newbie().password_hash is None


def test_resending_replaces_the_old_link(app: Flask, as_role: Any):
    admin = as_role("admin")
    invite(admin)
    first = link_in(mails_to(app, "newbie@example.com")[0], "/invite/")
    page = admin.get("/admin/users/newbie")
    assert "Send the invitation again" in page.text
    again = admin.post(
        "/admin/users/newbie/invite",
        data={"csrf_token": admin.csrf, "version": str(newbie().version)},
    )
    assert again.status_code == 302
    mails = mails_to(app, "newbie@example.com")
    assert len(mails) == 2
    second = link_in(mails[1], "/invite/")
    assert app.test_client().get(first).status_code == 410
    assert accept(app.test_client(), second).status_code == 302
    # Once accepted there is nothing to resend.
    refused = admin.post(
        "/admin/users/newbie/invite",
        data={"csrf_token": admin.csrf, "version": str(newbie().version)},
    )
    assert refused.status_code == 303
    assert len(mails_to(app, "newbie@example.com")) == 2


def test_invite_names_bad_fields_and_taken_addresses(app: Flask, as_role: Any, make_user: Any):
    admin = as_role("admin")
    bad = invite(admin, username="x", email="not-an-address")
    assert bad.status_code == 422
    assert "Username must be" in bad.text
    assert "E-mail must look like" in bad.text
    taken = make_user("viewer")
    clash = invite(admin, email=taken.email)
    assert clash.status_code == 409
    assert "already in use" in clash.text
    assert mails_to(app, taken.email) == []


def test_only_admins_invite(as_role: Any):
    manager = as_role("manager")
    assert manager.get("/admin/users/invite").status_code == 403


def test_the_invitation_password_follows_the_rules(app: Flask, as_role: Any):
    invite(as_role("admin"))
    path = link_in(mails_to(app, "newbie@example.com")[0], "/invite/")
    weak = accept(app.test_client(), path, "newbie-newbie-newbie")
    assert weak.status_code == 422
    assert "must not contain your username" in weak.text
    assert newbie().password_hash is None

"""Self-registration under REGISTRATION = closed, approval and open."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from presslog.audit.models import AuditEvent
from presslog.extensions import db
from presslog.users.models import User
from tests.accounts.helpers import mails_to
from tests.conftest import csrf_from, login

PASSWORD = "plum orchard ladder 42"


def register(client: Any, **values: str) -> Any:
    page = client.get("/register")
    assert page.status_code == 200, page.status_code
    data = {
        "username": "walkin",
        "email": "walkin@example.com",
        "full_name": "Wally Walkin",
        "password": PASSWORD,
        "confirm": PASSWORD,
    }
    return client.post("/register", data={**data, **values, "csrf_token": csrf_from(page.text)})


def register_post(client: Any, token: str) -> Any:
    return client.post(
        "/register",
        data={"username": "walkin", "email": "walkin@example.com", "csrf_token": token},
    )


def walkin() -> User:
    db.session.expire_all()
    return db.session.execute(sa.select(User).where(User.username == "walkin")).scalar_one()


def test_closed_by_default(app: Flask, client: Any):
    assert app.config["REGISTRATION"] == "closed"
    assert client.get("/register").status_code == 404
    token = csrf_from(client.get("/login").text)
    assert register_post(client, token).status_code == 404
    assert "Create an account" not in client.get("/login").text


def test_open_registration_makes_a_viewer_at_once(app: Flask, client: Any):
    app.config["REGISTRATION"] = "open"
    assert 'href="/register"' in client.get("/login").text
    answer = register(client)
    assert answer.status_code == 302
    user = walkin()
    assert user.role == "viewer"
    assert not user.awaiting_approval
    assert client.get("/orders").status_code == 200
    assert client.get("/admin/users").status_code == 403
    actions = (
        db.session.execute(sa.select(AuditEvent.action).where(AuditEvent.entity_key == "walkin"))
        .scalars()
        .all()
    )
    assert actions == ["user.create", "user.register"]


def test_approval_waits_until_an_admin_approves(app: Flask, client: Any, as_role: Any):
    app.config["REGISTRATION"] = "approval"
    answer = register(client)
    assert answer.status_code == 200
    assert "waits for an administrator" in answer.text
    assert walkin().awaiting_approval
    assert login(app.test_client(), "walkin", PASSWORD).status_code == 401

    admin = as_role("admin")
    assert "Awaiting approval" in admin.get("/admin/users").text
    done = admin.post(
        "/admin/users/walkin/approve",
        data={"csrf_token": admin.csrf, "version": str(walkin().version)},
    )
    assert done.status_code == 302
    assert not walkin().awaiting_approval
    [mail] = mails_to(app, "walkin@example.com")
    assert mail["Subject"] == "Your PressLog account is approved"
    assert login(app.test_client(), "walkin", PASSWORD).status_code == 302
    again = admin.post(
        "/admin/users/walkin/approve",
        data={"csrf_token": admin.csrf, "version": str(walkin().version)},
    )
    assert again.status_code == 303  # not waiting any more: refused, nothing mailed
    assert len(mails_to(app, "walkin@example.com")) == 1


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"confirm": "something else entirely"}, "confirm", "The two passwords differ"),
        ({"password": "walkin-walkin-x", "confirm": "walkin-walkin-x"}, "password", "must not"),
        ({"username": "A"}, "username", "Username must be"),
    ],
)
def test_bad_input_is_named_and_nothing_stored(
    app: Flask, client: Any, values: dict[str, str], field: str, message: str
):
    app.config["REGISTRATION"] = "open"
    answer = register(client, **values)
    assert answer.status_code == 422
    assert message in answer.text
    assert f'id="{field}-error">' in answer.text
    assert db.session.execute(sa.select(sa.func.count(User.id))).scalar() == 0


def test_taken_names_are_refused(app: Flask, client: Any, make_user: Any):
    app.config["REGISTRATION"] = "open"
    make_user("staff", username="walkin")
    assert register(client).status_code == 409


def test_registration_is_rate_limited(app: Flask):
    app.config["REGISTRATION"] = "open"
    statuses = [
        register(app.test_client(), username=f"walkin{i}", email=f"w{i}@example.com").status_code
        for i in range(6)
    ]
    assert statuses == [302] * 5 + [429]

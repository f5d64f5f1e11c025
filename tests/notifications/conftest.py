"""Notification fixtures: signed-in people, orders made through the real service, and
reading the bell the way the browser does (GET /notifications/count)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from presslog.core.transaction import transaction
from presslog.extensions import db
from presslog.notifications.models import Notification
from presslog.orders import service as orders
from tests.conftest import csrf_from, login
from tests.factories import CustomerFactory

BELL = re.compile(r"Notifications, (\d+) unread")


def unread(client: FlaskClient) -> int:
    """The unread count the bell shows to the person signed in on ``client``."""
    response = client.get("/notifications/count", headers={"HX-Request": "true"})
    assert response.status_code == 200, response.text
    match = BELL.search(response.text)
    assert match, response.text
    return int(match.group(1))


def notifications_of(user: Any) -> list[Notification]:
    """The person's stored notifications, oldest first."""
    db.session.expire_all()
    stmt = select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
    return list(db.session.scalars(stmt))


@pytest.fixture
def customer(app: Flask) -> Any:
    """The customer every order here is for."""
    made = CustomerFactory(code="CEN15", name="Central High Boosters")
    db.session.commit()
    return made


@pytest.fixture
def person(app: Flask, make_user: Any) -> Any:
    """A signed-in client for a new user of ``role``: ``.user`` and ``.csrf`` attached."""

    def signed_in(role: str = "staff", **kwargs: Any) -> FlaskClient:
        user = make_user(role, **kwargs)
        client = app.test_client()
        assert login(client, user.username).status_code == 302
        client.user = user  # type: ignore[attr-defined]
        client.csrf = csrf_from(client.get("/notifications").text)  # type: ignore[attr-defined]
        return client

    return signed_in


@pytest.fixture
def new_order(customer: Any) -> Any:
    """Log an order through the orders service as ``actor`` (committed)."""

    def make(actor: Any, log: str = "10240", **values: Any) -> Any:
        data = {
            "log": log,
            "customer": customer.code,
            "job_type": "TR",
            "title": f"Eagles shirts {log}",
            "quantity": 24,
            "received_on": date.today() - timedelta(days=1),
            "due_on": date.today() + timedelta(days=10),
            **values,
        }
        with transaction():
            order = orders.create_order(data=data, actor=actor)
        return order

    return make


def move(actor: Any, log: str, to_status: str) -> None:
    """Move the order one workflow step as ``actor`` (committed)."""
    with transaction():
        orders.change_status(log=log, to_status=to_status, expected_version=None, actor=actor)

"""Feedback: flash messages as toasts, and "Undo" after a move to the trash."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask, get_flashed_messages
from sqlalchemy import select

from presslog.core.errors import Conflict
from presslog.core.feedback import (
    UNDO_EXPIRED,
    check_undo_token,
    flash_undo,
    message_parts,
    undo_token,
)
from presslog.customers.models import Customer
from presslog.extensions import db
from presslog.orders.models import Order
from presslog.users.models import User
from tests.factories import CustomerFactory, OrderFactory
from tests.helpers import form_data, page_text

UNDO_FORM = re.compile(
    r'<form class="d-inline-block ms-2" method="post" action="([^"]+)">(.*?)</form>', re.S
)


def undo_form(page: str) -> tuple[str, dict[str, str]]:
    """The toast's Undo form: where it posts, and what it sends."""
    found = UNDO_FORM.search(page)
    assert found, "no Undo button on the page"
    return found.group(1), form_data(page, action=found.group(1))


def order(log: str) -> Order:
    db.session.expire_all()
    found = db.session.scalar(select(Order).where(Order.log == log))
    assert found is not None
    return found


@pytest.fixture
def central(app: Flask) -> Customer:
    customer = CustomerFactory(code="CEN15", name="Central High Boosters")
    db.session.commit()
    return customer


def test_message_parts_reads_plain_and_undoable_messages() -> None:
    assert message_parts("Saved.") == {"text": "Saved.", "undo_url": None, "fields": {}}
    undoable = {"text": "Gone.", "undo_url": "/x/undo", "fields": {"undo": "t"}}
    assert message_parts(undoable) == undoable


def test_flash_undo_stores_a_success_message_with_its_restore_url(app: Flask) -> None:
    with app.test_request_context("/"):
        flash_undo("Order 1 moved to the trash.", "/orders/1/undo-delete", {"undo": "abc"})
        assert get_flashed_messages(with_categories=True) == [
            (
                "success",
                {
                    "text": "Order 1 moved to the trash.",
                    "undo_url": "/orders/1/undo-delete",
                    "fields": {"undo": "abc"},
                },
            )
        ]


def test_an_undo_token_is_for_one_record_and_one_person(app: Flask, make_user: Any) -> None:
    from flask_login import login_user

    pat, lee = make_user("staff"), make_user("staff")
    with app.test_request_context("/"):
        login_user(pat)
        token = undo_token("order", "10234")
        check_undo_token(token, "order", "10234")  # no error
        for kind, key, bad in (
            ("order", "10235", token),
            ("customer", "10234", token),
            ("order", "10234", token + "x"),
            ("order", "10234", None),
        ):
            with pytest.raises(Conflict) as refused:
                check_undo_token(bad, kind, key)
            assert refused.value.detail == UNDO_EXPIRED
        login_user(lee)
        with pytest.raises(Conflict):
            check_undo_token(token, "order", "10234")


def test_front_desk_undoes_moving_an_order_to_the_trash(as_role: Any, central: Customer) -> None:
    staff = as_role("staff")  # may delete, may not restore from the trash
    OrderFactory(log="10234", customer=central)
    db.session.commit()
    page = staff.get("/orders/10234").text
    staff.post("/orders/10234/delete", data=form_data(page, action="/orders/10234/delete"))
    listing = staff.get("/orders").text
    assert "Order 10234 moved to the trash." in page_text(listing)
    assert 'class="toast show toast-success" role="status"' in listing
    action, data = undo_form(listing)
    assert action == "/orders/10234/undo-delete"
    assert order("10234").deleted_at is not None

    done = staff.post(action, data=data)
    assert done.status_code == 302
    assert done.headers["Location"] == "/orders/10234"
    assert order("10234").deleted_at is None
    assert "Order 10234 restored." in page_text(staff.get("/orders/10234").text)


def test_someone_elses_undo_is_refused_and_says_what_to_do(as_role: Any, central: Customer) -> None:
    pat, lee = as_role("staff"), as_role("staff")
    OrderFactory(log="10234", customer=central)
    db.session.commit()
    page = pat.get("/orders/10234").text
    pat.post("/orders/10234/delete", data=form_data(page, action="/orders/10234/delete"))
    action, data = undo_form(pat.get("/orders").text)
    data["csrf_token"] = lee.csrf  # lee's own session, pat's undo token
    refused = lee.post(action, data=data)
    assert refused.status_code == 302
    assert order("10234").deleted_at is not None
    shown = lee.get("/orders").text
    assert UNDO_EXPIRED in page_text(shown)
    assert 'class="toast show toast-danger" role="alert"' in shown


HOSTILE = ["", "x" * 5000, "<script>alert(1)</script>", "' OR 1=1 --", "../../etc/passwd", "\x00"]


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_undo_tokens_and_addresses_change_nothing(
    as_role: Any, central: Customer, value: str
) -> None:
    """The undo routes, beside the attack corpus: a bad token or address is a refusal."""
    staff = as_role("staff")
    OrderFactory(log="10234", customer=central)
    db.session.commit()
    page = staff.get("/orders/10234").text
    staff.post("/orders/10234/delete", data=form_data(page, action="/orders/10234/delete"))
    _action, data = undo_form(staff.get("/orders").text)
    page = staff.get("/customers/CEN15").text
    staff.post("/customers/CEN15/delete", data=form_data(page, action="/customers/CEN15/delete"))
    for action in ("/orders/10234/undo-delete", "/customers/CEN15/undo-delete"):
        refused = staff.post(action, data={**data, "undo": value})
        if value == "\x00":  # text no database can store: refused before any route
            assert refused.status_code == 422, action
            continue
        assert refused.status_code == 302, action
        assert UNDO_EXPIRED in page_text(staff.get("/orders").text)
    for path in ("orders", "customers"):
        answer = staff.post(f"/{path}/{value or '%20'}/undo-delete", data=data)
        assert answer.status_code in (302, 404), (path, answer.status_code)
    assert order("10234").deleted_at is not None
    db.session.expire_all()
    assert db.session.scalar(select(Customer).where(Customer.code == "CEN15")).deleted_at


def test_undo_of_a_customer(as_role: Any, central: Customer) -> None:
    staff = as_role("staff")
    page = staff.get("/customers/CEN15").text
    staff.post("/customers/CEN15/delete", data=form_data(page, action="/customers/CEN15/delete"))
    action, data = undo_form(staff.get("/customers").text)
    assert action == "/customers/CEN15/undo-delete"
    assert staff.post(action, data=data).headers["Location"] == "/customers/CEN15"
    db.session.expire_all()
    assert db.session.scalar(select(Customer).where(Customer.code == "CEN15")).deleted_at is None
    assert "Customer CEN15 restored." in page_text(staff.get("/customers/CEN15").text)


def test_undo_of_a_user(as_role: Any, make_user: Any) -> None:
    boss = as_role("admin")
    make_user("staff", username="pat")
    page = boss.get("/admin/users/pat").text
    boss.post("/admin/users/pat/delete", data=form_data(page, action="/admin/users/pat/delete"))
    shown = boss.get("/admin/users/pat").text
    assert "pat moved to the trash." in page_text(shown)
    action, data = undo_form(shown)
    assert action == "/admin/users/pat/restore"
    assert boss.post(action, data=data).status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(User).where(User.username == "pat")).deleted_at is None
    assert "pat restored." in page_text(boss.get("/admin/users/pat").text)


def test_errors_are_alerts_that_stay_and_success_hides_itself(as_role: Any) -> None:
    client = as_role("staff")
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "Saved."), ("danger", "Not saved."), ("error", "Bad.")]
    page = client.get("/orders").text
    toasts = re.findall(
        r'<div class="toast show toast-(\w+)" role="(\w+)"[^>]*data-autohide="(\d*)"', page
    )
    assert toasts == [
        ("success", "status", "8000"),
        ("danger", "alert", ""),
        ("danger", "alert", ""),
    ]
    assert 'class="toast-container flash-area" id="toasts" aria-live="polite"' in page
    assert page.count('aria-label="Close message"') == 3


def test_theme_from_the_menu_answers_json_and_the_form_still_works(as_role: Any) -> None:
    client = as_role("staff")
    answer = client.post(
        "/account/theme",
        data={"theme": "dark"},
        headers={"X-CSRFToken": client.csrf, "Accept": "application/json"},
    )
    assert answer.status_code == 200
    assert answer.json["theme"] == "dark"
    assert answer.json["message"] == "Theme saved."
    assert 'data-theme-choice="dark"' in client.get("/orders").text
    bad = client.post(
        "/account/theme",
        data={"theme": "pink"},
        headers={"X-CSRFToken": client.csrf, "Accept": "application/json"},
    )
    assert bad.status_code == 422
    assert bad.json["errors"]["theme"]
    no_token = client.post(
        "/account/theme", data={"theme": "light"}, headers={"Accept": "application/json"}
    )
    assert no_token.status_code == 400
    # The menu without script: a plain form post, no version needed.
    plain = client.post("/account/theme", data={"theme": "light", "csrf_token": client.csrf})
    assert plain.status_code == 302
    assert 'data-theme-choice="light"' in client.get("/orders").text

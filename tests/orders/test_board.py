"""The production board and the workflow steps on the order page, through the real pages."""

from __future__ import annotations

import html as htmllib
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import event, select

from presslog.extensions import db
from presslog.orders import production, repository
from presslog.orders.models import Order, StatusChange
from tests.factories import CustomerFactory, OrderFactory
from tests.helpers import form_data, page_text

# A Wednesday: its ISO week runs Monday 9 to Sunday 15 March; next week ends on the 22nd.
TODAY = date(2026, 3, 11)
RECEIVED = date(2026, 3, 1)


@pytest.fixture(autouse=True)
def frozen_today(monkeypatch: pytest.MonkeyPatch) -> date:
    """The board's calendar stands still on TODAY."""
    monkeypatch.setattr(production, "today", lambda: TODAY)
    return TODAY


def job(
    log: str,
    status: str = "received",
    due: date | None = date(2026, 3, 13),
    received: date = RECEIVED,
    **kw: Any,
) -> Order:
    """An order received on ``received``, due on ``due``."""
    return OrderFactory(log=log, status=status, received_on=received, due_on=due, **kw)


def columns(page: str) -> dict[str, list[str]]:
    """LOGs of the cards in each column of the board, top to bottom."""
    found: dict[str, list[str]] = {}
    for chunk in page.split('<section class="board-column"')[1:]:
        status = re.search(r'data-status="(\w+)"', chunk)
        assert status
        found[status.group(1)] = re.findall(r'data-log="([^"]+)"', chunk)
    return found


def column_heading(page: str, status: str) -> str:
    """The visible text of a column's heading (name and count)."""
    match = re.search(rf'<h2[^>]*id="col-{status}"[^>]*>(.*?)</h2>', page, re.S)
    assert match, status
    return page_text(match.group(1))


def card(page: str, log: str) -> str:
    """The HTML of one card."""
    match = re.search(rf'<li class="card board-card[^"]*" id="card-{log}".*?</li>', page, re.S)
    assert match, f"no card for {log}"
    return match.group(0)


def stored(log: str) -> Order:
    db.session.expire_all()
    return db.session.scalars(select(Order).where(Order.log == log)).one()


# -- what the board shows -----------------------------------------------------------------


def test_cards_sit_in_the_column_of_their_status(as_role):
    client = as_role("viewer")
    customer = CustomerFactory(code="CEN15", name="Central High Boosters")
    job("10001", "received", customer=customer, title="Eagles Team Shirts", job_type="DTF")
    job("10002", "art", rush=True)
    job("10003", "approved")
    job("10004", "production", due=date(2026, 3, 5))  # overdue
    job("10005", "ready", due=TODAY)
    job("10006", "shipped", shipped_on=date(2026, 3, 10))  # shipped this week
    job("10007", "shipped", shipped_on=date(2026, 3, 6))  # last week: gone
    job("10008", "cancelled")
    job("10009", "received", due=date(2026, 3, 22))  # last day of next week
    job("10010", "received", due=date(2026, 3, 23))  # later: not yet on the board
    job("10011", "received", due=None)  # no due date: not on the default board
    job("10012", "art", due=date(2026, 2, 20), received=date(2026, 2, 2))  # first: most overdue
    job("10013", "received").deleted_at = datetime(2026, 3, 10, tzinfo=UTC)  # in the trash
    db.session.commit()

    response = client.get("/board")
    assert response.status_code == 200
    page = response.text
    assert columns(page) == {
        "received": ["10001", "10009"],
        "art": ["10012", "10002"],
        "approved": ["10003"],
        "production": ["10004"],
        "ready": ["10005"],
        "shipped": ["10006"],
    }
    assert column_heading(page, "received") == "Received 2 jobs"
    assert column_heading(page, "production") == "In production 1 job"
    assert column_heading(page, "shipped") == "Shipped this week 1 job"
    # Each column is a section named by its heading.
    assert page.count('<section class="board-column" aria-labelledby="col-') == 6

    first = page_text(card(page, "10001"))
    assert "10001" in first
    assert "CEN15" in first
    assert "Eagles Team Shirts" in first
    assert "DTF · Direct to Film" in first
    assert "Due 2026-03-13" in first
    assert "Overdue" not in first
    assert 'href="/orders/10001"' in card(page, "10001")
    assert "Rush" in page_text(card(page, "10002"))
    assert "Rush" not in first
    # Overdue says so in words, not only in colour.
    assert "Due 2026-03-05 Overdue" in page_text(card(page, "10004"))
    assert "is-overdue" in card(page, "10004")
    assert "Due today" in page_text(card(page, "10005"))
    assert "Shipped 2026-03-10" in page_text(card(page, "10006"))
    assert "Open jobs overdue or due by 2026-03-22 (end of next week)" in page_text(page)
    # The nav links to the board, marked as the current page.
    assert re.search(
        r'<a class="nav-link active"\s+aria-current=page href="/board">Board</a>', page
    )


def test_filters_by_job_type_and_due_week(as_role):
    client = as_role("viewer")
    job("10001", job_type="TR", due=date(2026, 3, 13))
    job("10002", job_type="DP", due=date(2026, 3, 13))
    job("10003", job_type="TR", due=date(2026, 3, 31))  # week 14
    job("10004", job_type="TR", due=date(2026, 3, 2))  # overdue
    job("10005", job_type="TR", due=None)
    db.session.commit()

    def shown(query: str) -> list[str]:
        page = client.get(f"/board{query}")
        assert page.status_code == 200
        return sorted(log for logs in columns(page.text).values() for log in logs)

    assert shown("") == ["10001", "10002", "10004"]
    assert shown("?job_type=TR") == ["10001", "10004"]
    assert shown("?job_type=DP") == ["10002"]
    assert shown("?job_type=TR&job_type=DP") == ["10001", "10002", "10004"]
    assert shown("?job_type=XX") == ["10001", "10002", "10004"]  # unknown: no filter
    assert shown("?week=2026-W14") == ["10003"]
    assert shown("?week=2026-w11&job_type=TR") == ["10001"]
    assert shown("?due_from=2026-03-01&due_to=2026-03-10") == ["10004"]
    assert shown("?due_from=2026-03-12") == ["10001", "10002", "10003"]
    assert shown("?due_to=2026-03-31") == ["10001", "10002", "10003", "10004"]

    page = client.get("/board?week=2026-W14&job_type=TR").text
    assert 'value="2026-W14"' in page
    assert '<option value="TR" selected>' in page
    assert "Open jobs due in week 2026-W14 (2026-03-30 to 2026-04-05), job type TR" in page_text(
        page
    )

    # A bad filter is named and the board falls back to its usual range.
    bad = client.get("/board?week=2026-W99&due_from=someday")
    assert bad.status_code == 200
    text = htmllib.unescape(bad.text)
    assert "'2026-W99' is not a week (use YYYY-Www, e.g. 2026-W09)." in text
    assert "'someday' is not a date (use YYYY-MM-DD)." in text
    assert sorted(log for logs in columns(bad.text).values() for log in logs) == [
        "10001",
        "10002",
        "10004",
    ]
    backwards = client.get("/board?due_from=2026-03-20&due_to=2026-03-10").text
    assert "Due to cannot be before due from." in backwards


def test_a_full_column_shows_its_first_cards_and_links_to_the_rest(as_role, monkeypatch):
    monkeypatch.setattr(production, "CARDS_PER_COLUMN", 2)
    client = as_role("viewer")
    for n, day in enumerate((14, 12, 13, 16, 15)):
        job(f"1000{n}", due=date(2026, 3, day), job_type="DP")
    job("10009", "art", job_type="DP")
    db.session.commit()
    page = client.get("/board?job_type=DP").text
    assert columns(page)["received"] == ["10001", "10002"]  # the two due first
    assert column_heading(page, "received") == "Received 5 jobs"
    more = re.search(r'<a href="([^"]+)">and 3 more — open the list</a>', page)
    assert more
    target = htmllib.unescape(more.group(1))
    assert target.startswith("/orders?")
    for part in ("status=received", "job_type=DP", "due_to=2026-03-22"):
        assert part in target
    assert columns(page)["art"] == ["10009"]
    assert "more — open the list" not in page.split('id="col-art"')[1]


def test_the_board_query_caps_each_column(app):
    for n in range(4):
        job(f"1000{n}", "production")
    job("10009", "ready")
    db.session.commit()
    board = repository.board(repository.BoardFilters(), per_column=3)
    assert [c.log for c in board.cards["production"]] == ["10000", "10001", "10002"]
    assert [c.log for c in board.cards["ready"]] == ["10009"]
    assert board.counts == {"production": 4, "ready": 1}


# -- moving jobs on ---------------------------------------------------------------------


def test_moving_a_job_on_from_the_board_returns_to_the_board(as_role):
    client = as_role("staff")
    job("10001", "received", job_type="TR")
    job("10002", "received", job_type="DP")
    db.session.commit()
    page = client.get("/board?job_type=TR").text
    assert columns(page)["received"] == ["10001"]
    the_card = card(page, "10001")
    # Buttons for the moves the workflow allows, named with the LOG; the usual next step
    # is the primary one; cancelling is left to the order page.
    labels = re.findall(r'aria-label="([^"]+)"', the_card)
    assert labels == [
        "Move LOG 10001 to art",
        "Move LOG 10001 to approved",
        "Move LOG 10001 to production",
    ]
    assert re.search(
        r'class="btn btn-sm btn-primary"[^>]*aria-label="Move LOG 10001 to art"', the_card
    )

    data = form_data(page, action="/orders/10001/status", status="art")
    assert data["next"] == "/board?job_type=TR#card-10001"
    response = client.post("/orders/10001/status", data=data)
    assert response.status_code == 302
    assert response.headers["Location"] == "/board?job_type=TR#card-10001"

    order = stored("10001")
    assert order.status == "art"
    change = order.status_changes[-1]
    assert (change.from_status, change.to_status) == ("received", "art")
    assert change.changed_by_id == client.user.id

    after = client.get("/board?job_type=TR").text
    assert "Order 10001 is now in art." in after
    assert columns(after)["received"] == []
    assert columns(after)["art"] == ["10001"]
    # The order's history names who moved it.
    history = page_text(client.get("/orders/10001").text)
    assert f"Received → In art · by {client.user.username}" in history


def test_a_stale_card_is_refused_with_a_message_on_the_board(as_role):
    client = as_role("staff")
    job("10001", "received")
    db.session.commit()
    page = client.get("/board").text
    to_art = form_data(page, action="/orders/10001/status", status="art")
    to_production = form_data(page, action="/orders/10001/status", status="production")
    assert client.post("/orders/10001/status", data=to_art).status_code == 302

    stale = client.post("/orders/10001/status", data=to_production)
    assert stale.status_code == 302
    assert stale.headers["Location"] == "/board#card-10001"
    board = client.get("/board").text
    assert "Order 10001 was changed by someone else" in board
    assert 'class="toast show toast-danger" role="alert"' in board
    assert stored("10001").status == "art"


def test_a_move_the_workflow_does_not_allow_is_refused(as_role):
    client = as_role("staff")
    job("10001", "received")
    db.session.commit()
    data = form_data(client.get("/board").text, action="/orders/10001/status", status="art")
    response = client.post("/orders/10001/status", data={**data, "status": "shipped"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/board#card-10001"
    assert "Order 10001 cannot go from received to shipped" in client.get("/board").text
    assert stored("10001").status == "received"
    assert stored("10001").status_changes == []
    # Without a way back, the refusal is the error page it always was.
    direct = client.post(
        "/orders/10001/status",
        data={k: v for k, v in data.items() if k != "next"} | {"status": "shipped"},
    )
    assert direct.status_code == 409


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/board",
        "https://evil.example/board",
        "/\\evil.example",
        "board",
        "javascript:alert(1)",
    ],
)
def test_only_a_local_path_is_followed_after_a_move(as_role, target):
    client = as_role("staff")
    job("10001", "received")
    db.session.commit()
    data = form_data(client.get("/board").text, action="/orders/10001/status", status="art")
    response = client.post("/orders/10001/status", data={**data, "next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/orders/10001"
    assert stored("10001").status == "art"


def test_a_viewer_sees_the_board_but_cannot_move_jobs(as_role):
    viewer = as_role("viewer")
    job("10001", "received")
    db.session.commit()
    page = viewer.get("/board").text
    assert columns(page)["received"] == ["10001"]
    assert "/orders/10001/status" not in page
    assert "Move LOG" not in page
    response = viewer.post(
        "/orders/10001/status",
        data={"csrf_token": viewer.csrf, "status": "art", "version": "1", "next": "/board"},
    )
    assert response.status_code == 403
    assert stored("10001").status == "received"


def test_the_board_needs_sign_in(client, app):
    response = client.get("/board")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


# -- a constant number of statements ------------------------------------------------------


@pytest.fixture
def statements(app) -> Iterator[list[str]]:
    """Every SQL statement the app sends while the test runs."""
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    yield seen
    event.remove(db.engine, "before_cursor_execute", count)


def test_the_board_costs_the_same_statements_for_3_or_30_orders(as_role, statements):
    client = as_role("staff")
    statuses = ("received", "art", "approved", "production", "ready", "shipped")

    def add(first: int, count: int) -> None:
        for n in range(first, first + count):
            status = statuses[n % len(statuses)]
            shipped = date(2026, 3, 10) if status == "shipped" else None
            job(f"{10000 + n}", status, shipped_on=shipped, rush=n % 4 == 0)
        db.session.commit()

    def statements_for_board() -> tuple[list[str], str]:
        statements.clear()
        response = client.get("/board")
        assert response.status_code == 200
        return list(statements), response.text

    add(0, 3)
    few, _page = statements_for_board()
    add(3, 27)
    many, page = statements_for_board()
    assert sum(len(logs) for logs in columns(page).values()) == 30
    assert len(few) == len(many)
    # Signing-in bookkeeping aside, the board itself is two: the cards and the counts.
    assert len([s for s in many if "row_number()" in s.lower()]) == 1
    assert len([s for s in many if "GROUP BY orders.status" in s]) == 1
    assert len(many) <= 6, many


# -- the order page's workflow steps and history ------------------------------------------


def test_order_page_steps_are_worded_and_cancel_asks_first(as_role):
    client = as_role("staff")
    job("10001", "production")
    db.session.commit()
    page = client.get("/orders/10001").text
    buttons = re.findall(
        r'<button class="btn btn-sm ([\w-]+)" type="submit">([^<]+)</button>', page
    )
    assert buttons == [
        ("btn-primary", "Move to ready"),
        ("btn-outline-primary", "Back to approved"),
        ("btn-danger", "Yes, cancel order 10001"),
    ]
    # The cancel button sits in a closed <details>: a second, deliberate click.
    assert re.search(
        r"<details class=\"order-cancel\">\s*<summary[^>]*>Cancel order…</summary>", page
    )
    assert "onclick" not in page
    assert "<script>" not in page

    data = form_data(page, action="/orders/10001/status", status="cancelled")
    assert client.post("/orders/10001/status", data=data).status_code == 302
    assert stored("10001").status == "cancelled"
    reopened = client.get("/orders/10001").text
    assert "Reopen order" in reopened
    assert "Cancel order" not in reopened


def test_history_shows_who_moved_the_order_when_with_the_note(as_role, make_user):
    client = as_role("viewer")
    mover = make_user("manager", username="jo.manager")
    order = job("10001", "art")
    db.session.add_all(
        [
            StatusChange(order_id=order.id, from_status=None, to_status="received"),
            StatusChange(
                order_id=order.id,
                from_status="received",
                to_status="art",
                changed_by_id=mover.id,
                note="proof sent",
            ),
        ]
    )
    db.session.commit()
    text = page_text(client.get("/orders/10001").text)
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC — Logged → Received · user not recorded", text)
    assert re.search(
        r"\d{4}-\d\d-\d\d \d\d:\d\d UTC — Received → In art \(proof sent\) · by jo\.manager", text
    )


def test_order_history_loads_its_users_without_a_query_per_row(as_role, make_user, statements):
    client = as_role("viewer")
    order = job("10001", "ready")
    movers = [make_user("staff") for _ in range(6)]
    for n, (a, b) in enumerate(
        [
            ("received", "art"),
            ("art", "approved"),
            ("approved", "production"),
            ("production", "ready"),
            ("ready", "production"),
            ("production", "ready"),
        ]
    ):
        db.session.add(
            StatusChange(order_id=order.id, from_status=a, to_status=b, changed_by_id=movers[n].id)
        )
    db.session.commit()
    statements.clear()
    page = client.get("/orders/10001").text
    for mover in movers:
        assert f"by {mover.username}" in page_text(page)
    user_loads = [
        s for s in statements if re.search(r"FROM users\b", s) and "status_changes" not in s
    ]
    assert len(user_loads) <= 1  # the signed-in user only

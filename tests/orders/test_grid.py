"""The order grid page (/orders/grid): rows with their versions, editors that carry the
field rules, the list's filters / sort / pages in the URL, read-only cells per role, a
constant number of queries, and the API answers its script relies on."""

from __future__ import annotations

import html as htmllib
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import event, select

from presslog.extensions import db
from presslog.orders import rules
from presslog.orders.grid import COLUMNS, GRID_FIELDS
from presslog.orders.models import Order
from tests.factories import ChargeFactory, CustomerFactory, OrderFactory
from tests.helpers import assert_problem, link, sort_link

# -- reading the grid --------------------------------------------------------------------


class _GridParser(HTMLParser):
    """The grid's body rows (their attributes and cells) and the editor templates."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.grid: dict[str, str | None] | None = None
        self.rows: list[dict[str, Any]] = []
        self.editors: dict[str, dict[str, str | None]] = {}
        self.tab_stops: list[dict[str, str | None]] = []
        self._in_body = False
        self._template: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table" and "data-grid" in a:
            self.grid = a
        elif tag == "tbody" and self.grid is not None:
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self.rows.append({"attrs": a, "cells": {}})
        elif tag in ("td", "th") and self._in_body and a.get("data-field"):
            self.rows[-1]["cells"][a["data-field"]] = {**a, "inner": []}
        elif tag == "template":
            self._template = (a.get("id") or "").removeprefix("grid-editor-")
        elif tag in ("input", "select") and self._template:
            self.editors[self._template] = {"tag": tag, **a}
        elif tag == "input" and self._in_body and self.rows:
            # A control inside a cell (the rush checkbox).
            last = list(self.rows[-1]["cells"].values())[-1]
            last["control"] = a
        if a.get("tabindex") == "0":
            self.tab_stops.append({"tag": tag, **a})

    def handle_endtag(self, tag: str) -> None:
        if tag == "tbody":
            self._in_body = False
        elif tag == "template":
            self._template = None


def read_grid(page: str) -> _GridParser:
    parser = _GridParser()
    parser.feed(page)
    assert parser.grid is not None, "no grid on the page"
    return parser


def row_logs(page: str) -> list[str]:
    return [str(r["attrs"]["data-log"]) for r in read_grid(page).rows]


@contextmanager
def counted_statements() -> Iterator[list[str]]:
    """Every SQL statement the app sends while the block runs."""
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def stored(log: str) -> Order:
    db.session.expire_all()
    return db.session.scalars(select(Order).where(Order.log == log)).one()


def meta_csrf(page: str) -> str:
    match = re.search(r'<meta name="csrf-token" content="([^"]+)"', page)
    assert match
    return match.group(1)


# -- the page ---------------------------------------------------------------------------


def test_rows_carry_their_log_and_version(app, as_role):
    first = OrderFactory(title="Eagles Tees", received_on=date.today() - timedelta(days=1))
    second = OrderFactory(title="Hawks Hoodies", received_on=date.today() - timedelta(days=3))
    db.session.commit()
    second.location = "B2"
    db.session.commit()
    assert second.version == 2

    page = as_role("staff").get("/orders/grid")

    assert page.status_code == 200
    grid = read_grid(page.text)
    assert grid.grid is not None
    assert grid.grid["role"] == "grid"
    assert grid.grid["aria-label"] == "Orders"
    assert [(r["attrs"]["data-log"], r["attrs"]["data-version"]) for r in grid.rows] == [
        (first.log, "1"),
        (second.log, "2"),
    ]
    cells = grid.rows[1]["cells"]
    assert [c.field for c in COLUMNS] == list(cells)
    assert cells["title"]["data-value"] == "Hawks Hoodies"
    assert cells["location"]["data-value"] == "B2"
    assert cells["received_on"]["data-value"] == second.received_on.isoformat()
    assert cells["log"]["scope"] == "row"  # the row header
    assert all(c["role"] == "gridcell" for f, c in cells.items() if f != "log")


def test_the_grid_shows_totals_status_and_customer_read_only(app, as_role):
    order = OrderFactory(title="Totals")
    ChargeFactory(order=order, quantity=1000, unit_price=12)
    db.session.commit()

    page = as_role("manager").get("/orders/grid")

    cells = read_grid(page.text).rows[0]["cells"]
    assert cells["total"]["data-value"] == "12000.00"
    assert ">12,000.00<" in page.text
    assert cells["status"]["data-value"] == "received"
    assert 'class="badge status-badge status-received">Received<' in page.text
    assert cells["customer"]["data-value"] == order.customer.code
    for field in ("log", "customer", "status", "total"):
        assert cells[field]["aria-readonly"] == "true"


def test_one_cell_is_in_the_tab_order(app, as_role):
    OrderFactory.create_batch(3)
    db.session.commit()

    grid = read_grid(as_role("staff").get("/orders/grid").text)

    # The first row's LOG: the one tab stop on the page (the script moves it about).
    assert [(s["tag"], s.get("data-field")) for s in grid.tab_stops] == [("th", "log")]
    first = grid.rows[0]["cells"]
    assert first["log"]["tabindex"] == "0"
    others = [c for r in grid.rows for c in r["cells"].values() if c is not first["log"]]
    assert {c["tabindex"] for c in others} == {"-1"}
    assert first["rush"]["control"]["tabindex"] == "-1"


def test_editors_render_the_field_rules(app, as_role):
    OrderFactory()
    db.session.commit()

    editors = read_grid(as_role("staff").get("/orders/grid").text).editors

    assert set(editors) == GRID_FIELDS - {"rush"}  # the checkbox needs no editor
    title = editors["title"]
    assert title["type"] == "text"
    assert title["maxlength"] == str(rules.TITLE.max_length)
    assert "required" in title
    assert title["data-msg-required"] == rules.TITLE.required_message
    assert title["data-msg-length"] == rules.TITLE.length_message
    priority = editors["priority"]
    assert (priority["type"], priority["min"], priority["max"]) == ("number", "0", "9")
    assert priority["data-msg-max"] == rules.PRIORITY.max_message
    assert priority["data-msg-min"] == rules.PRIORITY.min_message
    assert editors["quantity"]["max"] == str(rules.QUANTITY.max_value)
    assert editors["color_count"]["data-msg-max"] == rules.COLOR_COUNT.max_message
    assert editors["art_log"]["data-normalize"] == "upper"
    assert editors["art_log"]["maxlength"] == "7"
    assert editors["artist"]["maxlength"] == str(rules.ARTIST.max_length)
    assert editors["customer_po"]["maxlength"] == str(rules.CUSTOMER_PO.max_length)
    assert editors["location"]["maxlength"] == str(rules.LOCATION.max_length)
    assert editors["received_on"]["type"] == "date"
    assert editors["received_on"]["data-msg-required"] == rules.RECEIVED_ON.required_message
    assert editors["due_on"]["type"] == "date"
    assert "required" not in editors["due_on"]
    assert editors["job_type"]["tag"] == "select"


def test_the_job_type_editor_offers_every_job_type(app, as_role):
    OrderFactory()
    db.session.commit()

    page = as_role("staff").get("/orders/grid").text

    template = re.search(r'<template id="grid-editor-job_type">(.*?)</template>', page, re.S)
    assert template
    assert re.findall(r'<option value="(\w+)">', template.group(1)) == list(rules.JOB_TYPES)


def test_the_script_comes_from_a_file_with_the_pages_nonce(app, as_role):
    OrderFactory()
    db.session.commit()

    page = as_role("staff").get("/orders/grid")

    nonce = re.search(r"'nonce-([^']+)'", page.headers["Content-Security-Policy"])
    assert nonce
    # The file's name carries its content hash (presslog/core/assets.py).
    grid_js = r"/static/js/grid\.[0-9a-f]{12}\.js"
    tag = rf'<script defer src="{grid_js}" nonce="{nonce.group(1)}"></script>'
    assert re.search(tag, page.text)
    # Every script is a file, or carries the answer's nonce (base.html's theme switch).
    tags = re.findall(r"<script\b[^>]*>", page.text)
    assert all("src=" in tag or f'nonce="{nonce.group(1)}"' in tag for tag in tags)
    assert not re.search(r"\sstyle=|\son[a-z]+=", page.text)  # no inline style or handler


def test_anonymous_visitors_are_sent_to_sign_in(client):
    page = client.get("/orders/grid?status=art")
    assert page.status_code == 302
    assert page.headers["Location"].startswith("/login?next=/orders/grid")


def test_no_match_shows_the_empty_state(app, as_role):
    OrderFactory(status="received")
    db.session.commit()
    page = as_role("viewer").get("/orders/grid?status=art")
    assert page.status_code == 200
    assert "No orders match." in page.text
    assert "data-grid" not in page.text


# -- filters, sort and pages -------------------------------------------------------------


@pytest.fixture
def mixed_orders(app: Any) -> dict[str, list[str]]:
    """Four DP orders (titles B, D, A, C) and two TR orders."""
    dp = [OrderFactory(job_type="DP", title=t).log for t in ("Bravo", "Delta", "Alpha", "Charlie")]
    tr = [OrderFactory(job_type="TR", title=t).log for t in ("Echo", "Foxtrot")]
    db.session.commit()
    return {"DP": dp, "TR": tr}


def test_filters_sort_and_page_are_the_order_lists(app, as_role, mixed_orders):
    client = as_role("staff")
    dp = mixed_orders["DP"]

    first = client.get("/orders/grid?job_type=DP&sort=title&per_page=2")
    second = client.get("/orders/grid?job_type=DP&sort=title&per_page=2&page=2")

    assert row_logs(first.text) == [dp[2], dp[0]]  # Alpha, Bravo
    assert row_logs(second.text) == [dp[3], dp[1]]  # Charlie, Delta
    # The list page agrees, row for row.
    listed = client.get("/orders?job_type=DP&sort=title&per_page=2").text
    assert re.findall(r'<a class="fw-semibold" href="/orders/(\w+)">', listed) == [dp[2], dp[0]]
    assert "3–4 of 4" in second.text


def test_links_keep_the_filters_in_the_url(app, as_role, mixed_orders):
    page = as_role("staff").get("/orders/grid?job_type=DP&sort=title&per_page=2").text

    assert link(page, "next") == {
        "job_type": ["DP"],
        "sort": ["title"],
        "per_page": ["2"],
        "page": ["2"],
    }
    query, direction = sort_link(page, "Title")
    assert direction == "ascending"
    assert query == {"job_type": ["DP"], "sort": ["-title"], "per_page": ["2"]}
    query, direction = sort_link(page, "Priority")
    assert direction is None
    assert query["sort"] == ["priority"]
    assert query["job_type"] == ["DP"]
    # The filter form sends the sort and page size along with the new filters.
    assert '<input type="hidden" name="sort" value="title">' in page
    assert '<input type="hidden" name="per_page" value="2">' in page
    assert '<option value="DP" selected>' in page
    back = re.search(r'href="([^"]+)">Back to list<', page)
    assert back
    assert urlsplit(htmllib.unescape(back.group(1))).path == "/orders"
    assert parse_qs(urlsplit(htmllib.unescape(back.group(1))).query) == {
        "job_type": ["DP"],
        "sort": ["title"],
        "per_page": ["2"],
    }


def test_filters_the_bar_does_not_show_ride_along(app, as_role, mixed_orders):
    OrderFactory(job_type="DP", title="Rushed", rush=True)
    db.session.commit()

    page = as_role("staff").get("/orders/grid?rush=yes&job_type=DP").text

    assert [r["cells"]["title"]["data-value"] for r in read_grid(page).rows] == ["Rushed"]
    assert '<input type="hidden" name="rush" value="yes">' in page


def test_a_bad_date_filter_is_named(app, as_role, mixed_orders):
    page = as_role("staff").get("/orders/grid?due_from=soon")
    assert page.status_code == 200
    assert "'soon' is not a date (use YYYY-MM-DD)." in htmllib.unescape(page.text)


def test_the_order_list_links_to_the_grid_with_its_query(app, as_role, mixed_orders):
    page = as_role("staff").get("/orders?job_type=DP&sort=title").text

    found = re.search(r'<a class="btn btn-outline-secondary" href="([^"]+)">Edit in grid</a>', page)
    assert found
    url = urlsplit(htmllib.unescape(found.group(1)))
    assert url.path == "/orders/grid"
    assert parse_qs(url.query) == {"job_type": ["DP"], "sort": ["title"]}
    assert ">Grid view</a>" in as_role("viewer").get("/orders").text


# -- who may edit what -------------------------------------------------------------------

ART_IN_GRID = {"art_due_on", "artist", "art_log"}


@pytest.mark.parametrize(
    ("role", "editable"),
    [
        ("staff", GRID_FIELDS),
        ("manager", GRID_FIELDS),
        ("artist", ART_IN_GRID),
        ("shipping", set()),  # shipping fields are not in the grid
        ("viewer", set()),
    ],
)
def test_cells_are_read_only_unless_the_role_may_edit_them(app, as_role, role, editable):
    OrderFactory(rush=True)
    db.session.commit()

    page = as_role(role).get("/orders/grid")

    assert page.status_code == 200
    grid = read_grid(page.text)
    cells = grid.rows[0]["cells"]
    assert {f for f, c in cells.items() if c["aria-readonly"] == "false"} == editable
    assert {f for f, c in cells.items() if c["aria-readonly"] == "true"} == set(cells) - editable
    assert set(grid.editors) == editable - {"rush"}
    rush = cells["rush"]["control"]
    assert "checked" in rush
    assert ("disabled" in rush) == ("rush" not in editable)
    assert ("is-editable" in str(grid.grid and grid.grid["class"])) == bool(editable)
    if not editable:
        assert "Your role can read these orders but not change them here." in page.text


# -- no N+1 -----------------------------------------------------------------------------


def test_the_page_runs_the_same_queries_for_10_or_50_rows(app, as_role):
    for i in range(55):  # each with its own customer: a lazy load per row would show
        OrderFactory(customer=CustomerFactory(), title=f"Job {i}")
    db.session.commit()
    client = as_role("staff")
    client.get("/orders/grid")  # warm up: the session's user, caches

    with counted_statements() as small:
        assert len(read_grid(client.get("/orders/grid?per_page=10").text).rows) == 10
    with counted_statements() as large:
        assert len(read_grid(client.get("/orders/grid?per_page=50").text).rows) == 50

    assert len(small) == len(large), (small, large)
    assert len(large) <= 5, large


# -- what the grid's script sends: the API answers it relies on -----------------------------


def _grid_row(client: Any, log: str) -> tuple[str, str]:
    """The row's version and the page's CSRF token, as the script reads them."""
    page = client.get("/orders/grid").text
    row = next(r for r in read_grid(page).rows if r["attrs"]["data-log"] == log)
    return str(row["attrs"]["data-version"]), meta_csrf(page)


def test_a_cell_saves_with_the_rows_version_and_the_pages_token(app, as_role):
    order = OrderFactory(title="Before")
    ChargeFactory(order=order, quantity=10, unit_price=2)
    db.session.commit()
    client = as_role("staff")
    version, token = _grid_row(client, order.log)

    answer = client.patch(
        f"/api/v1/orders/{order.log}",
        json={"title": "After"},
        headers={"If-Match": f'"v{version}"', "X-CSRFToken": token},
    )

    assert answer.status_code == 200, answer.text
    body = answer.get_json()
    assert body["title"] == "After"
    assert body["version"] == int(version) + 1
    assert body["total"] == "20.00"
    assert answer.headers["ETag"] == f'"v{int(version) + 1}"'
    assert stored(order.log).title == "After"


def test_a_stale_row_is_refused_and_can_be_read_again(app, as_role):
    order = OrderFactory(title="Before")
    db.session.commit()
    client = as_role("staff")
    version, token = _grid_row(client, order.log)
    order.location = "Z9"  # someone else, meanwhile
    db.session.commit()

    answer = client.patch(
        f"/api/v1/orders/{order.log}",
        json={"title": "Mine"},
        headers={"If-Match": f'"v{version}"', "X-CSRFToken": token},
    )

    assert_problem(answer, 412)
    assert stored(order.log).title == "Before"
    fresh = client.get(f"/api/v1/orders/{order.log}").get_json()
    assert (fresh["location"], fresh["version"]) == ("Z9", int(version) + 1)


def test_an_invalid_cell_gets_the_rules_message_by_field(app, as_role):
    order = OrderFactory(received_on=date(2026, 3, 10), due_on=date(2026, 3, 20))
    db.session.commit()
    client = as_role("staff")
    version, token = _grid_row(client, order.log)
    headers = {"If-Match": f'"v{version}"', "X-CSRFToken": token}
    url = f"/api/v1/orders/{order.log}"

    priority = assert_problem(client.patch(url, json={"priority": 12}, headers=headers), 422)
    blank = assert_problem(client.patch(url, json={"title": "  "}, headers=headers), 422)
    early = assert_problem(client.patch(url, json={"due_on": "2026-03-01"}, headers=headers), 422)

    assert priority["errors"] == {"priority": [rules.PRIORITY.max_message]}
    assert blank["errors"] == {"title": [rules.TITLE.required_message]}
    assert early["errors"] == {"due_on": ["Due out cannot be before date received."]}
    assert stored(order.log).version == int(version)


def test_a_field_the_role_may_not_change_is_forbidden(app, as_role):
    order = OrderFactory(title="Before")
    db.session.commit()
    artist = as_role("artist")
    version, token = _grid_row(artist, order.log)
    headers = {"If-Match": f'"v{version}"', "X-CSRFToken": token}

    refused = artist.patch(f"/api/v1/orders/{order.log}", json={"title": "X"}, headers=headers)
    allowed = artist.patch(f"/api/v1/orders/{order.log}", json={"artist": "kim"}, headers=headers)

    assert_problem(refused, 403)
    assert allowed.status_code == 200
    assert allowed.get_json()["artist"] == "KIM"

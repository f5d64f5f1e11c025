"""The order grid in a real browser: cells edited with the keyboard and saved through the
API, Esc and Tab, the rules' messages in the cell, and a stale row refused and reloaded.

Each test works on its own row of the grid sorted by LOG, so the tests can share the
seeded live server in any order."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, Route, expect

from presslog.orders import rules
from tests.e2e.conftest import sign_in

GRID = "table[data-grid]"
STALE = "Changed by someone else — row reloaded"


@pytest.fixture
def grid(page: Page, live_server: dict[str, str]) -> Iterator[Page]:
    """The front desk's grid, sorted by LOG, watched for script errors and CSP reports.

    Chromium also logs every 4xx answer as a console error; those are the point of
    some tests here, so they are left out.
    """
    errors: list[str] = []
    page.on(
        "console",
        lambda m: (
            errors.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, live_server)
    open_grid(page, live_server)
    yield page
    assert errors == []


def open_grid(page: Page, live_server: dict[str, str]) -> None:
    page.goto(f"{live_server['url']}/orders/grid?sort=log&per_page=10")
    expect(page.get_by_role("grid", name="Orders")).to_be_visible()


def log_of_row(page: Page, index: int) -> str:
    log = page.locator(f"{GRID} tbody tr").nth(index).get_attribute("data-log")
    assert log
    return log


def cell(page: Page, log: str, field: str) -> Locator:
    return page.locator(f'{GRID} tr[data-log="{log}"] [data-field="{field}"]')


def editor(page: Page, log: str, field: str) -> Locator:
    return cell(page, log, field).locator(".grid-editor")


def go_to(page: Page, row: int, column: int) -> None:
    """Into the grid at its one tab stop, to the top left, then by arrow keys to a cell."""
    page.locator(f"{GRID} [tabindex='0']").focus()
    page.keyboard.press("Control+Home")  # the LOG header
    for _ in range(row + 1):
        page.keyboard.press("ArrowDown")
    for _ in range(column):
        page.keyboard.press("ArrowRight")


COLUMN = {"title": 2, "job_type": 3, "priority": 4, "rush": 5, "due_on": 8, "artist": 11}


def stored(page: Page, live_server: dict[str, str], log: str) -> dict[str, Any]:
    """The order as the API reads it now."""
    answer = page.request.get(f"{live_server['url']}/api/v1/orders/{log}")
    assert answer.ok
    result: dict[str, Any] = answer.json()
    return result


def patches(page: Page) -> list[str]:
    """A list that fills with the URL of every PATCH the page sends."""
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.url) if r.method == "PATCH" else None)
    return sent


def test_a_title_is_edited_with_the_keyboard_and_saved(grid: Page, live_server: Any) -> None:
    log = log_of_row(grid, 0)
    below = log_of_row(grid, 1)
    before = stored(grid, live_server, log)

    go_to(grid, 0, COLUMN["title"])
    expect(cell(grid, log, "title")).to_be_focused()
    grid.keyboard.press("Enter")
    expect(editor(grid, log, "title")).to_be_focused()
    grid.keyboard.press("Control+A")
    grid.keyboard.type("Grid Keyboard Title")
    grid.keyboard.press("Enter")

    title = cell(grid, log, "title")
    expect(title).to_contain_text("Saved")
    expect(title.locator(".grid-value")).to_have_text("Grid Keyboard Title")
    expect(cell(grid, below, "title")).to_be_focused()  # Enter moves down
    expect(grid.locator(f'{GRID} tr[data-log="{log}"]')).to_have_attribute(
        "data-version", str(before["version"] + 1)
    )
    assert stored(grid, live_server, log)["title"] == "Grid Keyboard Title"
    grid.reload()
    expect(cell(grid, log, "title").locator(".grid-value")).to_have_text("Grid Keyboard Title")


def test_escape_puts_the_value_back_and_sends_nothing(grid: Page, live_server: Any) -> None:
    log = log_of_row(grid, 1)
    before = stored(grid, live_server, log)
    sent = patches(grid)

    go_to(grid, 1, COLUMN["title"])
    grid.keyboard.press("Enter")
    grid.keyboard.press("Control+A")
    grid.keyboard.type("Not wanted")
    grid.keyboard.press("Escape")

    title = cell(grid, log, "title")
    expect(title).to_be_focused()
    expect(editor(grid, log, "title")).to_have_count(0)
    expect(title.locator(".grid-value")).to_have_text(before["title"])
    grid.keyboard.press("ArrowRight")  # navigation again, not editing
    expect(cell(grid, log, "job_type")).to_be_focused()
    assert sent == []
    assert stored(grid, live_server, log)["version"] == before["version"]


def test_tab_saves_and_moves_right_shift_tab_moves_left(grid: Page, live_server: Any) -> None:
    log = log_of_row(grid, 2)

    go_to(grid, 2, COLUMN["title"])
    grid.keyboard.press("F2")
    grid.keyboard.press("Control+A")
    grid.keyboard.type("Tabbed Title")
    grid.keyboard.press("Tab")

    expect(cell(grid, log, "job_type")).to_be_focused()
    expect(cell(grid, log, "title")).to_contain_text("Saved")
    assert stored(grid, live_server, log)["title"] == "Tabbed Title"

    grid.keyboard.press("Enter")  # the job type's select
    expect(editor(grid, log, "job_type")).to_be_focused()
    grid.keyboard.press("Shift+Tab")
    expect(cell(grid, log, "title")).to_be_focused()


def test_invalid_values_show_the_rules_message_in_the_cell(grid: Page, live_server: Any) -> None:
    log = log_of_row(grid, 3)
    before = stored(grid, live_server, log)

    # Priority 12: the browser checks the attributes rendered from the rule.
    go_to(grid, 3, COLUMN["priority"])
    grid.keyboard.press("Enter")
    grid.keyboard.press("Control+A")
    grid.keyboard.type("12")
    grid.keyboard.press("Enter")
    box = editor(grid, log, "priority")
    expect(box).to_be_focused()
    expect(box).to_have_value("12")
    expect(box).to_have_attribute("aria-invalid", "true")
    message = grid.locator(f"#{box.get_attribute('aria-describedby')}")
    expect(message).to_have_text(rules.PRIORITY.max_message)
    expect(cell(grid, log, "priority")).to_contain_text(rules.PRIORITY.max_message)
    grid.keyboard.press("Escape")
    expect(cell(grid, log, "priority").locator(".grid-value")).to_have_text(str(before["priority"]))

    # A blank title.
    grid.keyboard.press("Home")
    grid.keyboard.press("ArrowRight")
    grid.keyboard.press("ArrowRight")
    grid.keyboard.press("Enter")
    grid.keyboard.press("Control+A")
    grid.keyboard.press("Backspace")
    grid.keyboard.press("Enter")
    expect(cell(grid, log, "title")).to_contain_text(rules.TITLE.required_message)
    grid.keyboard.press("Escape")

    # Due out before the date received: only the server knows; its words, in the cell.
    sent = patches(grid)
    go_to(grid, 3, COLUMN["due_on"])
    grid.keyboard.press("Enter")
    editor(grid, log, "due_on").fill("2001-02-03")
    grid.keyboard.press("Enter")
    due = cell(grid, log, "due_on")
    expect(due).to_contain_text("Due out cannot be before date received.")
    box = editor(grid, log, "due_on")
    expect(box).to_have_value("2001-02-03")
    expect(box).to_have_attribute("aria-invalid", "true")
    expect(box).to_be_focused()
    expect(due).not_to_have_attribute("aria-busy", "true")
    assert len(sent) == 1
    grid.keyboard.press("Escape")
    expect(due.locator(".grid-value")).to_have_text(before["due_on"] or "")

    after = stored(grid, live_server, log)
    assert (after["priority"], after["title"], after["due_on"], after["version"]) == (
        before["priority"],
        before["title"],
        before["due_on"],
        before["version"],
    )


def test_a_stale_row_is_refused_and_reloaded(grid: Page, live_server: Any) -> None:
    log = log_of_row(grid, 4)
    before = stored(grid, live_server, log)
    # Someone else changes the order after the page was drawn.
    token = grid.locator('meta[name="csrf-token"]').get_attribute("content")
    meanwhile = grid.request.patch(
        f"{live_server['url']}/api/v1/orders/{log}",
        data=json.dumps({"location": "Shelf Z9", "priority": 0}),
        headers={
            "Content-Type": "application/json",
            "If-Match": f'"v{before["version"]}"',
            "X-CSRFToken": token or "",
        },
    )
    assert meanwhile.status == 200, meanwhile.text()

    go_to(grid, 4, COLUMN["title"])
    grid.keyboard.press("Enter")
    grid.keyboard.press("Control+A")
    grid.keyboard.type("My stale edit")
    grid.keyboard.press("Enter")

    title = cell(grid, log, "title")
    expect(title).to_contain_text(STALE)
    expect(grid.locator("#grid-status")).to_have_text(STALE)
    expect(title.locator(".grid-value")).to_have_text(before["title"])
    expect(cell(grid, log, "location").locator(".grid-value")).to_have_text("Shelf Z9")
    expect(cell(grid, log, "priority").locator(".grid-value")).to_have_text("0")
    expect(grid.locator(f'{GRID} tr[data-log="{log}"]')).to_have_attribute(
        "data-version", str(before["version"] + 1)
    )
    assert stored(grid, live_server, log)["title"] == before["title"]

    # The reloaded row carries the new version: trying again works.
    expect(title).to_be_focused()
    grid.keyboard.press("Enter")
    grid.keyboard.press("Control+A")
    grid.keyboard.type("My second try")
    grid.keyboard.press("Enter")
    expect(title).to_contain_text("Saved")
    assert stored(grid, live_server, log)["title"] == "My second try"


def test_a_refused_field_says_so(grid: Page, live_server: Any) -> None:
    log = log_of_row(grid, 5)
    before = stored(grid, live_server, log)

    def forbid(route: Route) -> None:
        if route.request.method != "PATCH":
            route.continue_()
            return
        route.fulfill(
            status=403,
            content_type="application/problem+json",
            body=json.dumps(
                {"type": "about:blank", "title": "Forbidden", "status": 403, "detail": "No."}
            ),
        )

    # The page thinks the cell is editable; the server (say, after a role change) does not.
    grid.route("**/api/v1/orders/*", forbid)
    go_to(grid, 5, COLUMN["title"])
    grid.keyboard.press("Enter")
    grid.keyboard.press("Control+A")
    grid.keyboard.type("Refused")
    grid.keyboard.press("Enter")

    title = cell(grid, log, "title")
    expect(title).to_contain_text("You may not change this field")
    expect(title.locator(".grid-value")).to_have_text(before["title"])
    expect(title).to_be_focused()


def test_space_ticks_the_rush_box_and_saves(grid: Page, live_server: Any) -> None:
    log = log_of_row(grid, 6)
    before = stored(grid, live_server, log)

    go_to(grid, 6, COLUMN["rush"])
    grid.keyboard.press("Space")

    rush = cell(grid, log, "rush")
    expect(rush).to_contain_text("Saved")
    box = rush.locator("input[type=checkbox]")
    if before["rush"]:
        expect(box).not_to_be_checked()
    else:
        expect(box).to_be_checked()
    assert stored(grid, live_server, log)["rush"] is (not before["rush"])


def test_an_artist_edits_art_fields_only(page: Page, live_server: Any) -> None:
    sign_in(page, live_server, "artist")
    open_grid(page, live_server)
    log = log_of_row(page, 7)

    go_to(page, 7, COLUMN["title"])
    title = cell(page, log, "title")
    expect(title).to_have_attribute("aria-readonly", "true")
    page.keyboard.press("Enter")
    expect(editor(page, log, "title")).to_have_count(0)
    expect(page.locator("#grid-status")).to_have_text("This cell is read-only.")

    for _ in range(COLUMN["artist"] - COLUMN["title"]):
        page.keyboard.press("ArrowRight")
    artist = cell(page, log, "artist")
    expect(artist).to_be_focused()
    expect(artist).to_have_attribute("aria-readonly", "false")
    page.keyboard.type("kim")  # typing on a cell starts editing it
    page.keyboard.press("Enter")
    expect(artist).to_contain_text("Saved")
    expect(artist.locator(".grid-value")).to_have_text("KIM")
    assert stored(page, live_server, log)["artist"] == "KIM"

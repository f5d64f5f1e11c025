"""The production board in a real browser: a job is moved on from its card."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from playwright.sync_api import Page, expect

from tests.e2e.conftest import sign_in


def log_job(page: Page, live_server: dict[str, str], log: str, title: str) -> None:
    """Log a TR job due in three days through the new-order form."""
    page.goto(f"{live_server['url']}/orders/new")
    page.locator("#log").fill(log)
    page.locator("#customer").fill("cen00")
    page.get_by_label("Job type").select_option("TR")
    page.get_by_label("Title").fill(title)
    page.get_by_label("Due out").fill((date.today() + timedelta(days=3)).isoformat())
    page.get_by_role("button", name="Log order").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Order {log}")


def test_a_job_moves_to_the_next_column_from_its_card(page: Page, live_server: Any) -> None:
    console_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    sign_in(page, live_server)
    log_job(page, live_server, "E2EB1", "Board test banners")

    page.get_by_role("link", name="Board", exact=True).click()
    expect(page.get_by_role("heading", name="Production board", level=1)).to_be_visible()
    page.get_by_label("Job type").select_option("TR")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(f"{live_server['url']}/board?job_type=TR&week=&due_from=&due_to=")

    received = page.get_by_role("region", name="Received")
    in_art = page.get_by_role("region", name="In art")
    card = received.locator("#card-E2EB1")
    expect(card).to_contain_text("Board test banners")
    expect(card).to_contain_text("CEN00")
    expect(in_art.locator("#card-E2EB1")).to_have_count(0)

    page.get_by_role("button", name="Move LOG E2EB1 to art").click()

    # Back on the same board, filters kept, the job in the next column.
    expect(page.get_by_role("status")).to_contain_text("Order E2EB1 is now in art.")
    assert "/board?job_type=TR" in page.url
    expect(in_art.locator("#card-E2EB1")).to_be_visible()
    expect(received.locator("#card-E2EB1")).to_have_count(0)
    expect(page.get_by_role("button", name="Move LOG E2EB1 to approved")).to_be_visible()
    assert console_errors == []


def test_columns_stack_on_a_phone(page: Page, live_server: Any) -> None:
    page.set_viewport_size({"width": 375, "height": 800})
    sign_in(page, live_server)
    page.goto(f"{live_server['url']}/board")
    first = page.get_by_role("region", name="Received").bounding_box()
    second = page.get_by_role("region", name="In art").bounding_box()
    assert first
    assert second
    assert second["y"] >= first["y"] + first["height"]  # one under the other
    assert abs(second["x"] - first["x"]) < 1
    assert first["width"] > 300  # each column takes the phone's width

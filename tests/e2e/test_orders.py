"""Front desk in a real browser: sign in, log an order, be told what is wrong before sending."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect

from presslog.orders import rules
from tests.e2e.conftest import sign_in


def test_front_desk_logs_an_order_with_live_totals(page: Page, live_server: Any) -> None:
    console_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    sign_in(page, live_server)
    page.get_by_role("link", name="New order").click()

    page.locator("#log").fill("ab1")
    page.get_by_label("Title").fill("Eagles Spirit Wear")
    page.get_by_role("button", name="Log order").click()
    # The browser refuses before sending, with the server's own words beside the field.
    expect(page.locator("#log-error")).to_have_text(rules.LOG.pattern_message)
    expect(page.locator("#log")).to_have_value("AB1")
    expect(page).to_have_url(f"{live_server['url']}/orders/new")

    page.locator("#log").fill("E2E01")
    page.locator("#customer").fill("cen00")
    page.get_by_label("Job type").select_option("TR")
    page.get_by_label("Print quantity").fill("10")
    page.get_by_label("Print unit price").fill("2.50")
    page.get_by_label("Freight").fill("5")
    expect(page.locator("[data-total]")).to_have_text("30.00")
    page.get_by_role("button", name="Log order").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Order E2E01")
    # The flash message (the order page has the follow button's live region too).
    expect(page.locator(".flash-area").get_by_role("status")).to_contain_text("Order E2E01 logged.")
    expect(page.locator("tfoot")).to_contain_text("30.00")
    assert console_errors == []


def test_due_date_before_received_is_refused_in_the_browser(page: Page, live_server: Any) -> None:
    sign_in(page, live_server)
    page.goto(f"{live_server['url']}/orders/new")
    page.get_by_label("Date received").fill("2026-03-10")
    page.get_by_label("Due out").fill("2026-03-01")
    page.get_by_label("Due out").blur()
    expect(page.locator("#due_on-error")).to_have_text("Due out cannot be before date received.")


def test_phone_width_collapses_the_menu(page: Page, live_server: Any) -> None:
    page.set_viewport_size({"width": 375, "height": 800})
    sign_in(page, live_server)
    expect(page.get_by_role("link", name="Customers")).to_be_hidden()
    page.get_by_role("button", name="Open menu").click()
    page.get_by_role("link", name="Customers").click()
    expect(page.get_by_role("heading", name="Customers", level=1)).to_be_visible()

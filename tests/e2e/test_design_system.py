"""The design system in a real browser: toasts, the confirm dialog, undo, the theme menu,
failure and offline messages, downloads; and the style guide photographed at phone and
desktop size in both themes (``$ARTIFACTS_DIR/screenshots`` or ``artifacts/screenshots``).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, Route, expect

from tests.e2e.conftest import sign_in

CONNECTION = "PressLog could not be reached. Check your connection and try again."


def toasts(page: Page) -> Any:
    return page.locator("#toasts")


def test_success_toast_hides_itself_but_not_while_pointed_at(page: Page, live_server: Any) -> None:
    sign_in(page, live_server, "viewer")
    page.clock.install()
    page.goto(f"{live_server['url']}/styleguide?confirmed=1")
    toast = toasts(page).get_by_role("status").filter(has_text="Sample deleted")
    expect(toast).to_be_visible()
    toast.hover()
    page.clock.run_for(12_000)
    expect(toast).to_be_visible()  # pointed at: it stays
    page.mouse.move(0, 0)
    page.clock.run_for(12_000)
    expect(toast).to_have_count(0)


def test_error_toast_stays_until_closed(page: Page, live_server: Any) -> None:
    sign_in(page, live_server, "viewer")
    page.clock.install()
    page.goto(f"{live_server['url']}/styleguide")
    page.get_by_role("button", name="Show an error toast").click()
    alert = toasts(page).get_by_role("alert")
    expect(alert).to_have_text(CONNECTION)
    page.clock.run_for(30_000)
    expect(alert).to_be_visible()
    alert.get_by_role("button", name="Close message").click()
    expect(alert).to_have_count(0)


def test_confirm_dialog_by_keyboard(page: Page, live_server: Any) -> None:
    sign_in(page, live_server, "viewer")
    page.goto(f"{live_server['url']}/styleguide")
    ask = page.get_by_role("button", name="Delete sample…")
    ask.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Delete this sample? Nothing is really deleted.")
    expect(dialog.get_by_role("button", name="Go back", exact=True)).to_be_focused()
    page.keyboard.press("Escape")  # Esc: nothing happens, focus back on the button
    expect(dialog).to_be_hidden()
    expect(ask).to_be_focused()
    expect(page).to_have_url(f"{live_server['url']}/styleguide")

    page.keyboard.press("Enter")
    expect(dialog.get_by_role("button", name="Go back", exact=True)).to_be_focused()
    page.keyboard.press("Tab")
    confirm = dialog.get_by_role("button", name="Delete sample", exact=True)
    expect(confirm).to_be_focused()
    expect(confirm).to_have_class(re.compile(r"\bbtn-danger\b"))
    page.keyboard.press("Enter")
    expect(toasts(page)).to_contain_text("Sample deleted")


def test_delete_an_order_then_undo(page: Page, live_server: Any) -> None:
    sign_in(page, live_server, "frontdesk")  # may delete, may not restore from the trash
    first = page.locator("main table tbody tr a").first
    log = first.inner_text().strip()
    first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Order {log}")
    page.get_by_role("button", name="Move to trash").click()
    page.get_by_role("dialog").get_by_role("button", name="Move to trash").click()
    moved = toasts(page).get_by_role("status").filter(has_text=f"Order {log} moved to the trash.")
    expect(moved).to_be_visible()
    expect(page).to_have_url(f"{live_server['url']}/orders")
    moved.get_by_role("button", name="Undo").click()
    expect(toasts(page)).to_contain_text(f"Order {log} restored.")
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Order {log}")


def test_theme_menu_applies_at_once_and_is_kept(
    page: Page, browser: Browser, live_server: Any
) -> None:
    sign_in(page, live_server, "shipping")
    root = page.locator("html")
    page.evaluate("window.notReloaded = true")
    page.get_by_role("button", name=re.compile("^Theme:")).click()
    with page.expect_response("**/account/theme") as saved:
        page.get_by_role("button", name="Dark", exact=True).click()
    expect(root).to_have_attribute("data-bs-theme", "dark")
    expect(page.get_by_role("button", name=re.compile("^Theme:"))).to_have_accessible_name(
        "Theme: Dark"
    )
    assert page.evaluate("window.notReloaded") is True  # no reload
    assert saved.value.ok
    page.reload()
    expect(root).to_have_attribute("data-bs-theme", "dark")

    other = browser.new_context(color_scheme="light")
    try:
        elsewhere = other.new_page()
        sign_in(elsewhere, live_server, "shipping")
        expect(elsewhere.locator("html")).to_have_attribute("data-bs-theme", "dark")
    finally:
        other.close()

    page.get_by_role("button", name=re.compile("^Theme:")).click()
    with page.expect_response("**/account/theme"):
        page.get_by_role("button", name=re.compile("^Auto")).click()
    expect(page.get_by_role("button", name=re.compile("^Theme:"))).to_have_accessible_name(
        "Theme: Auto"
    )
    page.reload()
    expect(root).to_have_attribute("data-theme-choice", "system")


def test_anonymous_pages_follow_the_device(browser: Browser, live_server: Any) -> None:
    for scheme in ("dark", "light"):
        context = browser.new_context(color_scheme=scheme)
        try:
            page = context.new_page()
            page.goto(f"{live_server['url']}/login")
            expect(page.locator("html")).to_have_attribute("data-bs-theme", scheme)
        finally:
            context.close()


def test_a_failed_htmx_request_and_going_offline_say_so(page: Page, live_server: Any) -> None:
    sign_in(page, live_server, "viewer")
    page.locator("main table tbody tr a").first.click()
    page.route(re.compile(r"/orders/[^/]+/(un)?follow$"), lambda route: route.abort())
    page.locator("#follow-order button").click()
    expect(toasts(page).get_by_role("alert")).to_have_text(CONNECTION)

    page.context.set_offline(True)
    banner = page.locator("#offline-banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("You are offline")
    page.context.set_offline(False)
    expect(banner).to_be_hidden()


def test_download_shows_a_spinner_and_a_failure_toast(page: Page, live_server: Any) -> None:
    sign_in(page, live_server, "viewer")
    page.goto(f"{live_server['url']}/styleguide")
    link = page.get_by_role("link", name="Download a sample CSV")
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "presslog-sample.csv"

    held: list[Route] = []
    page.route("**/styleguide/sample.csv", lambda route: held.append(route))
    link.click()
    expect(link.locator(".download-spinner")).to_be_visible()
    expect(link).to_have_attribute("aria-busy", "true")
    assert len(held) == 1
    held[0].fulfill(
        status=500,
        content_type="application/json",
        body='{"detail": "The export is too large: add a filter."}',
    )
    expect(toasts(page).get_by_role("alert")).to_have_text(
        "The download failed: The export is too large: add a filter."
    )
    expect(link.locator(".download-spinner")).to_have_count(0)

    page.unroute("**/styleguide/sample.csv")
    page.route("**/styleguide/sample.csv", lambda route: route.abort())
    link.click()
    expect(toasts(page).get_by_role("alert").last).to_have_text(
        f"The download failed: {CONNECTION}"
    )


def _shots() -> Path:
    folder = Path(os.environ.get("ARTIFACTS_DIR") or "artifacts") / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_style_guide_screenshots(browser: Browser, live_server: Any) -> None:
    for scheme in ("light", "dark"):
        for width, height in ((390, 844), (1440, 900)):
            context = browser.new_context(
                color_scheme=scheme, viewport={"width": width, "height": height}
            )
            try:
                page = context.new_page()
                errors: list[str] = []
                page.on(
                    "console", lambda m, e=errors: e.append(m.text) if m.type == "error" else None
                )
                sign_in(page, live_server, "viewer")
                page.goto(f"{live_server['url']}/styleguide")
                expect(page.locator("html")).to_have_attribute("data-bs-theme", scheme)
                page.screenshot(
                    path=_shots() / f"styleguide-{scheme}-{width}.png",
                    full_page=True,
                    animations="disabled",
                    caret="hide",
                )
                assert errors == []
            finally:
                context.close()

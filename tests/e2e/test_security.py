"""Security as the browser sees it: scripted writes carry the CSRF token, the CSP blocks
injected script, and an admin reads who changed what."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect

from tests.e2e.conftest import sign_in


def test_scripted_writes_send_the_csrf_header_and_forged_ones_fail(
    page: Page, live_server: Any
) -> None:
    sign_in(page, live_server)
    # Sign-in returns once the next page is committed; its scripts load at the end.
    page.wait_for_function("() => window.PressLog !== undefined")
    answers = page.evaluate(
        """async () => {
            const body = {code: "CSRF1", name: "Scripted Customer"};
            const withToken = await PressLog.fetch("/api/v1/customers", {method: "POST", body});
            const forged = await fetch("/api/v1/customers", {
                method: "POST", credentials: "same-origin",
                headers: {"Content-Type": "application/json"},
                body: JSON.stringify({code: "CSRF2", name: "Forged"}),
            });
            return [withToken.status, forged.status];
        }"""
    )
    assert answers == [201, 400]
    page.goto(f"{live_server['url']}/customers/CSRF1")
    expect(page.get_by_role("heading", level=1)).to_contain_text("CSRF1")
    assert page.goto(f"{live_server['url']}/customers/CSRF2").status == 404


def test_the_policy_blocks_script_injected_into_the_page(page: Page, live_server: Any) -> None:
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if m.type == "error" else None)
    sign_in(page, live_server)
    ran = page.evaluate(
        """() => {
            window.injected = false;
            const s = document.createElement("script");
            s.textContent = "window.injected = true";
            document.body.appendChild(s);
            return window.injected;
        }"""
    )
    assert ran is False
    assert any("Content Security Policy" in v for v in violations)


def test_an_admin_sees_who_changed_an_order_field_by_field(page: Page, live_server: Any) -> None:
    sign_in(page, live_server, "frontdesk")
    page.goto(f"{live_server['url']}/orders")
    first = page.locator("table a.fw-semibold").first
    log = first.inner_text()
    first.click()
    page.get_by_role("link", name="Edit").first.click()
    page.get_by_label("Title").fill("Audited Title Change")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Order {log}")

    page.context.clear_cookies()
    sign_in(page, live_server, "admin")
    page.goto(f"{live_server['url']}/orders/{log}")
    page.get_by_role("link", name="Every change to this order, field by field").click()
    row = page.locator("tbody tr").filter(has_text="Order changed").first
    expect(row).to_contain_text("frontdesk")
    expect(row).to_contain_text("Audited Title Change")
    expect(row.locator("dt", has_text="title")).to_be_visible()

"""A person who forgot their password, in a real browser: ask for a link, receive it on a
real SMTP server (sent by the background worker), choose a new password, sign in with it;
the link then works no more."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Page, expect

from tests.e2e.conftest import SITE_PASSWORD, wait_for_mail

NEW_PASSWORD = "plum orchard ladder 42"


def test_a_forgotten_password_is_reset_through_the_mailed_link(
    page: Page, mail_site: dict[str, Any]
) -> None:
    console_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    base = mail_site["url"]
    page.goto(f"{base}/login")
    page.get_by_role("link", name="Forgot your password?").click()
    expect(page.get_by_role("heading", name="Forgot your password?", level=1)).to_be_visible()
    page.get_by_label("E-mail").fill("pat@example.com")
    page.get_by_role("button", name="Send me a link").click()
    expect(page.get_by_role("status")).to_contain_text("If an account uses that address")

    mail = wait_for_mail(mail_site["smtp"], "Choose a new PressLog password")
    text = mail.get_body(("plain",)).get_content()
    link = re.search(r"http://\S+/password/reset/\S+", text)
    assert link, text

    page.goto(link.group(0))
    expect(page.get_by_role("heading", name="Choose a new password", level=1)).to_be_visible()
    page.locator("#password").fill(NEW_PASSWORD)
    page.locator("#confirm").fill("not the same at all")
    page.get_by_role("button", name="Save the new password").click()
    expect(page.locator("#confirm-error")).to_contain_text("The two passwords differ")

    page.locator("#password").fill(NEW_PASSWORD)
    page.locator("#confirm").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Save the new password").click()
    expect(page.get_by_role("status")).to_contain_text("Your password is changed")

    page.get_by_label("Username or e-mail").fill("pat")
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Orders", level=1)).to_be_visible()
    wait_for_mail(mail_site["smtp"], "Your PressLog password was changed")

    # The link is spent: a clear page that offers a new one.
    page.goto(link.group(0))
    expect(page.get_by_role("heading", name="This link no longer works")).to_be_visible()
    expect(page.get_by_role("link", name="Ask for a new link")).to_be_visible()
    # The refused form (422) and the spent link (410) are answers the browser notes as
    # failed loads; nothing else (a script error, a CSP refusal) may appear.
    assert [e for e in console_errors if not e.startswith("Failed to load resource")] == []


def test_the_theme_follows_the_device_until_chosen(page: Page, mail_site: dict[str, Any]) -> None:
    page.emulate_media(color_scheme="dark")
    base = mail_site["url"]
    page.goto(f"{base}/login")
    html = page.locator("html")
    expect(html).to_have_attribute("data-bs-theme", "dark")  # "system": the device's
    page.get_by_label("Username or e-mail").fill("robin")
    page.get_by_label("Password").fill(SITE_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name=re.compile("robin")).click()
    expect(page.get_by_role("heading", name="Your account", level=1)).to_be_visible()
    page.get_by_role("combobox", name="Theme").select_option("light")
    page.get_by_role("button", name="Save theme").click()
    expect(page.get_by_role("status")).to_contain_text("Theme saved.")
    expect(html).to_have_attribute("data-bs-theme", "light")  # the choice beats the device
    page.goto(f"{base}/orders")
    expect(html).to_have_attribute("data-bs-theme", "light")

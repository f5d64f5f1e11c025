"""Client-side validation in Chromium: the server's words, as the user types and on submit.

For each form: a bad value shows the server's message beside the field (``aria-invalid``,
``aria-describedby``), fixing it clears the message, a submit with a bad field is stopped
with the focus on the first one, and a submission that skips the browser's checks
(``form.submit()`` never runs them) is refused by the server with the very same words.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from presslog.accounts.service import PASSWORDS_DIFFER
from presslog.core.rules import DATE_RANGE_MESSAGE, date_order_message
from presslog.customers import rules as customer_rules
from presslog.orders import rules as order_rules
from presslog.users import rules as user_rules
from tests.e2e.conftest import _run, serving, sign_in, site_env

BYPASS = "document.querySelector('form[data-validate]').submit()"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A small demo PressLog that lets people register (its URL and the demo password)."""
    folder: Path = tmp_path_factory.mktemp("validation")
    env = site_env(folder, REGISTRATION="open")
    _run(["db", "upgrade"], env)
    _run(["seed-demo", "--orders", "5", "--customers", "3"], env)
    found = re.search(r"password (\S+)", (folder / "demo-credentials.txt").read_text())
    assert found
    with serving(env) as url:
        yield {"url": url, "password": found.group(1)}


def expect_message(field: Locator, message: str) -> None:
    """``message`` beside ``field``, which is marked invalid and described by it."""
    error_id = f"{field.get_attribute('id')}-error"
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_attribute("aria-describedby", re.compile(rf"\b{error_id}\b"))
    expect(field.page.locator(f"#{error_id}")).to_have_text(message)


def expect_fine(field: Locator) -> None:
    """No message beside ``field`` and nothing marks it invalid."""
    expect(field).not_to_have_attribute("aria-invalid", "true")
    expect(field.page.locator(f"#{field.get_attribute('id')}-error")).to_have_text("")


def test_customer_form(page: Page, site: dict[str, str]) -> None:
    sign_in(page, site, "frontdesk")
    page.goto(f"{site['url']}/customers/new")
    code, phone = page.locator("#code"), page.locator("#phone")

    code.fill("ab1")
    expect(code).not_to_have_attribute("aria-invalid", "true")  # quiet while first typed
    code.blur()
    expect_message(code, customer_rules.CODE.pattern_message or "")
    code.fill("ab12")  # live from now on
    expect_message(code, customer_rules.CODE.pattern_message or "")
    code.fill("ab123")
    expect(code).to_have_value("AB123")
    expect_fine(code)

    phone.fill("call me")
    phone.blur()
    expect_message(phone, customer_rules.PHONE.pattern_message or "")
    page.locator("form[data-validate] button[type=submit]").click()
    # Stopped in the browser: the first bad field (the empty name) has the focus.
    expect(page).to_have_url(f"{site['url']}/customers/new")
    expect(page.locator("#name")).to_be_focused()
    expect_message(page.locator("#name"), customer_rules.NAME.required_message)

    page.evaluate(BYPASS)  # the server checks everything again, in the same words
    expect(page.locator("#phone-error")).to_have_text(customer_rules.PHONE.pattern_message or "")
    expect(page.locator("#name-error")).to_have_text(customer_rules.NAME.required_message)


def test_user_form(page: Page, site: dict[str, str]) -> None:
    sign_in(page, site, "admin")
    page.goto(f"{site['url']}/admin/users/new")
    username, password = page.locator("#username"), page.locator("#password")
    username.fill("Pat Smith")
    username.blur()
    expect(username).to_have_value("pat smith")  # stored in lower case: shown so
    expect_message(username, user_rules.USERNAME.pattern_message or "")
    username.fill("pat.smith")
    expect_fine(username)

    password.fill("too short")
    password.blur()
    expect_message(password, user_rules.PASSWORD.length_message)
    page.locator("form[data-validate] button[type=submit]").click()
    expect(page.locator("#role")).to_be_focused()  # the first bad field on the page
    expect_message(page.locator("#role"), user_rules.ROLE.required_message)
    expect_message(page.locator("#email"), user_rules.EMAIL.required_message)

    page.evaluate(BYPASS)
    expect(page.locator("#password-error")).to_have_text(user_rules.PASSWORD.length_message)
    expect(page.locator("#email-error")).to_have_text(user_rules.EMAIL.required_message)


def test_register_form_passwords_typed_twice(page: Page, site: dict[str, str]) -> None:
    page.goto(f"{site['url']}/register")
    password, confirm = page.locator("#password"), page.locator("#confirm")
    password.fill("a long enough password 1")
    confirm.fill("a long enough password 2")
    confirm.blur()
    expect_message(confirm, PASSWORDS_DIFFER)
    password.fill("a long enough password 2")  # fixing the first box clears the second's
    expect_fine(confirm)
    password.fill("a long enough password 3")
    expect_message(confirm, PASSWORDS_DIFFER)

    page.get_by_role("button", name="Create my account").click()
    expect(page.locator("#username")).to_be_focused()
    expect_message(page.locator("#username"), user_rules.USERNAME.required_message)

    page.locator("#username").fill("robin.e2e")
    page.locator("#email").fill("robin.e2e@example.com")
    page.evaluate(BYPASS)
    expect(page.locator("#confirm-error")).to_have_text(PASSWORDS_DIFFER)


def test_order_form_dates_in_order(page: Page, site: dict[str, str]) -> None:
    sign_in(page, site, "frontdesk")
    page.goto(f"{site['url']}/orders/new")
    received, due = page.get_by_label("Date received"), page.get_by_label("Due out")
    wrong = date_order_message(order_rules.DATE_LABELS["received_on"], "Due out")
    received.fill("2026-03-10")
    due.fill("2026-03-01")
    due.blur()
    expect_message(due, wrong)
    received.fill("2026-02-27")  # moving the other date fixes it, live
    expect_fine(due)
    received.fill("2026-03-10")
    expect_message(due, wrong)

    page.get_by_role("button", name="Log order").click()
    expect(page).to_have_url(f"{site['url']}/orders/new")
    expect(page.locator("#log")).to_be_focused()  # the first bad field, not the date

    page.evaluate(BYPASS)
    expect(page.locator("#due_on-error")).to_have_text(wrong)
    expect(page.locator("#log-error")).to_have_text(order_rules.LOG.required_message)


def test_filter_date_range(page: Page, site: dict[str, str]) -> None:
    """The board's "due from … to" range: the browser and the server say the same words.

    The server's words come from the same function as the order form's date order.
    """
    sign_in(page, site, "frontdesk")
    wrong = date_order_message("Due from", "Due to")
    page.goto(f"{site['url']}/board?due_from=2026-03-10&due_to=2026-03-01")
    expect(page.locator("#board-due-to-error")).to_have_text(wrong)  # the server refuses

    page.goto(f"{site['url']}/board")
    due_from, due_to = page.locator("#board-due-from"), page.locator("#board-due-to")
    due_from.fill("2026-03-10")
    due_to.fill("2026-03-01")
    due_to.blur()
    expect_message(due_to, wrong)
    due_from.fill("2026-02-20")
    expect_fine(due_to)
    due_from.fill("2026-03-10")
    page.get_by_role("button", name="Show").click()
    expect(due_to).to_be_focused()
    expect(page).to_have_url(f"{site['url']}/board")


@pytest.mark.parametrize(
    ("path", "first", "second", "button"),
    [
        ("/reports/sales", "#f-from", "#f-to", "Show"),
        ("/admin/audit", "#from", "#to", "Search"),
    ],
)
def test_report_and_audit_date_ranges(
    page: Page, site: dict[str, str], path: str, first: str, second: str, button: str
) -> None:
    """A backwards range: the browser stops it in the words the server uses for it."""
    sign_in(page, site, "admin")
    page.goto(f"{site['url']}{path}?from=2026-03-10&to=2026-03-01")
    expect(page.locator(f"{second}-error")).to_have_text(DATE_RANGE_MESSAGE)  # the server

    page.goto(f"{site['url']}{path}")
    start, end = page.locator(first), page.locator(second)
    start.fill("2026-03-10")
    end.fill("2026-03-01")
    end.blur()
    expect_message(end, DATE_RANGE_MESSAGE)
    start.fill("2026-02-20")
    expect_fine(end)
    start.fill("2026-03-10")
    page.get_by_role("button", name=button, exact=True).click()
    expect(end).to_be_focused()
    expect(page).to_have_url(f"{site['url']}{path}")

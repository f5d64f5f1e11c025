"""The front desk's day in a real browser, found by role and name as a person finds things.

Sign in, add a customer, log an order with charges (stopped first by the browser's own
check), find it, edit it while someone else does, run the due outs and download them,
switch to dark mode, log an order with the keyboard alone. The key pages are
photographed at phone and desktop size in both themes into ``artifacts/screenshots``
(``ARTIFACTS_DIR`` moves ``artifacts``), which CI keeps.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, ViewportSize, expect
from playwright.sync_api import Error as PlaywrightError

from presslog.orders import rules
from tests.e2e.conftest import demo_site, sign_in

PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1440, "height": 900}
TODAY = date.today()  # the site's "today" is the machine's date too
DUE = (TODAY + timedelta(days=2)).isoformat()


def artifacts_dir() -> Path:
    """Where CI collects the screenshots: ``$ARTIFACTS_DIR`` or ``artifacts/``."""
    root = os.environ.get("ARTIFACTS_DIR") or Path(__file__).resolve().parents[2] / "artifacts"
    folder = Path(root) / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A seeded PressLog of this module's own."""
    with demo_site(tmp_path_factory.mktemp("journeys"), orders=30, customers=8) as site:
        yield site


def new_window(browser: Browser, *, phone: bool = False, theme: str = "light") -> BrowserContext:
    """A browser window at phone or desktop size, its system theme ``theme``."""
    return browser.new_context(
        viewport=PHONE if phone else DESKTOP,
        color_scheme="dark" if theme == "dark" else "light",
        reduced_motion="reduce",
        is_mobile=phone,
        has_touch=phone,
    )


def field(page: Page, label: str) -> Locator:
    """The form control labelled exactly ``label`` (its required mark aside)."""
    return page.get_by_label(re.compile(rf"^{re.escape(label)}\s*\*?$"))


def log_field(page: Page) -> Locator:
    """The order form's LOG box (not "Art log" nor "Reference art log")."""
    return field(page, "LOG")


def test_sign_in_shows_who_is_signed_in(page: Page, shop: dict[str, str]) -> None:
    page.goto(f"{shop['url']}/orders")
    expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()
    sign_in(page, shop, "frontdesk")
    expect(page.get_by_role("link", name=re.compile("frontdesk"))).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def menu(page: Page, name: str) -> None:
    """Choose ``name`` in the menu bar, opening the folded menu first on a phone."""
    toggle = page.get_by_role("button", name="Open menu")
    if toggle.is_visible():
        toggle.click()
    page.get_by_role("navigation").get_by_role("link", name=name).click()


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_front_desk_adds_a_customer_then_logs_finds_and_edits_an_order(
    browser: Browser, shop: dict[str, str], size: str
) -> None:
    phone = size == "phone"
    context = new_window(browser, phone=phone)
    page = context.new_page()
    sign_in(page, shop, "frontdesk")
    # Keys of their own at each size: both runs share one shop.
    code, log, title = (
        ("JRP01", "JRP100", "Pocket Jerseys") if phone else ("JRN01", "JRN100", "Journey Jerseys")
    )

    # A new customer.
    menu(page, "Customers")
    page.get_by_role("link", name="New customer").click()
    field(page, "Customer code").fill(code.lower())
    field(page, "Name").fill("Journey Sports Club")
    page.get_by_role("textbox", name="E-mail").fill("coach@journey.example")
    page.get_by_role("button", name="Add customer").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(code)

    # An order with charges, stopped first by the browser with the server's words.
    menu(page, "Orders")
    page.get_by_role("link", name="New order").click()
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.url) if r.method == "POST" else None)
    log_field(page).fill("ab1")
    field(page, "Title").fill(title)
    page.get_by_role("button", name="Log order").click()
    assert rules.LOG.pattern_message
    expect(page.locator("#log-error")).to_have_text(rules.LOG.pattern_message)
    expect(log_field(page)).to_be_focused()
    expect(page).to_have_url(f"{shop['url']}/orders/new")
    assert sent == [], "the browser sent the form it should have stopped"

    log_field(page).fill(log)
    field(page, "Customer").fill(code)
    field(page, "Job type").select_option("TR")
    page.get_by_label("Due out", exact=True).fill(DUE)
    page.get_by_role("spinbutton", name="Print quantity").fill("24")
    page.get_by_role("spinbutton", name="Print unit price").fill("6.50")
    page.get_by_role("spinbutton", name="Freight").fill("12")
    expect(page.locator("[data-total]")).to_have_text("168.00")
    page.get_by_role("button", name="Log order").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Order {log}")
    expect(page.locator(".flash-area")).to_contain_text(f"Order {log} logged.")

    # Found again by searching the list.
    menu(page, "Orders")
    page.get_by_role("search", name=re.compile("orders", re.I)).get_by_label(
        "Search", exact=True
    ).fill(title)
    page.get_by_role("button", name="Search", exact=True).click()
    page.get_by_role("link", name=log, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Order {log}")

    # Two people edit it at once: the second save is refused and keeps what was typed.
    other_context = new_window(browser)
    other = other_context.new_page()
    sign_in(other, shop, "manager")
    other.goto(f"{shop['url']}/orders/{log}/edit")
    page.get_by_role("link", name="Edit").first.click()
    title_box = field(page, "Title")
    title_box.fill(f"{title}, navy")
    field(other, "Title").fill(f"{title}, red")
    other.get_by_role("button", name="Save changes").click()
    expect(other.get_by_role("heading", level=1)).to_contain_text(f"Order {log}")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".flash-area")).to_contain_text(
        "was changed by someone else", ignore_case=True
    )
    expect(page.locator(".flash-area")).to_contain_text("Your changes were not saved.")
    expect(title_box).to_have_value(f"{title}, navy")
    other_context.close()
    context.close()


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_due_outs_download_as_csv_and_pdf(
    browser: Browser, shop: dict[str, str], size: str
) -> None:
    phone = size == "phone"
    context = new_window(browser, phone=phone)
    page = context.new_page()
    sign_in(page, shop, "frontdesk")
    log = "DUE201" if phone else "DUE200"
    # An order due out in two days, so the report has it.
    page.goto(f"{shop['url']}/orders/new")
    log_field(page).fill(log)
    field(page, "Customer").fill(first_customer(page, shop))
    field(page, "Job type").select_option("TR")
    field(page, "Title").fill("Due soon")
    page.get_by_label("Due out", exact=True).fill(DUE)
    page.get_by_role("button", name="Log order").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Order {log}")

    menu(page, "Reports")
    page.get_by_role("link", name=re.compile("^Due outs")).first.click()
    page.get_by_label("Due through").fill((TODAY + timedelta(days=7)).isoformat())
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("link", name=log)).to_be_visible()

    csv_link = page.get_by_role("link", name="Download CSV")
    with page.expect_download() as csv_download:
        csv_link.click()
    assert log in Path(csv_download.value.path()).read_text(encoding="utf-8-sig")
    answer = page.request.get(shop["url"] + (csv_link.get_attribute("href") or ""))
    assert answer.headers["content-type"].startswith("text/csv")
    assert log in answer.text()

    pdf_link = page.get_by_role("link", name="PDF (Letter)")
    with page.expect_download() as pdf_download:
        pdf_link.click()
    assert Path(pdf_download.value.path()).read_bytes().startswith(b"%PDF")
    answer = page.request.get(shop["url"] + (pdf_link.get_attribute("href") or ""))
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.body().startswith(b"%PDF")
    context.close()


def first_customer(page: Page, shop: dict[str, str]) -> str:
    """A customer code of the seeded shop (read from the API, as this window is signed in)."""
    answer = page.request.get(f"{shop['url']}/api/v1/customers?per_page=1&sort=code")
    code: str = answer.json()["items"][0]["code"]
    return code


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_dark_mode_from_the_navbar_stays_after_reload(
    browser: Browser, shop: dict[str, str], size: str
) -> None:
    phone = size == "phone"
    who = "viewer" if phone else "artist"  # each starts from the device's (light) theme
    context = new_window(browser, theme="light", phone=phone)
    page = context.new_page()
    sign_in(page, shop, who)
    html = page.locator("html")
    expect(html).to_have_attribute("data-bs-theme", "light")
    if phone:  # the theme menu sits in the folded menu
        page.get_by_role("button", name="Open menu").click()
    page.get_by_role("button", name=re.compile(r"^Theme")).click()
    page.get_by_role("button", name="Dark", exact=True).click()
    expect(html).to_have_attribute("data-bs-theme", "dark")
    page.reload()
    expect(html).to_have_attribute("data-bs-theme", "dark")
    expect(html).to_have_attribute("data-theme-choice", "dark")
    # Another window (another device) of the same person opens dark as well.
    second = new_window(browser, theme="light")
    elsewhere = second.new_page()
    sign_in(elsewhere, shop, who)
    expect(elsewhere.locator("html")).to_have_attribute("data-bs-theme", "dark")
    second.close()
    context.close()


def tab_to(page: Page, element_id: str, *, limit: int = 120) -> None:
    """Press Tab until the element with ``element_id`` has the focus."""
    for _ in range(limit):
        if page.evaluate("() => document.activeElement && document.activeElement.id") == (
            element_id
        ):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached #{element_id}")


def tab_to_link(page: Page, name: str, *, limit: int = 80) -> None:
    """Press Tab until the link named ``name`` has the focus."""
    for _ in range(limit):
        focused = page.evaluate(
            "() => document.activeElement.tagName === 'A' ?"
            " document.activeElement.textContent.trim() : null"
        )
        if focused == name:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached the link {name!r}")


def test_an_order_logged_with_the_keyboard_alone(browser: Browser, shop: dict[str, str]) -> None:
    context = new_window(browser)
    page = context.new_page()
    sign_in(page, shop, "frontdesk")
    customer = first_customer(page, shop)

    # From here on: keys only, no clicks.
    tab_to_link(page, "New order")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("New order")
    tab_to(page, "log")
    page.keyboard.type("KEY01")
    tab_to(page, "customer")
    page.keyboard.type(customer)
    tab_to(page, "job_type")
    page.keyboard.press("ArrowDown")
    assert page.evaluate("() => document.activeElement.value") != ""
    tab_to(page, "title")
    page.keyboard.type("Typed, not clicked")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_contain_text("Order KEY01")
    expect(page.locator(".flash-area")).to_contain_text("Order KEY01 logged.")
    context.close()


KEY_PAGES = {
    "orders-list": "/orders",
    "order-form": "/orders/new",
    "order-page": "/orders/{log}",
    "customer-page": "/customers/{code}",
    "due-outs": "/reports/due-outs",
    "account": "/account",
}


def snap(page: Page, path: Path) -> None:
    """A screenshot; once more if Chromium, busy, answers "Unable to capture screenshot"."""
    try:
        page.screenshot(path=path, animations="disabled", caret="hide")
    except PlaywrightError:
        page.wait_for_timeout(500)
        page.screenshot(path=path, animations="disabled", caret="hide")


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_screenshots_of_the_key_pages(
    browser: Browser, shop: dict[str, str], theme: str, size: str
) -> None:
    """Photographs for people to look at; each page must at least show its heading."""
    phone = size == "phone"
    context = new_window(browser, phone=phone, theme=theme)
    page = context.new_page()
    folder = artifacts_dir()
    viewport = PHONE if phone else DESKTOP
    suffix = f"{theme}-{viewport['width']}x{viewport['height']}"

    page.goto(f"{shop['url']}/login")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    snap(page, folder / f"sign-in-{suffix}.png")
    sign_in(page, shop, "manager")
    order = page.request.get(f"{shop['url']}/api/v1/orders?per_page=1").json()
    seeds = {"log": order["items"][0]["log"], "code": first_customer(page, shop)}
    for name, path in KEY_PAGES.items():
        page.goto(shop["url"] + path.format(**seeds))
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        page.locator("#bell-count[hx-get*='shown=']").wait_for(state="attached")
        snap(page, folder / f"{name}-{suffix}.png")
    if phone:
        page.goto(f"{shop['url']}/orders")
        page.get_by_role("button", name="Open menu").click()
        expect(page.get_by_role("link", name="Customers")).to_be_visible()
        snap(page, folder / f"menu-{suffix}.png")
    context.close()

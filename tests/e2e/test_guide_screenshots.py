"""The screens the user guides (docs/guides/) describe, checked and photographed.

Each test walks one role through the tasks its guide describes and asserts that the
headings and buttons the guide names are there, so a guide cannot silently go stale.
Every screen the guides show is photographed; with ``GUIDE_SCREENSHOTS=1`` the pictures
replace docs/guides/img/*.png (palette PNGs, 1280×800 or 390×844), otherwise they go to a
temporary folder so that an ordinary test run leaves the tree unchanged.
"""

from __future__ import annotations

import json
import os
import re
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.conftest import demo_site, sign_in

GUIDES = Path(__file__).resolve().parents[2] / "docs" / "guides"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
# Every picture the guides show, each taken by one of the tests below.
PICTURES = frozenset(
    {
        "sign-in",
        "orders-list",
        "order-new-charges",
        "order-page",
        "order-conflict",
        "report-due-outs",
        "board",
        "customer-page",
        "account",
        "notifications",
        "notification-preferences",
        "artist-edit",
        "artist-grid",
        "shipping-edit",
        "audit-log",
        "trash",
        "users",
        "invite",
        "user-page",
        "legacy-import",
        "jobs",
        "viewer-order",
        "phone-orders",
        "phone-menu",
        "phone-board",
        "phone-order",
    }
)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A PressLog of its own with a fuller shop than the other browser tests use."""
    with demo_site(tmp_path_factory.mktemp("guides"), orders=150, customers=20) as served:
        yield served


@pytest.fixture(scope="module")
def img_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the pictures go: the guides' folder when asked for, a scratch folder otherwise."""
    if os.environ.get("GUIDE_SCREENSHOTS") == "1":
        folder = GUIDES / "img"
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    return tmp_path_factory.mktemp("guide-img")


def new_context(browser: Browser, phone: bool = False) -> BrowserContext:
    """A light-themed browser window at the guides' desktop or phone size."""
    return browser.new_context(
        viewport=PHONE if phone else DESKTOP,
        device_scale_factor=1,
        color_scheme="light",
        reduced_motion="reduce",
        is_mobile=phone,
        has_touch=phone,
    )


def shot(page: Page, folder: Path, name: str) -> None:
    """Photograph what the window shows, as a small palette PNG."""
    assert name in PICTURES, f"add {name!r} to PICTURES and show it in a guide"
    if page.locator("#bell-count").count():  # signed in: wait for the bell's count
        page.locator("#bell-count[hx-get*='shown=']").wait_for(state="attached")
    path = folder / f"{name}.png"
    page.screenshot(path=path, full_page=False, animations="disabled", caret="hide")
    if folder.parent == GUIDES:
        with Image.open(path) as picture:
            small = picture.convert("RGB").quantize(colors=128, dither=Image.Dither.NONE)
        small.save(path, optimize=True)


def scroll_to(page: Page, heading: str) -> None:
    """Bring a fieldset (by its legend) to the top of the window."""
    page.locator("legend", has_text=heading).first.evaluate(
        "el => { el.scrollIntoView({block: 'start'}); window.scrollBy(0, -70); }"
    )


def api(site: dict[str, str], token: str, method: str, path: str) -> Any:
    """Call the JSON API with a bearer token, as the manager guide shows with curl."""
    request = urllib.request.Request(  # noqa: S310 - our own local server
        site["url"] + path, method=method, headers={"Authorization": f"Bearer {token}"}
    )
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
        return json.loads(answer.read())


def first_customer_code(page: Page, site: dict[str, str]) -> str:
    """The code of the first customer in the list."""
    page.goto(f"{site['url']}/customers")
    return page.locator("table tbody tr a").first.inner_text().strip()


def open_order(page: Page, site: dict[str, str], status: str) -> str:
    """Open the first order with ``status`` from the order list; its LOG."""
    page.goto(f"{site['url']}/orders?status={status}")
    link = page.locator("table tbody tr a").first
    log = link.inner_text().strip()
    link.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Order {log}")
    return log


def test_sign_in_page(browser: Browser, site: Any, img_dir: Path) -> None:
    context = new_context(browser)
    page = context.new_page()
    page.goto(f"{site['url']}/login")
    expect(page.get_by_role("heading", name="Sign in to PressLog")).to_be_visible()
    expect(page.get_by_role("link", name="Forgot your password?")).to_be_visible()
    shot(page, img_dir, "sign-in")
    page.get_by_role("link", name="Forgot your password?").click()
    expect(page.get_by_role("heading", name="Forgot your password?")).to_be_visible()
    expect(page.get_by_role("button", name="Send me a link")).to_be_visible()
    context.close()


def test_front_desk_day(browser: Browser, site: Any, img_dir: Path) -> None:
    context = new_context(browser)
    page = context.new_page()
    sign_in(page, site, "frontdesk")
    expect(page.get_by_role("link", name="frontdesk · Front desk")).to_be_visible()
    for name in ("New order", "Export CSV", "Edit in grid"):
        expect(page.get_by_role("link", name=name)).to_be_visible()
    shot(page, img_dir, "orders-list")

    # Find an order: the filter bar's search.
    page.get_by_label("Status").select_option("production")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"status=production"))
    expect(page.locator("table tbody tr").first).to_contain_text("In production")

    # Log an order with charges.
    code = first_customer_code(page, site)
    page.goto(f"{site['url']}/orders/new")
    expect(page.get_by_role("heading", name="New order", level=1)).to_be_visible()
    page.locator("#log").fill("20001")
    page.locator("#customer").fill(code)
    page.get_by_label("Job type").select_option("DP")
    page.get_by_label("Title").fill("Spring league team shirts")
    page.get_by_label("Quantity", exact=True).fill("48")
    # Three days on: always inside the board's default range (up to the end of next week).
    page.get_by_label("Due out").fill((datetime.now(UTC).date() + timedelta(days=3)).isoformat())
    page.get_by_label("Print quantity").fill("48")
    page.get_by_label("Print unit price").fill("6.50")
    page.get_by_label("Art quantity").fill("1")
    page.get_by_label("Art unit price").fill("35")
    page.get_by_label("Sales tax").fill("25.16")
    expect(page.locator("[data-total]")).to_have_text("372.16")
    scroll_to(page, "Charges")
    shot(page, img_dir, "order-new-charges")
    page.get_by_role("button", name="Log order").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Order 20001")
    expect(page.locator(".flash-area").get_by_role("status")).to_contain_text("Order 20001 logged.")
    expect(page.get_by_role("button", name="Following order 20001: stop following")).to_be_visible()
    for name in ("Print job ticket", "Edit"):
        expect(page.get_by_role("link", name=name, exact=True)).to_be_visible()
    for name in ("Move to art", "Move to approved", "Move to production"):
        expect(page.get_by_role("button", name=name)).to_be_visible()
    expect(page.get_by_text("Cancel order…")).to_be_visible()
    expect(page.get_by_role("button", name="Move to trash")).to_be_visible()
    shot(page, img_dir, "order-page")

    # Move its status.
    page.get_by_role("button", name="Move to art").click()
    expect(page.locator(".flash-area")).to_contain_text("Order 20001 is now in art.")
    expect(page.get_by_role("button", name="Back to received")).to_be_visible()

    # Two people edit at once: the second save is refused, not merged.
    other = context.new_page()
    other.goto(f"{site['url']}/orders/20001/edit")
    page.get_by_role("link", name="Edit", exact=True).click()
    other.get_by_label("Title").fill("Spring league team shirts, navy")
    other.get_by_role("button", name="Save changes").click()
    expect(other.locator(".flash-area")).to_contain_text("Order 20001 saved.")
    page.get_by_label("Customer note").fill("Call before shipping")
    page.get_by_role("button", name="Save changes").click()
    warning = page.locator("main .alert-warning")
    expect(warning).to_contain_text("Your changes were not saved")
    expect(warning.get_by_role("link", name="Reload the current order")).to_be_visible()
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, img_dir, "order-conflict")

    # The due outs report and its downloads.
    page.goto(f"{site['url']}/reports")
    expect(page.get_by_role("heading", name="Reports", level=1)).to_be_visible()
    page.get_by_role("link", name="Due outs").click()
    expect(page.get_by_role("heading", name="Due outs", level=1)).to_be_visible()
    for name in ("Download CSV", "PDF (Letter)", "PDF (A4)"):
        expect(page.get_by_role("link", name=name)).to_be_visible()
    shot(page, img_dir, "report-due-outs")
    with page.expect_download() as csv:
        page.get_by_role("link", name="Download CSV").click()
    assert csv.value.suggested_filename.endswith(".csv")

    # The board.
    page.get_by_role("link", name="Board", exact=True).click()
    expect(page.get_by_role("heading", name="Production board", level=1)).to_be_visible()
    for column in ("Received", "In art", "Approved", "In production", "Ready"):
        expect(page.get_by_role("heading", name=re.compile(rf"^{column} \d+"))).to_be_visible()
    expect(page.get_by_role("button", name="Move LOG 20001 to approved")).to_be_visible()
    shot(page, img_dir, "board")

    # Customers.
    page.get_by_role("link", name="Customers", exact=True).click()
    expect(page.get_by_role("link", name="New customer")).to_be_visible()
    page.locator("table tbody tr a").first.click()
    expect(page.get_by_role("heading", name="Recent orders")).to_be_visible()
    expect(page.get_by_role("link", name="New order")).to_be_visible()
    expect(page.get_by_role("link", name="Edit", exact=True)).to_be_visible()
    shot(page, img_dir, "customer-page")

    # The account page, from the name in the top bar.
    page.get_by_role("link", name="frontdesk · Front desk").click()
    expect(page.get_by_role("heading", name="Your account", level=1)).to_be_visible()
    for name in ("Save name", "Send a confirmation link", "Change password", "Save theme"):
        expect(page.get_by_role("button", name=name)).to_be_visible()
    expect(page.get_by_role("link", name="Notification preferences")).to_be_visible()
    shot(page, img_dir, "account")
    context.close()


def test_notifications_of_a_followed_order(browser: Browser, site: Any, img_dir: Path) -> None:
    desk_context = new_context(browser)
    desk = desk_context.new_page()
    sign_in(desk, site, "frontdesk")
    code = first_customer_code(desk, site)
    desk.goto(f"{site['url']}/orders/new")
    desk.locator("#log").fill("20002")
    desk.locator("#customer").fill(code)
    desk.get_by_label("Job type").select_option("TR")
    desk.get_by_label("Title").fill("Booster club banners")
    desk.get_by_role("checkbox", name="Rush").check()
    desk.get_by_role("button", name="Log order").click()
    expect(desk.get_by_role("heading", level=1)).to_contain_text("Order 20002")

    context = new_context(browser)
    page = context.new_page()
    sign_in(page, site, "manager")
    page.goto(f"{site['url']}/orders/20002")
    page.get_by_role("button", name="Follow order 20002").click()
    expect(page.get_by_role("button", name="Following order 20002: stop following")).to_be_visible()
    # The front desk moves the followed order on: the manager hears of it.
    desk.get_by_role("button", name="Move to art").click()
    expect(desk.locator(".flash-area")).to_contain_text("Order 20002 is now in art.")
    desk_context.close()

    page.locator("a.bell").click()
    expect(page.get_by_role("heading", name="Notifications", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Notifications", level=1)).to_contain_text("2 unread")
    expect(page.get_by_role("link", name=re.compile("Rush order 20002"))).to_be_visible()
    expect(page.get_by_text("Status changed")).to_be_visible()
    for name in ("Mark all read", "Mark read"):
        expect(page.get_by_role("button", name=name).first).to_be_visible()
    shot(page, img_dir, "notifications")
    page.get_by_role("link", name="Preferences").click()
    expect(page.get_by_role("heading", name="Notification preferences", level=1)).to_be_visible()
    expect(page.get_by_role("button", name="Save preferences")).to_be_visible()
    shot(page, img_dir, "notification-preferences")
    context.close()


def test_artist_edits_art_fields_only(browser: Browser, site: Any, img_dir: Path) -> None:
    context = new_context(browser)
    page = context.new_page()
    sign_in(page, site, "artist")
    expect(page.get_by_role("link", name="New order")).to_have_count(0)
    expect(page.get_by_role("link", name="Reports")).to_have_count(0)
    open_order(page, site, "art")
    expect(page.get_by_role("button", name=re.compile("^Move to"))).to_have_count(0)
    page.get_by_role("link", name="Edit", exact=True).click()
    expect(page.get_by_label("Title")).to_be_disabled()
    expect(page.get_by_label("Art log", exact=True)).to_be_enabled()
    expect(page.get_by_label("Artist")).to_be_enabled()
    page.get_by_label("Artist").fill("KIM")
    page.get_by_text("Art proofs (9 slots)").click()
    expect(page.get_by_label("Art proof 1 code")).to_be_enabled()
    scroll_to(page, "Art")
    shot(page, img_dir, "artist-edit")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".flash-area")).to_contain_text("saved.")
    expect(page.get_by_text("KIM", exact=True)).to_be_visible()

    page.goto(f"{site['url']}/orders")
    page.get_by_role("link", name="Edit in grid").click()
    expect(page.get_by_role("heading", name="Order grid", level=1)).to_be_visible()
    expect(page.get_by_text("Shaded cells are read-only for your role.")).to_be_visible()
    page.locator(".grid-scroll").evaluate("el => { el.scrollLeft = 420; }")
    shot(page, img_dir, "artist-grid")
    context.close()


def test_shipping_records_a_shipment(browser: Browser, site: Any, img_dir: Path) -> None:
    context = new_context(browser)
    page = context.new_page()
    sign_in(page, site, "shipping")
    expect(page.get_by_role("link", name="Grid view")).to_be_visible()
    open_order(page, site, "ready")
    expect(page.get_by_role("button", name=re.compile("^Move to"))).to_have_count(0)
    page.get_by_role("link", name="Edit", exact=True).click()
    expect(page.get_by_label("Title")).to_be_disabled()
    expect(page.get_by_label("Art log", exact=True)).to_be_disabled()
    page.get_by_label("Ship method").fill("UPS")
    page.get_by_label("Carrier").fill("GROUND")
    page.get_by_label("Weight").fill("12.5")
    page.get_by_role("textbox", name="Date out", exact=True).fill(
        datetime.now(UTC).date().isoformat()
    )
    scroll_to(page, "Items and shipping")
    shot(page, img_dir, "shipping-edit")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".flash-area")).to_contain_text("saved.")
    expect(page.locator("dd", has_text="UPS GROUND")).to_contain_text("UPS GROUND · 12.50 lb")
    context.close()


def admin_menu(page: Page, item: str) -> None:
    """Choose ``item`` in the menu bar's Admin menu, as the guides say (Admin › item)."""
    page.get_by_role("button", name="Admin", exact=True).click()
    page.get_by_role("link", name=item, exact=True).click()


def test_manager_reads_the_audit_log(browser: Browser, site: Any, img_dir: Path) -> None:
    context = new_context(browser)
    page = context.new_page()
    sign_in(page, site, "manager")
    expect(page.get_by_role("link", name="Users")).to_have_count(0)
    admin_menu(page, "Audit log")
    expect(page.get_by_role("heading", name="Audit log", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="Export CSV")).to_be_visible()
    page.get_by_label("Record").select_option("order")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("table tbody tr").first).to_be_visible()
    shot(page, img_dir, "audit-log")

    # Restore from the trash as the guide says: the Trash page, then Restore.
    log = open_order(page, site, "approved")
    page.get_by_role("button", name="Move to trash").click()
    page.get_by_role("dialog").get_by_role("button", name="Move to trash").click()
    expect(page.locator(".flash-area")).to_contain_text(f"Order {log} moved to the trash.")
    admin_menu(page, "Trash")
    expect(page.get_by_role("heading", name="Trash", level=1)).to_be_visible()
    expect(page.locator("table tbody tr").first).to_contain_text(log)
    shot(page, img_dir, "trash")
    page.get_by_role("button", name=f"Restore {log}").click()
    expect(page.locator(".flash-area")).to_contain_text(f"Order {log} restored.")
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Order {log}")
    context.close()


def test_admin_pages(browser: Browser, site: Any, img_dir: Path) -> None:
    context = new_context(browser)
    page = context.new_page()
    sign_in(page, site, "admin")
    page.get_by_role("button", name="Admin", exact=True).click()
    for name in ("Users", "Trash", "Audit log", "Import", "Jobs"):
        expect(page.get_by_role("link", name=name, exact=True)).to_be_visible()

    page.get_by_role("link", name="Users", exact=True).click()
    expect(page.get_by_role("heading", name="Users", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="New user")).to_be_visible()
    shot(page, img_dir, "users")
    page.get_by_role("link", name="Invite by e-mail").click()
    expect(page.get_by_role("heading", name="Invite a user", level=1)).to_be_visible()
    page.get_by_label("Username").fill("sam")
    page.get_by_label("E-mail").fill("sam@example.com")
    page.get_by_label("Role").select_option("artist")
    shot(page, img_dir, "invite")
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("sam")
    expect(page.get_by_role("button", name="Send the invitation again")).to_be_visible()
    for name in ("Change role", "Deactivate", "Move to trash", "Create token"):
        expect(page.get_by_role("button", name=name)).to_be_visible()
    shot(page, img_dir, "user-page")

    admin_menu(page, "Import")
    expect(page.get_by_role("heading", name="Legacy import", level=1)).to_be_visible()
    expect(page.get_by_role("button", name="Upload and import")).to_be_visible()
    expect(page.get_by_label("Dry run", exact=False)).to_be_visible()
    shot(page, img_dir, "legacy-import")

    admin_menu(page, "Jobs")
    expect(page.get_by_role("heading", name="Background jobs", level=1)).to_be_visible()
    expect(page.get_by_text("Jobs waiting")).to_be_visible()
    shot(page, img_dir, "jobs")
    context.close()


def test_viewer_reads_only(browser: Browser, site: Any, img_dir: Path) -> None:
    context = new_context(browser)
    page = context.new_page()
    sign_in(page, site, "viewer")
    expect(page.get_by_role("link", name="Grid view")).to_be_visible()
    for name in ("New order", "Export CSV", "Reports"):
        expect(page.get_by_role("link", name=name)).to_have_count(0)
    open_order(page, site, "production")
    expect(page.get_by_role("link", name="Edit", exact=True)).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("^Follow order"))).to_be_visible()
    expect(page.get_by_role("link", name="Print job ticket", exact=True)).to_be_visible()
    shot(page, img_dir, "viewer-order")
    context.close()


def test_phone_screens(browser: Browser, site: Any, img_dir: Path) -> None:
    context = new_context(browser, phone=True)
    page = context.new_page()
    sign_in(page, site, "frontdesk")
    expect(page.get_by_role("button", name="Open menu")).to_be_visible()
    shot(page, img_dir, "phone-orders")
    page.get_by_role("button", name="Open menu").click()
    expect(page.get_by_role("link", name="Board", exact=True)).to_be_visible()
    shot(page, img_dir, "phone-menu")
    page.get_by_role("link", name="Board", exact=True).click()
    expect(page.get_by_role("heading", name="Production board", level=1)).to_be_visible()
    shot(page, img_dir, "phone-board")
    open_order(page, site, "ready")
    expect(page.get_by_role("button", name="Move to shipped")).to_be_visible()
    shot(page, img_dir, "phone-order")
    context.close()


def test_the_guides_show_exactly_these_pictures() -> None:
    """Every picture a guide shows is one taken here, has alt text, and is committed."""
    shown = set()
    for guide in GUIDES.glob("*.md"):
        for alt, name in re.findall(r"!\[([^\]]*)\]\(img/([\w-]+)\.png\)", guide.read_text()):
            assert alt.strip(), f"{guide.name}: picture {name} has no alt text"
            shown.add(name)
    assert shown == PICTURES, f"shown only: {shown - PICTURES}; taken only: {PICTURES - shown}"
    files = {p.stem: p.stat().st_size for p in (GUIDES / "img").glob("*.png")}
    assert set(files) == PICTURES, "run GUIDE_SCREENSHOTS=1 pytest on this file to refresh them"
    assert sum(files.values()) < 3_000_000, f"the pictures weigh {sum(files.values()):,} bytes"


def slug(heading: str) -> str:
    """The anchor a Markdown heading gets on GitHub."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def test_the_guides_links_lead_somewhere() -> None:
    """Every relative link in a guide names a file that exists, and a heading in it."""
    for guide in GUIDES.glob("*.md"):
        for target in re.findall(r"\]\(([^)\s]+)\)", guide.read_text()):
            if target.startswith(("http://", "https://", "mailto:")):
                continue
            path, _, anchor = target.partition("#")
            file = (guide.parent / path).resolve() if path else guide
            assert file.exists(), f"{guide.name}: {target} leads nowhere"
            if anchor:
                headings = re.findall(r"^#+ (.+)$", file.read_text(), flags=re.MULTILINE)
                assert anchor in {slug(h) for h in headings}, f"{guide.name}: no #{anchor}"

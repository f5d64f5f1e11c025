"""axe-core, run in Chromium, finds no WCAG 2.2 AA violations on any page PressLog serves.

The pages come from the app's own URL map: every GET route is either visited here (its
path arguments filled from the seeded shop) or named in :data:`NOT_PAGES` with the reason
it is not an HTML page. A new page that is in neither makes
:func:`test_every_get_route_is_checked_or_excused` fail, so it cannot be missed.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, expect

from tests.e2e.conftest import _run, demo_site, serving, site_env

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
AXE_SOURCE = Axe().axe_script
THEMES = ("light", "dark")
PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1440, "height": 900}

# Signed-in pages (as the admin, who may open every one): endpoint -> path, with
# {log}, {code}, {username} and {run} filled from the seeded shop.
SIGNED_IN_PAGES: dict[str, str] = {
    "web.index": "/",
    "accounts.account": "/account",
    "accounts.confirm_email": "/account/email/confirm/not-a-real-link",
    "notifications.preferences": "/account/notifications",
    "notifications.index": "/notifications",
    "audit.index": "/admin/audit",
    "legacy_import.index": "/admin/import",
    "legacy_import.show": "/admin/import/{run}",
    "jobs_admin.index": "/admin/jobs",
    "trash.index": "/admin/trash",
    "users_admin.index": "/admin/users",
    "users_admin.show": "/admin/users/{username}",
    "users_admin.edit": "/admin/users/{username}/edit",
    "users_admin.create": "/admin/users/new",
    "accounts.invite": "/admin/users/invite",
    "api_ui.swagger_ui": "/api/v1/docs",
    "production.board": "/board",
    "customers.index": "/customers",
    "customers.show": "/customers/{code}",
    "customers.edit": "/customers/{code}/edit",
    "customers.create": "/customers/new",
    "orders.index": "/orders",
    "orders.show": "/orders/{log}",
    "orders.edit": "/orders/{log}/edit",
    "orders.create": "/orders/new",
    "grid.index": "/orders/grid",
    "reports.index": "/reports",
    "reports.art_queue": "/reports/art-queue",
    "reports.customer_lookup": "/reports/customers",
    "reports.customer_history": "/reports/customers/{code}",
    "reports.due_outs": "/reports/due-outs",
    "reports.sales": "/reports/sales",
    "reports.shipped": "/reports/shipped",
    "styleguide.index": "/styleguide",
    "error.404": "/no-such-page",
}

# Pages for someone not signed in (the links mailed out are checked with a refused token).
ANONYMOUS_PAGES: dict[str, str] = {
    "auth.login": "/login",
    "accounts.forgot_password": "/password/forgot",
    "accounts.register": "/register",
    "accounts.reset_password": "/password/reset/not-a-real-link",
    "accounts.accept_invitation": "/invite/not-a-real-link",
    "error.404 (anonymous)": "/no-such-page",
}

# The pages a person uses most: also checked at phone size.
MAIN_PAGES = (
    "orders.index",
    "orders.show",
    "orders.edit",
    "orders.create",
    "customers.index",
    "customers.show",
    "production.board",
    "reports.due_outs",
    "accounts.account",
)

# GET routes that are not HTML pages a person reads, and why axe does not check them.
NOT_PAGES: dict[str, str] = {
    "static": "static files (CSS, scripts, images)",
    "health.healthz": "plain-text health check for the load balancer",
    "health.readyz": "plain-text readiness check",
    "ops.metrics": "Prometheus metrics (text)",
    "api-docs.openapi_json": "the OpenAPI document (JSON); its page /api/v1/docs is checked",
    "audit.export_csv": "CSV download",
    "orders.export_csv": "CSV download",
    "production.ticket": "PDF download (job ticket)",
    "legacy_import.rejects": "CSV download of rejected rows",
    "legacy_import.summary": "plain-text summary download",
    "legacy_import.progress": "htmx fragment, checked inside /admin/import/<run>",
    "notifications.count": "htmx fragment (the bell's count), checked inside every page",
    "reports.art_queue_csv": "CSV download",
    "reports.art_queue_pdf": "PDF download",
    "reports.customer_history_csv": "CSV download",
    "reports.customer_history_pdf": "PDF download",
    "reports.due_outs_csv": "CSV download",
    "reports.due_outs_pdf": "PDF download",
    "reports.sales_csv": "CSV download",
    "reports.sales_pdf": "PDF download",
    "reports.shipped_csv": "CSV download",
    "reports.shipped_pdf": "PDF download",
    "styleguide.sample_csv": "CSV download (the style guide's sample export)",
}
# The JSON API: every endpoint of these blueprints answers JSON, never HTML.
API_BLUEPRINTS = ("customers_api", "orders_api", "users_api", "reports_api")

ROUTES_SCRIPT = """
import json
import re
from presslog.app import create_app
app = create_app()
print(json.dumps([
    {"rule": r.rule, "endpoint": r.endpoint, "methods": sorted(r.methods or ())}
    for r in app.url_map.iter_rules()
]))
"""


def get_routes(env: dict[str, str]) -> list[dict[str, Any]]:
    """Every route of the app as configured for the site under test."""
    result = subprocess.run(  # noqa: S603 - our own interpreter and app
        [sys.executable, "-c", ROUTES_SCRIPT],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    routes: list[dict[str, Any]] = json.loads(result.stdout.strip().splitlines()[-1])
    return routes


def describe(violations: list[dict[str, Any]]) -> str:
    """axe's findings as lines a person can act on: rule, impact, help, each element."""
    lines: list[str] = []
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation.get('impact')}): {violation['help']}"
            f" [{violation.get('helpUrl', '')}]"
        )
        for node in violation["nodes"][:8]:
            target = " ".join(str(t) for t in node["target"])
            summary = " ".join(node.get("failureSummary", "").split())
            lines.append(f"    at {target}: {node['html'][:160]}")
            if summary:
                lines.append(f"       {summary[:300]}")
        if len(violation["nodes"]) > 8:
            lines.append(f"    ... and {len(violation['nodes']) - 8} more")
    return "\n".join(lines)


def check_axe(page: Page, where: str) -> None:
    """Run axe-core in the page (injected by evaluate: the CSP forbids script tags).

    Every page also has exactly one level-1 heading.
    """
    expect(page.get_by_role("heading", level=1), f"one h1 on {where}").to_have_count(1)
    # Two animation frames: scripts that adjust the page after a change (api-docs.js
    # tidies Swagger UI's output in the next frame) have run, however busy the machine.
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    page.evaluate(AXE_SOURCE)
    results = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']})",
        AXE_TAGS,
    )
    violations = results["violations"]
    assert not violations, f"axe finds violations on {where}:\n{describe(violations)}"


def settle(page: Page) -> None:
    """Wait until the page's own scripts and htmx loads are done (no fixed sleeps)."""
    page.wait_for_load_state("load")
    if page.locator("#bell-count").count():
        page.locator("#bell-count[hx-get*='shown=']").wait_for(state="attached")
    if page.locator("#swagger-ui").count():
        page.locator("#swagger-ui .opblock").first.wait_for()


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """One seeded site (open registration) for the module, with its routes."""
    folder = tmp_path_factory.mktemp("axe")
    with demo_site(folder, orders=20, customers=6, REGISTRATION="open") as site:
        env = site_env(folder, REGISTRATION="open")
        legacy = folder / "legacy"
        _run(["export-legacy", "--out", str(legacy)], env)
        yield {**site, "routes": get_routes(env), "legacy": legacy}


@pytest.fixture(scope="module")
def contexts(browser: Browser, shop: dict[str, Any]) -> Iterator[dict[str, BrowserContext]]:
    """Browser windows kept for the module: (who, theme, size) -> a context, made on need."""
    made: dict[str, BrowserContext] = {}
    yield made
    for context in made.values():
        context.close()


def window(
    browser: Browser,
    contexts: dict[str, BrowserContext],
    shop: dict[str, Any],
    *,
    who: str,
    theme: str,
    phone: bool = False,
) -> Page:
    """A page in the module's window for ``who`` ("admin" or "anonymous") in ``theme``."""
    key = f"{who}/{theme}/{'phone' if phone else 'desktop'}"
    if key not in contexts:
        context = browser.new_context(
            viewport=PHONE if phone else DESKTOP,
            color_scheme="dark" if theme == "dark" else "light",
            reduced_motion="reduce",
            is_mobile=phone,
            has_touch=phone,
        )
        contexts[key] = context
        page = context.new_page()
        if who != "anonymous":
            page.goto(f"{shop['url']}/login")
            page.get_by_label("Username or e-mail").fill(who)
            page.get_by_label("Password").fill(shop["password"])
            page.get_by_role("button", name="Sign in").click()
            expect(page.get_by_role("heading", name="Orders", level=1)).to_be_visible()
    context = contexts[key]
    return context.pages[0]


@pytest.fixture(scope="module")
def seeds(
    browser: Browser, contexts: dict[str, BrowserContext], shop: dict[str, Any]
) -> dict[str, str]:
    """Path arguments from the seeded shop: an order, a customer, a user, an import run."""
    page = window(browser, contexts, shop, who="admin", theme="light")
    orders = page.request.get(f"{shop['url']}/api/v1/orders?per_page=1").json()
    customers = page.request.get(f"{shop['url']}/api/v1/customers?per_page=1").json()
    # An import run of the exported shop, dry: it changes nothing.
    page.goto(f"{shop['url']}/admin/import")
    page.get_by_label("Orders.csv").set_input_files(shop["legacy"] / "Orders.csv")
    page.get_by_label("Customers.csv").set_input_files(shop["legacy"] / "Customers.csv")
    page.get_by_label("Dry run", exact=False).check()
    page.get_by_role("button", name="Upload and import").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Import run")
    run = page.url.rstrip("/").rsplit("/", 1)[-1]
    return {
        "log": orders["items"][0]["log"],
        "code": customers["items"][0]["code"],
        "username": "frontdesk",
        "run": run,
    }


def visit(page: Page, url: str) -> None:
    """Open ``url`` and wait for it to settle."""
    page.goto(url)
    settle(page)


def test_every_get_route_is_checked_or_excused(shop: dict[str, Any]) -> None:
    checked = set(SIGNED_IN_PAGES) | set(ANONYMOUS_PAGES)
    missing = []
    for route in shop["routes"]:
        endpoint = route["endpoint"]
        if "GET" not in route["methods"]:
            continue
        if endpoint in checked or endpoint in NOT_PAGES:
            continue
        if endpoint.split(".", 1)[0] in API_BLUEPRINTS:
            continue
        missing.append(f"{route['rule']} ({endpoint})")
    assert not missing, "GET routes neither checked by axe nor excused in NOT_PAGES: " + ", ".join(
        missing
    )
    # Nothing listed here is stale: each checked endpoint still exists.
    endpoints = {route["endpoint"] for route in shop["routes"]}
    stale = [
        e for e in checked | set(NOT_PAGES) if not e.startswith("error.") and e not in endpoints
    ]
    assert not stale, f"listed but not in the URL map any more: {stale}"


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("endpoint", sorted(SIGNED_IN_PAGES))
def test_signed_in_page(
    browser: Browser,
    contexts: dict[str, BrowserContext],
    shop: dict[str, Any],
    seeds: dict[str, str],
    endpoint: str,
    theme: str,
) -> None:
    page = window(browser, contexts, shop, who="admin", theme=theme)
    path = SIGNED_IN_PAGES[endpoint].format(**seeds)
    visit(page, shop["url"] + path)
    check_axe(page, f"{path} ({theme}, 1440x900)")


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("endpoint", MAIN_PAGES)
def test_main_page_on_a_phone(
    browser: Browser,
    contexts: dict[str, BrowserContext],
    shop: dict[str, Any],
    seeds: dict[str, str],
    endpoint: str,
    theme: str,
) -> None:
    page = window(browser, contexts, shop, who="admin", theme=theme, phone=True)
    path = SIGNED_IN_PAGES[endpoint].format(**seeds)
    visit(page, shop["url"] + path)
    check_axe(page, f"{path} ({theme}, 390x844)")


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("endpoint", sorted(ANONYMOUS_PAGES))
def test_anonymous_page(
    browser: Browser,
    contexts: dict[str, BrowserContext],
    shop: dict[str, Any],
    endpoint: str,
    theme: str,
) -> None:
    page = window(browser, contexts, shop, who="anonymous", theme=theme)
    path = ANONYMOUS_PAGES[endpoint]
    visit(page, shop["url"] + path)
    if endpoint == "accounts.register":  # open registration: the form itself
        expect(page.get_by_role("button", name="Create my account")).to_be_visible()
    check_axe(page, f"{path} ({theme}, anonymous)")


@pytest.mark.parametrize("theme", THEMES)
def test_sign_in_on_a_phone(
    browser: Browser, contexts: dict[str, BrowserContext], shop: dict[str, Any], theme: str
) -> None:
    page = window(browser, contexts, shop, who="anonymous", theme=theme, phone=True)
    visit(page, f"{shop['url']}/login")
    check_axe(page, f"/login ({theme}, 390x844)")


def test_registration_awaiting_approval(browser: Browser, tmp_path: Path) -> None:
    """The register page as it reads when an admin approves new accounts."""
    env = site_env(tmp_path, REGISTRATION="approval")
    _run(["db", "upgrade"], env)
    with serving(env) as url:
        context = browser.new_context(viewport=DESKTOP)
        page = context.new_page()
        visit(page, f"{url}/register")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        check_axe(page, "/register (REGISTRATION=approval)")
        context.close()


@pytest.mark.parametrize("theme", THEMES)
def test_form_with_server_errors(
    browser: Browser, contexts: dict[str, BrowserContext], shop: dict[str, Any], theme: str
) -> None:
    page = window(browser, contexts, shop, who="admin", theme=theme)
    visit(page, f"{shop['url']}/customers/new")
    # Sent without the browser's checks, so the server's own errors come back.
    with page.expect_navigation():
        page.locator("main form[method=post]").first.evaluate("form => form.submit()")
    settle(page)
    expect(page.locator(".invalid-feedback").first).to_be_visible()
    check_axe(page, f"/customers/new with the server's errors ({theme})")


@pytest.mark.parametrize("theme", THEMES)
def test_open_confirm_dialog(
    browser: Browser,
    contexts: dict[str, BrowserContext],
    shop: dict[str, Any],
    seeds: dict[str, str],
    theme: str,
) -> None:
    page = window(browser, contexts, shop, who="admin", theme=theme)
    visit(page, f"{shop['url']}/orders/{seeds['log']}")
    page.get_by_role("button", name="Move to trash").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    check_axe(page, f"/orders/{seeds['log']} with the confirm dialog open ({theme})")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()


@pytest.mark.parametrize("theme", THEMES)
def test_open_phone_menu(
    browser: Browser, contexts: dict[str, BrowserContext], shop: dict[str, Any], theme: str
) -> None:
    page = window(browser, contexts, shop, who="admin", theme=theme, phone=True)
    visit(page, f"{shop['url']}/orders")
    page.get_by_role("button", name="Open menu").click()
    expect(page.get_by_role("link", name="Customers")).to_be_visible()
    check_axe(page, f"/orders with the phone menu open ({theme})")


def test_api_docs_with_an_operation_open(
    browser: Browser, contexts: dict[str, BrowserContext], shop: dict[str, Any]
) -> None:
    page = window(browser, contexts, shop, who="admin", theme="light")
    visit(page, f"{shop['url']}/api/v1/docs")
    summary = page.locator("#operations-orders_api-get_api_v1_orders").get_by_role(
        "button", name=re.compile(r"^GET")
    )
    summary.click()
    expect(summary).to_have_attribute("aria-expanded", "true")
    page.locator(".opblock-body .parameters").first.wait_for()
    check_axe(page, "/api/v1/docs with GET /api/v1/orders open")
    # "Try it out" with the session: the request sent and the answer shown.
    operation = page.locator("#operations-orders_api-get_api_v1_orders")
    operation.get_by_role("button", name="Try it out").click()
    operation.get_by_role("button", name="Execute").click()
    expect(operation.locator(".live-responses-table tbody .response-col_status")).to_have_text(
        "200"
    )
    expect(operation.locator(".responses-wrapper .microlight").first).to_have_attribute(
        "tabindex", "0"
    )
    check_axe(page, "/api/v1/docs after trying GET /api/v1/orders")

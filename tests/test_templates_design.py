"""The design system's rules for page templates, checked on the files and on real pages.

No template styles itself (no ``style=`` attribute, no ``<style>`` element; e-mail
templates are exempt because mail clients need inline styles), every page has exactly
one ``<h1>``, and every destructive POST form asks first through ``data-confirm``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from presslog.extensions import db
from tests.factories import ApiTokenFactory, CustomerFactory, OrderFactory

TEMPLATES = Path(__file__).resolve().parent.parent / "presslog" / "templates"
# Mail clients ignore stylesheets: e-mail templates keep their inline styles.
EXEMPT_DIRS = {"mail"}
INLINE_STYLE = re.compile(r"<style\b|\sstyle\s*=", re.IGNORECASE)
H1 = re.compile(r"<h1[\s>]", re.IGNORECASE)
FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.IGNORECASE | re.DOTALL)
# A form is destructive when it deletes, revokes, deactivates or cancels an order.
DESTRUCTIVE_ACTION = re.compile(r"/(delete|revoke|deactivate)\b")
CANCELLING = re.compile(r'name="status"\s+value="cancelled"')
# GET routes without arguments that answer with something other than a page.
NOT_PAGES = re.compile(
    r"^/(logout|healthz|readyz|metrics|static|api/|styleguide/|.*\.(csv|pdf|json)$)"
    r"|/(export|csv|pdf|progress|count)(/|$)"
)


def page_templates() -> list[Path]:
    """Every template except the exempt e-mail ones."""
    return sorted(
        p for p in TEMPLATES.rglob("*.html") if p.relative_to(TEMPLATES).parts[0] not in EXEMPT_DIRS
    )


def template_id(path: Path) -> str:
    """The template's path under presslog/templates, for readable test ids."""
    return str(path.relative_to(TEMPLATES))


@pytest.mark.parametrize("path", page_templates(), ids=template_id)
def test_no_template_styles_itself(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    found = [line.strip() for line in text.splitlines() if INLINE_STYLE.search(line)]
    assert not found, f"{template_id(path)} styles itself; use a class from app.css: {found}"


def test_the_style_check_sees_inline_styles() -> None:
    assert INLINE_STYLE.search('<p style="color: red">')
    assert INLINE_STYLE.search("<STYLE>p { color: red }</STYLE>")
    assert not INLINE_STYLE.search('<p class="lifestyle" data-style-name="x">')


def destructive_forms_without_confirm(page: str) -> list[str]:
    """The opening tags of POST forms that destroy something but do not ask first."""
    missing = []
    for attrs, body in FORM.findall(page):
        if not re.search(r'method="post"', attrs, re.IGNORECASE):
            continue
        action = re.search(r'action="([^"]*)"', attrs)
        destructive = bool(action and DESTRUCTIVE_ACTION.search(action.group(1)))
        if (destructive or CANCELLING.search(body)) and "data-confirm=" not in attrs:
            missing.append(f"<form{attrs}>")
    return missing


def test_the_confirm_check_finds_an_unguarded_delete() -> None:
    guarded = '<form method="post" action="/orders/1/delete" data-confirm="Sure?"></form>'
    bare = '<form method="post" action="/orders/1/delete"></form>'
    status = '<form method="post" action="/orders/1/status"><input name="status" value="{}"></form>'
    cancel, harmless = status.format("cancelled"), status.format("art")
    assert destructive_forms_without_confirm(guarded + harmless) == []
    assert len(destructive_forms_without_confirm(bare + cancel)) == 2


def argument_free_pages(app: Flask) -> list[str]:
    """Every GET route that takes no argument and may be a page."""
    paths = set()
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or set()) or rule.arguments:
            continue
        if rule.endpoint == "static" or NOT_PAGES.search(rule.rule):
            continue
        paths.add(rule.rule)
    return sorted(paths)


def check_page(client: FlaskClient, path: str) -> str | None:
    """The page's problem, or None; non-HTML answers and redirects are not pages."""
    response = client.get(path)
    if response.status_code != 200 or response.mimetype != "text/html":
        return None
    page = response.text
    h1s = len(H1.findall(page))
    if h1s != 1:
        return f"{path}: {h1s} <h1> elements, expected exactly one"
    unguarded = destructive_forms_without_confirm(page)
    if unguarded:
        return f"{path}: destructive forms without data-confirm: {unguarded}"
    return None


def test_the_sign_in_page_has_one_heading(client: FlaskClient) -> None:
    assert check_page(client, "/login") is None
    assert client.get("/login").status_code == 200


def test_every_page_has_one_h1_and_asks_before_destroying(
    app: Flask, as_role: Any, make_user: Any
) -> None:
    admin = as_role("admin")
    order = OrderFactory(status="production")
    customer = CustomerFactory()
    other = make_user("staff")
    ApiTokenFactory(user=admin.user)
    ApiTokenFactory(user=other)
    db.session.commit()
    paths = [
        *argument_free_pages(app),
        f"/orders/{order.log}",
        f"/orders/{order.log}/edit",
        f"/customers/{customer.code}",
        f"/customers/{customer.code}/edit",
        f"/admin/users/{other.username}",
        "/account",
    ]
    checked = [p for p in paths if admin.get(p).status_code == 200]
    # The pages that carry delete, revoke, deactivate and cancel forms are among them.
    for must in (
        f"/orders/{order.log}",
        f"/customers/{customer.code}",
        f"/admin/users/{other.username}",
    ):
        assert must in checked, must
    order_page = admin.get(f"/orders/{order.log}").text
    assert "data-confirm=" in order_page
    assert CANCELLING.search(order_page)
    problems = [p for p in (check_page(admin, path) for path in checked) if p]
    assert not problems, "\n".join(problems)
    assert len(checked) >= 15, checked

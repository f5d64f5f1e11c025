"""Signing in and out through the real forms, who may reach which page, and the
headers every answer carries."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import func, select

from presslog.core.error_handlers import PAGES
from presslog.core.security import hash_password
from presslog.customers.models import Customer
from presslog.extensions import db
from presslog.orders.models import Order
from presslog.users.models import User
from tests.conftest import PASSWORD, csrf_from, login
from tests.factories import CustomerFactory, OrderFactory
from tests.helpers import form_data

WRONG = "Wrong username or password. Check both and try again."


def reloaded(user: User) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


def signed_in(client: Any) -> bool:
    """Whether the client's session opens the order list."""
    return client.get("/orders").status_code == 200


def asks_to_sign_in(response: Any, then: str) -> bool:
    """Whether ``response`` sends the browser to the login page, to return to ``then``."""
    parts = urlsplit(response.headers.get("Location", ""))
    return parts.path == "/login" and parse_qs(parts.query) == {"next": [then]}


def logout_token(client: Any) -> str:
    return form_data(client.get("/orders").text, action="/logout")["csrf_token"]


# -- signing in -----------------------------------------------------------------------


def test_login_page_offers_the_form(client):
    response = client.get("/login")
    assert response.status_code == 200
    data = form_data(response.text, has="password")
    assert set(data) == {"csrf_token", "login", "password"}  # "remember" is unticked
    assert 'name="remember" type="checkbox"' in response.text
    assert 'autocomplete="current-password"' in response.text
    assert "Sign out" not in response.text


def test_sign_in_by_username_or_email_lands_on_the_orders(client, make_user):
    user = make_user("staff", full_name="Pat Doe")
    response = login(client, user.username.upper())
    assert response.status_code == 302
    assert response.headers["Location"] == "/orders"
    page = client.get("/orders")
    assert "Welcome, Pat Doe." in page.text
    assert f"{user.username} · Front desk" in page.text

    other = client.application.test_client()
    assert login(other, f"  {user.email.upper()} ").status_code == 302
    assert signed_in(other)


def _normalized(page: str, typed_login: str) -> str:
    page = re.sub(r'(name="csrf_token" type="hidden" value=)"[^"]+"', r"\1X", page)
    page = re.sub(r'nonce="[^"]+"', "nonce=X", page)
    return page.replace(f'value="{typed_login}"', 'value="X"')


def test_wrong_password_and_unknown_user_get_the_same_answer(app, make_user):
    user = make_user("staff")
    wrong = login(app.test_client(), user.username, "not the password at all")
    unknown = login(app.test_client(), "nobody-here", "not the password at all")
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert WRONG in response.text
        assert not [
            c
            for c in response.headers.getlist("Set-Cookie")
            if c.startswith("remember_token=") and not c.startswith("remember_token=;")
        ]
    assert _normalized(wrong.text, user.username) == _normalized(unknown.text, "nobody-here")


def test_empty_fields_are_named(client):
    page = client.get("/login")
    response = client.post(
        "/login", data={"login": "", "password": "", "csrf_token": csrf_from(page.text)}
    )
    assert response.status_code == 200
    assert "Enter your username." in response.text
    assert "Enter your password." in response.text
    assert not signed_in(client)


def test_inactive_or_deleted_users_cannot_sign_in(app, make_user):
    inactive = make_user("staff", active=False)
    deleted = make_user("staff", deleted_at=datetime.now(UTC))
    for user in (inactive, deleted):
        c = app.test_client()
        response = login(c, user.username)
        assert response.status_code == 401
        assert WRONG in response.text
        assert not signed_in(c)


def test_deactivating_a_user_ends_their_session(app, as_role):
    client = as_role("staff")
    assert signed_in(client)
    user = reloaded(client.user)
    user.active = False
    db.session.commit()
    response = client.get("/orders")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_changing_the_password_ends_other_sessions(app, as_role):
    client = as_role("staff")
    user = reloaded(client.user)
    user.password_hash = hash_password("a brand new password 42")
    db.session.commit()
    assert client.get("/orders").status_code == 302
    assert login(app.test_client(), user.username, "a brand new password 42").status_code == 302


def test_failed_logins_are_counted_and_a_success_resets_them(app, make_user):
    user = make_user("staff")
    other = make_user("staff")
    client = app.test_client()
    for _ in range(3):
        assert login(client, user.username, "guess").status_code == 401
    assert login(client, "nobody-here", "guess").status_code == 401
    assert reloaded(user).failed_logins == 3
    assert reloaded(user).last_login_at is None
    assert reloaded(other).failed_logins == 0

    before = datetime.now(UTC)
    assert login(client, user.username).status_code == 302
    user = reloaded(user)
    assert user.failed_logins == 0
    assert user.last_login_at is not None
    assert before - timedelta(seconds=1) <= user.last_login_at <= datetime.now(UTC)


def test_login_without_the_csrf_token_is_refused(client, make_user):
    user = make_user("staff")
    response = client.post("/login", data={"login": user.username, "password": PASSWORD})
    assert response.status_code == 400
    assert PAGES[400][1] in response.text
    assert not signed_in(client)
    assert reloaded(user).last_login_at is None


# -- where sign-in leads ----------------------------------------------------------------


def stays_here(location: str) -> bool:
    """Whether a browser following ``location`` stays on this site."""
    parts = urlsplit(location)
    return (
        not parts.scheme
        and not parts.netloc
        and location.startswith("/")
        and not location.startswith("//")
        and "\\" not in location
    )


NEXT_TARGETS = [
    ("/customers?q=central", "/customers?q=central"),
    ("/orders/10234", "/orders/10234"),
    ("https://evil.example/", "/orders"),
    ("http://localhost/orders", "/orders"),
    ("//evil.example/orders", "/orders"),
    ("/\\evil.example/orders", None),  # browsers read "/\\" as "//": must stay local
    ("\\\\evil.example", "/orders"),
    ("/\t/evil.example", "/orders"),
    ("javascript:alert(1)", "/orders"),
    ("customers", "/orders"),
]


def test_next_is_followed_only_to_local_paths(app, make_user):
    user = make_user("staff")
    for target, lands_on in NEXT_TARGETS:
        client = app.test_client()
        page = client.get("/login", query_string={"next": target})
        response = client.post(
            "/login",
            query_string={"next": target},
            data={"login": user.username, "password": PASSWORD, "csrf_token": csrf_from(page.text)},
        )
        assert response.status_code == 302, target
        assert stays_here(response.headers["Location"]), target
        if lands_on is not None:
            assert response.headers["Location"] == lands_on, target
        # Visiting the login page while signed in follows the same rule.
        again = client.get("/login", query_string={"next": target})
        assert again.headers["Location"] == response.headers["Location"], target


PAGES_NEEDING_SIGN_IN = [
    "/",
    "/orders",
    "/orders?q=eagles&status=received",
    "/orders/new",
    "/orders/10234",
    "/orders/10234/edit",
    "/customers",
    "/customers/new",
    "/customers/CEN15",
    "/customers/CEN15/edit",
]


def test_anonymous_visits_go_to_sign_in_and_come_back(app, make_user):
    OrderFactory(log="10234", customer=CustomerFactory(code="CEN15"))
    user = make_user("manager")
    for url in PAGES_NEEDING_SIGN_IN:
        client = app.test_client()
        response = client.get(url)
        assert response.status_code == 302, url
        assert asks_to_sign_in(response, url), response.headers["Location"]

        page = client.get(response.headers["Location"])
        assert page.status_code == 200
        back = client.post(
            response.headers["Location"],
            data={"login": user.username, "password": PASSWORD, "csrf_token": csrf_from(page.text)},
        )
        assert back.headers["Location"] == url
        assert client.get(url).status_code == (302 if url == "/" else 200), url


def test_anonymous_posts_are_sent_to_sign_in_and_change_nothing(client):
    OrderFactory(log="10234", title="Untouched", customer=CustomerFactory(code="CEN15"))
    db.session.commit()
    token = csrf_from(client.get("/login").text)
    posts = {
        "/orders/new": {
            "log": "10240",
            "customer": "CEN15",
            "job_type": "TR",
            "title": "Sneaky",
            "received_on": "2026-01-05",
        },
        "/orders/10234/edit": {"title": "Sneaky", "version": "1"},
        "/orders/10234/status": {"status": "art", "version": "1"},
        "/orders/10234/delete": {"version": "1"},
        "/customers/new": {"code": "SNEAK", "name": "Sneaky"},
    }
    for url, data in posts.items():
        response = client.post(url, data={**data, "csrf_token": token})
        assert response.status_code == 302, url
        assert response.headers["Location"].startswith("/login?next="), url
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Order)) == 1
    assert db.session.scalar(select(func.count()).select_from(Customer)) == 1
    order = db.session.scalars(select(Order)).one()
    assert (order.title, order.status, order.deleted_at) == ("Untouched", "received", None)


def test_public_addresses_need_no_sign_in(client):
    assert client.get("/login").status_code == 200
    assert client.get("/healthz").status_code == 200
    assert client.get("/static/css/app.css").status_code == 200


def test_viewer_may_not_open_or_post_the_new_forms(as_role):
    viewer = as_role("viewer")
    for url in ("/orders/new", "/customers/new"):
        response = viewer.get(url)
        assert response.status_code == 403, url
        assert PAGES[403][1] in response.text
        posted = viewer.post(
            url,
            data={
                "csrf_token": viewer.csrf,
                "log": "10240",
                "code": "VIEW1",
                "name": "Viewer's",
                "title": "x",
            },
        )
        assert posted.status_code == 403, url
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Order)) == 0
    assert db.session.scalar(select(func.count()).select_from(Customer)) == 0


# -- signing out ------------------------------------------------------------------------


def test_logout_by_get_is_not_allowed(as_role):
    client = as_role("staff")
    response = client.get("/logout")
    assert response.status_code == 405
    assert PAGES[405][1] in response.text
    assert signed_in(client)


def test_logout_without_the_csrf_token_is_refused(as_role):
    client = as_role("staff")
    response = client.post("/logout")
    assert response.status_code == 400
    assert signed_in(client)
    forged = client.post("/logout", data={"csrf_token": "forged"})
    assert forged.status_code == 400
    assert signed_in(client)


def test_logout_signs_out_and_pages_then_ask_to_sign_in(as_role):
    client = as_role("staff")
    response = client.post("/logout", data={"csrf_token": logout_token(client)})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert "You are signed out." in client.get("/login").text
    for url in ("/orders", "/customers", "/orders/new"):
        again = client.get(url)
        assert again.status_code == 302
        assert asks_to_sign_in(again, url)


# -- cookies and headers ------------------------------------------------------------------


def test_session_cookies_are_http_only_and_same_site_lax(client, make_user):
    user = make_user("staff")
    response = login(client, user.username, remember=True)
    assert response.status_code == 302
    cookies = {c.split("=", 1)[0]: c for c in response.headers.getlist("Set-Cookie")}
    assert set(cookies) >= {"session", "remember_token"}
    for name in ("session", "remember_token"):
        flags = [f.strip().lower() for f in cookies[name].split(";")]
        assert "httponly" in flags, name
    assert "samesite=lax" in [f.strip().lower() for f in cookies["session"].split(";")]


def _nonce(response: Any) -> str:
    policy = response.headers["Content-Security-Policy"]
    match = re.search(r"script-src 'self' 'nonce-([^']+)'", policy)
    assert match
    return match.group(1)


def test_pages_carry_a_csp_and_no_inline_script(as_role):
    client = as_role("staff")
    anonymous = client.application.test_client()
    for response in (anonymous.get("/login"), client.get("/orders")):
        _nonce(response)
        scripts = re.findall(r"<script\b([^>]*)>", response.text)
        assert scripts
        # Every script is a static file, but for the theme switch inline in <head>, which
        # carries the answer's nonce (tests/security/test_headers.py checks its body).
        assert all('src="/static/' in s or f'nonce="{_nonce(response)}"' in s for s in scripts)
        assert not re.search(r"\son[a-z]+=", response.text), "no inline event handlers"
        policy = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in policy
        assert "'unsafe-inline'" not in policy
        assert "frame-ancestors 'none'" in policy
    assert _nonce(client.get("/orders")) != _nonce(client.get("/orders"))


ANSWERS = [
    ("GET", "/login", 200),
    ("GET", "/orders", 302),
    ("GET", "/no/such/page", 404),
    ("GET", "/logout", 405),
    ("POST", "/logout", 400),
    ("GET", "/healthz", 200),
    ("GET", "/static/css/app.css", 200),
]


def test_every_answer_has_the_security_headers_and_a_request_id(client):
    for method, url, status in ANSWERS:
        response = client.open(url, method=method)
        assert response.status_code == status, url
        assert response.headers["X-Content-Type-Options"] == "nosniff", url
        assert response.headers["X-Frame-Options"] == "DENY", url
        assert "Content-Security-Policy" in response.headers, url
        assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"]), url
        if response.mimetype == "text/html" and status >= 400:
            assert f"<code>{response.headers['X-Request-ID']}</code>" in response.text


def test_request_ids_are_unique_or_taken_from_the_caller(client):
    first = client.get("/login").headers["X-Request-ID"]
    second = client.get("/login").headers["X-Request-ID"]
    assert first != second
    given = client.get("/login", headers={"X-Request-ID": "edge-7f3a"})
    assert given.headers["X-Request-ID"] == "edge-7f3a"
    too_long = client.get("/login", headers={"X-Request-ID": "x" * 65})
    assert re.fullmatch(r"[0-9a-f]{32}", too_long.headers["X-Request-ID"])

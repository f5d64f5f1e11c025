"""Security headers on every answer: pages, API JSON, errors, redirects and static files;
a strict Content-Security-Policy whose nonce is new on each request; HTTPS, HSTS and
the proxy headers in production; cookie flags; the size limit."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, abort

from presslog import create_app
from presslog.extensions import db
from tests.conftest import PASSWORD, app_config, csrf_from, login
from tests.factories import OrderFactory
from tests.helpers import assert_problem

TEMPLATES = Path(__file__).resolve().parents[2] / "presslog" / "templates"
GOOD_SECRET = "q7Xv2LpN9wRt4YkZ8mBc3HsJ6dFg1QaE5uVx0TyWnKe"
NONCE = re.compile(r"'nonce-([A-Za-z0-9_-]{22,})'")


# -- what every answer carries ----------------------------------------------------------


def policy(response: Any) -> dict[str, list[str]]:
    """The Content-Security-Policy as {directive: [sources]}."""
    header = response.headers.get("Content-Security-Policy")
    assert header, f"{response.request.path}: no Content-Security-Policy"
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        name, *sources = part.split()
        assert name not in directives, f"{name} given twice"
        directives[name] = sources
    return directives


def nonce_of(response: Any) -> str:
    """The nonce the policy's script-src allows."""
    match = NONCE.fullmatch(policy(response)["script-src"][1])
    assert match, policy(response)["script-src"]
    return match.group(1)


def hardening_problems(response: Any, *, https: bool = False) -> list[str]:
    """Every header rule this answer breaks (an empty list when it is hardened)."""
    problems = []
    csp = policy(response)
    text = response.headers["Content-Security-Policy"]
    if "'unsafe-inline'" in text or "'unsafe-eval'" in text:
        problems.append(f"unsafe source in CSP: {text}")
    script = csp.get("script-src", [])
    if len(script) != 2 or script[0] != "'self'" or not NONCE.fullmatch(script[1]):
        problems.append(f"script-src is {script}, not 'self' and a nonce")
    expected = {
        "default-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    for directive, sources in expected.items():
        if csp.get(directive) != sources:
            problems.append(f"{directive} is {csp.get(directive)}, not {sources}")
    if "style-src" not in csp:
        problems.append("no style-src")
    headers = {
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "same-origin",
        "Cross-Origin-Opener-Policy": "same-origin",
    }
    for name, value in headers.items():
        if response.headers.get(name) != value:
            problems.append(f"{name} is {response.headers.get(name)!r}, not {value!r}")
    permissions = response.headers.get("Permissions-Policy", "")
    if not {"camera=()", "microphone=()", "geolocation=()"} <= {
        p.strip() for p in permissions.split(",")
    }:
        problems.append(f"Permissions-Policy is {permissions!r}")
    hsts = response.headers.get("Strict-Transport-Security")
    if https and (not hsts or "max-age=31536000" not in hsts):
        problems.append(f"no HSTS over HTTPS in production: {hsts!r}")
    if not https and hsts:
        problems.append("HSTS sent over plain HTTP")
    return problems


def assert_hardened(response: Any, *, https: bool = False) -> None:
    problems = hardening_problems(response, https=https)
    assert problems == [], f"{response.request.method} {response.request.path}: {problems}"


# -- the URL map, walked ----------------------------------------------------------------


def get_urls(app: Flask, values: dict[str, str]) -> Iterator[tuple[str, str]]:
    """(endpoint, URL) of every GET route whose arguments we can fill."""
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or set()) or not set(rule.arguments) <= set(values):
            continue
        yield rule.endpoint, rule.build({a: values[a] for a in rule.arguments})[1]


@pytest.fixture
def records(app: Flask, make_user: Any) -> dict[str, str]:
    order = OrderFactory(log="10234")
    admin = make_user("admin")
    db.session.commit()
    return {
        "log": order.log,
        "code": order.customer.code,
        "username": admin.username,
        "filename": "css/app.css",
    }


def test_every_get_route_answers_with_the_security_headers(app, records, as_role, api):
    urls = sorted(get_urls(app, records))
    endpoints = {endpoint for endpoint, _url in urls}
    assert {"orders.show", "customers.edit", "orders_api.OrderItem", "static"} <= endpoints
    admin, token, anonymous = as_role("admin"), api("admin"), app.test_client()
    broken: dict[str, list[str]] = {}
    statuses = set()
    for _endpoint, url in urls:
        answers = [admin.get(url), anonymous.get(url)]
        if url.startswith("/api/"):
            answers.append(token.get(url))
        for response in answers:
            statuses.add(response.status_code)
            problems = hardening_problems(response)
            if problems:
                broken[f"{url} ({response.status_code})"] = problems
    assert broken == {}
    # Pages, JSON, the redirect to sign in and the API's 401 were all among them.
    assert {200, 302, 401} <= statuses


def _is_theme_script(attributes: str, body: str) -> bool:
    """The one inline script: base.html's theme switch, run before the page is drawn."""
    return "data-theme-choice" in body and "nonce=" in attributes and "src=" not in attributes


def test_pages_have_no_inline_script_style_or_handler(app, records, as_role):
    admin = as_role("admin")
    pages = 0
    for _endpoint, url in get_urls(app, records):
        response = admin.get(url)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        pages += 1
        html = response.text
        nonce = nonce_of(response)
        scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, re.S)
        if "<html" in html:  # a whole page; htmx fragments (the bell's count) load none
            assert scripts, url
        for attributes, body in scripts:
            if _is_theme_script(attributes, body):
                continue
            assert re.search(r'\bsrc="/static/[^"]+\.js"', attributes), (url, attributes)
            assert body.strip() == "", f"{url}: inline script {body[:80]!r}"
        # Every nonce in the page is this answer's nonce (a fragment may carry none).
        nonces = set(re.findall(r'\bnonce="([^"]*)"', html))
        assert nonces == {nonce} if "<html" in html else nonces <= {nonce}, url
        assert not re.search(r"<[^>]+\son[a-z]+\s*=", html, re.I), f"{url}: event handler"
        assert not re.search(r"<[^>]+\sstyle\s*=", html, re.I), f"{url}: style attribute"
        assert "<style" not in html, f"{url}: <style> element"
        assert "javascript:" not in html.lower(), f"{url}: javascript: URL"
    assert pages >= 8


def test_templates_have_no_inline_script_style_or_handler():
    """Pages the walk cannot reach (forms with errors, other roles) come from these."""
    offenders = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        source = path.read_text()
        name = path.relative_to(TEMPLATES)
        for tag, body in re.findall(r"<script\b([^>]*)>(.*?)</script>", source, re.S):
            if "src=" not in tag and not (
                name == Path("base.html") and _is_theme_script(tag, body)
            ):
                offenders.append(f"{name}: inline <script>")
        if re.search(r"<[^>]+\son[a-z]+\s*=", source, re.I):
            offenders.append(f"{name}: on*= event handler")
        # E-mail HTML is read by mail programs, never served under the CSP, and they
        # honour only inline styles.
        e_mail = name.parts[0] == "mail"
        if not e_mail and (re.search(r"<[^>]+\sstyle\s*=", source, re.I) or "<style" in source):
            offenders.append(f"{name}: inline style")
        if "javascript:" in source.lower():
            offenders.append(f"{name}: javascript: URL")
    assert offenders == []


def test_the_nonce_is_new_on_every_request_and_matches_the_page(app, as_role):
    client = as_role("staff")
    anonymous = app.test_client()
    responses = [client.get("/orders"), client.get("/orders"), anonymous.get("/login")]
    nonces = [nonce_of(r) for r in responses]
    assert len(set(nonces)) == len(nonces)
    for response, nonce in zip(responses, nonces, strict=True):
        assert f'nonce="{nonce}"' in response.text
        assert policy(response)["style-src"] == ["'self'", f"'nonce-{nonce}'"]
    # Answers without a page get a fresh nonce too, never a reused one.
    assert nonce_of(anonymous.get("/healthz")) not in nonces


@pytest.fixture
def failing_routes(app: Flask) -> Flask:
    """Test-only routes answering 429 and 500 (added before the first request)."""

    def too_many():
        abort(429)

    def boom():
        raise RuntimeError("kaboom")

    for prefix, name in (("", "page"), ("/api/v1", "api")):
        app.add_url_rule(f"{prefix}/test-headers/429", f"test_headers_{name}_429", too_many)
        app.add_url_rule(f"{prefix}/test-headers/500", f"test_headers_{name}_500", boom)
    return app


def test_error_answers_carry_the_headers(failing_routes, as_role, api):
    app = failing_routes
    anonymous = app.test_client()
    viewer = as_role("viewer")
    staff_token = api("staff")
    answers = {
        ("page", 404): anonymous.get("/no/such/page"),
        ("api", 404): anonymous.get("/api/v1/no-such-thing"),
        ("page", 403): viewer.get("/orders/new"),
        ("api", 403): staff_token.get("/api/v1/users"),
        ("api", 401): anonymous.get("/api/v1/orders"),
        ("page", 405): anonymous.get("/logout"),
        ("api", 405): staff_token.delete("/api/v1/me"),
        ("page", 400): anonymous.post("/login", data={"login": "x"}),  # no CSRF token
        ("page", 429): anonymous.get("/test-headers/429"),
        ("api", 429): anonymous.get("/api/v1/test-headers/429"),
        ("page", 500): anonymous.get("/test-headers/500"),
        ("api", 500): anonymous.get("/api/v1/test-headers/500"),
        ("page", 302): anonymous.get("/orders"),
    }
    for (kind, status), response in answers.items():
        assert response.status_code == status, (kind, status, response.text[:200])
        assert_hardened(response)
        if kind == "api":
            assert response.mimetype == "application/problem+json"
        elif status >= 400:
            assert response.mimetype == "text/html"
            assert f'nonce="{nonce_of(response)}"' in response.text
    assert answers[("page", 302)].headers["Location"].startswith("/login")


def test_the_sign_in_limit_answers_429_with_the_headers(app):
    app.config["LOGIN_RATE_LIMIT"] = "2 per minute"
    client = app.test_client()
    token = csrf_from(client.get("/login").text)
    answers = [
        client.post("/login", data={"login": "nobody", "password": "wrong", "csrf_token": token})
        for _ in range(3)
    ]
    assert [a.status_code for a in answers] == [401, 401, 429]
    assert "Too many" in answers[-1].text
    for answer in answers:
        assert_hardened(answer)


def test_static_files_carry_the_headers_and_are_revalidated(client):
    for path in ("css/app.css", "js/theme.js", "js/app.js", "vendor/htmx/htmx.min.js"):
        response = client.get(f"/static/{path}")
        assert response.status_code == 200, path
        assert_hardened(response)
        assert response.headers["Cache-Control"] == "no-cache"
        assert response.headers["ETag"]
        response.close()
    missing = client.get("/static/js/no-such-file.js")
    assert missing.status_code == 404
    assert_hardened(missing)
    assert missing.headers["Cache-Control"] == "no-store"


def test_pages_and_api_answers_are_never_cached(as_role, api):
    assert as_role("staff").get("/orders").headers["Cache-Control"] == "no-store"
    assert api("staff").get("/api/v1/orders").headers["Cache-Control"] == "no-store"


def test_the_theme_is_set_in_the_head_before_the_page_is_drawn(client):
    response = client.get("/login")
    head = response.text.split("</head>", 1)[0]
    # A few bytes inline, with this answer's nonce: no request blocks the first paint.
    inline = re.search(r'<script nonce="([^"]+)">(.*?)</script>', head, re.S)
    assert inline
    assert inline.group(1) == nonce_of(response)
    assert "prefers-color-scheme" in inline.group(2)
    # The file that follows later changes of the device's setting is deferred.
    assert re.search(r'<script src="/static/js/theme\.[0-9a-f]{12}\.js" defer', head)
    theme = client.get("/static/js/theme.js")
    assert "prefers-color-scheme" in theme.text
    assert theme.mimetype in ("text/javascript", "application/javascript")
    theme.close()


def test_a_request_over_the_size_limit_is_a_413_that_says_so(app, api):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    client = app.test_client()
    page = client.post("/login", data={"login": "x" * 4096, "password": "y"})
    assert page.status_code == 413
    assert page.mimetype == "text/html"
    assert "Too large" in page.text
    assert "PressLog accepts at most 1 KB" in page.text
    assert_hardened(page)
    token = api("staff")
    for content_type, body in (
        ("application/json", '{"title": "' + "x" * 4096 + '"}'),
        # A body of a type no view reads is refused just the same.
        ("text/plain", "x" * 4096),
    ):
        response = token.client.post(
            "/api/v1/orders",
            data=body,
            headers={"Authorization": f"Bearer {token.token}", "Content-Type": content_type},
        )
        problem = assert_problem(response, 413)
        assert problem["title"] == "Too large"
        assert "4 KB" in problem["detail"]
        assert "at most 1 KB" in problem["detail"]
        assert_hardened(response)


def test_text_no_database_can_store_is_refused_naming_the_field(app, as_role, api):
    OrderFactory(log="10234")
    db.session.commit()
    token = api("staff")
    bad_query = token.client.get(
        "/api/v1/customers?state=O%00H", headers={"Authorization": f"Bearer {token.token}"}
    )
    assert assert_problem(bad_query, 422)["errors"] == {
        "state": [
            "Contains a character that cannot be stored (a NUL byte or a broken Unicode "
            "surrogate). Remove it and try again."
        ]
    }
    surrogate = token.client.post(
        "/api/v1/customers",
        data='{"code": "AB123", "name": "Acme", "ship_to": [{"city": "x\\ud800"}]}',
        headers={"Authorization": f"Bearer {token.token}", "Content-Type": "application/json"},
    )
    assert set(assert_problem(surrogate, 422)["errors"]) == {"ship_to.0.city"}
    staff = as_role("staff")
    page = staff.post(
        "/orders/10234/edit",
        data={"csrf_token": staff.csrf, "title": "Shirts\x00", "version": "1"},
    )
    assert page.status_code == 422
    assert "Please correct: title." in page.text
    assert staff.get("/orders/%00").status_code == 404


# -- production: HTTPS, HSTS, proxies, cookies ------------------------------------------


def production_app(database_url: str, **settings: Any) -> Flask:
    """An app with the production settings on the test database."""
    config = app_config(database_url, PRESSLOG_ENV="production", SECRET_KEY=GOOD_SECRET)
    config.update(TESTING=False, LOG_FORMAT="text", **settings)
    return create_app(config)


def test_production_sends_plain_http_to_https_and_hsts_over_https(app, database_url):
    prod = production_app(database_url)
    assert prod.config["FORCE_HTTPS"] is True
    client = prod.test_client()
    plain = client.get("/orders?q=shirts")
    assert plain.status_code == 308
    assert plain.headers["Location"] == "https://localhost/orders?q=shirts"
    assert_hardened(plain)
    posted = client.post("/api/v1/orders", json={"title": "x"})
    assert posted.status_code == 308  # keeps the method and the body
    assert posted.headers["Location"] == "https://localhost/api/v1/orders"
    assert_hardened(posted)
    assert plain.headers["X-Request-ID"] != "-"
    assert client.get("/healthz").status_code == 200  # probes stay on plain HTTP
    secure = client.get("/login", base_url="https://localhost")
    assert secure.status_code == 200
    assert_hardened(secure, https=True)
    api_error = client.get("/api/v1/orders", base_url="https://localhost")
    assert api_error.status_code == 401
    assert_hardened(api_error, https=True)


def test_behind_a_trusted_proxy_the_forwarded_scheme_counts(app, database_url):
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "presslog.example"}
    behind_proxy = production_app(database_url, TRUSTED_PROXIES=1).test_client()
    secure = behind_proxy.get("/login", headers={**forwarded, "X-Forwarded-For": "203.0.113.9"})
    assert secure.status_code == 200
    assert_hardened(secure, https=True)
    plain = behind_proxy.get(
        "/orders", headers={"X-Forwarded-Proto": "http", "X-Forwarded-Host": "presslog.example"}
    )
    assert plain.status_code == 308
    assert plain.headers["Location"] == "https://presslog.example/orders"
    # Without TRUSTED_PROXIES anyone could send the header: it is ignored.
    exposed = production_app(database_url).test_client()
    spoofed = exposed.get("/login", headers=forwarded)
    assert spoofed.status_code == 308
    assert spoofed.headers["Location"] == "https://localhost/login"
    assert "Strict-Transport-Security" not in spoofed.headers


def test_session_and_remember_cookies_are_httponly_lax_and_secure_in_production(
    app, database_url, make_user
):
    user = make_user("staff")
    client = production_app(database_url).test_client()
    https = "https://localhost"
    token = csrf_from(client.get("/login", base_url=https).text)
    response = client.post(
        "/login",
        base_url=https,
        # Referrer-Policy same-origin still sends it here, as CSRF over HTTPS requires.
        headers={"Referer": f"{https}/login"},
        data={"login": user.username, "password": PASSWORD, "remember": "y", "csrf_token": token},
    )
    assert response.status_code == 302, response.text
    cookies = {c.split("=", 1)[0]: c for c in response.headers.getlist("Set-Cookie")}
    assert {"session", "remember_token"} <= set(cookies)
    for name in ("session", "remember_token"):
        flags = {f.strip().lower() for f in cookies[name].split(";")[1:]}
        assert {"httponly", "secure", "samesite=lax"} <= flags, (name, flags)


def test_cookies_outside_production_are_httponly_and_lax(app, make_user):
    user = make_user("staff")
    client = app.test_client()
    token = csrf_from(client.get("/login").text)
    response = client.post(
        "/login",
        data={"login": user.username, "password": PASSWORD, "remember": "y", "csrf_token": token},
    )
    assert response.status_code == 302
    for cookie in response.headers.getlist("Set-Cookie"):
        flags = {f.strip().lower() for f in cookie.split(";")[1:]}
        assert {"httponly", "samesite=lax"} <= flags, cookie
    assert login(app.test_client(), user.username).status_code == 302

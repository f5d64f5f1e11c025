"""Access control: every route declares its capability, and every role gets what it may."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask

from presslog.core.security import PUBLIC, ROLE_CAPABILITIES, require
from presslog.extensions import db
from tests.conftest import csrf_from
from tests.factories import CustomerFactory, OrderFactory

# SPEC: anonymous users reach only login, password reset, health and static files;
# issue 7 adds accepting an invitation and self-registration (404 unless REGISTRATION
# allows it). /metrics needs no session either, but answers only the metrics token or
# an allowed network, and 404 to everyone else (tests/test_metrics.py).
PUBLIC_PATHS = re.compile(r"/(login|logout|password/.+|register|invite/.+|healthz|readyz|metrics)")
IGNORED_METHODS = {"HEAD", "OPTIONS"}
# Writes a viewer may make to their own state: following an order (orders.read).
VIEWERS_OWN_WRITES = {"notifications.follow", "notifications.unfollow"}
KNOWN_CAPABILITIES = frozenset().union(*ROLE_CAPABILITIES.values()) | {PUBLIC}
# Allowed GETs that answer with a redirect instead of a page.
ALLOWED_REDIRECTS = {
    "web.index": "/orders",
    "auth.login": "/orders",
    "accounts.register": "/orders",
}


def declarations(app: Flask) -> dict[tuple[str, str], tuple[str, ...] | None]:
    """(endpoint, method) → the capabilities its view declares (None: no declaration)."""
    found: dict[tuple[str, str], tuple[str, ...] | None] = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        view = app.view_functions[rule.endpoint]
        view_class = getattr(view, "view_class", None)
        for method in sorted((rule.methods or set()) - IGNORED_METHODS):
            handler = getattr(view_class, method.lower(), None) if view_class else view
            found[(rule.endpoint, method)] = getattr(handler, "required_capabilities", None)
    return found


def undeclared(app: Flask) -> list[tuple[str, str]]:
    return sorted(key for key, caps in declarations(app).items() if not caps)


def test_every_endpoint_declares_its_capabilities(app):
    found = declarations(app)
    assert ("api-docs.openapi_json", "GET") in found
    assert ("orders_api.OrderItem", "PATCH") in found
    assert undeclared(app) == []


def test_an_endpoint_without_a_declaration_is_caught(app):
    app.add_url_rule("/test-open", "test_open", lambda: "open to all")
    app.add_url_rule("/test-closed", "test_closed", require("orders.read")(lambda: "ok"))
    assert undeclared(app) == [("test_open", "GET")]


def test_declared_capabilities_exist_in_the_role_table(app):
    unknown = {
        key: caps
        for key, caps in declarations(app).items()
        if caps and not set(caps) <= KNOWN_CAPABILITIES
    }
    assert unknown == {}


def test_only_login_password_reset_and_health_are_public(app):
    public = sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        and any(
            PUBLIC in (caps or ())
            for (endpoint, _m), caps in declarations(app).items()
            if endpoint == rule.endpoint
        )
    )
    assert public, "login and health must be reachable"
    assert [path for path in public if not PUBLIC_PATHS.fullmatch(path)] == []
    assert {"/login", "/healthz", "/readyz"} <= set(public)


def test_spec_capabilities_of_key_routes(app):
    found = declarations(app)
    assert found[("orders.index", "GET")] == ("orders.read",)
    assert found[("orders.create", "POST")] == ("orders.write",)
    assert set(found[("orders.edit", "POST")]) == {
        "orders.write",
        "orders.write_art",
        "orders.write_shipping",
    }
    assert found[("orders.restore", "POST")] == ("orders.restore",)
    assert found[("customers.create", "POST")] == ("customers.write",)
    assert found[("users_api.Users", "GET")] == ("users.manage",)
    assert found[("orders_api.Orders", "POST")] == ("orders.write",)
    # The legacy import (upload, run, downloads) is admin-only work.
    for endpoint in ("index", "show", "progress", "summary", "rejects"):
        assert found[(f"legacy_import.{endpoint}", "GET")] == ("system.admin",)
    assert found[("legacy_import.index", "POST")] == ("system.admin",)


def test_role_table_matches_the_spec():
    caps = ROLE_CAPABILITIES
    assert set(caps) == {"admin", "manager", "staff", "artist", "shipping", "viewer"}
    assert caps["manager"] < caps["admin"]
    assert {"users.manage", "orders.purge", "system.admin"} <= caps["admin"] - caps["manager"]
    assert {"orders.restore", "customers.restore", "audit.read"} <= caps["manager"]
    assert {"orders.write", "customers.write", "reports.read", "reports.export"} <= caps["staff"]
    assert "audit.read" not in caps["staff"]
    for role in ("artist", "shipping", "viewer"):
        assert {"orders.read", "customers.read"} <= caps[role]
        assert "orders.write" not in caps[role]
        assert "customers.write" not in caps[role]
    assert "orders.write_art" in caps["artist"]
    assert "orders.write_shipping" in caps["shipping"]
    assert caps["viewer"] == frozenset({"account.self", "orders.read", "customers.read"})
    assert all("account.self" in granted for granted in caps.values())


def _get_endpoints(app: Flask, values: dict[str, str]) -> list[tuple[str, str, tuple[str, ...]]]:
    """(endpoint, URL, capabilities) of every GET route we can build a URL for."""
    found = declarations(app)
    out = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or "GET" not in (rule.methods or set()):
            continue
        if not set(rule.arguments) <= set(values):
            continue
        url = rule.build({a: values[a] for a in rule.arguments}, append_unknown=False)[1]
        out.append((rule.endpoint, url, found[(rule.endpoint, "GET")] or ()))
    return sorted(out)


def _expected(endpoint: str, url: str, caps: tuple[str, ...], role: str | None) -> Any:
    """What the answer must be: (status, where a redirect goes or None)."""
    is_api = url.startswith("/api/")
    if role is None:
        if PUBLIC in caps:
            return (200, None)
        return (401, None) if is_api else (302, "/login")
    if PUBLIC in caps or set(caps) & ROLE_CAPABILITIES[role]:
        if endpoint in ALLOWED_REDIRECTS:
            return (302, ALLOWED_REDIRECTS[endpoint])
        return (200, None)
    return (403, None)


def _answer(response) -> Any:
    location = None
    if response.status_code in (301, 302, 303):
        location = re.sub(r"^https?://[^/]+", "", response.headers["Location"]).split("?")[0]
    return (response.status_code, location)


def test_every_role_gets_exactly_what_its_capabilities_allow(app, as_role, api):
    app.config["REGISTRATION"] = "open"  # /register is a page (404 while closed)
    order = OrderFactory()
    db.session.commit()
    from tests.factories import UserFactory

    someone = UserFactory(role="viewer")
    db.session.commit()
    endpoints = _get_endpoints(
        app, {"log": order.log, "code": order.customer.code, "username": someone.username}
    )
    names = {endpoint for endpoint, _url, _caps in endpoints}
    # The walk must reach pages, the API, the API document and the routes with arguments.
    assert {
        "orders.index",
        "orders.show",
        "orders.edit",
        "customers.show",
        "orders_api.OrderItem",
        "customers_api.CustomerItem",
        "users_api.Users",
        "users_api.UserItem",
        "users_admin.show",
        "users_admin.edit",
        "audit.index",
        "legacy_import.index",
        "api-docs.openapi_json",
        "health.readyz",
        "web.index",
    } <= names

    clients: dict[str | None, Any] = {None: app.test_client()}
    for role in ROLE_CAPABILITIES:
        clients[role] = as_role(role)
    tokens = {role: api(role) for role in ROLE_CAPABILITIES}

    wrong = []
    for role, client in clients.items():
        for endpoint, url, caps in endpoints:
            want = _expected(endpoint, url, caps, role)
            got = _answer(client.get(url))
            if got != want:
                wrong.append((role or "anonymous", "session", url, got, want))
            if role is not None and url.startswith("/api/"):
                got = _answer(tokens[role].get(url))
                if got != want:
                    wrong.append((role, "token", url, got, want))
    assert wrong == []


def test_denied_answers_explain_themselves(app, as_role, api):
    viewer = as_role("viewer")
    page = viewer.get("/orders/new")
    assert page.status_code == 403
    assert "Your role does not allow this" in page.text
    problem = api("staff").get("/api/v1/users")
    assert problem.status_code == 403
    assert problem.mimetype == "application/problem+json"
    assert problem.get_json()["status"] == 403
    anonymous = app.test_client().get("/customers?q=acme")
    assert anonymous.status_code == 302
    assert anonymous.headers["Location"] == "/login?next=/customers?q%3Dacme"


def test_the_openapi_document_needs_sign_in(app, as_role):
    anonymous = app.test_client().get("/api/v1/openapi.json")
    assert anonymous.status_code == 401
    assert anonymous.mimetype == "application/problem+json"
    assert "paths" not in anonymous.get_json()
    document = as_role("viewer").get("/api/v1/openapi.json")
    assert document.status_code == 200
    assert "/api/v1/orders" in document.get_json()["paths"]


def test_writes_are_refused_to_roles_without_the_capability(app, as_role, api):
    order = OrderFactory()
    db.session.commit()
    anonymous = app.test_client()
    assert anonymous.post("/api/v1/orders", json={}).status_code == 401
    assert anonymous.delete(f"/api/v1/orders/{order.log}").status_code == 401
    viewer = api("viewer")
    assert viewer.post("/api/v1/orders", json={}).status_code == 403
    assert (
        viewer.delete(
            f"/api/v1/orders/{order.log}", headers={"If-Match": f'"v{order.version}"'}
        ).status_code
        == 403
    )
    assert viewer.post("/api/v1/customers", json={}).status_code == 403
    assert api("staff").post(f"/api/v1/orders/{order.log}/restore").status_code == 403
    page = as_role("artist")
    assert (
        page.post(
            f"/orders/{order.log}/delete", data={"csrf_token": page.csrf, "version": order.version}
        ).status_code
        == 403
    )
    db.session.expire_all()
    assert db.session.get(type(order), order.id).deleted_at is None


def test_customer_records_need_customer_capabilities(app, as_role):
    customer = CustomerFactory()
    db.session.commit()
    assert as_role("viewer").get(f"/customers/{customer.code}").status_code == 200
    assert as_role("shipping").get(f"/customers/{customer.code}/edit").status_code == 403
    assert as_role("staff").get(f"/customers/{customer.code}/edit").status_code == 200


# -- every write, every role --------------------------------------------------------------

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


def _write_endpoints(app: Flask, values: dict[str, Any]) -> list[tuple[str, str, str, tuple]]:
    """(endpoint, method, URL, capabilities) of every write route; all must be buildable."""
    found = declarations(app)
    out = []
    for rule in app.url_map.iter_rules():
        methods = sorted(set(rule.methods or ()) & set(WRITE_METHODS))
        if rule.endpoint == "static" or not methods:
            continue
        missing = set(rule.arguments) - set(values)
        assert not missing, f"teach the access test a value for {missing} ({rule.rule})"
        url = rule.build({a: values[a] for a in rule.arguments}, append_unknown=False)[1]
        for method in methods:
            out.append((rule.endpoint, method, url, found[(rule.endpoint, method)] or ()))
    return sorted(out)


def _write_values() -> dict[str, Any]:
    from presslog.users import service as users

    order = OrderFactory()
    target = users.create_user(
        username="matrix-target",
        email="matrix@example.com",
        role="viewer",
        password="a long and unusual passphrase",
    )
    token, _plain = users.create_token(username=target.username, name="matrix")
    db.session.commit()
    return {
        "log": order.log,
        "code": order.customer.code,
        "username": target.username,
        "token_id": token.id,
        "token": "not-a-valid-link",
        "notification_id": 1,
    }


def test_every_write_is_refused_to_every_role_without_its_capability(app, as_role, api):
    """Each write endpoint × each role × session and token: 401 / login for anonymous,
    403 without the capability, never 401/403 (nor a server error) with it."""
    values = _write_values()
    endpoints = _write_endpoints(app, values)
    assert {e for e, _m, _u, _c in endpoints} >= {
        "orders.create",
        "orders_api.Orders",
        "customers_api.CustomerItem",
        "users_admin.deactivate",
    }
    wrong = []
    anonymous = app.test_client()
    anonymous_csrf = csrf_from(anonymous.get("/login").text)
    for _endpoint, method, url, caps in endpoints:
        if PUBLIC in caps:
            continue
        got = anonymous.open(
            url,
            method=method,
            data={"csrf_token": anonymous_csrf},
            headers={"X-CSRFToken": anonymous_csrf},
        ).status_code
        want = 401 if url.startswith("/api/") else 302
        if got != want:
            wrong.append(("anonymous", method, url, got, want))
    for role in ROLE_CAPABILITIES:
        page = as_role(role)
        token = api(role)
        allowed_here = ROLE_CAPABILITIES[role]
        for _endpoint, method, url, caps in endpoints:
            if PUBLIC in caps:
                continue
            permitted = bool(set(caps) & allowed_here)
            callers = [("token", token.client, {"Authorization": f"Bearer {token.token}"})]
            callers.append(("session", page, {"X-CSRFToken": page.csrf}))
            for how, client, headers in callers:
                if how == "token" and not url.startswith("/api/"):
                    continue
                kwargs: dict[str, Any] = {"headers": headers}
                if url.startswith("/api/"):
                    kwargs["json"] = {}
                else:
                    kwargs["data"] = {"csrf_token": page.csrf}
                got = client.open(url, method=method, **kwargs).status_code
                ok = got not in (401, 403) and got < 500 if permitted else got == 403
                if not ok:
                    wrong.append((role, how, method, url, got, "allowed" if permitted else 403))
    assert wrong == []


def test_a_viewer_changes_nothing_anywhere(app, as_role, api):
    values = _write_values()
    from presslog.audit.models import AuditEvent

    viewer_page, viewer_api = as_role("viewer"), api("viewer")
    before = db.session.execute(db.select(db.func.count()).select_from(AuditEvent)).scalar_one()
    for endpoint, method, url, caps in _write_endpoints(app, values):
        if PUBLIC in caps or "account.self" in caps or endpoint in VIEWERS_OWN_WRITES:
            continue  # open to all, or the viewer's own account and follows
        if url.startswith("/api/"):
            assert (
                viewer_api.client.open(
                    url,
                    method=method,
                    json={"title": "x"},
                    headers={"Authorization": f"Bearer {viewer_api.token}", "If-Match": "*"},
                ).status_code
                == 403
            ), url
        else:
            assert (
                viewer_page.open(
                    url, method=method, data={"csrf_token": viewer_page.csrf, "title": "x"}
                ).status_code
                == 403
            ), url
    after = db.session.execute(db.select(db.func.count()).select_from(AuditEvent)).scalar_one()
    assert after == before  # nothing was written, not even partly

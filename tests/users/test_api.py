"""The user endpoints of the JSON API (/api/v1/me, /api/v1/users) and the OpenAPI document."""

from __future__ import annotations

import json

from presslog.core.security import ROLE_CAPABILITIES
from tests.helpers import assert_problem

# -- /api/v1/me -------------------------------------------------------------------------


def test_me_returns_the_user_role_and_capabilities(api):
    for role in sorted(ROLE_CAPABILITIES):
        client = api(role)

        response = client.get("/api/v1/me")

        assert response.status_code == 200, response.text
        body = response.get_json()
        assert body["username"] == client.user.username
        assert body["email"] == client.user.email
        assert body["role"] == role
        assert body["active"] is True
        assert body["capabilities"] == sorted(ROLE_CAPABILITIES[role])
        assert "password_hash" not in body
        assert "password" not in body


def test_me_capabilities_differ_by_role(api):
    viewer = api("viewer").get("/api/v1/me").get_json()["capabilities"]
    admin = api("admin").get("/api/v1/me").get_json()["capabilities"]

    assert "orders.write" not in viewer
    assert "users.manage" not in viewer
    assert {"orders.read", "customers.read"} <= set(viewer)
    assert {"orders.write", "orders.restore", "users.manage"} <= set(admin)


def test_me_works_with_a_session_cookie(as_role):
    browser = as_role("artist")

    response = browser.get("/api/v1/me")

    assert response.status_code == 200
    assert response.get_json()["username"] == browser.user.username
    assert "orders.write_art" in response.get_json()["capabilities"]


def test_me_without_credentials_is_401(client):
    assert_problem(client.get("/api/v1/me"), 401)


def test_me_with_a_bad_token_is_401(client, make_user):
    make_user("admin")

    assert_problem(client.get("/api/v1/me", headers={"Authorization": "Bearer plg_x"}), 401)
    assert_problem(client.get("/api/v1/me", headers={"Authorization": "Basic abc"}), 401)


# -- /api/v1/users ----------------------------------------------------------------------


def test_admin_lists_users_without_secrets(api, make_user):
    admin = api("admin")
    other = make_user("shipping")

    response = admin.get("/api/v1/users")

    assert response.status_code == 200, response.text
    body = response.get_json()
    assert body["total"] == 2
    assert body["page"] == 1
    assert body["pages"] == 1
    by_name = {u["username"]: u for u in body["items"]}
    assert set(by_name) == {admin.user.username, other.username}
    assert by_name[other.username]["role"] == "shipping"
    assert by_name[admin.user.username]["role"] == "admin"
    assert all("password_hash" not in u for u in body["items"])
    assert other.password_hash not in response.text


def test_users_list_is_for_admins_only(api):
    for role in ("manager", "staff", "artist", "shipping", "viewer"):
        body = assert_problem(api(role).get("/api/v1/users"), 403)
        assert "username" not in json.dumps(body)


def test_users_list_without_credentials_is_401(client):
    assert_problem(client.get("/api/v1/users"), 401)


# -- OpenAPI ----------------------------------------------------------------------------


def test_openapi_document_is_not_public(client):
    assert_problem(client.get("/api/v1/openapi.json"), 401)


def test_openapi_document_describes_orders_and_customers(api):
    response = api("viewer").get("/api/v1/openapi.json")

    assert response.status_code == 200
    spec = json.loads(response.data)
    assert spec["openapi"].startswith("3.")
    assert spec["info"]["title"]
    assert spec["info"]["version"]
    paths = spec["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/orders"])
    assert {"get", "patch", "delete"} <= set(paths["/api/v1/orders/{log}"])
    assert "post" in paths["/api/v1/orders/{log}/restore"]
    assert "post" in paths["/api/v1/orders/{log}/status"]
    assert {"get", "post"} <= set(paths["/api/v1/customers"])
    assert {"get", "patch", "delete"} <= set(paths["/api/v1/customers/{code}"])
    assert "get" in paths["/api/v1/me"]
    assert "get" in paths["/api/v1/users"]
    assert "bearer" in spec["components"]["securitySchemes"]


def test_openapi_schemas_carry_the_shared_rules(api):
    spec = api("viewer").get("/api/v1/openapi.json").get_json()
    schemas = spec["components"]["schemas"]

    order_create = next(s for name, s in schemas.items() if name.startswith("OrderCreate"))
    assert order_create["properties"]["log"]["pattern"] == "[A-Z0-9]{5,7}"
    assert {"log", "customer", "job_type", "title"} <= set(order_create["required"])
    order_update = next(s for name, s in schemas.items() if name.startswith("OrderUpdate"))
    # A change sends only what changes: nothing is required.
    assert not order_update.get("required")
    list_params = {p["name"]: p for p in spec["paths"]["/api/v1/orders"]["get"]["parameters"]}
    assert list_params["per_page"]["schema"]["maximum"] == 100
    assert {"q", "job_type", "status", "rush", "customer", "sort", "page"} <= set(list_params)

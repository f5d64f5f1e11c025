"""Error answers: a page with a title and advice for people, problem+json for the API."""

from __future__ import annotations

import logging
import re

import pytest
from flask import abort

from presslog.core.errors import (
    Conflict,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
    ValidationError,
)

TITLES = {
    400: "Bad request",
    403: "Not allowed",
    404: "Not found",
    405: "Not allowed here",
    409: "Conflict",
    412: "Changed meanwhile",
    413: "Too large",
    429: "Too many requests",
    500: "Something went wrong",
}

DOMAIN_ERRORS = {
    "conflict": lambda: Conflict("LOG 10234 is already taken."),
    "stale": lambda: PreconditionFailed("Someone saved order 10234 after you opened it."),
    "missing": lambda: NotFound("No order with LOG 99999."),
    "required": lambda: PreconditionRequired("Send If-Match."),
    "invalid": lambda: ValidationError(
        {"log": ["LOG is required."], "title": ["Title is required."]}
    ),
}


@pytest.fixture
def error_routes(app):
    """Test-only routes that fail on purpose (added before the first request)."""

    def abort_with(code: int):
        abort(code)

    def domain(kind: str):
        raise DOMAIN_ERRORS[kind]()

    def boom():
        raise RuntimeError("kaboom: secret internals")

    for prefix, name in (("", "page"), ("/api/v1", "api")):
        app.add_url_rule(f"{prefix}/test-errors/abort/<int:code>", f"test_{name}_abort", abort_with)
        app.add_url_rule(f"{prefix}/test-errors/domain/<kind>", f"test_{name}_domain", domain)
        app.add_url_rule(f"{prefix}/test-errors/boom", f"test_{name}_boom", boom)
    return app


def assert_error_page(response, status: int) -> None:
    assert response.status_code == status
    assert response.mimetype == "text/html"
    text = response.text
    assert f"<title>{TITLES[status]}" in text
    # The one h1 of the page (macros.html's page_header) names the error.
    (heading,) = re.findall(r"<h1\b[^>]*>(.*?)</h1>", text, re.S)
    assert heading.strip() == TITLES[status]
    assert f"Error {status}" in text
    assert "Traceback" not in text


def assert_problem(response, status: int, title: str) -> dict:
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status
    assert body["title"] == title
    assert isinstance(body["type"], str)
    assert body["type"]
    assert isinstance(body["detail"], str)
    assert body["detail"]
    return body


@pytest.mark.parametrize("status", [400, 403, 404, 405, 409, 412, 413, 429, 500])
def test_every_status_renders_the_error_page_with_its_title(error_routes, client, status):
    response = client.get(f"/test-errors/abort/{status}")
    assert_error_page(response, status)


def test_unknown_address_is_a_404_page(client):
    response = client.get("/no/such/page")
    assert_error_page(response, 404)
    assert "There is nothing at this address" in response.text


def test_wrong_method_is_a_405_page(client):
    response = client.post("/healthz")
    assert_error_page(response, 405)
    assert "GET" in response.headers["Allow"]


def test_form_post_without_csrf_token_is_a_400_page_saying_why(client):
    response = client.post("/login", data={"login": "someone", "password": "x" * 12})
    assert_error_page(response, 400)
    assert "CSRF token is missing" in response.text


def test_too_large_upload_is_a_413_page(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = client.post("/login", data={"login": "x" * 4096})
    assert_error_page(response, 413)


@pytest.mark.parametrize(
    ("kind", "status", "detail"),
    [
        ("conflict", 409, "LOG 10234 is already taken."),
        ("stale", 412, "Someone saved order 10234 after you opened it."),
        ("missing", 404, "No order with LOG 99999."),
    ],
)
def test_domain_errors_render_their_page_with_the_detail(
    error_routes, client, kind, status, detail
):
    response = client.get(f"/test-errors/domain/{kind}")
    assert_error_page(response, status)
    assert detail in response.text


@pytest.mark.parametrize("status", [400, 403, 404, 409, 412, 413, 429])
def test_api_errors_are_problem_json(error_routes, client, status):
    response = client.get(f"/api/v1/test-errors/abort/{status}")
    body = assert_problem(response, status, TITLES[status])
    assert body["type"] == "about:blank"


def test_api_unknown_address_and_wrong_method_are_problem_json(client):
    assert_problem(client.get("/api/v1/no-such-thing"), 404, "Not found")
    wrong = client.delete("/api/v1/me")
    assert_problem(wrong, 405, "Not allowed here")
    assert "GET" in wrong.headers["Allow"]


def test_api_without_credentials_is_a_401_problem(client):
    body = assert_problem(client.get("/api/v1/orders"), 401, "Please sign in")
    assert "errors" not in body


@pytest.mark.parametrize(
    ("kind", "status", "title", "slug"),
    [
        ("conflict", 409, "Conflict", "conflict"),
        ("stale", 412, "Precondition failed", "preconditionfailed"),
        ("missing", 404, "Not found", "notfound"),
        ("required", 428, "Precondition required", "preconditionrequired"),
    ],
)
def test_api_domain_errors_are_problem_json(error_routes, client, kind, status, title, slug):
    body = assert_problem(client.get(f"/api/v1/test-errors/domain/{kind}"), status, title)
    assert body["type"] == f"/api/v1/problems/{slug}"
    assert body["detail"] == str(DOMAIN_ERRORS[kind]())


def test_api_validation_error_lists_messages_per_field(error_routes, client):
    body = assert_problem(
        client.get("/api/v1/test-errors/domain/invalid"), 422, "Validation failed"
    )
    assert body["type"] == "/api/v1/problems/validationerror"
    assert body["errors"] == {"log": ["LOG is required."], "title": ["Title is required."]}
    assert body["detail"] == "Please correct: log, title."


def test_unhandled_error_is_a_500_page_with_request_id_and_logged(error_routes, client, caplog):
    caplog.set_level(logging.ERROR)
    response = client.get("/test-errors/boom", headers={"X-Request-ID": "req-boom-0042"})
    assert_error_page(response, 500)
    assert "req-boom-0042" in response.text
    assert response.headers["X-Request-ID"] == "req-boom-0042"
    assert "kaboom" not in response.text

    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    record = errors[0]
    assert record.request_id == "req-boom-0042"
    assert "GET /test-errors/boom" in record.getMessage()
    assert record.exc_info
    assert record.exc_info[0] is RuntimeError


def test_unhandled_api_error_is_a_500_problem_without_internals(error_routes, client, caplog):
    caplog.set_level(logging.ERROR)
    response = client.get("/api/v1/test-errors/boom", headers={"X-Request-ID": "req-api-7"})
    body = assert_problem(response, 500, "Internal server error")
    assert "kaboom" not in response.text
    assert "nothing was changed" in body["detail"]
    assert [r.request_id for r in caplog.records if r.levelno >= logging.ERROR] == ["req-api-7"]

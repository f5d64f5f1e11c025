"""Property-based API testing: schemathesis drives every operation of the OpenAPI
document with generated input (valid and invalid) as an admin, and checks the answers."""

from __future__ import annotations

import json
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core import NOT_SET
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from presslog.extensions import db
from presslog.users import service as users_service
from tests.factories import CustomerFactory, OrderFactory

MAX_EXAMPLES = 25
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]
# Operations are grouped by their tag (the API blueprint); "other" takes any new one.
GROUPS = ["orders_api", "customers_api", "users_api", "other"]
# Operations whose every answer must be a declared status (no "default" catch-all).
STRICT_TAGS = {"orders_api", "customers_api"}


@pytest.fixture
def admin_auth(app: Flask, make_user: Any) -> dict[str, str]:
    user = make_user("admin")
    _token, plain = users_service.create_token(username=user.username, name="schemathesis")
    db.session.commit()
    return {"Authorization": f"Bearer {plain}"}


@pytest.fixture
def known(app: Flask, make_user: Any) -> dict[str, str]:
    """Existing records, so half the writes to /orders/{log} and the like reach the
    service instead of stopping at 404 (the other half get generated keys)."""
    order = OrderFactory(log="10234", customer=CustomerFactory(code="CEN15"))
    user = make_user("viewer")  # not the admin: a generated DELETE must not lock us out
    db.session.commit()
    return {"log": order.log, "code": order.customer.code, "username": user.username}


@pytest.fixture
def api_schema(app: Flask, admin_auth: dict[str, str]) -> Any:
    """The API's own OpenAPI document (it needs sign-in too).

    For the operations in STRICT_TAGS the catch-all "default" response is dropped, so
    every status they answer must be declared (status_code_conformance means something).
    """
    response = app.test_client().get("/api/v1/openapi.json", headers=admin_auth)
    assert response.status_code == 200
    document = response.get_json()
    for item in document["paths"].values():
        for operation in item.values():
            if isinstance(operation, dict) and set(operation.get("tags", ())) & STRICT_TAGS:
                operation["responses"].pop("default", None)
    schema = schemathesis.openapi.from_dict(document)
    schema.app = app  # call the app in-process (WSGI), as from_wsgi does
    return schema


def test_errors_are_documented_as_they_are_sent(app, admin_auth):
    """Every error answer is problem+json (SPEC); the document must say so, or a client
    generated from it reads every error wrong."""
    document = app.test_client().get("/api/v1/openapi.json", headers=admin_auth).get_json()
    responses = document["components"]["responses"]
    schemas = document["components"]["schemas"]
    for name in ("DEFAULT_ERROR", "UNPROCESSABLE_ENTITY", "NOT_FOUND", "CONFLICT"):
        content = responses[name]["content"]
        assert list(content) == ["application/problem+json"], name
        ref = content["application/problem+json"]["schema"]["$ref"].rsplit("/", 1)[1]
        problem = schemas[ref]
        assert {"type", "title", "status", "detail"} <= set(problem["required"]), name
        assert problem["properties"]["status"]["type"] == "integer"


def _problem_shape_errors(response: Any) -> str | None:
    """Error answers are problem+json with the SPEC's fields, whatever the document says."""
    if response.status_code < 400:
        return None
    content_type = (response.headers.get("content-type") or [""])[0]
    if not content_type.startswith("application/problem+json"):
        return f"{response.status_code} answered as {content_type!r}"
    body = response.json()
    missing = [k for k in ("type", "title", "status", "detail") if not body.get(k)]
    if missing or body["status"] != response.status_code:
        return f"problem without {missing} or with a wrong status: {body}"
    errors = body.get("errors")
    if errors is not None and not (
        isinstance(errors, dict)
        and all(isinstance(v, list) and all(isinstance(m, str) for m in v) for v in errors.values())
    ):
        return f"problem errors are not {{field: [messages]}}: {errors}"
    return None


def _describe(case: Any, response: Any, group: FailureGroup) -> str:
    """One short paragraph per failure: what broke, the request, the answer."""
    body = response.text
    lines = [f"{case.method} {case.formatted_path} -> {response.status_code}"]
    if case.body is not None and not isinstance(case.body, type(NOT_SET)):
        lines.append(f"  body sent: {json.dumps(case.body, default=str)[:400]}")
    if case.query:
        lines.append(f"  query: {case.query}")
    for failure in group.exceptions:
        message = (str(failure.message).strip().splitlines() or [""])[0]
        lines.append(f"  {failure.title}: {message[:300]}".rstrip(": "))
    lines.append(f"  answer: {body[:400]}")
    return "\n".join(lines)


def _group(operation: Any) -> str:
    tags = operation.definition.raw.get("tags") or []
    return next((t for t in tags if t in GROUPS), "other")


def _run(operation: Any, mode: GenerationMode, auth: dict[str, str], known: dict[str, str]) -> None:
    existing = {k: v for k, v in known.items() if "{" + k + "}" in operation.path}
    strategy = operation.as_strategy(generation_mode=mode)
    if existing:
        strategy = st.one_of(
            strategy, operation.as_strategy(generation_mode=mode, path_parameters=existing)
        )

    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case: Any) -> None:
        try:
            response = case.call(headers=auth)
            try:
                case.validate_response(response, checks=CHECKS, headers=auth)
            except FailureGroup as group:
                raise AssertionError(_describe(case, response, group)) from None
            problem = _problem_shape_errors(response)
            if problem:
                raise AssertionError(f"{case.method} {case.formatted_path}: {problem}")
        finally:
            db.session.rollback()

    run()


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
@pytest.mark.parametrize("group", GROUPS)
def test_api_keeps_its_contract(app, api_schema, admin_auth, known, group, mode):
    """No 5xx; answers match their declared schema and status; errors are problems."""
    operations = [r.ok() for r in api_schema.get_all_operations()]
    failures = []
    for operation in operations:
        if _group(operation) != group:
            continue
        try:
            _run(operation, mode, admin_auth, known)
        except Exception as exc:
            failures.append(f"{operation.label}: {exc}")
    assert not failures, "\n\n".join(failures)

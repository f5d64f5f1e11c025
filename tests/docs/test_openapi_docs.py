"""The API's own description: every operation documented with examples and its errors,
and Swagger UI served from PressLog's files to signed-in users only."""

from __future__ import annotations

import re
from http import HTTPStatus
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from marshmallow import Schema, fields

from presslog.api import PROBLEMS

SPEC_URL = "/api/v1/openapi.json"
DOCS_URL = "/api/v1/docs"
METHODS = ("get", "post", "put", "patch", "delete")
STATIC = Path(__file__).resolve().parents[2] / "presslog" / "static"


@pytest.fixture
def spec(api: Any) -> dict[str, Any]:
    """The OpenAPI document as a signed-in client gets it."""
    response = api("viewer").get(SPEC_URL)
    assert response.status_code == 200
    return dict(response.get_json())


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any], list[dict]]]:
    """(method, path, operation, parameters of the path and the operation) for each."""
    found = []
    for path, item in spec["paths"].items():
        for method in METHODS:
            if method in item:
                op = item[method]
                params = [*item.get("parameters", []), *op.get("parameters", [])]
                found.append((method, path, op, params))
    return found


def resolve(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """Follow a $ref inside the document."""
    while "$ref" in node:
        target: Any = spec
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


def expected_errors(method: str, path: str, op: dict[str, Any], params: list[dict]) -> set[int]:
    """The error statuses an operation must document, from what it takes."""
    statuses = {401}
    if path != "/api/v1/me":  # every role may ask who it is
        statuses.add(403)
    if any(p["in"] == "path" for p in params):
        statuses.add(404)
    if any(p["in"] == "query" for p in params):
        statuses.add(422)
    if "requestBody" in op:
        statuses |= {400, 413, 422}
    guarded = (
        method == "patch"
        or path.endswith("/status")
        or (method == "delete" and "/tokens/" not in path)
    )
    if guarded:  # writes to one record: If-Match or version
        statuses |= {409, 412, 428}
    if any(p["in"] == "header" and p["name"] == "If-Match" for p in params):
        statuses.add(412)
    return statuses


def _plain_name(url: str) -> str:
    """A static URL without the content hash the app puts in file names."""
    return re.sub(r"\.[0-9a-f]{12}(?=\.\w+$)", "", url)


def test_the_document_has_operations(spec: dict[str, Any]) -> None:
    """The checks below run over the whole API, not over nothing."""
    names = {(m, p) for m, p, _op, _params in operations(spec)}
    assert len(names) >= 24
    assert ("post", "/api/v1/orders") in names
    assert ("get", "/api/v1/reports/due-outs") in names


def test_every_operation_has_summary_description_and_examples(spec: dict[str, Any]) -> None:
    """Summary, description, request example and success example on every operation."""
    missing = []
    for method, path, op, _params in operations(spec):
        where = f"{method.upper()} {path}"
        if not op.get("summary", "").strip():
            missing.append(f"{where}: summary")
        if len(op.get("description", "").strip()) < 40:
            missing.append(f"{where}: description")
        if "requestBody" in op:
            body = op["requestBody"]["content"]["application/json"]
            if "example" not in body and "examples" not in body:
                missing.append(f"{where}: request example")
        successes = [s for s in op["responses"] if s.startswith("2")]
        assert len(successes) == 1, where
        success = resolve(spec, op["responses"][successes[0]])
        if successes[0] == "204":
            assert "content" not in success, where
        else:
            content = success.get("content", {}).get("application/json", {})
            if "example" not in content:
                missing.append(f"{where}: response example")
    assert not missing, "undocumented: " + "; ".join(missing)


def test_every_parameter_is_described(spec: dict[str, Any]) -> None:
    """Path, query and header parameters each say what they are."""
    bare = [
        f"{method.upper()} {path} {p['in']} {p['name']}"
        for method, path, _op, params in operations(spec)
        for p in params
        if not p.get("description", "").strip()
    ]
    assert not bare, bare


def test_every_operation_documents_its_errors_as_problem_json(spec: dict[str, Any]) -> None:
    """401/403/404/409/412/422/428 where they can happen, each problem+json with an example."""
    problem_schema = {"$ref": "#/components/schemas/Problem"}
    missing = []
    for method, path, op, params in operations(spec):
        documented = {int(s) for s in op["responses"] if s.isdigit() and s[0] in "45"}
        for status in sorted(expected_errors(method, path, op, params) - documented):
            missing.append(f"{method.upper()} {path}: {status}")
        for status in documented:
            response = resolve(spec, op["responses"][str(status)])
            content = response.get("content", {})
            assert list(content) == ["application/problem+json"], (path, status)
            body = content["application/problem+json"]
            assert body["schema"] == problem_schema, (path, status)
            assert body["example"]["status"] == status, (path, status)
            assert response["description"] != HTTPStatus(status).phrase, (path, status)
    assert not missing, "error responses missing: " + "; ".join(missing)


def test_writes_to_one_record_take_if_match(spec: dict[str, Any]) -> None:
    """Every change, status step and delete of a record documents the If-Match header."""
    for method, path, op, params in operations(spec):
        if {409, 412, 428} <= expected_errors(method, path, op, params):
            headers = [p for p in params if p["in"] == "header" and p["name"] == "If-Match"]
            assert headers, f"{method.upper()} {path}"
            assert "412" in headers[0]["description"]


def test_problem_examples_are_what_the_api_sends(api: Any) -> None:
    """The documented error answers have the shape the server really sends."""
    client = api("staff")
    assert (
        client.post("/api/v1/customers", json={"code": "BEX51", "name": "Bexley"}).status_code
        == 201
    )
    order = {"log": "20001", "customer": "BEX51", "job_type": "TR", "title": "Shirts"}
    assert client.post("/api/v1/orders", json=order).status_code == 201
    answers = {
        401: client.client.get("/api/v1/orders"),
        404: client.get("/api/v1/orders/NOPE"),
        409: client.post("/api/v1/orders", json=order),
        412: client.patch("/api/v1/orders/20001", json={}, headers={"If-Match": '"v9"'}),
        422: client.post("/api/v1/orders", json={"customer": "X", "job_type": "XX"}),
        428: client.patch("/api/v1/orders/20001", json={"priority": 3}),
    }
    for status, response in answers.items():
        assert response.status_code == status
        assert response.mimetype == "application/problem+json"
        documented = PROBLEMS[status][1]
        body = response.get_json()
        assert set(body) == set(documented), status
        assert body["title"] == documented["title"]
        assert body["type"] == documented["type"]


# -- the examples match the schemas ------------------------------------------------------


def _view_methods(app: Flask) -> list[tuple[str, Any]]:
    """(endpoint.method, view function with flask-smorest's _apidoc) of the API."""
    found = []
    for endpoint, view in app.view_functions.items():
        cls = getattr(view, "view_class", None)
        if cls is None:
            continue
        for method in METHODS:
            function = getattr(cls, method, None)
            if function is not None and hasattr(function, "_apidoc"):
                found.append((f"{endpoint}.{method}", function))
    return found


def _names(schema: Schema) -> set[str]:
    return {field.data_key or name for name, field in schema.dump_fields.items()}


def _nested(field: fields.Field) -> Schema | None:
    if isinstance(field, fields.Nested):
        return field.schema  # type: ignore[no-any-return]
    if isinstance(field, fields.List) and isinstance(field.inner, fields.Nested):
        return field.inner.schema  # type: ignore[no-any-return]
    return None


def assert_example_fits(schema: Schema, example: dict[str, Any], where: str) -> None:
    """The example has exactly the schema's fields, nested records too."""
    assert set(example) == _names(schema), (where, set(example) ^ _names(schema))
    by_key = {field.data_key or name: field for name, field in schema.dump_fields.items()}
    for key, value in example.items():
        inner = _nested(by_key[key])
        if inner is None or value is None:
            continue
        for item in value if isinstance(value, list) else [value]:
            assert_example_fits(inner, item, f"{where}.{key}")


def test_examples_fit_the_schemas(app: Flask, api: Any) -> None:
    """Request examples load without errors; answer examples hold every field, no more."""
    checked = 0
    for where, function in _view_methods(app):
        apidoc = function._apidoc
        for argument in apidoc.get("arguments", {}).get("parameters", []):
            if argument["in"] == "json":
                assert "example" in argument, where
                schema = argument["schema"]
                schema = schema() if isinstance(schema, type) else schema
                schema.load(argument["example"])  # raises when invalid
                checked += 1
        for status, documented in apidoc.get("response", {}).get("responses", {}).items():
            for response in documented:  # the success as a dict; errors by name
                if int(status) < 300 and isinstance(response, dict) and response.get("schema"):
                    assert_example_fits(response["schema"], response["example"], where)
                    checked += 1
    assert checked >= 28  # 8 request bodies, 20 answers with a body


# -- Swagger UI ---------------------------------------------------------------------------


def test_docs_need_sign_in(client: Any) -> None:
    """Anonymous callers get the API's 401 (problem+json), as for the document itself."""
    for url in (DOCS_URL, SPEC_URL):
        response = client.get(url)
        assert response.status_code == 401, url
        assert response.mimetype == "application/problem+json"
        assert "swagger" not in response.text.lower()


def test_docs_serve_the_local_bundle_under_the_csp(as_role: Any) -> None:
    """Swagger UI from /static with no external address, no inline script or style."""
    client = as_role("viewer")
    response = client.get(DOCS_URL)
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    html = response.text
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in csp
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp

    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, re.S)
    sources = [re.search(r'src="([^"]+)"', attrs).group(1) for attrs, _body in scripts]  # type: ignore[union-attr]
    assert [_plain_name(u) for u in sources] == [
        "/static/vendor/swagger-ui/swagger-ui-bundle.js",
        "/static/js/api-docs.js",
    ]
    assert all(not body.strip() for _attrs, body in scripts), "inline script"
    assert "<style" not in html
    assert " style=" not in html
    assert not re.search(r"\son[a-z]+=", html), "event-handler attribute"
    assert not re.search(r'(src|href)="(https?:)?//', html), "external address"
    stylesheets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
    assert "/static/vendor/swagger-ui/swagger-ui.css" in [_plain_name(u) for u in stylesheets]
    assert 'data-spec-url="/api/v1/openapi.json"' in html

    for url in [*sources, *stylesheets]:
        asset = client.get(url)
        assert asset.status_code == 200, url
        asset.close()
    start = (STATIC / "js" / "api-docs.js").read_text()
    assert "validatorUrl: null" in start  # the document is never sent to swagger.io
    assert "X-CSRFToken" in start  # "Try it out" writes pass the API's CSRF check
    bundle = (STATIC / "vendor" / "swagger-ui" / "swagger-ui-bundle.js").read_text()
    assert "SwaggerUIBundle" in bundle
    assert (STATIC / "vendor" / "swagger-ui" / "LICENSE").exists()


def test_try_it_out_writes_with_the_session(as_role: Any) -> None:
    """What api-docs.js sends on a write (session cookie + X-CSRFToken) is accepted."""
    client = as_role("staff")
    page = client.get(DOCS_URL).text
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    body = {"code": "TRY01", "name": "Tried From Swagger UI"}
    refused = client.post("/api/v1/customers", json=body)
    assert refused.status_code == 400  # the CSRF check, without the header
    created = client.post("/api/v1/customers", json=body, headers={"X-CSRFToken": token})
    assert created.status_code == 201, created.text


def test_docs_with_a_token_leave_no_session(api: Any) -> None:
    """A token client may open the page; it gets no session cookie to trip over later."""
    client = api("viewer")
    page = client.get(DOCS_URL)
    assert page.status_code == 200
    assert "Set-Cookie" not in page.headers
    assert 'name="csrf-token"' not in page.text
    assert client.get("/api/v1/me").status_code == 200

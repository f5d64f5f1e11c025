"""The JSON API (``/api/v1``): flask-smorest setup and helpers shared by its blueprints."""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from flask import Flask, Response, jsonify, request, url_for
from flask_smorest import Api, Blueprint
from marshmallow import Schema, fields

from presslog.core.auth import api_csrf_check
from presslog.core.errors import PreconditionFailed, PreconditionRequired
from presslog.core.pagination import Page
from presslog.core.security import require
from presslog.extensions import csrf

API_PREFIX = "/api/v1"

PROBLEM_JSON = "application/problem+json"


class ProblemSchema(Schema):
    """An error answer: RFC 9457 problem details, as core.error_handlers sends them."""

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={"description": "Messages per field (dotted paths), on validation errors."},
    )


class PressLogApi(Api):
    """flask-smorest's Api documenting errors as they are sent: problem+json."""

    ERROR_SCHEMA = ProblemSchema

    def _register_responses(self) -> None:
        # flask-smorest documents its error responses (default, 422, ...) with the
        # default content type; ours are application/problem+json.
        self.DEFAULT_RESPONSE_CONTENT_TYPE = PROBLEM_JSON
        try:
            super()._register_responses()
        finally:
            del self.DEFAULT_RESPONSE_CONTENT_TYPE


api = PressLogApi()


# Error answers an operation documents besides its success (problem+json, see
# core.error_handlers); the 422 of a validated body or query is documented by
# @blp.arguments itself.
SIGNED_IN = (401, 403)
BODY = (400, 413)
GUARDED = (404, 409, 412, 428)  # writes to one record: If-Match / version


class ApiBlueprint(Blueprint):
    """A flask-smorest blueprint whose writes check CSRF for cookie sessions."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        csrf.exempt(self)
        self.before_request(api_csrf_check)

    def answers(self, *statuses: int) -> Callable[[Any], Any]:
        """Document the error statuses a view answers besides its success."""

        def decorate(view: Any) -> Any:
            for status in statuses:
                view = self.alt_response(status, response=HTTPStatus(status).name)(view)
            return view

        return decorate


def etag_for(record: Any) -> str:
    """The entity tag of a record's current version."""
    return f'"v{record.version}"'


def with_etag(response: Response, record: Any) -> Response:
    """Add the record's ETag to ``response``."""
    response.headers["ETag"] = etag_for(record)
    return response


def expected_version(record: Any, body_version: int | None) -> int:
    """The version a write is based on, from If-Match or the body; checks If-Match.

    A write without either is refused (428) so no change is lost silently.
    """
    if_match = request.headers.get("If-Match")
    if if_match:
        tags = [t.strip() for t in if_match.split(",")]
        if "*" in tags:
            return int(record.version)
        if etag_for(record) not in tags and f"W/{etag_for(record)}" not in tags:
            raise PreconditionFailed(
                "The record changed since you read it (ETag mismatch). Read it again, "
                "then send your change with the new ETag."
            )
        return int(record.version)
    if body_version is None:
        raise PreconditionRequired(
            'Send If-Match with the ETag from your last read, or include "version" in the '
            "body, so a change made meanwhile by someone else is not overwritten."
        )
    return int(body_version)


def page_response(page: Page[Any], schema: Any, endpoint: str, **args: Any) -> Response:
    """The list envelope with Link headers for first / prev / next / last."""
    body = {
        "items": schema.dump(page.items, many=True),
        "page": page.page,
        "per_page": page.per_page,
        "total": page.total,
        "pages": page.pages,
        "total_exact": page.total_exact,
    }
    response = jsonify(body)
    query: dict[str, Any] = {k: v for k, v in request.args.items() if k not in ("page", "per_page")}
    query.update(args)

    def link(number: int, rel: str) -> str:
        url = url_for(endpoint, page=number, per_page=page.per_page, **query)
        return f'<{url}>; rel="{rel}"'

    # A search not counted to the end has no known last page.
    links = [link(1, "first")] + ([link(page.pages, "last")] if page.total_exact else [])
    if page.has_prev:
        links.append(link(page.page - 1, "prev"))
    if page.has_next:
        links.append(link(page.page + 1, "next"))
    response.headers["Link"] = ", ".join(links)
    if page.total_exact:
        response.headers["X-Total-Count"] = str(page.total)
    return response


def init_api(app: Flask) -> None:
    """Bind flask-smorest and register the API blueprints."""
    from presslog.customers.api import blp as customers_blp
    from presslog.orders.api import blp as orders_blp
    from presslog.reports.api import blp as reports_blp
    from presslog.users.api import blp as users_blp

    app.config.setdefault(
        "API_SPEC_OPTIONS",
        {
            "info": {
                "description": "PressLog's JSON API: orders, customers and reports. "
                "Authenticate with a session cookie (and X-CSRFToken on "
                "writes) or Authorization: Bearer <token>."
            },
            "components": {
                "securitySchemes": {
                    "bearer": {"type": "http", "scheme": "bearer"},
                    "session": {"type": "apiKey", "in": "cookie", "name": "session"},
                }
            },
            "security": [{"bearer": []}, {"session": []}],
        },
    )
    api.init_app(app)
    # The API's own description (openapi.json, docs) is not public either: its views
    # declare and enforce a capability like every other route.
    for endpoint, view in list(app.view_functions.items()):
        if endpoint.startswith("api-docs."):
            app.view_functions[endpoint] = require("orders.read")(view)
    for blp in (orders_blp, customers_blp, users_blp, reports_blp):
        api.register_blueprint(blp)

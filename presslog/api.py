"""The JSON API (``/api/v1``): flask-smorest setup and helpers shared by its blueprints."""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus
from typing import Any

import flask
from flask import Flask, Response, jsonify, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_smorest import Api, Blueprint
from flask_smorest.utils import prepare_response
from flask_wtf.csrf import generate_csrf
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

    type = fields.String(
        required=True,
        metadata={
            "description": "/api/v1/problems/KIND for PressLog's own errors, else about:blank.",
            "example": "/api/v1/problems/validationerror",
        },
    )
    title = fields.String(
        required=True,
        metadata={"description": "Short name of the problem.", "example": "Validation failed"},
    )
    status = fields.Integer(
        required=True, metadata={"description": "The HTTP status again.", "example": 422}
    )
    detail = fields.String(
        required=True,
        metadata={
            "description": "What went wrong and what to do, in a sentence or two.",
            "example": "Please correct: title.",
        },
    )
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={
            "description": "Messages per field (dotted paths such as charges.0.kind), on "
            "validation errors and on conflicts caused by one field.",
            "example": {"title": ["Title is required."]},
        },
    )


# What each error status means in this API, with an answer as the server sends it
# (captured from a running instance). Operations refer to these by status name.
PROBLEMS: dict[int, tuple[str, dict[str, Any]]] = {
    400: (
        "The body is not JSON, or not the JSON object expected.",
        {
            "type": "/api/v1/problems/validationerror",
            "title": "Bad request",
            "status": 400,
            "detail": "Please correct: _schema.",
            "errors": {"_schema": ["Invalid JSON body."]},
        },
    ),
    401: (
        "Not signed in: no session cookie and no valid bearer token (unknown, revoked, "
        "or its user deactivated).",
        {
            "type": "about:blank",
            "title": "Please sign in",
            "status": 401,
            "detail": "The server could not verify that you are authorized to access the "
            "URL requested. You either supplied the wrong credentials (e.g. a bad "
            "password), or your browser doesn't understand how to supply the credentials "
            "required.",
        },
    ),
    403: (
        "Signed in, but your role does not allow this; or a session-cookie write "
        "without a valid X-CSRFToken header.",
        {
            "type": "about:blank",
            "title": "Not allowed",
            "status": 403,
            "detail": "You don't have the permission to access the requested resource. It "
            "is either read-protected or not readable by the server.",
        },
    ),
    404: (
        "No record with this key (deleted records are found only by restore).",
        {
            "type": "/api/v1/problems/notfound",
            "title": "Not found",
            "status": 404,
            "detail": "No order with LOG 'NOPE'.",
        },
    ),
    409: (
        "The change clashes with what is stored: a key already used, a workflow step "
        "not allowed, or a `version` in the body older than the stored one.",
        {
            "type": "/api/v1/problems/conflict",
            "title": "Conflict",
            "status": 409,
            "detail": "LOG 20001 is already used by another order (look in the trash too).",
            "errors": {
                "log": ["LOG 20001 is already used by another order (look in the trash too)."]
            },
        },
    ),
    412: (
        "If-Match names an older version: someone changed the record after you read "
        "it. Read it again and send your change with the new ETag.",
        {
            "type": "/api/v1/problems/preconditionfailed",
            "title": "Precondition failed",
            "status": 412,
            "detail": "The record changed since you read it (ETag mismatch). Read it again, "
            "then send your change with the new ETag.",
        },
    ),
    413: (
        "The body is larger than the server accepts (MAX_CONTENT_LENGTH).",
        {
            "type": "about:blank",
            "title": "Too large",
            "status": 413,
            "detail": "The request is 28.6 MB; PressLog accepts at most 16 MB.",
        },
    ),
    422: (
        "Some values are not valid; `errors` lists the messages per field.",
        {
            "type": "/api/v1/problems/validationerror",
            "title": "Validation failed",
            "status": 422,
            "detail": "Please correct: job_type, title, log.",
            "errors": {
                "job_type": ["Job type must be one of: TR, DP, AA, VG, DG, GM, DTF, PP."],
                "log": ["LOG is required."],
                "title": ["Title is required."],
            },
        },
    ),
    428: (
        "The write names no version: send If-Match (the ETag of your last read) or "
        "`version` in the body.",
        {
            "type": "/api/v1/problems/preconditionrequired",
            "title": "Precondition required",
            "status": 428,
            "detail": 'Send If-Match with the ETag from your last read, or include "version" '
            "in the body, so a change made meanwhile by someone else is not overwritten.",
        },
    ),
}


class PressLogApi(Api):
    """flask-smorest's Api documenting errors as they are sent: problem+json."""

    ERROR_SCHEMA = ProblemSchema

    def _register_responses(self) -> None:
        # Like flask-smorest's own (a lazy response per status, referred to by name), but
        # as application/problem+json, and the statuses this API answers get their
        # meaning here and a real answer as example.
        for status in HTTPStatus:
            description, example = PROBLEMS.get(status, (status.phrase, None))
            response: dict[str, Any] = {"description": description}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            if example is not None:
                response["example"] = example
            prepare_response(response, self.spec, PROBLEM_JSON)
            self.spec.components.response(status.name, response, lazy=True)
        default = {"description": "Any other error, as problem details.", "schema": ProblemSchema}
        prepare_response(default, self.spec, PROBLEM_JSON)
        self.spec.components.response("DEFAULT_ERROR", default, lazy=True)


api = PressLogApi()


# Error answers an operation documents besides its success (problem+json, see
# core.error_handlers); the 422 of a validated body or query is documented by
# @blp.arguments itself.
SIGNED_IN = (401, 403)
BODY = (400, 413)
GUARDED = (404, 409, 412, 428)  # writes to one record: If-Match / version

# Headers the answers carry, for the document.
ETAG_HEADER = {
    "ETag": {
        "description": "The record's version as an entity tag; send it back in If-Match.",
        "schema": {"type": "string", "example": '"v1"'},
    }
}
CREATED_HEADERS = {
    **ETAG_HEADER,
    "Location": {
        "description": "The address of the new record.",
        "schema": {"type": "string", "example": "/api/v1/orders/20001"},
    },
}
LIST_HEADERS = {
    "Link": {
        "description": "first, prev, next and last pages (RFC 8288); no last link when "
        "total_exact is false.",
        "schema": {
            "type": "string",
            "example": '</api/v1/orders?page=1&per_page=25>; rel="first", '
            '</api/v1/orders?page=20&per_page=25>; rel="last", '
            '</api/v1/orders?page=2&per_page=25>; rel="next"',
        },
    },
    "X-Total-Count": {
        "description": "How many match; sent only when total_exact is true.",
        "schema": {"type": "integer", "example": 500},
    },
}


def if_match(*, required: bool) -> dict[str, Any]:
    """The If-Match header parameter of a write to one record."""
    need = (
        "Required (or `version` in the body): without either the answer is 428."
        if required
        else "Optional: when sent, the write is refused with 412 if it is stale."
    )
    return {
        "in": "header",
        "name": "If-Match",
        "required": False,
        "description": f"The ETag of your last read; 412 when the record changed since. {need}",
        "schema": {"type": "string"},
        "example": '"v1"',
    }


def path_param(name: str, description: str, example: Any) -> dict[str, Any]:
    """Documentation of a path parameter (flask-smorest adds its type and required)."""
    return {"in": "path", "name": name, "description": description, "example": example}


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


# Swagger UI, from PressLog's own copy (static/vendor/swagger-ui), started by
# static/js/api-docs.js: no CDN, no inline script, so the page passes the CSP.
docs_ui = flask.Blueprint("api_ui", __name__, url_prefix=API_PREFIX)


@docs_ui.get("/docs")
@require("orders.read")
def swagger_ui() -> ResponseReturnValue:
    """Browse and try the API in Swagger UI (signed-in users)."""
    # A CSRF token lives in the session: made for a bearer-token caller, it would give
    # that client a session cookie, which session protection then rejects (401).
    by_session = request.environ.get("presslog.auth") != "token"
    return render_template(
        "api/docs.html",
        spec_url=url_for("api-docs.openapi_json"),
        csrf_token_value=generate_csrf() if by_session else None,
    )


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
                "description": "PressLog's JSON API: orders, customers, users and the "
                "due-out report. Authenticate with `Authorization: Bearer TOKEN` (a token "
                "from your account page or `presslog create-token`), or with the session "
                "cookie of a signed-in browser plus the `X-CSRFToken` header on writes. "
                "Errors are `application/problem+json`. The guide with examples is "
                "docs/api.md in the PressLog repository."
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
    app.register_blueprint(docs_ui)

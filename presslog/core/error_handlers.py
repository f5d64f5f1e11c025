"""Turn errors into answers: HTML pages for people, problem+json for the API."""

from __future__ import annotations

import logging
from typing import Any

from flask import (
    Flask,
    Response,
    current_app,
    jsonify,
    make_response,
    render_template,
    request,
)
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException, InternalServerError

from presslog.core.auth import is_api_request
from presslog.core.errors import Conflict, DomainError, ValidationError

log = logging.getLogger(__name__)

# What to tell a person for each status: a title and what to do next.
PAGES: dict[int, tuple[str, str]] = {
    400: (
        "Bad request",
        "The request could not be understood. Go back, check the form and try again.",
    ),
    401: ("Please sign in", "Sign in to continue."),
    403: (
        "Not allowed",
        "Your role does not allow this. Ask a manager or the administrator if you need access.",
    ),
    404: (
        "Not found",
        "There is nothing at this address. It may have been deleted or "
        "mistyped; try searching for it.",
    ),
    405: (
        "Not allowed here",
        "This address does not accept that kind of request. Use the buttons and links in PressLog.",
    ),
    409: (
        "Conflict",
        "The change clashes with what is stored now. Reload the page, check "
        "the values and try again.",
    ),
    412: (
        "Changed meanwhile",
        "Someone else changed this record after you opened it. Reload "
        "to see their change, then apply yours again.",
    ),
    413: (
        "Too large",
        "What you sent is larger than PressLog accepts. Send a smaller file or less text.",
    ),
    422: (
        "Please check your input",
        "Some values are not valid. Correct the fields shown and try again.",
    ),
    428: (
        "Precondition required",
        "Send the version you read (If-Match or version) so nobody's change is lost.",
    ),
    429: ("Too many requests", "Wait a moment and try again."),
    500: (
        "Something went wrong",
        "PressLog hit an unexpected error. Nothing was changed. "
        "Try again; if it keeps happening, tell the administrator "
        "the request id below.",
    ),
}


def problem(
    status: int,
    title: str,
    detail: str,
    *,
    errors: dict[str, Any] | None = None,
    slug: str | None = None,
) -> Response:
    """A problem+json (RFC 9457) response."""
    body: dict[str, Any] = {
        "type": f"/api/v1/problems/{slug}" if slug else "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


def _page(status: int, detail: str | None = None) -> ResponseReturnValue:
    title, advice = PAGES.get(status, (f"Error {status}", "Go back and try again."))
    return render_template(
        "errors/error.html", status=status, title=title, detail=detail, advice=advice
    ), status


def _size(n: int) -> str:
    """A byte count as people read it (1 KB = 1,024 bytes)."""
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):,.1f} MB".replace(".0 MB", " MB")
    if n >= 1024:
        return f"{n / 1024:,.1f} KB".replace(".0 KB", " KB")
    return f"{n:,} bytes"


def too_large_detail() -> str:
    """What a 413 says: how much was sent and how much PressLog accepts."""
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    sent = request.content_length
    if limit is None:
        return "The request is too large."
    if sent:
        return f"The request is {_size(sent)}; PressLog accepts at most {_size(limit)}."
    return f"The request is larger than the {_size(limit)} PressLog accepts."


def _flatten(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """Flatten webargs' messages (nested by location and field) to dotted field names."""
    out: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = str(key) if not prefix else f"{prefix}.{key}"
            if key in ("json", "query", "form", "headers", "files") and not prefix:
                name = ""
            out.update(_flatten(value, name))
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        out[prefix or "_schema"] = list(messages)
    elif isinstance(messages, list):
        for i, value in enumerate(messages):
            out.update(_flatten(value, f"{prefix}.{i}" if prefix else str(i)))
    else:
        out[prefix or "_schema"] = [str(messages)]
    return out


def handle_domain_error(exc: DomainError) -> ResponseReturnValue:
    """Services' errors: their status and their detail."""
    if is_api_request():
        errors = exc.errors if isinstance(exc, ValidationError) else None
        if isinstance(exc, Conflict) and exc.field:
            errors = {exc.field: [exc.detail]}
        return problem(
            exc.status, exc.title, exc.detail, errors=errors, slug=type(exc).__name__.lower()
        )
    return _page(exc.status, exc.detail)


def handle_http_error(exc: HTTPException) -> ResponseReturnValue:
    """Werkzeug's HTTP errors, including webargs' 422 from the API schemas."""
    status = exc.code or 500
    # Werkzeug's stock sentence is replaced by ours; a description given on purpose stays.
    own: str | None = None if exc.description == type(exc).description else exc.description
    if status == 413 and own is None:
        own = too_large_detail()
    if exc.response is not None and status in (301, 302, 303):
        return exc.response
    if exc.response is not None and not is_api_request():
        return exc.response
    if is_api_request():
        data = getattr(exc, "data", None) or {}
        errors = _flatten(data.get("messages")) if data.get("messages") else None
        title = PAGES.get(status, (exc.name, ""))[0] if status != 422 else "Validation failed"
        detail: str = own or exc.description or title
        if errors:
            detail = "Please correct: " + ", ".join(errors) + "."
        response = problem(
            status, title, detail, errors=errors, slug="validationerror" if errors else None
        )
        for key, value in (data.get("headers") or {}).items():
            response.headers[key] = value
        if status == 405 and exc.get_response().headers.get("Allow"):
            response.headers["Allow"] = exc.get_response().headers["Allow"]
        return response
    response = make_response(_page(status, own))
    if status == 405 and exc.get_response().headers.get("Allow"):
        response.headers["Allow"] = exc.get_response().headers["Allow"]
    return response


def handle_unexpected(exc: Exception) -> ResponseReturnValue:
    """Anything unhandled: log it with the request id, answer 500 without details."""
    if isinstance(exc, HTTPException):
        return handle_http_error(exc)
    log.exception("unhandled error on %s %s", request.method, request.path)
    if is_api_request():
        return problem(
            500, "Internal server error", "An unexpected error occurred; nothing was changed."
        )
    return _page(500)


def register_error_handlers(app: Flask) -> None:
    """Install the handlers (after flask-smorest, so these win)."""
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(InternalServerError, handle_unexpected)
    app.register_error_handler(Exception, handle_unexpected)

"""HTTP hardening: security headers on every answer, HTTPS in production, and input no
route should ever see (a body over MAX_CONTENT_LENGTH, text the database cannot store).

The Content-Security-Policy allows scripts and styles from PressLog itself only: there
is no inline style or event-handler attribute in the templates, and the one inline
script (base.html's few bytes that pick the light or dark theme before the page is
drawn) carries the answer's fresh nonce (``<script nonce="{{ csp_nonce() }}">``), so
the policy needs no ``'unsafe-inline'``.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from flask import Flask, Response, abort, current_app, g, has_request_context, redirect, request
from flask.typing import ResponseReturnValue
from flask.wrappers import Request

from presslog.core.errors import ValidationError

# Load balancers' probes and Prometheus' scrape talk plain HTTP inside the network.
PLAIN_HTTP_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
HSTS = "max-age=31536000; includeSubDomains"
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
_NONCE_KEY = "presslog.csp_nonce"
# NUL cannot be stored in a PostgreSQL text column and a lone surrogate cannot be
# encoded as UTF-8: either would reach the database and fail there with a 500.
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
UNSTORABLE_MESSAGE = (
    "Contains a character that cannot be stored (a NUL byte or a broken Unicode "
    "surrogate). Remove it and try again."
)


def csp_nonce() -> str:
    """The nonce of this request, made on first use."""
    # Kept on the request, not in ``g``: an app context may outlive one request (tests,
    # CLI), and a nonce must never be reused.
    if has_request_context():
        store = request.environ
        if _NONCE_KEY not in store:
            store[_NONCE_KEY] = secrets.token_urlsafe(16)
        return str(store[_NONCE_KEY])
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return str(g.csp_nonce)


def content_security_policy(nonce: str) -> str:
    """The policy: everything from PressLog itself, nothing inline without the nonce."""
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            f"style-src 'self' 'nonce-{nonce}'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def _printable(name: str) -> str:
    """A field name safe to echo back, even when the name itself is the bad part."""
    return UNSTORABLE.sub("\N{REPLACEMENT CHARACTER}", name) or "_schema"


def _walk(value: Any, path: str, found: dict[str, list[str]]) -> None:
    """Record every string in a JSON document that cannot be stored, by dotted path."""
    if isinstance(value, str):
        if UNSTORABLE.search(value):
            found[_printable(path)] = [UNSTORABLE_MESSAGE]
    elif isinstance(value, dict):
        for key, item in value.items():
            name = f"{path}.{key}" if path else str(key)
            if UNSTORABLE.search(str(key)):
                found[_printable(name)] = [UNSTORABLE_MESSAGE]
            _walk(item, name, found)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _walk(item, f"{path}.{index}" if path else str(index), found)


def unstorable_fields() -> dict[str, list[str]]:
    """Query, form and JSON fields of this request holding text no database can keep."""
    found: dict[str, list[str]] = {}
    for source in (request.args, request.form):
        for key, value in source.items(multi=True):
            if UNSTORABLE.search(key) or UNSTORABLE.search(value):
                found[_printable(key)] = [UNSTORABLE_MESSAGE]
    if request.is_json:
        _walk(request.get_json(silent=True), "", found)
    return found


class UploadLimitedRequest(Request):
    """A request whose body limit is MAX_CONTENT_LENGTH, or the larger one its view is
    given in UPLOAD_LIMITS (endpoint → bytes) — known before anything reads the body,
    CSRF protection's form parsing included."""

    @property
    def max_content_length(self) -> int | None:
        """The most bytes of body this request may carry."""
        if self._max_content_length is not None:
            return self._max_content_length
        limits = current_app.config.get("UPLOAD_LIMITS") or {}
        if self.endpoint in limits:
            return int(limits[self.endpoint])
        return Request.max_content_length.fget(self)  # type: ignore[attr-defined]

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value


def init_security_headers(app: Flask) -> None:
    """Send CSP and the other hardening headers on every response."""
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.request_class = UploadLimitedRequest

    @app.after_request
    def _headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", content_security_policy(csp_nonce()))
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        # request.is_secure sees X-Forwarded-Proto only through ProxyFix (TRUSTED_PROXIES).
        if app.config.get("FORCE_HTTPS") and request.is_secure:
            headers.setdefault("Strict-Transport-Security", HSTS)
        # Static files keep Flask's "no-cache" with an ETag (revalidated, so a new
        # release is picked up at once); everything else is private data: never stored.
        if "Cache-Control" not in headers:
            headers["Cache-Control"] = "no-store"
        return response

    @app.before_request
    def _refuse_oversized_body() -> None:
        # Werkzeug only enforces MAX_CONTENT_LENGTH when a view reads the body; a body
        # nobody reads (wrong content type) would otherwise pass as an empty request.
        limit = request.max_content_length
        if limit is not None and (request.content_length or 0) > limit:
            abort(413)

    @app.before_request
    def _refuse_unstorable_text() -> None:
        # A NUL in a path (/orders/%00) names nothing that can exist.
        if any(
            isinstance(v, str) and UNSTORABLE.search(v) for v in (request.view_args or {}).values()
        ):
            abort(404)
        if request.method in ("GET", "HEAD", "OPTIONS") and not request.args:
            return
        found = unstorable_fields()
        if found:
            raise ValidationError(
                found,
                detail="Please correct: "
                + ", ".join(found)
                + ". "
                + UNSTORABLE_MESSAGE.replace("Contains", "They contain", 1),
            )

    if app.config.get("FORCE_HTTPS"):

        @app.before_request
        def _redirect_to_https() -> ResponseReturnValue | None:
            # Pages are only ever served over HTTPS, so their forms post there; a form
            # posted over plain HTTP anyway meets the CSRF check first (400, no referrer).
            if request.is_secure or request.path in PLAIN_HTTP_PATHS:
                return None
            # 308 keeps the method and body (an API client's POST is sent on intact).
            return redirect(request.url.replace("http://", "https://", 1), code=308)

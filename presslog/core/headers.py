"""Security headers, with a fresh CSP nonce per request for the few inline scripts."""

from __future__ import annotations

import secrets
from typing import Any

from flask import Flask, Response, g, request


def csp_nonce() -> str:
    """The nonce of this request, made on first use."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return str(g.csp_nonce)


def init_security_headers(app: Flask) -> None:
    """Send CSP and the other hardening headers on every response."""
    app.jinja_env.globals["csp_nonce"] = csp_nonce

    @app.after_request
    def _headers(response: Response) -> Response:
        nonce = csp_nonce()
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; "
            f"script-src 'self' 'nonce-{nonce}'; "
            f"style-src 'self' 'nonce-{nonce}'; "
            "img-src 'self' data:; font-src 'self'; connect-src 'self'; "
            "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
        )
        if app.config.get("FORCE_HTTPS") and request.is_secure:
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
            )
        if request.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "public, max-age=3600")
        elif "Cache-Control" not in response.headers:
            response.headers["Cache-Control"] = "no-store"
        return response

    if app.config.get("FORCE_HTTPS"):

        @app.before_request
        def _redirect_to_https() -> Any:
            if request.is_secure or request.path in ("/healthz", "/readyz"):
                return None
            from flask import redirect

            return redirect(request.url.replace("http://", "https://", 1), code=308)

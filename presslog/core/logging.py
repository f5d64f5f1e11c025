"""Logging set up once: levels, a request id on every line, JSON in production."""

from __future__ import annotations

import json
import logging
import sys
import time
import uuid
from typing import Any

from flask import Flask, Response, g, has_request_context, request

_RESERVED = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class RequestContextFilter(logging.Filter):
    """Adds request_id and user_id to every record (``-`` outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Stamp the record with the request and user ids; never drop a record."""
        record.request_id = getattr(g, "request_id", "-") if has_request_context() else "-"
        user_id = "-"
        if has_request_context():
            from flask_login import current_user

            try:
                if current_user and current_user.is_authenticated:
                    user_id = str(current_user.id)
            except Exception:
                user_id = "-"
        record.user_id = user_id
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        """Render ts, level, logger, message, any extra fields and the traceback as JSON."""
        data: dict[str, Any] = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _RESERVED and not key.startswith("_"):
                data[key] = value
        if record.exc_info:
            data["exc"] = self.formatException(record.exc_info)
        return json.dumps(data, default=str)


TEXT_FORMAT = "%(asctime)s %(levelname)-7s [%(request_id)s] %(name)s: %(message)s"


def configure_logging(app: Flask) -> None:
    """Configure the root logger once for the app's settings."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_presslog", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler._presslog = True  # type: ignore[attr-defined]
    handler.addFilter(RequestContextFilter())
    if app.config["LOG_FORMAT"] == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    root.addHandler(handler)
    root.setLevel(app.config["LOG_LEVEL"])
    app.logger.handlers.clear()
    app.logger.propagate = True
    logging.getLogger("werkzeug").setLevel(logging.WARNING)

    access = logging.getLogger("presslog.access")

    @app.before_request
    def _start_request() -> None:
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = (
            incoming if 0 < len(incoming) <= 64 and incoming.isprintable() else uuid.uuid4().hex
        )
        g.request_started = time.perf_counter()

    @app.after_request
    def _log_request(response: Response) -> Response:
        response.headers["X-Request-ID"] = g.get("request_id", "-")
        if request.path.startswith("/static/"):
            return response
        duration = (time.perf_counter() - g.get("request_started", time.perf_counter())) * 1000
        # The path only, never the query string: it may carry tokens.
        access.info(
            "%s %s %s %.1fms",
            request.method,
            request.path,
            response.status_code,
            duration,
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round(duration, 1),
            },
        )
        return response

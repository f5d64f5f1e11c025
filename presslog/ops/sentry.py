"""Optional error reporting to Sentry (or a Sentry-compatible service such as GlitchTip).

Nothing happens without ``SENTRY_DSN``. With it, unhandled errors are reported: the
app's catch-all handler logs them at ERROR level with the traceback, which Sentry's
logging integration sends; the Flask integration adds the request (without cookies,
headers that carry secrets or user data: ``send_default_pii`` is off). Performance
tracing stays off unless ``SENTRY_TRACES_SAMPLE_RATE`` is set.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Flask, g, has_request_context

from presslog import __version__
from presslog.config import ConfigError

if TYPE_CHECKING:
    from sentry_sdk.types import Event, Hint


def traces_sample_rate(value: Any) -> float | None:
    """``SENTRY_TRACES_SAMPLE_RATE`` as a fraction in [0, 1], or None (tracing off).

    :raises ConfigError: for anything else.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        rate = float(value)
    except (TypeError, ValueError):
        rate = -1.0
    if not 0.0 <= rate <= 1.0:
        raise ConfigError(f"SENTRY_TRACES_SAMPLE_RATE must be a number from 0 to 1, not {value!r}")
    return rate


def tag_request_id(event: Event, _hint: Hint) -> Event:
    """Tag a report with the request id, which the log line of the same error carries."""
    if has_request_context() and g.get("request_id"):
        event.setdefault("tags", {})["request_id"] = g.request_id
    return event


def init_error_reporting(app: Flask) -> bool:
    """Start the Sentry SDK when SENTRY_DSN is set; say whether it was started."""
    dsn = (app.config.get("SENTRY_DSN") or "").strip()
    rate = traces_sample_rate(app.config.get("SENTRY_TRACES_SAMPLE_RATE"))
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.flask import FlaskIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=app.config["PRESSLOG_ENV"],
        release=f"presslog@{__version__}",
        send_default_pii=False,
        traces_sample_rate=rate,
        integrations=[FlaskIntegration()],
        before_send=tag_request_id,
    )
    return True

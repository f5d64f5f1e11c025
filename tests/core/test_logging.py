"""Logging: one JSON object per line with the request id; one access line per request."""

from __future__ import annotations

import io
import json
import logging
import re
import sys

import pytest
from flask import g

from presslog.core.logging import TEXT_FORMAT, JsonFormatter, RequestContextFilter
from presslog.extensions import db
from presslog.users import service
from tests.conftest import PASSWORD, login


def _presslog_handler() -> logging.Handler:
    handlers = [h for h in logging.getLogger().handlers if getattr(h, "_presslog", False)]
    assert len(handlers) == 1, "the app installs exactly one log handler"
    return handlers[0]


@pytest.fixture
def log_output(app):
    """What the app's own log handler writes, as JSON lines (level INFO)."""
    handler = _presslog_handler()
    root = logging.getLogger()
    stream = io.StringIO()
    old_stream, old_formatter, old_level = handler.stream, handler.formatter, root.level
    handler.setStream(stream)
    handler.setFormatter(JsonFormatter())
    root.setLevel(logging.INFO)

    @app.teardown_request
    def _forget(_exc):  # requests in tests share one app context, hence one ``g``
        vars(g).clear()

    yield stream
    handler.setStream(old_stream)
    handler.setFormatter(old_formatter)
    root.setLevel(old_level)


def json_lines(stream: io.StringIO) -> list[dict]:
    text = stream.getvalue()
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def access_lines(stream: io.StringIO) -> list[dict]:
    return [line for line in json_lines(stream) if line["logger"] == "presslog.access"]


def test_json_formatter_writes_one_object_per_line_with_request_id(app):
    record = logging.LogRecord(
        "presslog.test",
        logging.WARNING,
        __file__,
        1,
        "order %s saved\nby %s",
        ("10234", "ann"),
        None,
    )
    record.order_log = "10234"
    with app.test_request_context("/orders/10234", headers={"X-Request-ID": "rid-123"}):
        app.preprocess_request()
        assert RequestContextFilter().filter(record)
        line = JsonFormatter().format(record)
    assert "\n" not in line
    data = json.loads(line)
    assert data["request_id"] == "rid-123"
    assert data["user_id"] == "-"
    assert data["level"] == "WARNING"
    assert data["logger"] == "presslog.test"
    assert data["message"] == "order 10234 saved\nby ann"
    assert data["order_log"] == "10234"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4}", data["ts"])


def test_json_formatter_keeps_a_traceback_on_the_same_line(app):
    try:
        raise ValueError("bad value")
    except ValueError:
        record = logging.LogRecord(
            "presslog.test", logging.ERROR, __file__, 1, "failed", (), sys.exc_info()
        )
    RequestContextFilter().filter(record)
    line = JsonFormatter().format(record)
    assert "\n" not in line
    data = json.loads(line)
    assert data["request_id"] == "-"
    assert "ValueError: bad value" in data["exc"]


def test_each_request_logs_one_access_line(log_output, client):
    response = client.get("/orders", headers={"X-Request-ID": "rid-access-1"})
    assert response.status_code == 302
    (line,) = access_lines(log_output)
    assert line["request_id"] == "rid-access-1"
    assert line["method"] == "GET"
    assert line["path"] == "/orders"
    assert line["status"] == 302
    assert isinstance(line["duration_ms"], float)
    assert line["duration_ms"] >= 0
    assert line["user_id"] == "-"
    assert re.fullmatch(r"GET /orders 302 \d+\.\dms", line["message"])

    client.get("/healthz")
    client.post("/healthz")
    assert [(a["method"], a["path"], a["status"]) for a in access_lines(log_output)] == [
        ("GET", "/orders", 302),
        ("GET", "/healthz", 200),
        ("POST", "/healthz", 405),
    ]


def test_access_log_never_contains_the_query_string(log_output, client):
    response = client.get("/orders?token=secret&q=secret", headers={"X-Request-ID": "rid-q"})
    assert response.status_code == 302
    (line,) = access_lines(log_output)
    assert line["path"] == "/orders"
    assert "secret" not in log_output.getvalue()


def test_no_password_token_or_session_in_any_log_line(app, log_output, make_user):
    user = make_user("staff")
    _token, plain = service.create_token(username=user.username, name="logs")
    db.session.commit()

    browser = app.test_client()
    assert login(browser, user.username).status_code == 302
    session_cookie = browser.get_cookie("session").value
    assert browser.get("/orders").status_code == 200
    api = app.test_client()
    me = api.get("/api/v1/me", headers={"Authorization": f"Bearer {plain}"})
    assert me.status_code == 200

    text = log_output.getvalue()
    for secret in (PASSWORD, plain, plain[12:], session_cookie):
        assert secret not in text
    lines = access_lines(log_output)
    assert [(a["method"], a["path"], a["status"]) for a in lines] == [
        ("GET", "/login", 200),
        ("POST", "/login", 302),
        ("GET", "/orders", 200),
        ("GET", "/api/v1/me", 200),
    ]
    assert [a["user_id"] for a in lines[2:]] == [str(user.id), str(user.id)]


def test_request_id_is_echoed_or_made_fresh(client):
    given = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert given.headers["X-Request-ID"] == "abc-123"
    made = client.get("/healthz")
    assert re.fullmatch(r"[0-9a-f]{32}", made.headers["X-Request-ID"])
    too_long = client.get("/healthz", headers={"X-Request-ID": "x" * 65})
    assert re.fullmatch(r"[0-9a-f]{32}", too_long.headers["X-Request-ID"])
    other = client.get("/healthz")
    assert other.headers["X-Request-ID"] != made.headers["X-Request-ID"]


def test_text_format_line_has_request_id_and_request_facts(app, client):
    handler = _presslog_handler()
    stream = io.StringIO()
    old_stream, old_formatter = handler.stream, handler.formatter
    root = logging.getLogger()
    old_level = root.level
    handler.setStream(stream)
    handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    root.setLevel(logging.INFO)
    try:
        client.get("/healthz?key=hidden", headers={"X-Request-ID": "rid-text"})
    finally:
        handler.setStream(old_stream)
        handler.setFormatter(old_formatter)
        root.setLevel(old_level)
    (line,) = [ln for ln in stream.getvalue().splitlines() if "presslog.access" in ln]
    assert re.search(r"INFO +\[rid-text\] presslog\.access: GET /healthz 200 \d+\.\dms$", line)
    assert "hidden" not in stream.getvalue()


def test_production_logs_json_by_default(monkeypatch, tmp_path):
    from presslog import create_app

    monkeypatch.setenv("PRESSLOG_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("PRESSLOG_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "q7Xv2LpN9wRt4YkZ8mBc3HsJ6dFg1QaE5uVx0TyWnKe")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'p.sqlite3'}")
    monkeypatch.delenv("LOG_FORMAT", raising=False)
    monkeypatch.delenv("LOG_LEVEL", raising=False)
    create_app()
    handler = _presslog_handler()
    assert isinstance(handler.formatter, JsonFormatter)
    assert logging.getLogger().level == logging.INFO

"""Mail settings: MAIL_URL or MAIL_SERVER & co. are read once, and refused at start
with a one-line reason naming the setting when they cannot work."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from presslog.app import create_app
from presslog.config import ConfigError, load_config
from presslog.mail.settings import DEFAULT_FROM, mailman_config, parse_mail_url
from tests.conftest import app_config


@pytest.mark.parametrize(
    ("url", "host", "port", "starttls", "implicit_tls"),
    [
        ("smtp://mail.example.com", "mail.example.com", 25, False, False),
        ("smtp://127.0.0.1:1025", "127.0.0.1", 1025, False, False),
        ("smtp+starttls://mail.example.com", "mail.example.com", 587, True, False),
        ("SMTPS://mail.example.com", "mail.example.com", 465, False, True),
        ("smtps://mail.example.com:2465/", "mail.example.com", 2465, False, True),
    ],
)
def test_the_scheme_says_how_the_connection_is_protected(url, host, port, starttls, implicit_tls):
    server = parse_mail_url(url)
    assert (server.host, server.port) == (host, port)
    assert (server.use_tls, server.use_ssl) == (starttls, implicit_tls)
    assert server.username is None
    assert server.password is None


def test_user_and_password_are_percent_decoded():
    server = parse_mail_url("smtp+starttls://shop%40example.com:p%40ss%2Fw0rd@mail.example.com:587")
    assert server.username == "shop@example.com"
    assert server.password == "p@ss/w0rd"


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://mail.example.com", "must start with smtp://"),
        ("mail.example.com:25", "must start with smtp://"),
        ("smtp://mail.example.com:99999", "port"),
        ("smtp://mail.example.com:port", "port"),
        ("smtp://:25", "host"),
        ("smtp://mail.example.com?starttls=1", "no path or options"),
        ("smtp://mail.example.com/inbox", "no path or options"),
    ],
)
def test_a_bad_mail_url_is_refused_naming_the_setting(url, reason):
    with pytest.raises(ConfigError) as refused:
        parse_mail_url(url)
    message = str(refused.value)
    assert message.startswith("MAIL_URL")
    assert reason in message
    assert "\n" not in message


def test_the_separate_settings_work_like_the_url(tmp_path):
    settings = mailman_config(
        {
            "MAIL_SERVER": "mail.example.com",
            "MAIL_USERNAME": "shop",
            "MAIL_PASSWORD": "secret",
            "MAIL_USE_TLS": "true",
            "MAIL_FROM": "Shop <shop@example.com>",
            "MAIL_TIMEOUT": "20",
        },
        str(tmp_path),
    )
    assert settings["MAIL_BACKEND"] == "smtp"
    assert settings["MAIL_TRANSPORT"] == "starttls"
    assert (settings["MAIL_SERVER"], settings["MAIL_PORT"]) == ("mail.example.com", 587)
    assert (settings["MAIL_USERNAME"], settings["MAIL_PASSWORD"]) == ("shop", "secret")
    assert settings["MAIL_DEFAULT_SENDER"] == "Shop <shop@example.com>"
    assert settings["MAIL_TIMEOUT"] == 20


@pytest.mark.parametrize(
    ("config", "named"),
    [
        ({"MAIL_URL": "smtp://a.example", "MAIL_SERVER": "b.example"}, "MAIL_URL or MAIL_SERVER"),
        ({"MAIL_SERVER": "m.example", "MAIL_USE_TLS": "1", "MAIL_USE_SSL": "1"}, "MAIL_USE_TLS"),
        ({"MAIL_SERVER": "m.example", "MAIL_USE_TLS": "maybe"}, "MAIL_USE_TLS"),
        ({"MAIL_SERVER": "m.example", "MAIL_PORT": "smtp"}, "MAIL_PORT"),
        ({"MAIL_FROM": "PressLog"}, "MAIL_FROM"),
        ({"MAIL_TIMEOUT": "0"}, "MAIL_TIMEOUT"),
    ],
)
def test_settings_that_cannot_work_are_refused(tmp_path, config, named):
    with pytest.raises(ConfigError, match=named):
        mailman_config(config, str(tmp_path))


def test_with_no_server_mail_goes_to_the_outbox_in_the_instance_folder(tmp_path):
    settings = mailman_config({}, str(tmp_path))
    assert settings["MAIL_TRANSPORT"] == "outbox"
    assert settings["MAIL_FILE_PATH"] == str(tmp_path / "outbox")
    assert settings["MAIL_DEFAULT_SENDER"] == DEFAULT_FROM
    elsewhere = mailman_config({"MAIL_OUTBOX": str(tmp_path / "mail")}, str(tmp_path))
    assert elsewhere["MAIL_FILE_PATH"] == str(tmp_path / "mail")


def test_tests_never_take_a_mail_server_from_the_environment(tmp_path):
    environ = {"PRESSLOG_ENV": "testing", "MAIL_URL": "smtp://real.example.com"}
    assert load_config(tmp_path, environ)["MAIL_URL"] == ""
    environ["PRESSLOG_ENV"] = "development"
    assert load_config(tmp_path, environ)["MAIL_URL"] == "smtp://real.example.com"


def test_the_app_refuses_to_start_with_a_bad_mail_url(database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("PRESSLOG_INSTANCE_PATH", str(tmp_path / "instance"))
    with pytest.raises(ConfigError, match="MAIL_URL"):
        create_app(app_config(database_url, MAIL_URL="smtp://mail.example.com:70000"))


def test_the_command_line_says_why_in_one_line(tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "PRESSLOG_ENV": "development",
        "PRESSLOG_INSTANCE_PATH": str(tmp_path / "instance"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}",
        "MAIL_URL": "imap://mail.example.com",
    }
    result = subprocess.run(  # noqa: S603 - our own command, fixed arguments
        [str(Path(sys.executable).parent / "presslog"), "demo-login"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    last_lines = result.stderr.strip().splitlines()
    assert len(last_lines) == 1, result.stderr
    assert "MAIL_URL must start with smtp://" in last_lines[0]

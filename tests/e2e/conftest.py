"""Browser tests: PressLog served by gunicorn (`presslog serve`), driven in Debian's Chromium."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.helpers import wait_until_healthy
from tests.mail_helpers import LoopbackSmtpServer

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PRESSLOG = str(Path(sys.executable).with_name("presslog"))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Without a browser, skip these tests locally; in CI a missing browser is a failure."""
    if Path(CHROMIUM).exists():
        return
    if os.environ.get("CI") == "true":
        raise pytest.UsageError(
            "CI needs Chromium for the browser tests (apt-get install chromium)"
        )
    skip = pytest.mark.skip(reason="Chromium is not installed (apt-get install chromium)")
    for item in items:
        if "e2e" in item.nodeid:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Debian's Chromium, without the network chatter this machine refuses."""
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run(args: list[str], env: dict[str, str], stdin: str = "") -> str:
    result = subprocess.run(  # noqa: S603 - our own console script
        [PRESSLOG, *args], input=stdin, capture_output=True, text=True, env=env, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def site_env(folder: Path, **extra: str) -> dict[str, str]:
    """Settings for a PressLog of its own in ``folder``: SQLite, quick password hashing."""
    return {
        **os.environ,
        "PRESSLOG_ENV": "development",
        "SECRET_KEY": "browser-tests-secret-key-0123456789-abcdefghij",
        "PRESSLOG_INSTANCE_PATH": str(folder),
        "DATABASE_URL": f"sqlite:///{folder / 'site.sqlite3'}",
        "LOG_LEVEL": "WARNING",
        "PASSWORD_HASH_TIME_COST": "1",
        "PASSWORD_HASH_MEMORY_COST": "8192",
        "PASSWORD_HASH_PARALLELISM": "1",
        **extra,
    }


@contextmanager
def serving(env: dict[str, str], *, worker: bool = False) -> Iterator[str]:
    """``presslog serve`` (and ``presslog worker``) on a free port while the block runs;
    yields the site's URL once it answers /healthz."""
    port = _free_port()
    processes = [
        subprocess.Popen(  # noqa: S603 - our own console script
            [PRESSLOG, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
    ]
    if worker:
        processes.append(
            subprocess.Popen(  # noqa: S603 - our own console script
                [PRESSLOG, "worker", "--workers", "1"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(url, processes[0], seconds=30)
        yield url
    finally:
        for process in reversed(processes):
            process.terminate()
            process.wait(timeout=30)


def sign_in(page: Page, site: dict[str, str], username: str = "frontdesk") -> None:
    """Sign in from the sign-in page with the site's password; the orders list opens."""
    page.goto(f"{site['url']}/login")
    page.get_by_label("Username or e-mail").fill(username)
    page.get_by_label("Password").fill(site["password"])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Orders", level=1)).to_be_visible()


@contextmanager
def demo_site(
    folder: Path, *, orders: int, customers: int, **extra: str
) -> Iterator[dict[str, str]]:
    """A migrated PressLog with ``seed-demo`` data, served; its URL and demo password.

    ``extra`` are more settings for the site (e.g. ``REGISTRATION="open"``).
    """
    env = site_env(folder, **extra)
    _run(["db", "upgrade"], env)
    _run(["seed-demo", "--orders", str(orders), "--customers", str(customers)], env)
    password = re.search(r"password (\S+)", (folder / "demo-credentials.txt").read_text())
    assert password
    with serving(env) as url:
        yield {"url": url, "password": password.group(1)}


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A migrated, seeded PressLog under gunicorn; yields its URL and the demo password."""
    with demo_site(tmp_path_factory.mktemp("live"), orders=30, customers=8) as site:
        yield site


SITE_PASSWORD = "first passphrase for the shop"


@pytest.fixture(scope="module")
def mail_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """PressLog under gunicorn plus its worker, mailing through a loopback SMTP server.

    People: ``pat`` (staff) and ``robin`` (viewer) with :data:`SITE_PASSWORD`, and
    ``lee`` (staff) whose API token is ``token``. One fresh site per test module.
    """
    smtp = LoopbackSmtpServer()
    smtp.start()
    folder = tmp_path_factory.mktemp("reset")
    env = site_env(folder, MAIL_URL=smtp.url)
    _run(["db", "upgrade"], env)
    _run(
        [
            "create-user",
            "--username",
            "pat",
            "--email",
            "pat@example.com",
            "--role",
            "staff",
            "--password-stdin",
        ],
        env,
        stdin=SITE_PASSWORD + "\n",
    )
    _run(
        [
            "create-user",
            "--username",
            "robin",
            "--email",
            "robin@example.com",
            "--role",
            "viewer",
            "--password-stdin",
        ],
        env,
        stdin=SITE_PASSWORD + "\n",
    )
    _run(
        [
            "create-user",
            "--username",
            "lee",
            "--email",
            "lee@example.com",
            "--role",
            "staff",
            "--password-stdin",
        ],
        env,
        stdin=SITE_PASSWORD + "\n",
    )
    token = _run(["create-token", "--username", "lee", "--name", "browser tests"], env)
    try:
        with serving(env, worker=True) as url:
            yield {
                "url": url,
                "smtp": smtp,
                "folder": Path(folder),
                "token": token.strip().splitlines()[-1],
            }
    finally:
        smtp.stop()


def wait_for_mail(smtp: LoopbackSmtpServer, subject: str, seconds: float = 40) -> Any:
    """The first message with ``subject`` the worker delivered (polled, never a long sleep)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for message in smtp.messages:
            if message["Subject"] == subject:
                return message
        time.sleep(0.25)
    raise AssertionError(f"no mail {subject!r}; got {[m['Subject'] for m in smtp.messages]}")

"""Browser tests: PressLog served by gunicorn (`presslog serve`), driven in Debian's Chromium."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import wait_until_healthy

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


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A migrated, seeded PressLog under gunicorn; yields its URL and the demo password."""
    folder = tmp_path_factory.mktemp("live")
    env = {
        **os.environ,
        "PRESSLOG_ENV": "development",
        "SECRET_KEY": "browser-tests-secret-key-0123456789-abcdefghij",
        "PRESSLOG_INSTANCE_PATH": str(folder),
        "DATABASE_URL": f"sqlite:///{folder / 'e2e.sqlite3'}",
        "LOG_LEVEL": "WARNING",
        "PASSWORD_HASH_TIME_COST": "1",
        "PASSWORD_HASH_MEMORY_COST": "8192",
        "PASSWORD_HASH_PARALLELISM": "1",
    }
    _run(["db", "upgrade"], env)
    _run(["seed-demo", "--orders", "30", "--customers", "8"], env)
    password = re.search(r"password (\S+)", (folder / "demo-credentials.txt").read_text())
    assert password
    port = _free_port()
    server = subprocess.Popen(  # noqa: S603 - our own console script
        [PRESSLOG, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(url, server, seconds=30)
        yield {"url": url, "password": password.group(1)}
    finally:
        server.terminate()
        server.wait(timeout=30)

"""Mail in tests: read the outbox, or receive mail on a real SMTP server on loopback.

``outbox(app)`` lists the messages written to the app's outbox folder (no mail server
configured). The ``smtp_server`` fixture (registered for every test in
tests/conftest.py) starts aiosmtpd on 127.0.0.1 on a free port and points the app's
``MAIL_URL`` at it; ``smtp_server.messages`` lists what it received.
"""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask

from presslog.mail import init_mail


def outbox(app: Flask) -> list[EmailMessage]:
    """The messages in ``app``'s outbox folder, oldest first."""
    folder = Path(app.extensions["presslog.mail"]["MAIL_FILE_PATH"])
    return [_parse(path.read_bytes()) for path in sorted(folder.glob("*.eml"))]


def _parse(data: bytes) -> EmailMessage:
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class LoopbackSmtpServer:
    """An SMTP server on 127.0.0.1 that keeps every message it accepts.

    ``refuse`` holds replies to give instead of accepting the next messages (for
    example ``"451 4.3.0 Try again later"``); ``stop()`` and ``start()`` take it down
    and bring it back on the same port.
    """

    def __init__(self) -> None:
        self.host = "127.0.0.1"
        self.port = _free_port()
        self.messages: list[EmailMessage] = []
        self.envelope_recipients: list[list[str]] = []
        self.refuse: list[str] = []
        self._controller: Controller | None = None

    @property
    def url(self) -> str:
        """The ``MAIL_URL`` that reaches this server."""
        return f"smtp://{self.host}:{self.port}"

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        """Keep the message (aiosmtpd calls this for each one), or refuse it."""
        if self.refuse:
            return self.refuse.pop(0)
        self.envelope_recipients.append(list(envelope.rcpt_tos))
        self.messages.append(_parse(envelope.original_content or envelope.content))
        return "250 Message accepted"

    def start(self) -> None:
        """Listen (again) on the server's port."""
        self._controller = Controller(self, hostname=self.host, port=self.port)
        self._controller.start()

    def stop(self) -> None:
        """Stop listening: connections are refused until ``start()``."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@pytest.fixture
def smtp_server(app: Flask) -> Iterator[LoopbackSmtpServer]:
    """A real SMTP server on loopback, and the app sending its mail there."""
    server = LoopbackSmtpServer()
    server.start()
    app.config["MAIL_URL"] = server.url
    init_mail(app)
    try:
        yield server
    finally:
        server.stop()

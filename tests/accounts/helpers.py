"""Reading links out of the mails PressLog sent, for the account tests."""

from __future__ import annotations

import re
from email.message import EmailMessage
from urllib.parse import urlsplit

from flask import Flask

from tests.mail_helpers import outbox


def text_of(message: EmailMessage) -> str:
    """The plain-text part of a message."""
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]


def link_in(message: EmailMessage, path: str) -> str:
    """The local path of the first link to ``path…`` in ``message``'s text."""
    match = re.search(r"https?://\S+" + re.escape(path) + r"\S*", text_of(message))
    assert match, f"no {path} link in:\n{text_of(message)}"
    url = urlsplit(match.group(0))
    return url.path


def mails_to(app: Flask, address: str) -> list[EmailMessage]:
    """The outbox messages sent to ``address``."""
    return [m for m in outbox(app) if address in str(m["To"])]

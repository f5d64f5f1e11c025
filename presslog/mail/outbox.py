"""The outbox: with no mail server configured, messages become ``.eml`` files.

Each message is one file in the outbox folder, named so that they sort in the order
they were written, and one log line says who it was for, its subject and the file.
Any mail program opens an ``.eml`` file, so a developer can read what would have gone.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask_mailman.backends.base import BaseEmailBackend

log = logging.getLogger("presslog.mail")


class OutboxEmailBackend(BaseEmailBackend):
    """A Flask-Mailman backend writing each message to a file in the outbox folder."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.folder = Path(self.mailman.file_path)

    def send_messages(self, email_messages: Sequence[Any]) -> int:
        """Write each message to its own file; return how many were written."""
        if not email_messages:
            return 0
        self.folder.mkdir(parents=True, exist_ok=True)
        for message in email_messages:
            path = write_eml(self.folder, message.message().as_bytes())
            log.info(
                "mail to %s, subject %r, written to %s (no mail server is configured)",
                ", ".join(message.recipients()),
                message.subject,
                path,
            )
        return len(email_messages)


def write_eml(folder: Path, data: bytes) -> Path:
    """Write one message to a new file in ``folder``, whole or not at all."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    path = folder / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
    partial = path.with_suffix(".part")
    partial.write_bytes(data)
    os.replace(partial, path)
    return path

"""Mail settings: where messages go, read once at start and refused when they cannot work.

Two ways to name the mail server (docs/mail.md):

* ``MAIL_URL``: ``smtp://user:password@host:port``. The scheme says how the connection
  is protected: ``smtp`` none (port 25 by default), ``smtp+starttls`` STARTTLS after
  connecting (port 587), ``smtps`` TLS from the first byte (port 465). The user name and
  password are percent-decoded, so a password may hold ``@`` or ``/`` written ``%40``, ``%2F``.
* ``MAIL_SERVER`` with ``MAIL_PORT``, ``MAIL_USERNAME``, ``MAIL_PASSWORD``,
  ``MAIL_USE_TLS`` (STARTTLS) or ``MAIL_USE_SSL`` (implicit TLS).

With neither, every message is written to the outbox folder (``MAIL_OUTBOX``, by
default ``<instance>/outbox``) as an ``.eml`` file, and logged, so development works
with no mail server. The result is the configuration Flask-Mailman reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from presslog.config import ConfigError

DEFAULT_FROM = "PressLog <presslog@localhost>"
DEFAULT_TIMEOUT = 10
OUTBOX_BACKEND = "presslog.mail.outbox.OutboxEmailBackend"

# scheme → (STARTTLS, implicit TLS, default port)
SCHEMES: dict[str, tuple[bool, bool, int]] = {
    "smtp": (False, False, 25),
    "smtp+starttls": (True, False, 587),
    "smtps": (False, True, 465),
}

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"", "0", "false", "no", "off"}


@dataclass(frozen=True)
class SmtpServer:
    """An SMTP server to hand messages to."""

    host: str
    port: int
    username: str | None = None
    password: str | None = None
    use_tls: bool = False
    use_ssl: bool = False


def parse_mail_url(url: str) -> SmtpServer:
    """Read ``MAIL_URL``; :raises ConfigError: naming the setting and what is wrong."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise ConfigError(
            f"MAIL_URL must start with smtp://, smtp+starttls:// or smtps://, not {scheme or url!r}"
        )
    if parts.query or parts.fragment or parts.path not in ("", "/"):
        raise ConfigError(
            "MAIL_URL takes no path or options: "
            "write smtp+starttls:// for STARTTLS, smtps:// for TLS"
        )
    try:
        port = parts.port
    except ValueError:
        raise ConfigError("MAIL_URL has a port that is not a number from 1 to 65535") from None
    if not parts.hostname:
        raise ConfigError("MAIL_URL names no mail server host (smtp://host:port)")
    starttls, implicit_tls, default_port = SCHEMES[scheme]
    return SmtpServer(
        host=parts.hostname,
        port=port or default_port,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
        use_tls=starttls,
        use_ssl=implicit_tls,
    )


def flag(value: Any, name: str) -> bool:
    """A true/false setting; :raises ConfigError: naming it for anything else."""
    if isinstance(value, bool) or value is None:
        return bool(value)
    word = str(value).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ConfigError(f"{name} must be true or false, not {value!r}")


def number(value: Any, name: str, default: int | None, low: int, high: int) -> int | None:
    """A whole-number setting (empty: ``default``); :raises ConfigError: naming it."""
    if value is None or value == "":
        return default
    try:
        result = int(value)
    except (TypeError, ValueError):
        result = low - 1
    if not low <= result <= high:
        raise ConfigError(f"{name} must be a whole number from {low} to {high}, not {value!r}")
    return result


def _server_from_parts(config: dict[str, Any]) -> SmtpServer:
    use_tls = flag(config.get("MAIL_USE_TLS"), "MAIL_USE_TLS")
    use_ssl = flag(config.get("MAIL_USE_SSL"), "MAIL_USE_SSL")
    if use_tls and use_ssl:
        raise ConfigError(
            "MAIL_USE_TLS (STARTTLS) and MAIL_USE_SSL (implicit TLS) cannot both be on"
        )
    default_port = 465 if use_ssl else 587 if use_tls else 25
    return SmtpServer(
        host=str(config["MAIL_SERVER"]).strip(),
        port=number(config.get("MAIL_PORT"), "MAIL_PORT", default_port, 1, 65535) or default_port,
        username=config.get("MAIL_USERNAME") or None,
        password=config.get("MAIL_PASSWORD") or None,
        use_tls=use_tls,
        use_ssl=use_ssl,
    )


def smtp_server(config: dict[str, Any]) -> SmtpServer | None:
    """The SMTP server the settings name, or None: messages then go to the outbox."""
    url = (config.get("MAIL_URL") or "").strip()
    server = (config.get("MAIL_SERVER") or "").strip()
    if url and server:
        raise ConfigError("set MAIL_URL or MAIL_SERVER (with MAIL_PORT, ...), not both")
    if url:
        return parse_mail_url(url)
    if server:
        return _server_from_parts(config)
    return None


def sender(config: dict[str, Any]) -> str:
    """The From address, ``MAIL_FROM``; :raises ConfigError: if it is not an address."""
    value = (config.get("MAIL_FROM") or DEFAULT_FROM).strip()
    _name, address = parseaddr(value)
    if "\n" in value or "\r" in value or "@" not in address:
        raise ConfigError(f'MAIL_FROM must be an address such as "PressLog <{address or "x@y"}>"')
    return value


def mailman_config(config: dict[str, Any], instance_path: str) -> dict[str, Any]:
    """Flask-Mailman's settings for PressLog's mail settings in ``config``.

    They are kept apart from the app's configuration (which holds what the operator
    wrote), so reading them again after a setting changes gives the same answer.
    """
    server = smtp_server(config)
    outbox = Path(config.get("MAIL_OUTBOX") or Path(instance_path) / "outbox")
    common = {
        "MAIL_DEFAULT_SENDER": sender(config),
        "MAIL_TIMEOUT": number(config.get("MAIL_TIMEOUT"), "MAIL_TIMEOUT", DEFAULT_TIMEOUT, 1, 600),
        "MAIL_FILE_PATH": str(outbox),
    }
    if server is None:
        return {**common, "MAIL_BACKEND": OUTBOX_BACKEND, "MAIL_TRANSPORT": "outbox"}
    return {
        **common,
        "MAIL_BACKEND": "smtp",
        "MAIL_TRANSPORT": "smtps" if server.use_ssl else "starttls" if server.use_tls else "smtp",
        "MAIL_SERVER": server.host,
        "MAIL_PORT": server.port,
        "MAIL_USERNAME": server.username,
        "MAIL_PASSWORD": server.password,
        "MAIL_USE_TLS": server.use_tls,
        "MAIL_USE_SSL": server.use_ssl,
    }

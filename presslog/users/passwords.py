"""The password policy: long enough, not a common password, not the person's own name."""

from __future__ import annotations

import gzip
from functools import cache
from pathlib import Path

from presslog.users import rules

COMMON_PASSWORDS_FILE = Path(__file__).with_name("common-passwords.txt.gz")

TOO_SHORT = f"Password must be at least {rules.PASSWORD.min_length} characters."
TOO_COMMON = "This password is too common and easy to guess; choose a less predictable one."
PERSONAL = "Password must not contain your username or e-mail."


@cache
def common_passwords() -> frozenset[str]:
    """The bundled list of commonly chosen long passwords (lower case)."""
    with gzip.open(COMMON_PASSWORDS_FILE, "rt", encoding="utf-8") as handle:
        return frozenset(line.strip() for line in handle if line.strip())


def password_errors(password: str | None, *, username: str = "", email: str = "") -> list[str]:
    """Why ``password`` is not acceptable (empty when it is)."""
    problems = rules.PASSWORD.errors(password)
    if problems:
        return [TOO_SHORT] if password else problems
    assert password is not None
    lowered = password.lower()
    if lowered in common_passwords() or len(set(lowered)) < 4:
        return [TOO_COMMON]
    for part in (username.strip().lower(), email.strip().lower().split("@")[0]):
        if len(part) >= 3 and part in lowered:
            return [PERSONAL]
    return []

"""Validation rules for user fields."""

from __future__ import annotations

from presslog.core.rules import Rule
from presslog.core.security import ROLES

USERNAME = Rule(
    label="Username",
    required=True,
    pattern=r"[a-z0-9][a-z0-9._-]{2,39}",
    pattern_message=(
        "Username must be 3–40 lower-case letters, digits, dots, dashes or underscores."
    ),
    max_length=40,
)
EMAIL = Rule(
    label="E-mail",
    required=True,
    max_length=255,
    pattern=r"[^@\s]+@[^@\s]+\.[^@\s]+",
    pattern_message="E-mail must look like name@example.com.",
)
ROLE = Rule(label="Role", required=True, choices=tuple(ROLES))
PASSWORD = Rule(label="Password", required=True, min_length=12, max_length=200)
TOKEN_NAME = Rule(label="Token name", required=True, max_length=80)


FULL_NAME = Rule(label="Full name", max_length=120)

# Words a username may not take because a page address uses them (``/admin/users/new``).
RESERVED_USERNAMES = frozenset({"new", "invite"})

FIELD_RULES = {"username": USERNAME, "email": EMAIL, "role": ROLE, "full_name": FULL_NAME}

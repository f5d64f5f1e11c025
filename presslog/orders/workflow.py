"""The status workflow: the one table of allowed transitions."""

from __future__ import annotations

TRANSITIONS: dict[str, tuple[str, ...]] = {
    "received": ("art", "approved", "production", "cancelled"),
    "art": ("approved", "received", "cancelled"),
    "approved": ("production", "art", "cancelled"),
    "production": ("ready", "approved", "cancelled"),
    "ready": ("shipped", "production", "cancelled"),
    "shipped": ("ready",),
    "cancelled": ("received",),
}


def allowed_next(status: str) -> tuple[str, ...]:
    """Statuses an order in ``status`` may move to."""
    return TRANSITIONS.get(status, ())


def can_move(current: str, target: str) -> bool:
    """Whether the workflow allows ``current`` → ``target``."""
    return target in allowed_next(current)

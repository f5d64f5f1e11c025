"""The events PressLog notifies people about: the one list every layer reads.

Each event has a key (stored on notifications and preferences), a label for the
preferences form and a description of who receives it. ``EMAIL_MODES`` are the
choices of how a person gets an event by e-mail; the in-app centre always shows it
unless the person turned the event off there.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Event:
    """One kind of notification."""

    key: str
    label: str
    audience: str
    # Default e-mail mode for a new user: "immediate", "digest" or "off".
    default_email: str = "off"


EVENTS: dict[str, Event] = {
    e.key: e
    for e in (
        Event(
            "rush_created",
            "Rush order created",
            "Everyone who can see orders, and the order's followers",
            "immediate",
        ),
        Event("due_tomorrow", "Order due tomorrow", "Followers of the order", "digest"),
        Event("overdue", "Order overdue", "Followers of the order", "digest"),
        Event("shipped", "Order shipped", "Followers of the order", "off"),
        Event(
            "status_changed",
            "Status changed on an order you follow",
            "Followers of the order (not the person who changed it)",
            "off",
        ),
        Event("account_changed", "Your account changed", "You", "immediate"),
    )
}

EMAIL_MODES: dict[str, str] = {
    "off": "No e-mail",
    "immediate": "E-mail at once",
    "digest": "In the daily digest",
}

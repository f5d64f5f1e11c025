"""The daily schedule: due-tomorrow and overdue notifications, then the morning digest.

One run (:func:`run_schedule`, called every few minutes by the worker) does nothing
before :data:`DIGEST_HOUR` in the shop's time zone (``SHOP_TIMEZONE``). From then on it:

1. notifies the followers of every due out due tomorrow and every overdue one (the
   due-outs report's own rule, ``presslog.reports.repository``), once per order and
   shop date — the notification key holds the date;
2. sends each person who takes a list event (due tomorrow, overdue) or any other event
   "in the daily digest" one e-mail for the shop date, keyed ``digest:<user>:<date>``:
   the jobs due tomorrow, the overdue ones, and their digest notifications not e-mailed
   yet (which are then marked e-mailed). A person with nothing to read gets no mail.

Running it again the same day creates and sends nothing new, so the job is idempotent.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

from presslog.core.clock import shop_now
from presslog.core.db import utcnow
from presslog.notifications import repository
from presslog.notifications.events import EVENTS
from presslog.notifications.models import Notification
from presslog.notifications.service import (
    absolute_url,
    after_commit,
    default_preference,
    notify,
    order_path,
)
from presslog.users.models import User

# Local hour (shop time) from which the day's date notifications and digest go out.
DIGEST_HOUR = 7
# Events the digest shows as lists of jobs rather than one line per notification.
LIST_EVENTS = ("due_tomorrow", "overdue")


@dataclass(frozen=True)
class ScheduleRun:
    """What one run of the schedule did."""

    shop_date: date
    due: bool
    notifications: int = 0
    digests: int = 0


def run_schedule(now: datetime | None = None) -> ScheduleRun:
    """Send what the shop date calls for, once it is :data:`DIGEST_HOUR` or later.

    Adds to the caller's unit of work; the mails go to the queue once it commits.
    """
    local = shop_now(now)
    today = local.date()
    if local.hour < DIGEST_HOUR:
        return ScheduleRun(today, due=False)
    due_tomorrow = repository.due_out_rows(today + timedelta(days=1), today + timedelta(days=1))
    overdue = repository.due_out_rows(None, today - timedelta(days=1))
    created = _date_notifications(today, due_tomorrow, overdue)
    sent = _send_digests(today, due_tomorrow, overdue)
    return ScheduleRun(today, due=True, notifications=created, digests=sent)


def _date_notifications(
    today: date, due_tomorrow: list[dict[str, Any]], overdue: list[dict[str, Any]]
) -> int:
    """Notify the followers of each order due tomorrow or overdue (once per shop date)."""
    follows = repository.followers(row["id"] for row in [*due_tomorrow, *overdue])
    created = 0
    for event, rows in (("due_tomorrow", due_tomorrow), ("overdue", overdue)):
        for row in rows:
            users = follows.get(row["id"])
            if not users:
                continue
            what = "is due tomorrow" if event == "due_tomorrow" else "is overdue"
            created += notify(
                event,
                users=users,
                key=f"{event}:{row['log']}:{today.isoformat()}",
                title=f"Order {row['log']} {what}: {row['title'] or 'untitled'}",
                body=f"{row['customer']} · {row['customer_name']}; due {row['due_on']:%Y-%m-%d}.",
                url=order_path(row["log"]),
                order_id=row["id"],
            )
    return created


def _job_lines(rows: list[dict[str, Any]]) -> list[dict[str, str]]:
    return [
        {
            "log": row["log"],
            "title": row["title"] or "",
            "customer": row["customer"],
            "customer_name": row["customer_name"] or "",
            "due_on": row["due_on"].isoformat(),
            "url": absolute_url(order_path(row["log"])) or "",
        }
        for row in rows
    ]


def _digest_modes(users: list[User]) -> dict[int, set[str]]:
    """For each user, the events they take by digest (stored choice or default)."""
    stored = {(p.user_id, p.event): p for p in repository.digest_preference_rows(EVENTS)}
    modes: dict[int, set[str]] = {}
    for user in users:
        events = set()
        for event in EVENTS:
            pref = stored.get((user.id, event))
            in_app, email = (
                (pref.in_app, pref.email)
                if pref is not None
                else (default_preference(event).in_app, default_preference(event).email)
            )
            if email == "digest" and in_app:
                events.add(event)
        modes[user.id] = events
    return modes


def _send_digests(
    today: date, due_tomorrow: list[dict[str, Any]], overdue: list[dict[str, Any]]
) -> int:
    """Queue today's digest for every person who has one coming and has not had it."""
    from presslog.mail.service import send_mail

    users = repository.active_users()
    modes = _digest_modes(users)
    keys = {user.id: f"digest:{user.id}:{today.isoformat()}" for user in users}
    # Queued, not sent, is what counts: the mail may still be waiting for its server.
    already = repository.digest_users(today)
    waiting = [u for u in users if modes[u.id] and u.id not in already]
    if not waiting:
        return 0
    pending: dict[int, list[Notification]] = defaultdict(list)
    events = set().union(*(modes[u.id] for u in waiting))
    for notification in repository.unemailed((u.id for u in waiting), events):
        if notification.event in modes[notification.user_id]:
            pending[notification.user_id].append(notification)
    due_lines, overdue_lines = _job_lines(due_tomorrow), _job_lines(overdue)
    now = utcnow()
    sent = 0
    for user in waiting:
        reads_orders = user.can("orders.read")
        context: dict[str, Any] = {
            "name": user.full_name or user.username,
            "shop_date": today.isoformat(),
            "tomorrow": (today + timedelta(days=1)).isoformat(),
            "due_tomorrow": due_lines if reads_orders and "due_tomorrow" in modes[user.id] else [],
            "overdue": overdue_lines if reads_orders and "overdue" in modes[user.id] else [],
            "lists_due_tomorrow": reads_orders and "due_tomorrow" in modes[user.id],
            "lists_overdue": reads_orders and "overdue" in modes[user.id],
            "notifications": [
                {
                    "event_label": EVENTS[n.event].label,
                    "title": n.title,
                    "body": n.body or "",
                    "url": absolute_url(n.url) or "",
                }
                for n in pending[user.id]
                if n.event not in LIST_EVENTS
            ],
            "centre_url": absolute_url("/notifications") or "",
            "preferences_url": absolute_url("/account/notifications") or "",
        }
        if not (context["due_tomorrow"] or context["overdue"] or context["notifications"]):
            continue
        repository.mark_emailed([n.id for n in pending[user.id]], now)
        repository.add_digest(user.id, today, now)
        after_commit(
            partial(send_mail, to=user.email, template="digest", context=context, key=keys[user.id])
        )
        sent += 1
    return sent

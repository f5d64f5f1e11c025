"""The schedule under frozen time: date notifications and the 07:00 shop-time digest."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select

from presslog.core.db import utcnow
from presslog.core.transaction import transaction
from presslog.extensions import db
from presslog.jobs import huey
from presslog.mail.models import SentMail
from presslog.notifications import jobs, service
from presslog.notifications.service import Preference
from tests.factories import CustomerFactory, OrderFactory
from tests.notifications.conftest import notifications_of

SHOP = "America/Chicago"  # UTC-6 in November
TODAY = date(2026, 11, 25)
TOMORROW = TODAY + timedelta(days=1)
RECEIVED = date(2026, 11, 1)


def at(hour: int, minute: int = 0, zone: str = SHOP, day: date = TODAY) -> datetime:
    """A moment on the wall clock of ``zone``."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(zone))


def run_at(moment: datetime) -> Any:
    """Run the scheduled job (as the worker would) with the clock at ``moment``."""
    with time_machine.travel(moment, tick=True):
        return jobs.notification_schedule_now()


def sections(message: Any) -> dict[str, list[str]]:
    """LOG numbers under each heading of a digest's plain-text part."""
    text = message.get_body(("plain",)).get_content()
    found: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        heading = re.match(r"(DUE TOMORROW|OVERDUE|ALSO SINCE YOUR LAST DIGEST)", line)
        if heading:
            current = heading.group(1)
            found[current] = []
        elif current and line.startswith("* "):
            found[current].append(line[2:].split(" · ")[0])
    return found


@pytest.fixture
def shop(app: Any) -> Any:
    """The shop's time zone and a set of orders around TODAY, some of them due outs."""
    app.config["SHOP_TIMEZONE"] = SHOP
    app.config["PUBLIC_URL"] = "https://presslog.example.com"
    customer = CustomerFactory(code="CEN15", name="Central High Boosters")

    def order(log: str, due_on: date | None, **values: Any) -> Any:
        return OrderFactory(
            log=log, customer=customer, received_on=RECEIVED, due_on=due_on, **values
        )

    made = {
        "tomorrow": order("30001", TOMORROW, title="Tomorrow tees"),
        "tomorrow_dtf": order("30002", TOMORROW, job_type="DTF", status="production"),
        "overdue": order("30003", TODAY - timedelta(days=3), status="ready"),
        "long_overdue": order("30004", date(2026, 11, 10), status="art"),
        "today": order("30005", TODAY),
        "later": order("30006", TOMORROW + timedelta(days=1)),
        "shipped": order("30007", TODAY - timedelta(days=1), status="shipped", shipped_on=TODAY),
        "cancelled": order("30008", TOMORROW, status="cancelled"),
        "deleted": order("30009", TOMORROW, deleted_at=utcnow()),
        # not a production job: the due-outs report leaves it out, so does the digest
        "not_production": order("30010", TOMORROW, job_type="PP"),
    }
    db.session.commit()
    return made


DUE_TOMORROW = ["30001", "30002"]
OVERDUE = ["30004", "30003"]  # by due date, oldest first (the due-outs report's order)


def test_the_job_is_scheduled_every_five_minutes(app):
    [task] = [t for t in huey._registry._periodic_tasks if t.__name__ == "notification_schedule"]
    assert task().validate_datetime(datetime(2026, 11, 25, 7, 5))
    assert not task().validate_datetime(datetime(2026, 11, 25, 7, 3))


def test_no_digest_before_seven_shop_time(app, shop, make_user, smtp_server):
    make_user("staff")
    run = run_at(at(6, 59))
    assert run.due is False
    assert run.digests == 0
    assert smtp_server.messages == []


def test_at_seven_the_digest_lists_exactly_due_tomorrow_and_overdue(
    app, shop, make_user, smtp_server
):
    reader = make_user("staff")
    run = run_at(at(7, 0))
    assert run.shop_date == TODAY
    assert run.digests == 1
    [message] = smtp_server.messages
    assert message["To"] == reader.email
    assert "2026-11-25" in message["Subject"]
    listed = sections(message)
    assert listed["DUE TOMORROW"] == DUE_TOMORROW
    assert listed["OVERDUE"] == OVERDUE
    text = message.get_body(("plain",)).get_content()
    assert "Tomorrow tees" in text
    assert "CEN15" in text
    assert "2026-11-26" in text
    assert "https://presslog.example.com/orders/30001" in text
    html = message.get_body(("html",)).get_content()
    for log in DUE_TOMORROW + OVERDUE:
        assert f'href="https://presslog.example.com/orders/{log}"' in html
    for log in ("30005", "30006", "30007", "30008", "30009", "30010"):
        assert f"/orders/{log}" not in html
        assert f"/orders/{log}" not in text


def test_a_second_run_the_same_day_sends_nothing(app, shop, make_user, smtp_server):
    make_user("staff")
    run_at(at(7, 0))
    again = run_at(at(7, 5))
    later = run_at(at(18, 30))
    assert (again.digests, later.digests) == (0, 0)
    assert len(smtp_server.messages) == 1
    # the next shop day brings the next digest
    next_day = run_at(at(7, 0, day=TOMORROW))
    assert next_day.digests == 1
    assert len(smtp_server.messages) == 2


def test_a_digest_still_waiting_for_its_mail_server_is_not_built_again(
    app, shop, make_user, smtp_server
):
    reader = make_user("staff")
    with transaction():
        service.set_preferences(reader, {"shipped": Preference(True, "digest")})
    smtp_server.stop()  # the 07:00 digest is queued but cannot go out yet
    assert run_at(at(7, 0)).digests == 1
    with transaction():
        service.notify("shipped", users=[reader], key="shipped:late", title="Order 9 shipped")
    assert run_at(at(7, 5)).digests == 0  # queued already: not built a second time
    [late] = [n for n in notifications_of(reader) if n.event_key == "shipped:late"]
    assert late.emailed_at is None  # it waits for the next digest, not a lost one
    smtp_server.start()
    assert run_at(at(7, 0, day=TOMORROW)).digests == 1
    assert "Order 9 shipped" in smtp_server.messages[-1].get_body(("plain",)).get_content()


def test_the_shop_time_zone_shifts_the_hour(app, shop, make_user, smtp_server):
    make_user("staff")
    # 12:59 UTC is 06:59 in Chicago: too early there, though past seven in UTC
    assert run_at(datetime(2026, 11, 25, 12, 59, tzinfo=UTC)).digests == 0
    app.config["SHOP_TIMEZONE"] = "UTC"
    assert run_at(datetime(2026, 11, 25, 12, 59, tzinfo=UTC)).digests == 1
    app.config["SHOP_TIMEZONE"] = "Europe/Berlin"  # UTC+1: 06:00 UTC is 07:00 there
    keys_before = set(db.session.scalars(select(SentMail.key)))
    assert run_at(datetime(2026, 11, 26, 5, 59, tzinfo=UTC)).digests == 0
    assert run_at(datetime(2026, 11, 26, 6, 0, tzinfo=UTC)).digests == 1
    db.session.expire_all()
    new_keys = set(db.session.scalars(select(SentMail.key))) - keys_before
    assert [key.rsplit(":", 1)[1] for key in new_keys] == ["2026-11-26"]


def test_only_people_who_take_the_digest_get_it(app, shop, make_user, smtp_server):
    default, overdue_only, none = make_user("staff"), make_user("staff"), make_user("viewer")
    make_user("staff", active=False)
    with transaction():
        service.set_preferences(overdue_only, {"due_tomorrow": Preference(True, "off")})
        service.set_preferences(
            none,
            {"due_tomorrow": Preference(True, "off"), "overdue": Preference(False, "off")},
        )
    assert run_at(at(7, 0)).digests == 2
    by_person = {m["To"]: sections(m) for m in smtp_server.messages}
    assert set(by_person) == {default.email, overdue_only.email}
    assert by_person[default.email]["DUE TOMORROW"] == DUE_TOMORROW
    assert "DUE TOMORROW" not in by_person[overdue_only.email]
    assert by_person[overdue_only.email]["OVERDUE"] == OVERDUE


def test_followers_hear_about_due_tomorrow_and_overdue_once_a_day(app, shop, make_user):
    follower = make_user("staff")
    with transaction():
        for name in ("tomorrow", "overdue", "later", "shipped"):
            service.follow(follower, shop[name].id)
    run_at(at(6, 0))
    assert notifications_of(follower) == []
    first = run_at(at(7, 0))
    run_at(at(9, 0))
    keys = sorted(n.event_key for n in notifications_of(follower))
    assert keys == ["due_tomorrow:30001:2026-11-25", "overdue:30003:2026-11-25"]
    assert first.notifications == 2
    # the digest covered them: they count as e-mailed
    assert all(n.emailed_at is not None for n in notifications_of(follower))
    run_at(at(7, 0, day=TOMORROW))
    keys = sorted(n.event_key for n in notifications_of(follower))
    assert "overdue:30003:2026-11-26" in keys
    assert len([k for k in keys if k.startswith("overdue:30003:")]) == 2


def test_other_digest_notifications_join_the_digest_once(app, shop, make_user, smtp_server):
    reader = make_user("staff")
    with transaction():
        service.set_preferences(reader, {"shipped": Preference(True, "digest")})
        service.notify("shipped", users=[reader], key="shipped:1", title="Order 1 shipped")
        service.notify("status_changed", users=[reader], key="status:1", title="Not mailed")
    run_at(at(7, 0))
    [message] = smtp_server.messages
    text = message.get_body(("plain",)).get_content()
    assert "Order 1 shipped" in text
    assert "Not mailed" not in text  # status changes are off by e-mail by default
    shipped = [n for n in notifications_of(reader) if n.event == "shipped"]
    assert shipped[0].emailed_at is not None


def test_a_person_with_nothing_to_read_gets_no_digest(app, make_user, smtp_server):
    app.config["SHOP_TIMEZONE"] = SHOP
    make_user("staff")
    assert run_at(at(7, 0)).digests == 0
    assert smtp_server.messages == []


def test_the_periodic_job_runs_through_the_queue(app, shop, make_user, smtp_server):
    make_user("staff")
    with time_machine.travel(at(7, 10), tick=True):
        jobs.notification_schedule()  # immediate in tests: runs now, in its own context
    assert len(smtp_server.messages) == 1

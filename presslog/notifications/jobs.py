"""Scheduled notification work, run by the worker (``presslog worker``).

Every five minutes the schedule checks the shop's clock; from 07:00 shop time it
creates the day's due-tomorrow and overdue notifications and sends the daily digests
(:mod:`presslog.notifications.digest`). A run that finds nothing new does nothing, so
the job may run as often as it likes and may be retried.
"""

from __future__ import annotations

import logging

from huey import crontab

from presslog.core.transaction import transaction
from presslog.jobs import periodic_job
from presslog.notifications.digest import ScheduleRun, run_schedule

log = logging.getLogger(__name__)


def notification_schedule_now() -> ScheduleRun:
    """Run the schedule once, in its own unit of work (the job's body)."""
    with transaction():
        run = run_schedule()
    if run.notifications or run.digests:
        log.info(
            "notification schedule for %s: %s notification(s), %s digest(s)",
            run.shop_date,
            run.notifications,
            run.digests,
        )
    return run


@periodic_job(crontab(minute="*/5"), retries=2, retry_delay=60)
def notification_schedule() -> None:
    """Create the day's date notifications and send the digests when they are due."""
    notification_schedule_now()

"""Background and scheduled jobs, run by Huey (``presslog worker``).

There is one Huey instance, ``huey``, so that domain modules can declare their jobs
with ``@job()`` / ``@periodic_job(crontab(...))`` at import time. ``configure_jobs``
(called by the app factory) then points it at the app's storage:

* Redis when ``REDIS_URL`` is set (several app and worker containers share it);
* otherwise an SQLite file ``jobs.sqlite3`` in the instance folder, so a newcomer's
  ``make run`` needs nothing else;
* in tests (``PRESSLOG_ENV=testing``) jobs run at once, in the calling process.

Every job runs inside an application context of the app that configured Huey, so it
can use the database and the settings like a request does. Jobs must be idempotent:
Huey retries a failed job (``retries``, ``retry_delay``) and a worker may stop halfway.

Each failed run is written to the ``job_failures`` table (``presslog.ops``): the worker
is not the process Prometheus scrapes, the web app is, and it counts those rows.
"""

from __future__ import annotations

import functools
import logging
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from flask import Flask
from huey import Huey
from huey.api import Task
from huey.signals import SIGNAL_ERROR
from huey.storage import RedisStorage, SqliteStorage

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])

# Immediate (in memory) until an app configures it: importing a module that declares
# jobs must not create files or reach Redis.
huey = Huey("presslog", immediate=True, results=False, utc=True)
_app: Flask | None = None

JOBS_FILE = "jobs.sqlite3"


def configure_jobs(app: Flask) -> None:
    """Point the job queue at ``app``'s storage and run jobs in ``app``'s context."""
    global _app
    _app = app
    testing = bool(app.config.get("TESTING"))
    redis_url = app.config.get("REDIS_URL")
    if redis_url:
        huey.storage_class = RedisStorage
        huey.storage_kwargs = {"url": redis_url}
    else:
        huey.storage_class = SqliteStorage
        huey.storage_kwargs = {"filename": str(Path(app.instance_path) / JOBS_FILE)}
    app.config.setdefault("JOBS_STORAGE", "memory" if testing else huey.storage_class.__name__)
    if testing:
        huey.immediate = True
    else:
        _open_storage()


#: Two processes starting at once (two containers' ``db upgrade``) may both create the
#: SQLite job file; switching it to WAL then meets the other's lock at once, without
#: SQLite's busy wait. Trying again a moment later finds it done.
STORAGE_ATTEMPTS = 10


def _open_storage() -> None:
    """Open the queue's storage (leaving immediate mode), retrying a locked SQLite file."""
    for attempt in range(1, STORAGE_ATTEMPTS + 1):
        try:
            huey.immediate = False  # huey opens its storage here
            huey.storage = huey.create_storage()
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == STORAGE_ATTEMPTS:
                raise
            time.sleep(0.05 * attempt)


def _in_app_context(fn: F) -> F:
    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        if _app is None:
            raise RuntimeError("the job queue has no app: call configure_jobs(app) first")
        with _app.app_context():
            return fn(*args, **kwargs)

    return run  # type: ignore[return-value]


def job(*, retries: int = 3, retry_delay: int = 60, **options: Any) -> Callable[[F], Any]:
    """Declare a background job: call ``fn(...)`` to enqueue it (at once in tests)."""

    def declare(fn: F) -> Any:
        return huey.task(retries=retries, retry_delay=retry_delay, **options)(_in_app_context(fn))

    return declare


def periodic_job(schedule: Callable[..., bool], **options: Any) -> Callable[[F], Any]:
    """Declare a scheduled job (``schedule`` is a ``huey.crontab``), run by the worker."""

    def declare(fn: F) -> Any:
        return huey.periodic_task(schedule, **options)(_in_app_context(fn))

    return declare


def queue_depth() -> int:
    """Jobs waiting to run (0 in immediate mode)."""
    try:
        return int(huey.pending_count())
    except Exception:  # a queue that cannot be reached is not a number
        log.warning("job queue: cannot read its depth", exc_info=True)
        return -1


def task_names() -> list[str]:
    """Names of every declared job (``module.function``), as failures record them."""
    return sorted(huey._registry._registry)


@huey.signal(SIGNAL_ERROR)
def _record_failure(_signal: str, task: Task, exc: BaseException | None = None) -> None:
    """Write a failed run to the job failure log, in its own transaction.

    Huey calls this in the process that ran the job (the worker; the caller in tests)
    after the job's own app context has ended. A failure to record is logged, never
    raised: it must not hide the job's error.
    """
    if _app is None or exc is None:
        return
    from presslog.extensions import db
    from presslog.ops.service import record_job_failure

    name = huey._registry.task_to_string(type(task))
    try:
        with _app.app_context():
            record_job_failure(
                task=name, task_id=str(task.id), error=exc, will_retry=bool(task.retries)
            )
            db.session.commit()
    except Exception:
        log.exception("job %s (%s) failed and its failure could not be recorded", name, task.id)


def run_worker(workers: int = 2, *, periodic: bool = True) -> None:
    """Run the consumer (jobs) and its scheduler (periodic jobs) until stopped."""
    from huey.consumer import Consumer

    if huey.immediate:
        raise RuntimeError("jobs run immediately in this environment: there is nothing to consume")
    Consumer(huey, workers=workers, periodic=periodic, worker_type="thread").run()

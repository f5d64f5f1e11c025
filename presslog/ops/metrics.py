"""Prometheus metrics: what each request did, the database pool, the jobs and the shop.

Three kinds of series:

* per request, kept by this process (and, under gunicorn, added up over its workers
  through ``PROMETHEUS_MULTIPROC_DIR``, see :mod:`presslog.ops.multiprocess`): request
  counts and latencies by Flask endpoint (never the raw path: the number of series
  stays bounded), method and status class, and unhandled exceptions;
* the database pool, sampled whenever a connection is taken or given back;
* read when Prometheus scrapes, from the database and the job queue, which all
  processes share: open, overdue and due-today orders, job failures, queue depth, the
  last backup. Each is one small indexed query.

Every metric is listed, with its meaning, in docs/operations.md.
"""

from __future__ import annotations

import functools
import importlib
import logging
import time
import weakref
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from flask import Flask, Response, got_request_exception, request, request_finished, request_started
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import event
from sqlalchemy.exc import SQLAlchemyError

from presslog import __version__
from presslog.extensions import db
from presslog.ops import repository  # also loads the JobFailure model with the app
from presslog.ops.multiprocess import multiprocess_dir

log = logging.getLogger(__name__)

# The same series in single- and multi-process mode (the latter has no *_created).
disable_created_metrics()

_workers_dir = multiprocess_dir()
if _workers_dir is not None:
    # A command run with the server's environment (``presslog db upgrade``) must not
    # fail because the server has not made the directory yet.
    _workers_dir.mkdir(parents=True, exist_ok=True)

# This process's own metrics. Under gunicorn they are written to the shared
# directory and read back for a scrape by MultiProcessCollector instead.
REGISTRY = CollectorRegistry(auto_describe=True)

# Requests that no route matched (404, 405) share one label value.
UNMATCHED = "unmatched"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

REQUESTS = Counter(
    "presslog_http_requests",
    "HTTP requests answered, by Flask endpoint, method and status class (2xx, 4xx, 5xx...).",
    ["endpoint", "method", "status"],
    registry=REGISTRY,
)
LATENCY = Histogram(
    "presslog_http_request_duration_seconds",
    "Time from the start of a request to its response, by endpoint, method and status class.",
    ["endpoint", "method", "status"],
    buckets=LATENCY_BUCKETS,
    registry=REGISTRY,
)
EXCEPTIONS = Counter(
    "presslog_http_exceptions",
    "Exceptions no view handled (answered with a 500), by endpoint and exception class.",
    ["endpoint", "exception"],
    registry=REGISTRY,
)
POOL_SIZE = Gauge(
    "presslog_db_pool_size",
    "Database connections each pool keeps, summed over the server's worker processes.",
    multiprocess_mode="livesum",
    registry=REGISTRY,
)
POOL_CHECKED_OUT = Gauge(
    "presslog_db_pool_checked_out",
    "Database connections in use, summed over the server's worker processes.",
    multiprocess_mode="livesum",
    registry=REGISTRY,
)
POOL_OVERFLOW = Gauge(
    "presslog_db_pool_overflow",
    "Connections opened beyond the pool size, summed over the server's worker processes.",
    multiprocess_mode="livesum",
    registry=REGISTRY,
)

_START = "presslog.metrics.start"


# -- requests -----------------------------------------------------------------------


def _labels() -> tuple[str, str]:
    """(endpoint, method) of the current request, both from small fixed sets."""
    rule = request.url_rule
    endpoint = rule.endpoint if rule is not None else UNMATCHED
    method = request.method if request.method in METHODS else "other"
    return endpoint, method


def _request_started(_sender: Flask, **_extra: Any) -> None:
    request.environ[_START] = time.perf_counter()


def _request_finished(_sender: Flask, response: Response, **_extra: Any) -> None:
    endpoint, method = _labels()
    status = f"{response.status_code // 100}xx"
    REQUESTS.labels(endpoint, method, status).inc()
    started = request.environ.get(_START)
    if started is not None:
        LATENCY.labels(endpoint, method, status).observe(time.perf_counter() - started)


def count_exception(exc: BaseException) -> None:
    """Count an exception that escaped the view it happened in."""
    endpoint, _method = _labels()
    EXCEPTIONS.labels(endpoint, type(exc).__name__).inc()


def _exception_signal(_sender: Flask, exception: BaseException, **_extra: Any) -> None:
    count_exception(exception)


def _count_unhandled_exceptions(app: Flask) -> None:
    """Count exceptions that reach the app's catch-all handler, or Flask's own 500.

    PressLog's error handlers register one for ``Exception`` (a logged 500 page or
    problem+json); Flask then never sends ``got_request_exception``, so that handler
    is wrapped here. Must run after the error handlers are registered.
    """
    got_request_exception.connect(_exception_signal, app)
    handlers = app.error_handler_spec.setdefault(None, {}).setdefault(None, {})
    catch_all: Callable[[Exception], Any] | None = handlers.get(Exception)
    if catch_all is None or getattr(catch_all, "_counts_exceptions", False):
        return

    @functools.wraps(catch_all)
    def counting(exc: Exception) -> Any:
        count_exception(exc)
        return catch_all(exc)

    counting._counts_exceptions = True  # type: ignore[attr-defined]
    handlers[Exception] = counting


# -- the database pool --------------------------------------------------------------

_watched_engines: weakref.WeakSet[Any] = weakref.WeakSet()


def sample_pool(pool: Any, *, returning: int = 0) -> None:
    """Set the pool gauges from ``pool`` (less ``returning`` connections on their way back)."""
    if not all(callable(getattr(pool, name, None)) for name in ("size", "checkedout", "overflow")):
        return  # SQLite in memory: a single connection, nothing to watch
    POOL_SIZE.set(pool.size())
    POOL_CHECKED_OUT.set(max(pool.checkedout() - returning, 0))
    # QueuePool counts its overflow from -size up: below zero, no extra connection.
    POOL_OVERFLOW.set(max(pool.overflow(), 0))


def watch_pool(engine: Any) -> None:
    """Keep the pool gauges current for ``engine``: at each checkout and check-in."""
    if engine in _watched_engines:
        return
    _watched_engines.add(engine)

    def checked_out(*_args: Any) -> None:
        sample_pool(engine.pool)

    def checked_in(*_args: Any) -> None:
        # SQLAlchemy announces a check-in before the pool takes the connection back.
        sample_pool(engine.pool, returning=1)

    event.listen(engine, "checkout", checked_out)
    event.listen(engine, "checkin", checked_in)
    sample_pool(engine.pool)


# -- read at scrape time ------------------------------------------------------------


class ScrapeCollector:
    """Series computed when Prometheus asks: the shop's orders, the jobs, the backups."""

    def __init__(self, app: Flask):
        self.app = app

    def describe(self) -> Iterable[Metric]:
        """Nothing up front: describing must not query the database."""
        return []

    def collect(self) -> Iterator[Metric]:
        """Every scrape-time family; a part that fails is logged and left out."""
        info = GaugeMetricFamily(
            "presslog_app_info", "PressLog's version and environment.", labels=["version", "env"]
        )
        info.add_metric([__version__, str(self.app.config.get("PRESSLOG_ENV", ""))], 1)
        yield info
        for part in (self._database, self._queue, self._backup):
            try:
                yield from part()
            except Exception:  # one broken part must not cost the whole scrape
                log.warning("metrics: %s failed", part.__name__.strip("_"), exc_info=True)

    def _database(self) -> Iterator[Metric]:
        from presslog.core.clock import today
        from presslog.jobs import task_names

        up = GaugeMetricFamily(
            "presslog_database_up", "1 when the scrape could read the database, else 0."
        )
        try:
            open_orders = repository.open_orders_by_status()
            overdue, due_today = repository.overdue_and_due_today(today())
            failures = repository.job_failure_counts()
        except SQLAlchemyError:
            db.session.rollback()
            log.warning("metrics: the database did not answer", exc_info=True)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up

        by_status = GaugeMetricFamily(
            "presslog_orders_open",
            "Open orders (not shipped, cancelled or deleted) by status.",
            labels=["status"],
        )
        for status, count in open_orders.items():
            by_status.add_metric([status], count)
        yield by_status
        yield GaugeMetricFamily(
            "presslog_orders_overdue",
            "Open orders whose due-out date is before today (the shop's calendar).",
            value=overdue,
        )
        yield GaugeMetricFamily(
            "presslog_orders_due_today", "Open orders due out today.", value=due_today
        )

        # Every known job appears from the start, so the first failure is an increase.
        counts = {(task, retry): 0 for task in task_names() for retry in (True, False)}
        counts.update(failures)
        failed = CounterMetricFamily(
            "presslog_job_failures",
            "Failed runs of background jobs recorded in job_failures, by task and whether "
            "the queue will retry it.",
            labels=["task", "will_retry"],
        )
        for (task, retry), count in sorted(counts.items()):
            failed.add_metric([task, "true" if retry else "false"], count)
        yield failed

    def _queue(self) -> Iterator[Metric]:
        from presslog.jobs import queue_depth

        depth = queue_depth()
        yield GaugeMetricFamily(
            "presslog_job_queue_reachable",
            "1 when the job queue (Redis or its SQLite file) answered, else 0.",
            value=1 if depth >= 0 else 0,
        )
        if depth >= 0:
            yield GaugeMetricFamily(
                "presslog_job_queue_depth", "Jobs waiting for a worker.", value=depth
            )

    def _backup(self) -> Iterator[Metric]:
        try:
            backup = importlib.import_module("presslog.backup")
        except ModuleNotFoundError as exc:
            if exc.name != "presslog.backup":
                raise
            return
        last_backup_time = getattr(backup, "last_backup_time", None)
        if last_backup_time is None:
            return
        at = last_backup_time(self.app)
        yield GaugeMetricFamily(
            "presslog_backup_last_success_timestamp_seconds",
            "When the newest backup in BACKUP_DIR was taken (Unix time; 0: there is none).",
            value=float(at or 0),
        )


def exposition(app: Flask) -> tuple[bytes, str]:
    """The text Prometheus scrapes, and its content type."""
    registry = CollectorRegistry(auto_describe=False)
    if multiprocess_dir() is not None:
        MultiProcessCollector(registry)
    else:
        registry.register(REGISTRY)
    registry.register(ScrapeCollector(app))
    return generate_latest(registry), CONTENT_TYPE_LATEST


def init_metrics(app: Flask) -> None:
    """Check the access settings, time every request, watch the pool, serve /metrics.

    Call after the error handlers are registered (unhandled exceptions are counted by
    wrapping the catch-all one).
    """
    from presslog.ops.access import load_access
    from presslog.ops.views import bp

    app.extensions["presslog.metrics"] = load_access(app.config)
    request_started.connect(_request_started, app)
    request_finished.connect(_request_finished, app)
    _count_unhandled_exceptions(app)
    with app.app_context():
        watch_pool(db.engine)
    app.register_blueprint(bp)

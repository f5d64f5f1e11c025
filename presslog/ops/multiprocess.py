"""Prometheus multiprocess mode for gunicorn's worker processes.

Each gunicorn worker keeps its own counters. With ``PROMETHEUS_MULTIPROC_DIR`` set,
``prometheus_client`` writes every worker's values to files in that directory and the
worker that answers a scrape adds them all up. The variable must be set before
``prometheus_client`` is first imported, so this module imports nothing from it at
load time and the server calls :func:`prepare_multiprocess_dir` first thing.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

ENV = "PROMETHEUS_MULTIPROC_DIR"


def multiprocess_dir() -> Path | None:
    """The directory of the workers' metric files, or None in single-process mode."""
    value = os.environ.get(ENV, "").strip()
    return Path(value) if value else None


def prepare_multiprocess_dir() -> Path:
    """Create (or empty) the metrics directory and export ``PROMETHEUS_MULTIPROC_DIR``.

    Called once by the server's master process before any worker starts: files left
    by an earlier run would otherwise be added to this run's counters. Without the
    variable a fresh private directory is made under the system's temporary folder.
    """
    path = multiprocess_dir()
    if path is None:
        path = Path(tempfile.mkdtemp(prefix="presslog-metrics-"))
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink(missing_ok=True)
    os.environ[ENV] = str(path)
    return path


def mark_worker_dead(pid: int) -> None:
    """Forget a stopped worker's live gauges (gunicorn's ``child_exit`` hook calls this).

    Its counters and histograms stay: they are part of the totals Prometheus has seen.
    """
    if multiprocess_dir() is None:
        return
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(pid)

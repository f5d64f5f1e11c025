"""gunicorn settings: the one place they live.

``presslog serve`` loads this file, in the container (``deploy/entrypoint.sh`` runs
``presslog serve``) and on a workstation (``make run``) alike; its ``--bind``,
``--workers`` and ``--reload`` options override what is set here. gunicorn is the only
server PressLog runs under. Every value can be changed from the environment:

=========================  ===================  ==========================================
variable                   default              meaning
=========================  ===================  ==========================================
PORT                       5000                 port to listen on, all interfaces
WEB_CONCURRENCY            2                    worker processes
GUNICORN_THREADS           4                    threads per worker
GUNICORN_TIMEOUT           60                   seconds before a stuck worker is replaced
GUNICORN_GRACEFUL_TIMEOUT  25                   seconds to finish requests on SIGTERM
GUNICORN_MAX_REQUESTS      1000                 requests before a worker is renewed (0: never)
TRUSTED_PROXIES            0                    proxies in front (>0: trust their scheme header)
FORWARDED_ALLOW_IPS        (from above)         addresses trusted for X-Forwarded-Proto
LOG_LEVEL, LOG_FORMAT      INFO, json in prod   as for the app (presslog/config.py)
PROMETHEUS_MULTIPROC_DIR   a new temp folder    where the workers pool their metrics
=========================  ===================  ==========================================
"""

from __future__ import annotations

import os


def _int(name: str, default: int) -> int:
    """A whole number from the environment (empty means the default)."""
    return int(os.environ.get(name, "").strip() or default)


# -- Where and how many --------------------------------------------------------------
bind = f"0.0.0.0:{_int('PORT', 5000)}"
# Threads, not more processes: requests wait on the database most of the time, and
# each process holds its own copy of the app and its connection pool.
workers = _int("WEB_CONCURRENCY", 2)
worker_class = "gthread"
threads = _int("GUNICORN_THREADS", 4)
proc_name = "presslog"

# -- Time limits ---------------------------------------------------------------------
# A worker silent for this long is killed and replaced (a report may take seconds,
# never a minute).
timeout = _int("GUNICORN_TIMEOUT", 60)
# On SIGTERM (docker stop, a rolling deploy) the master stops accepting connections and
# lets requests in flight finish for this long. Keep it below the orchestrator's grace
# period (compose: stop_grace_period, 30 s recommended) so nothing is cut off by SIGKILL.
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 25)
# Idle keep-alive connections from the reverse proxy are held this long; a value above
# the proxy's own idle timeout would let the proxy reuse a connection gunicorn just
# closed, so keep it short.
keepalive = 5

# Renew each worker after this many requests (with jitter, so they do not all restart
# at once): a slow leak in any library cannot grow without bound.
max_requests = _int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = max(max_requests // 10, 0)

# The heartbeat file each worker touches: in memory when the system has /dev/shm
# (a container's overlay filesystem can stall fsync-heavy writes and get workers
# killed as "silent").
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108

# No control socket (gunicornc): it would live in $HOME, shared by every gunicorn of the
# same user, and PressLog is managed by signals (TERM to stop, HUP to reload).
control_socket_disable = True

# -- Behind a reverse proxy ----------------------------------------------------------
# TRUSTED_PROXIES (a count of proxies) is applied by the app itself (werkzeug's ProxyFix
# sets the client address, scheme and host from X-Forwarded-*). gunicorn needs to know
# only whether to believe X-Forwarded-Proto: when PressLog is declared to sit behind a
# proxy, every connection comes from that proxy, so any peer is trusted; otherwise only
# the loopback. FORWARDED_ALLOW_IPS, when set, lists the trusted addresses explicitly.
_trusted_proxies = _int("TRUSTED_PROXIES", 0)
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "").strip() or (
    "*" if _trusted_proxies > 0 else "127.0.0.1,::1"
)
# PressLog is served at the root of its host: no proxy may move it (SCRIPT_NAME) or
# rewrite the path (PATH_INFO) through headers, whoever sends them.
forwarder_headers = ""

# -- Logs ----------------------------------------------------------------------------
# No gunicorn access log. The app writes one line per request itself
# (presslog/core/logging.py: logger "presslog.access"), with the request id, the user
# id, method, path without the query string, status and duration, as JSON in
# production. gunicorn's access line would repeat it without the user id, and its
# "%(U)s" / "%(r)s" atoms make it easy to log a query string carrying a token. One line
# per request is the contract (SPEC: Operations), so gunicorn's is off.
accesslog = None
# gunicorn's own messages (start, worker boot and exit, timeouts) go to stderr, as
# JSON when the app logs JSON (the same rule as presslog/config.py).
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").strip().lower() or "info"
_environment = os.environ.get("PRESSLOG_ENV", "development").strip().lower()
_log_format = os.environ.get("LOG_FORMAT", "").strip().lower() or (
    "json" if _environment == "production" else "text"
)
logger_class = (
    "presslog.server.JsonGunicornLogger" if _log_format == "json" else "gunicorn.glogging.Logger"
)


# -- Hooks ---------------------------------------------------------------------------
# Each worker counts its own requests for /metrics; prometheus_client adds them up
# through files in PROMETHEUS_MULTIPROC_DIR (presslog/ops/multiprocess.py). The master
# prepares that folder before the first worker is forked, so every worker imports
# prometheus_client with the variable already set.
def on_starting(server: object) -> None:
    """Before any worker starts: an empty folder for the workers' metric files."""
    from presslog.ops.multiprocess import prepare_multiprocess_dir

    prepare_multiprocess_dir()


def child_exit(server: object, worker: object) -> None:
    """A worker has stopped: drop its live gauges (its counters stay in the totals)."""
    from presslog.ops.multiprocess import mark_worker_dead

    mark_worker_dead(worker.pid)  # type: ignore[attr-defined]

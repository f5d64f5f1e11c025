"""Monitoring: /metrics (who may read it, what it shows), the job failure log, gunicorn's
multiprocess mode, Sentry, and the Prometheus alert rules (promtool)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
import types
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml
from flask import Flask
from prometheus_client.parser import text_string_to_metric_families

from presslog import __version__, create_app, jobs
from presslog.config import ConfigError
from presslog.core.clock import today
from presslog.core.db import utcnow
from presslog.core.security import PUBLIC, require
from presslog.extensions import db
from presslog.ops import metrics as ops_metrics
from presslog.ops import multiprocess
from presslog.ops.models import JobFailure
from presslog.ops.sentry import tag_request_id
from tests.conftest import app_config
from tests.factories import OrderFactory
from tests.security.test_headers import hardening_problems

ROOT = Path(__file__).resolve().parents[1]
PROMETHEUS = ROOT / "deploy" / "prometheus"
OPERATIONS = ROOT / "docs" / "operations.md"
TOKEN = "scrape-token-0123456789-abcdefghijklmnop"
FAR = {"REMOTE_ADDR": "203.0.113.9"}

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def parse(text: str) -> Samples:
    """Every sample of a scrape: (name, labels) → value."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    """One sample's value (0 when the series does not exist yet)."""
    return samples.get((name, frozenset(labels.items())), 0.0)


def families(text: str) -> set[str]:
    """Names of the metric families in a scrape (counters without ``_total``)."""
    return {family.name for family in text_string_to_metric_families(text)}


def scrape(client: Any, **kwargs: Any) -> Samples:
    """Scrape /metrics as an allowed client and parse it."""
    response = client.get("/metrics", **kwargs)
    assert response.status_code == 200, response.status_code
    return parse(response.text)


@pytest.fixture
def make_app(app: Flask):
    """Another app on the test database with extra settings; the job queue is given
    back to the test app afterwards."""

    def make(**settings: Any) -> Flask:
        return create_app(app_config(app.config["SQLALCHEMY_DATABASE_URI"], **settings))

    yield make
    jobs.configure_jobs(app)


# -- who may read it --------------------------------------------------------------------


def test_loopback_reads_the_metrics_in_prometheus_text_format(client):
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert "version=" in response.headers["Content-Type"]
    assert "# TYPE presslog_http_requests_total counter" in response.text
    # The security headers apply here too, and nothing is cached.
    assert hardening_problems(response) == []
    assert response.headers["Cache-Control"] == "no-store"


def test_other_addresses_and_wrong_tokens_get_a_plain_404(app, make_app):
    far = app.test_client().get("/metrics", environ_base=FAR)
    assert far.status_code == 404
    assert "presslog_" not in far.text
    assert hardening_problems(far) == []
    # Exactly what an unknown address answers: nothing says /metrics exists.
    unknown = app.test_client().get("/metricz", environ_base=FAR)
    assert (far.status_code, far.mimetype) == (unknown.status_code, unknown.mimetype)

    guarded = make_app(METRICS_TOKEN=TOKEN).test_client()
    assert guarded.get("/metrics", environ_base=FAR).status_code == 404
    for header in (f"Bearer {TOKEN}x", f"Bearer {TOKEN[:-1]}", f"Basic {TOKEN}", "Bearer "):
        answer = guarded.get("/metrics", environ_base=FAR, headers={"Authorization": header})
        assert answer.status_code == 404, header
    right = guarded.get("/metrics", environ_base=FAR, headers={"Authorization": f"Bearer {TOKEN}"})
    assert right.status_code == 200
    # No token configured: an empty or any bearer never matches.
    assert (
        app.test_client()
        .get("/metrics", environ_base=FAR, headers={"Authorization": "Bearer "})
        .status_code
        == 404
    )


def test_allowed_networks_come_from_metrics_allow(make_app):
    internal = make_app(METRICS_ALLOW="10.0.0.0/8, 2001:db8::/32").test_client()
    assert internal.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 200
    assert internal.get("/metrics", environ_base={"REMOTE_ADDR": "2001:db8::7"}).status_code == 200
    assert (
        internal.get("/metrics", environ_base={"REMOTE_ADDR": "::ffff:10.9.9.9"}).status_code == 200
    )
    # The default loopback is replaced, not added to.
    assert internal.get("/metrics").status_code == 404
    token_only = make_app(METRICS_ALLOW="", METRICS_TOKEN=TOKEN).test_client()
    assert token_only.get("/metrics").status_code == 404
    assert (
        token_only.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    )


def test_proxied_requests_are_judged_by_the_real_client(make_app, client):
    # No proxy trusted: a forwarded request's peer is the proxy (here loopback), so the
    # network cannot vouch for it.
    assert client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 404
    assert client.get("/metrics", headers={"X-Real-IP": "127.0.0.1"}).status_code == 404
    # One trusted proxy: ProxyFix takes the client from X-Forwarded-For.
    proxied = make_app(TRUSTED_PROXIES=1).test_client()
    outside = proxied.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
    assert outside.status_code == 404
    inside = proxied.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"})
    assert inside.status_code == 200
    # A client cannot prepend its way in: only the proxy's own entry counts.
    forged = proxied.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1, 203.0.113.9"})
    assert forged.status_code == 404


def test_bad_access_settings_stop_the_app_with_a_clear_reason(make_app):
    with pytest.raises(ConfigError, match="METRICS_ALLOW: 'intranet'"):
        make_app(METRICS_ALLOW="10.0.0.0/8,intranet")
    with pytest.raises(ConfigError, match="METRICS_TOKEN must be at least 32"):
        make_app(METRICS_TOKEN="short")


def test_metrics_route_declares_itself_public_and_guards_itself(app):
    view = app.view_functions["ops.metrics"]
    assert view.required_capabilities == (PUBLIC,)
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == "ops.metrics")
    assert rule.rule == "/metrics"
    assert set(rule.methods or ()) == {"GET", "HEAD", "OPTIONS"}


# -- what it shows ----------------------------------------------------------------------


def test_requests_are_counted_by_endpoint_name_method_and_status_class(app, client):
    order = OrderFactory()
    db.session.commit()
    before = scrape(client)
    staff_client = app.test_client()
    for _ in range(3):
        assert client.get("/healthz").status_code == 200
    assert staff_client.get(f"/orders/{order.log}").status_code == 302  # to sign in
    assert client.get("/no/such/page").status_code == 404
    assert client.open("/healthz", method="BREW").status_code == 405
    after = parse(client.get("/metrics").text)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    requests = "presslog_http_requests_total"
    assert delta(requests, endpoint="health.healthz", method="GET", status="2xx") == 3
    assert delta(requests, endpoint="orders.show", method="GET", status="3xx") == 1
    assert delta(requests, endpoint="unmatched", method="GET", status="4xx") == 1
    assert delta(requests, endpoint="unmatched", method="other", status="4xx") == 1
    # The path (with its LOG number) never becomes a label value.
    label_values = {v for _name, labels in after for _key, v in labels}
    assert "orders.show" in label_values
    assert [v for v in label_values if order.log in v or "/" in v] == []
    latency = "presslog_http_request_duration_seconds_count"
    assert delta(latency, endpoint="health.healthz", method="GET", status="2xx") == 3
    assert (
        value(
            after,
            "presslog_http_request_duration_seconds_bucket",
            endpoint="health.healthz",
            method="GET",
            status="2xx",
            le="+Inf",
        )
        >= 3
    )
    seconds = delta(
        "presslog_http_request_duration_seconds_sum",
        endpoint="health.healthz",
        method="GET",
        status="2xx",
    )
    assert 0 < seconds < 5


def test_an_unhandled_exception_is_a_5xx_and_an_exception(app, client):
    def explode() -> str:
        raise RuntimeError("ink everywhere")

    app.add_url_rule("/test-explode", "test_explode", require(PUBLIC)(explode))
    before = scrape(client)
    response = client.get("/test-explode")
    assert response.status_code == 500
    assert "ink everywhere" not in response.text
    after = scrape(client)
    labels = {"endpoint": "test_explode", "method": "GET", "status": "5xx"}
    requests = "presslog_http_requests_total"
    assert value(after, requests, **labels) - value(before, requests, **labels) == 1
    exceptions = "presslog_http_exceptions_total"
    caught = {"endpoint": "test_explode", "exception": "RuntimeError"}
    assert value(after, exceptions, **caught) - value(before, exceptions, **caught) == 1
    # An HTTP error on purpose (404) is not an exception.
    assert (
        sum(v for (n, _l), v in after.items() if n == exceptions)
        - sum(v for (n, _l), v in before.items() if n == exceptions)
        == 1
    )


def test_business_gauges_count_open_overdue_and_due_today_orders(client):
    day = today()
    OrderFactory(
        status="production", received_on=day - timedelta(days=9), due_on=day - timedelta(days=2)
    )
    OrderFactory(status="art", received_on=day - timedelta(days=9), due_on=day - timedelta(days=1))
    OrderFactory(status="received", received_on=day - timedelta(days=1), due_on=day)
    OrderFactory(
        status="ready", received_on=day - timedelta(days=1), due_on=day + timedelta(days=3)
    )
    OrderFactory(status="received", received_on=day, due_on=None)
    # Not open, or in the trash: counted nowhere.
    OrderFactory(
        status="shipped", received_on=day - timedelta(days=9), due_on=day - timedelta(days=2)
    )
    OrderFactory(status="cancelled", received_on=day - timedelta(days=9), due_on=day)
    OrderFactory(
        status="production",
        received_on=day - timedelta(days=9),
        due_on=day - timedelta(days=2),
        deleted_at=utcnow(),
    )
    db.session.commit()

    samples = scrape(client)
    assert value(samples, "presslog_database_up") == 1
    open_orders = {
        status: value(samples, "presslog_orders_open", status=status)
        for status in ("received", "art", "approved", "production", "ready")
    }
    assert open_orders == {"received": 2, "art": 1, "approved": 0, "production": 1, "ready": 1}
    assert value(samples, "presslog_orders_overdue") == 2
    assert value(samples, "presslog_orders_due_today") == 1
    assert ("presslog_orders_open", frozenset({("status", "shipped")})) not in samples


def test_app_info_queue_and_pool_are_reported(app, client):
    samples = scrape(client)
    info = {("env", "testing"), ("version", __version__)}
    assert samples[("presslog_app_info", frozenset(info))] == 1
    assert value(samples, "presslog_job_queue_reachable") == 1
    assert value(samples, "presslog_job_queue_depth") == 0
    assert value(samples, "presslog_db_pool_size") >= 1

    # Checked out while a connection is held, given back when it is returned.
    gauge = ops_metrics.POOL_CHECKED_OUT
    db.session.rollback()
    db.session.close()
    idle = gauge._value.get()
    with db.engine.connect() as conn:
        conn.execute(sa.text("SELECT 1"))
        assert gauge._value.get() == idle + 1
        with db.engine.connect() as second:
            second.execute(sa.text("SELECT 1"))
            assert gauge._value.get() == idle + 2
    assert gauge._value.get() == idle


def test_last_backup_time_comes_from_the_backup_module_when_it_has_one(app, client, monkeypatch):
    name = "presslog_backup_last_success_timestamp_seconds"
    stand_in = types.ModuleType("presslog.backup")
    stand_in.last_backup_time = lambda _app: 1_790_000_000.0  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "presslog.backup", stand_in)
    assert value(scrape(client), name) == 1_790_000_000.0

    stand_in.last_backup_time = lambda _app: None  # type: ignore[attr-defined]
    assert scrape(client)[(name, frozenset())] == 0  # no backup at all: 0, not missing

    # A module without the function (or no module at all): nothing, and no error.
    monkeypatch.setitem(sys.modules, "presslog.backup", types.ModuleType("presslog.backup"))
    text = client.get("/metrics").text
    assert name not in text
    assert "presslog_orders_overdue" in text

    def broken(_app: Flask) -> float:
        raise OSError("backups volume not mounted")

    stand_in.last_backup_time = broken  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "presslog.backup", stand_in)
    response = client.get("/metrics")
    assert response.status_code == 200
    assert name not in response.text
    assert "presslog_orders_overdue" in response.text


def test_a_database_that_does_not_answer_leaves_the_rest_of_the_scrape(client, monkeypatch):
    from presslog.ops import repository

    def unreachable() -> dict[str, int]:
        raise sa.exc.OperationalError("SELECT", {}, Exception("connection refused"))

    monkeypatch.setattr(repository, "open_orders_by_status", unreachable)
    samples = scrape(client)
    assert value(samples, "presslog_database_up") == 0
    assert ("presslog_orders_overdue", frozenset()) not in samples
    assert value(samples, "presslog_job_queue_reachable") == 1


# -- job failures -----------------------------------------------------------------------


@jobs.job(retries=0)
def jam_the_press(sheets: int) -> None:
    """A job that always fails."""
    raise ValueError(f"paper jam after {sheets} sheets")


@jobs.job(retries=1, retry_delay=0)
def flaky_feeder() -> None:
    """A job that fails, is retried at once (immediate mode) and fails again."""
    raise ConnectionError("feeder offline")


JAM = f"{__name__}.jam_the_press"
FLAKY = f"{__name__}.flaky_feeder"


def test_a_failing_job_is_recorded_and_counted(app, client):
    before = scrape(client)
    # Every known job has its series from the start, at 0: the first failure is a rise.
    for retry in ("true", "false"):
        assert (
            "presslog_job_failures_total",
            frozenset({("task", JAM), ("will_retry", retry)}),
        ) in before
    jam_the_press(250)  # immediate in tests: Huey catches the error and signals it

    db.session.expire_all()
    (failure,) = db.session.execute(sa.select(JobFailure).where(JobFailure.task == JAM)).scalars()
    assert failure.error == "ValueError"
    assert failure.message == "paper jam after 250 sheets"
    assert failure.will_retry is False
    assert failure.task_id
    assert abs((utcnow() - failure.failed_at).total_seconds()) < 60

    after = scrape(client)
    name = "presslog_job_failures_total"
    assert (
        value(after, name, task=JAM, will_retry="false")
        - value(before, name, task=JAM, will_retry="false")
        == 1
    )


def test_a_retried_job_records_each_failed_run(app, client):
    flaky_feeder()
    db.session.expire_all()
    rows = db.session.execute(
        sa.select(JobFailure.will_retry, JobFailure.error)
        .where(JobFailure.task == FLAKY)
        .order_by(JobFailure.id)
    ).all()
    assert rows == [(True, "ConnectionError"), (False, "ConnectionError")]
    samples = scrape(client)
    assert value(samples, "presslog_job_failures_total", task=FLAKY, will_retry="true") == 1
    assert value(samples, "presslog_job_failures_total", task=FLAKY, will_retry="false") == 1


def test_a_failure_that_cannot_be_recorded_is_logged_not_raised(app, monkeypatch, caplog):
    from presslog.ops import service

    def no_table(**_kwargs: Any) -> None:
        raise sa.exc.OperationalError("INSERT", {}, Exception("no such table: job_failures"))

    monkeypatch.setattr(service, "record_job_failure", no_table)
    jam_the_press(1)
    assert "could not be recorded" in caplog.text


def test_long_error_messages_are_clipped_to_the_column(app):
    from presslog.ops.models import MESSAGE_LENGTH
    from presslog.ops.service import record_job_failure

    failure = record_job_failure(
        task="x.y", task_id="1", error=RuntimeError("é" * 5000), will_retry=False
    )
    db.session.commit()
    assert len(failure.message) == MESSAGE_LENGTH
    assert failure.message.endswith("…")


# -- gunicorn's worker processes --------------------------------------------------------

FORKED_WORKERS = textwrap.dedent(
    """
    import os, sys
    from presslog.ops.multiprocess import mark_worker_dead, prepare_multiprocess_dir

    path = prepare_multiprocess_dir()
    assert not (path / "counter_4242.db").exists(), "a stale file survived"
    from presslog.ops import metrics

    pids = []
    for n in (1, 2):
        pid = os.fork()
        if pid == 0:
            metrics.REQUESTS.labels("orders.index", "GET", "2xx").inc(n)
            metrics.POOL_CHECKED_OUT.set(n * 10)
            os._exit(0)
        os.waitpid(pid, 0)
        pids.append(pid)

    def show(label):
        from prometheus_client import CollectorRegistry, generate_latest
        from prometheus_client.multiprocess import MultiProcessCollector

        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        print(label)
        print(generate_latest(registry).decode())

    show("== both")
    mark_worker_dead(pids[0])
    show("== one stopped")
    """
)


def test_worker_processes_share_their_metrics_through_the_multiprocess_dir(tmp_path):
    folder = tmp_path / "metrics"
    folder.mkdir()
    (folder / "counter_4242.db").write_bytes(b"left over from the last run")
    env = {**os.environ, multiprocess.ENV: str(folder)}
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", FORKED_WORKERS],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    both, one = result.stdout.split("== one stopped")
    count = 'presslog_http_requests_total{endpoint="orders.index",method="GET",status="2xx"}'
    # Counters are added up over the workers, and a stopped worker's count stays.
    assert f"{count} 3.0" in both
    assert f"{count} 3.0" in one
    # Live gauges: the sum over the workers alive.
    assert "presslog_db_pool_checked_out 30.0" in both
    assert "presslog_db_pool_checked_out 20.0" in one


def test_without_a_folder_the_server_makes_a_fresh_one(monkeypatch):
    monkeypatch.setenv(multiprocess.ENV, "")
    path = multiprocess.prepare_multiprocess_dir()
    try:
        assert path.is_dir()
        assert path.name.startswith("presslog-metrics-")
        assert os.environ[multiprocess.ENV] == str(path)
    finally:
        shutil.rmtree(path)


def test_single_process_mode_marks_no_worker_dead(monkeypatch):
    monkeypatch.delenv(multiprocess.ENV, raising=False)
    assert multiprocess.multiprocess_dir() is None
    multiprocess.mark_worker_dead(12345)  # nothing to do, nothing raised


# -- Sentry -----------------------------------------------------------------------------


@pytest.fixture
def sentry_calls(monkeypatch):
    """Calls to sentry_sdk.init (none reach the real SDK)."""
    import sentry_sdk

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(sentry_sdk, "init", lambda **kwargs: calls.append(kwargs))
    return calls


def test_without_a_dsn_sentry_is_not_started(make_app, sentry_calls):
    make_app(SENTRY_DSN="")
    make_app()
    assert sentry_calls == []


def test_with_a_dsn_sentry_starts_without_personal_data_or_traces(make_app, sentry_calls):
    from sentry_sdk.integrations.flask import FlaskIntegration

    make_app(SENTRY_DSN="https://public@sentry.example.invalid/1")
    (call,) = sentry_calls
    assert call["dsn"] == "https://public@sentry.example.invalid/1"
    assert call["environment"] == "testing"
    assert call["release"] == f"presslog@{__version__}"
    assert call["send_default_pii"] is False
    assert call["traces_sample_rate"] is None
    assert any(isinstance(i, FlaskIntegration) for i in call["integrations"])
    assert call["before_send"] is tag_request_id

    make_app(SENTRY_DSN="https://public@sentry.example.invalid/1", SENTRY_TRACES_SAMPLE_RATE="0.25")
    assert sentry_calls[-1]["traces_sample_rate"] == 0.25
    with pytest.raises(ConfigError, match="SENTRY_TRACES_SAMPLE_RATE"):
        make_app(
            SENTRY_DSN="https://public@sentry.example.invalid/1", SENTRY_TRACES_SAMPLE_RATE="lots"
        )


def test_reports_carry_the_request_id(app):
    with app.test_request_context("/orders"):
        app.preprocess_request()
        from flask import g

        event = tag_request_id({"message": "boom"}, {})
        assert event["tags"]["request_id"] == g.request_id
    assert tag_request_id({"message": "outside"}, {}) == {"message": "outside"}


# -- alert rules and documentation ------------------------------------------------------


def promtool() -> str:
    """The promtool command: required in CI, a skip elsewhere."""
    found = shutil.which("promtool")
    if found:
        return found
    if os.environ.get("CI") == "true":
        pytest.fail("promtool is missing: CI must install the Debian package prometheus")
    pytest.skip("promtool is not installed (Debian package prometheus)")


def run_promtool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603
        [promtool(), *args], capture_output=True, text=True, timeout=60, check=False
    )


def test_promtool_accepts_the_alert_rules():
    result = run_promtool("check", "rules", str(PROMETHEUS / "alerts.yml"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_alert_rules_pass_their_unit_tests():
    result = run_promtool("test", "rules", str(PROMETHEUS / "alerts.test.yml"))
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_accepts_the_example_prometheus_config():
    result = run_promtool("check", "config", "--syntax-only", str(PROMETHEUS / "prometheus.yml"))
    assert result.returncode == 0, result.stdout + result.stderr


def alert_rules() -> list[dict[str, Any]]:
    document = yaml.safe_load((PROMETHEUS / "alerts.yml").read_text())
    return [rule for group in document["groups"] for rule in group["rules"]]


def anchors(markdown: str) -> set[str]:
    """GitHub's anchors of a document's headings."""
    out = set()
    for heading in re.findall(r"^#+ (.+)$", markdown, flags=re.MULTILINE):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        out.add(slug)
    return out


def test_the_listed_alerts_exist_each_with_severity_annotations_and_a_runbook():
    rules = {rule["alert"]: rule for rule in alert_rules()}
    assert {
        "PressLogHighErrorRate",
        "PressLogSlowResponses",
        "PressLogNotReady",
        "PressLogTargetDown",
        "PressLogJobFailed",
        "PressLogJobsFailingRepeatedly",
        "PressLogBackupTooOld",
        "PressLogOverdueOrdersPilingUp",
    } <= set(rules)
    runbook = anchors(OPERATIONS.read_text())
    for name, rule in rules.items():
        assert rule.get("for"), name
        assert rule["labels"]["severity"] in {"critical", "warning"}, name
        assert {"summary", "description", "runbook_url"} <= set(rule["annotations"]), name
        page, _, anchor = rule["annotations"]["runbook_url"].partition("#")
        assert page == "docs/operations.md", name
        assert anchor == name.lower(), name
        assert anchor in runbook, name
    assert "histogram_quantile(0.95" in rules["PressLogSlowResponses"]["expr"]
    assert "26 * 3600" in rules["PressLogBackupTooOld"]["expr"]


def test_alerts_and_docs_name_only_metrics_the_app_exports(client):
    exported = families(client.get("/metrics").text)
    exported.add("presslog_backup_last_success_timestamp_seconds")  # depends on backups
    counters = {f"{name}_total" for name in exported}
    histograms = {f"{name}{s}" for name in exported for s in ("_bucket", "_sum", "_count")}
    known = exported | counters | histograms
    used = set(re.findall(r"\bpresslog_[a-z_]+", (PROMETHEUS / "alerts.yml").read_text()))
    assert used - known == set()
    # Every exported series is documented.
    docs = OPERATIONS.read_text()
    for name in exported:
        documented = name if f"`{name}`" in docs else f"{name}_total"
        assert f"`{documented}`" in docs, name
    assert "## Backups and restore" in docs
    assert "backup.md" in docs

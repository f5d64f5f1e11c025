"""The job queue: immediate in tests, a real queue (SQLite or Redis) elsewhere."""

from __future__ import annotations

import sqlite3

import pytest
from flask import current_app
from huey.storage import RedisStorage, SqliteStorage

from presslog import jobs
from presslog.app import create_app

ran: list[tuple[str, str]] = []


@jobs.job(retries=0)
def remember(word: str) -> None:
    """A job that notes it ran, and in which app."""
    ran.append((word, current_app.config["PRESSLOG_ENV"]))


@pytest.fixture
def queued(tmp_path, monkeypatch, app):
    """A development app whose jobs wait in an SQLite queue in its instance folder;
    the test app is put back afterwards."""
    monkeypatch.setenv("PRESSLOG_INSTANCE_PATH", str(tmp_path / "dev-instance"))
    monkeypatch.delenv("REDIS_URL", raising=False)
    dev = create_app({"PRESSLOG_ENV": "development", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    yield dev
    jobs.configure_jobs(app)


def test_jobs_run_at_once_in_tests(app):
    ran.clear()
    remember("now")
    assert ran == [("now", "testing")]
    assert jobs.huey.immediate
    assert jobs.queue_depth() == 0


def test_elsewhere_jobs_wait_in_the_instance_folders_queue_until_a_worker_runs_them(queued):
    ran.clear()
    assert isinstance(jobs.huey.storage, SqliteStorage)
    assert (jobs.Path(queued.instance_path) / jobs.JOBS_FILE).exists()
    remember("later")
    assert ran == []
    assert jobs.queue_depth() == 1
    task = jobs.huey.dequeue()
    jobs.huey.execute(task)
    assert ran == [("later", "development")]
    assert jobs.queue_depth() == 0


def test_redis_holds_the_queue_when_redis_url_is_set(tmp_path, monkeypatch, app):
    monkeypatch.setenv("PRESSLOG_INSTANCE_PATH", str(tmp_path / "redis-instance"))
    try:
        create_app(
            {
                "PRESSLOG_ENV": "development",
                "SQLALCHEMY_DATABASE_URI": "sqlite://",
                "REDIS_URL": "redis://127.0.0.1:6379/15",
            }
        )
        assert isinstance(jobs.huey.storage, RedisStorage)
    finally:
        jobs.configure_jobs(app)
    assert jobs.huey.immediate


def test_the_worker_command_refuses_to_run_without_a_queue(app):
    result = app.test_cli_runner().invoke(args=["worker"])
    assert result.exit_code != 0
    assert "immediately" in result.output


def test_a_locked_job_file_is_opened_again_a_moment_later(monkeypatch):
    """Two processes creating the SQLite job file at once: the second waits, then opens it."""
    opened = object()
    calls = []

    def locked_twice():
        calls.append(1)
        if len(calls) <= 2:
            raise sqlite3.OperationalError("database is locked")
        return opened

    # The queue's mode and storage are put back afterwards (immediate, as in tests).
    monkeypatch.setattr(jobs.huey, "_immediate", jobs.huey._immediate)
    monkeypatch.setattr(jobs.huey, "storage", jobs.huey.storage)
    monkeypatch.setattr(jobs.huey, "create_storage", locked_twice)
    monkeypatch.setattr(jobs.time, "sleep", lambda _seconds: None)
    jobs._open_storage()
    assert len(calls) == 3
    assert jobs.huey.storage is opened
    assert jobs.huey.immediate is False


def test_other_job_file_errors_are_not_hidden(monkeypatch):
    def broken():
        raise sqlite3.OperationalError("unable to open database file")

    monkeypatch.setattr(jobs.huey, "_immediate", jobs.huey._immediate)
    monkeypatch.setattr(jobs.huey, "storage", jobs.huey.storage)
    monkeypatch.setattr(jobs.huey, "create_storage", broken)
    with pytest.raises(sqlite3.OperationalError, match="unable to open"):
        jobs._open_storage()

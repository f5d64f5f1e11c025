"""The presslog command line: users, tokens, demo data; failures exit non-zero in one line."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from presslog.core.security import token_digest, verify_password
from presslog.extensions import db
from presslog.users.models import ApiToken, User
from tests.conftest import login

STRONG = "plum-orbit-candle-42"
PRESSLOG = str(Path(sys.executable).with_name("presslog"))
ROLE_LIST = "admin, manager, staff, artist, shipping, viewer"


@pytest.fixture
def cli(app):
    """Run a presslog command in-process against the test app."""
    runner = app.test_cli_runner()

    def run(*args: str, stdin: str | None = None):
        result = runner.invoke(args=list(args), input=stdin)
        db.session.expire_all()
        return result

    return run


def users_named(username: str) -> list[User]:
    return list(db.session.execute(sa.select(User).where(User.username == username)).scalars())


def one_error_line(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    return lines[0]


def test_create_admin_reads_the_password_from_stdin(cli, client):
    result = cli(
        "create-admin",
        "--username",
        "Boss",
        "--email",
        "Boss@Example.com",
        "--password-stdin",
        stdin=STRONG + "\n",
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "Created admin boss."
    (user,) = users_named("boss")
    assert user.role == "admin"
    assert user.email == "boss@example.com"
    assert user.password_hash.startswith("$argon2id$")
    assert STRONG not in user.password_hash
    assert verify_password(user.password_hash, STRONG)
    assert login(client, "boss", STRONG).status_code == 302


def test_create_user_with_a_role_and_a_prompted_password(cli):
    result = cli(
        "create-user",
        "--username",
        "ann",
        "--email",
        "ann@example.com",
        "--role",
        "artist",
        stdin=f"{STRONG}\n{STRONG}\n",
    )
    assert result.exit_code == 0, result.output
    assert "Created artist ann." in result.stdout
    (user,) = users_named("ann")
    assert user.role == "artist"
    assert verify_password(user.password_hash, STRONG)


def test_prompted_passwords_that_differ_create_nobody(cli):
    result = cli(
        "create-user",
        "--username",
        "ann",
        "--email",
        "ann@example.com",
        "--role",
        "artist",
        stdin=f"{STRONG}\nsomething-else-1\n",
    )
    assert result.exit_code != 0
    assert "do not match" in result.output
    assert users_named("ann") == []


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short", "password: Password must be at least 12 characters."),
        ("", "password: Password is required."),
        ("frank-is-the-best-1", "password: Password must not contain your username or e-mail."),
    ],
)
def test_weak_password_is_refused(cli, password, reason):
    result = cli(
        "create-user",
        "--username",
        "frank",
        "--email",
        "fr@example.com",
        "--role",
        "staff",
        "--password-stdin",
        stdin=password + "\n",
    )
    assert result.exit_code == 1
    assert one_error_line(result) == f"Error: {reason}"
    assert users_named("frank") == []


def test_bad_role_and_email_are_named_in_the_error(cli):
    result = cli(
        "create-user",
        "--username",
        "gina",
        "--email",
        "not-an-email",
        "--role",
        "wizard",
        "--password-stdin",
        stdin=STRONG + "\n",
    )
    assert result.exit_code == 1
    line = one_error_line(result)
    assert "email: E-mail must look like name@example.com." in line
    assert f"role: Role must be one of: {ROLE_LIST}." in line
    assert users_named("gina") == []


def test_duplicate_username_or_email_is_refused(cli):
    first = cli(
        "create-user",
        "--username",
        "dup",
        "--email",
        "dup@example.com",
        "--role",
        "viewer",
        "--password-stdin",
        stdin=STRONG + "\n",
    )
    assert first.exit_code == 0, first.output
    again = cli(
        "create-user",
        "--username",
        "dup",
        "--email",
        "other@example.com",
        "--role",
        "staff",
        "--password-stdin",
        stdin=STRONG + "\n",
    )
    assert again.exit_code == 1
    assert one_error_line(again) == "Error: That username or e-mail is already in use."
    same_email = cli(
        "create-admin",
        "--username",
        "dup2",
        "--email",
        "DUP@example.com",
        "--password-stdin",
        stdin=STRONG + "\n",
    )
    assert same_email.exit_code == 1
    assert one_error_line(same_email) == "Error: That username or e-mail is already in use."
    (user,) = users_named("dup")
    assert user.role == "viewer"
    assert users_named("dup2") == []


def test_create_token_prints_a_working_token_once(cli, make_user, client):
    user = make_user("viewer")
    result = cli("create-token", "--username", user.username, "--name", "reporting")
    assert result.exit_code == 0, result.output
    plain = result.stdout.strip()
    assert re.fullmatch(r"plg_[A-Za-z0-9_-]{40,}", plain)

    (token,) = db.session.execute(sa.select(ApiToken)).scalars()
    assert token.name == "reporting"
    assert token.user_id == user.id
    assert token.digest == token_digest(plain)
    assert plain not in (token.digest, token.prefix)

    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {plain}"})
    assert me.status_code == 200
    assert me.get_json()["username"] == user.username
    wrong = client.get("/api/v1/me", headers={"Authorization": f"Bearer {plain}x"})
    assert wrong.status_code == 401


def test_create_token_for_an_unknown_user_fails(cli):
    result = cli("create-token", "--username", "ghost", "--name", "x")
    assert result.exit_code == 1
    assert one_error_line(result) == "Error: No user called 'ghost'."
    assert db.session.execute(sa.select(sa.func.count()).select_from(ApiToken)).scalar() == 0


def table_counts() -> dict[str, int]:
    return {
        t.name: db.session.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
        for t in db.metadata.sorted_tables
    }


def test_seed_demo_loads_data_once_and_demo_login_works(app, cli, client):
    before = cli("demo-login")
    assert before.exit_code == 1
    assert one_error_line(before) == "Error: no demo data yet: run 'presslog seed-demo' first"

    first = cli("seed-demo", "--orders", "300", "--customers", "20")
    assert first.exit_code == 0, first.output
    assert "added 6 users, 20 customers, 300 orders" in first.stdout
    counts = table_counts()
    assert counts["orders"] == 300
    assert counts["customers"] == 20
    assert counts["users"] == 6
    assert counts["charges"] >= 300
    assert counts["status_changes"] == 300

    second = cli("seed-demo", "--orders", "300", "--customers", "20")
    assert second.exit_code == 0, second.output
    assert "added 0 users, 0 customers, 0 orders (300 already there)" in second.stdout
    assert table_counts() == counts

    credentials = Path(app.instance_path) / "demo-credentials.txt"
    assert oct(credentials.stat().st_mode & 0o777) == "0o600"
    shown = cli("demo-login")
    assert shown.exit_code == 0
    assert shown.stdout.strip() == credentials.read_text().strip()
    match = re.search(r"username (\S+), password (\S+)", shown.stdout)
    assert match, shown.stdout
    username, password = match.groups()
    assert username == "admin"
    assert login(client, username, password).status_code == 302
    assert client.get("/api/v1/users").status_code == 200


def _console(
    args: list[str], env: dict[str, str], cwd: Path, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own console script
        [PRESSLOG, *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
        check=False,
    )


@pytest.fixture
def console_env(monkeypatch, tmp_path):
    """Settings for the ``presslog`` command run outside the test app."""
    for name in list(os.environ):
        if name.startswith(("PRESSLOG_", "FLASK_")) or name in ("SECRET_KEY", "DATABASE_URL"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("PRESSLOG_ENV", "testing")
    monkeypatch.setenv("PRESSLOG_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    monkeypatch.chdir(tmp_path)
    return os.environ


def run_main(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    """Run the console script's entry point in this process."""
    from presslog.cli import main

    monkeypatch.setattr(sys, "argv", ["presslog", *args])
    with pytest.raises(SystemExit) as exited:
        main()
    out = capsys.readouterr()
    return int(exited.value.code or 0), out.out, out.err


def test_installed_console_script_fails_in_one_line(console_env, tmp_path):
    """The real ``presslog`` executable (one process start: slow, so only one)."""
    result = subprocess.run(  # noqa: S603
        [
            PRESSLOG,
            "create-user",
            "--username",
            "zed",
            "--email",
            "zed@example.com",
            "--role",
            "wizard",
            "--password-stdin",
        ],
        input=STRONG + "\n",
        capture_output=True,
        text=True,
        env=dict(console_env),
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [f"Error: role: Role must be one of: {ROLE_LIST}."]
    assert result.stdout == ""


def test_console_help_lists_the_commands(console_env, monkeypatch, capsys):
    code, out, _err = run_main(monkeypatch, capsys, "--help")
    assert code == 0
    for command in (
        "create-admin",
        "create-user",
        "create-token",
        "seed-demo",
        "demo-login",
        "db",
        "routes",
        "serve",
    ):
        assert re.search(rf"^\s+{command}\b", out, re.MULTILINE), command


def test_console_refuses_unsafe_production_settings_in_one_line(console_env, monkeypatch, capsys):
    monkeypatch.setenv("PRESSLOG_ENV", "production")
    code, out, err = run_main(
        monkeypatch,
        capsys,
        "create-user",
        "--username",
        "zed",
        "--email",
        "zed@example.com",
        "--role",
        "viewer",
    )
    assert code == 1
    assert out == ""
    (line,) = err.strip().splitlines()
    assert line.startswith("Error: SECRET_KEY must be set to a random value")


def test_version_is_presslogs_own(console_env, monkeypatch, capsys):
    from presslog import __version__

    code, out, _err = run_main(monkeypatch, capsys, "--version")
    assert code == 0
    assert out.strip() == f"PressLog {__version__}"

"""Sign-in hardening: password policy, legacy hashes, lockout, rate limits, audit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from werkzeug.security import generate_password_hash

from presslog.core.db import utcnow
from presslog.core.security import configure_hasher, hash_password, is_legacy_hash
from presslog.extensions import db
from presslog.users.models import User
from presslog.users.passwords import (
    PERSONAL,
    TOO_COMMON,
    TOO_SHORT,
    common_passwords,
    password_errors,
)
from presslog.users.service import LockoutPolicy
from tests.conftest import PASSWORD, csrf_from, login
from tests.helpers import audit_events


def reloaded(user: User) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


def attempt(client, login_name: str, password: str, address: str = "127.0.0.1"):
    page = client.get("/login", environ_base={"REMOTE_ADDR": address})
    return client.post(
        "/login",
        data={"login": login_name, "password": password, "csrf_token": csrf_from(page.text)},
        environ_base={"REMOTE_ADDR": address},
    )


# -- password policy ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("short", TOO_SHORT),
        ("password1234", TOO_COMMON),
        ("Password2024!", TOO_COMMON),
        ("QWERTYUIOPASDF", TOO_COMMON),
        ("aaaaaaaaaaaaaaaa", TOO_COMMON),
        ("abababababababab", TOO_COMMON),
        ("my-name-is-pat.doe!", PERSONAL),
        ("i-am-patricia-99", PERSONAL),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(password, problem):
    assert password_errors(password, username="pat.doe", email="patricia@example.com") == [problem]


def test_a_long_uncommon_password_passes():
    assert password_errors("violet staple 42 ink", username="pat", email="pat@example.com") == []
    assert "violet staple 42 ink" not in common_passwords()
    assert len(common_passwords()) > 10_000
    assert all(len(p) >= 12 for p in list(common_passwords())[:1000])


# -- hashes ---------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["pbkdf2:sha256:1000", "scrypt:16384:8:1"])
def test_a_legacy_hash_signs_in_once_and_is_upgraded_to_argon2id(client, make_user, method):
    user = make_user("staff")
    user.password_hash = generate_password_hash(PASSWORD, method=method)
    db.session.commit()
    assert is_legacy_hash(user.password_hash)

    assert attempt(client, user.username, "not the password!!").status_code == 401
    assert is_legacy_hash(reloaded(user).password_hash)

    assert attempt(client, user.username, PASSWORD).status_code == 302
    upgraded = reloaded(user).password_hash
    assert upgraded.startswith("$argon2id$")
    other = client.application.test_client()
    assert attempt(other, user.username, PASSWORD).status_code == 302


def test_hashes_are_redone_when_the_argon2_parameters_change(app, client, make_user):
    user = make_user("staff")
    old = reloaded(user).password_hash
    configure_hasher(time_cost=2, memory_cost=8192, parallelism=1)
    try:
        assert attempt(client, user.username, PASSWORD).status_code == 302
        new = reloaded(user).password_hash
        assert new != old
        assert "m=8192,t=2,p=1" in new
    finally:
        configure_hasher(
            app.config["PASSWORD_HASH_TIME_COST"],
            app.config["PASSWORD_HASH_MEMORY_COST"],
            app.config["PASSWORD_HASH_PARALLELISM"],
        )


# -- lockout --------------------------------------------------------------------------


def test_lockout_grows_with_each_failure_and_is_capped():
    policy = LockoutPolicy(threshold=5, seconds=60, max_seconds=3600)
    assert [policy.lock_for(n) for n in range(1, 5)] == [None] * 4
    assert policy.lock_for(5) == timedelta(minutes=1)
    assert policy.lock_for(6) == timedelta(minutes=2)
    assert policy.lock_for(7) == timedelta(minutes=4)
    assert policy.lock_for(12) == timedelta(hours=1)
    assert policy.lock_for(500) == timedelta(hours=1)


def test_repeated_failures_lock_the_account_even_against_the_right_password(client, make_user):
    user = make_user("staff")
    for n in range(1, 6):
        response = attempt(client, user.username, f"wrong password {n}!")
        assert response.status_code == 401
    locked = reloaded(user)
    assert locked.failed_logins == 5
    assert locked.locked_until is not None
    assert timedelta(seconds=50) < locked.locked_until - utcnow() <= timedelta(minutes=1)

    # The right password during the lock gets the very same answer as a wrong one.
    refused = attempt(client, user.username, PASSWORD)
    wrong = attempt(client, "nobody-at-all", "some password!!")
    assert refused.status_code == wrong.status_code == 401
    assert "Wrong username or password" in refused.text
    assert "locked for a while" in refused.text
    assert client.get("/orders").status_code == 302
    assert reloaded(user).failed_logins == 5  # refused attempts do not extend the lock

    # Once the lock has passed, a failure locks again for twice as long.
    user = reloaded(user)
    user.locked_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert attempt(client, user.username, "wrong again!!!").status_code == 401
    relocked = reloaded(user)
    assert relocked.failed_logins == 6
    assert timedelta(seconds=110) < relocked.locked_until - utcnow() <= timedelta(minutes=2)

    relocked.locked_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert attempt(client, user.username, PASSWORD).status_code == 302
    freed = reloaded(user)
    assert (freed.failed_logins, freed.locked_until) == (0, None)
    assert freed.last_login_at is not None


def test_every_sign_in_outcome_is_audited_without_secrets(client, make_user):
    user = make_user("staff")
    attempt(client, user.username, "wrong password!!")
    attempt(client, "ghost", "another wrong one")
    attempt(client, "correct horse battery", "typed in the wrong box")
    assert attempt(client, user.username, PASSWORD).status_code == 302
    token = csrf_from(client.get("/orders").text)
    client.post("/logout", data={"csrf_token": token})

    log = audit_events()
    assert [(e.action, e.entity_key) for e in log] == [
        ("login.failure", user.username),
        ("login.failure", "ghost"),
        ("login.failure", None),  # not a name: perhaps a password, never stored
        ("login.success", user.username),
        ("logout", user.username),
    ]
    assert log[0].actor_id == user.id
    assert "Wrong password" in log[0].summary
    assert log[1].summary == "Unknown username or e-mail"
    assert all(e.ip == "127.0.0.1" for e in log)
    assert all(e.request_id for e in log)
    text = repr([(e.summary, e.changes, e.entity_key) for e in log])
    assert PASSWORD not in text
    assert "wrong password!!" not in text
    assert "typed in the wrong box" not in text


def test_a_deactivated_account_cannot_sign_in_and_says_nothing_more(client, make_user):
    user = make_user("staff", active=False)
    response = attempt(client, user.username, PASSWORD)
    assert response.status_code == 401
    assert "Wrong username or password" in response.text
    assert "Account deactivated" in audit_events("login.failure")[0].summary


# -- rate limits ----------------------------------------------------------------------


def test_thirty_wrong_passwords_in_a_minute_are_answered_429_with_retry_after(client):
    answers = [attempt(client, f"someone{n}", "wrong password!!") for n in range(30)]
    statuses = [a.status_code for a in answers]
    assert statuses[:20] == [401] * 20
    assert set(statuses[20:]) == {429}
    last = answers[-1]
    assert 0 < int(last.headers["Retry-After"]) <= 60
    assert "Too many failed sign-in attempts" in last.text
    # Another address is not affected.
    assert attempt(client, "someone", "wrong password!!", address="10.0.0.2").status_code == 401


def test_one_account_tried_from_many_addresses_is_limited_too(client):
    statuses = [
        attempt(client, "target", "wrong password!!", address=f"10.1.0.{n}").status_code
        for n in range(12)
    ]
    assert statuses[:10] == [401] * 10
    assert statuses[10:] == [429, 429]


def test_successful_sign_ins_do_not_use_up_the_limit(app, make_user):
    user = make_user("staff")
    for _ in range(25):
        fresh = app.test_client()
        assert attempt(fresh, user.username, PASSWORD).status_code == 302


def test_only_sign_in_attempts_are_limited_not_the_page(client):
    for n in range(20):
        attempt(client, f"x{n}", "wrong password!!")
    page = client.get("/login")
    assert page.status_code == 200
    assert attempt(client, "x", "wrong password!!").status_code == 429


# -- sessions and cookies -------------------------------------------------------------


def test_the_session_is_renewed_at_sign_in(client, make_user):
    user = make_user("staff")
    client.get("/login")
    with client.session_transaction() as before:
        before["planted"] = "by an attacker"
    assert login(client, user.username).status_code == 302
    with client.session_transaction() as after:
        assert "planted" not in after
        assert after["_user_id"].startswith(f"{user.id}:")


def test_remember_me_survives_the_session_but_not_a_password_change(app, make_user):
    user = make_user("staff")
    browser = app.test_client()
    response = login(browser, user.username, remember=True)
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if "remember_token=" in c)
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    remembered = browser.get_cookie("remember_token").value

    returning = app.test_client()
    returning.set_cookie("remember_token", remembered)
    assert returning.get("/orders").status_code == 200

    user = reloaded(user)
    user.password_hash = hash_password("a brand new passphrase 7")
    db.session.commit()
    later = app.test_client()
    later.set_cookie("remember_token", remembered)
    assert later.get("/orders").status_code == 302


def test_logout_needs_post_with_csrf(client, make_user):
    user = make_user("staff")
    login(client, user.username)
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert client.get("/orders").status_code == 200
    token = csrf_from(client.get("/orders").text)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/orders").status_code == 302

"""User administration rules (presslog/users/admin.py): validation, the last-admin and
own-account guards, optimistic locking, the trash, tokens and the audit events."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from presslog.core.db import utcnow
from presslog.core.errors import Conflict, NotFound, StaleVersion, ValidationError
from presslog.core.pagination import PageRequest
from presslog.core.security import token_digest, verify_password
from presslog.core.transaction import transaction
from presslog.extensions import db
from presslog.users import admin, repository, rules
from presslog.users.models import ApiToken, User
from tests.helpers import audit_events, named_user, stored_user

PASSWORD = "plum-orbit-cactus-42"


def run(fn: Any, **kwargs: Any) -> Any:
    """Call a service function in a unit of work, as the routes do."""
    with transaction():
        return fn(**kwargs)


# -- creating -----------------------------------------------------------------------------


def test_create_user_stores_a_hash_and_audits_without_the_password(app):
    made = run(
        admin.create_user,
        data={
            "username": " Pat.Doe ",
            "email": "Pat@Example.com",
            "full_name": " Pat Doe ",
            "role": "artist",
            "password": PASSWORD,
        },
    )
    pat = stored_user("pat.doe")
    assert (pat.email, pat.full_name, pat.role, pat.active) == (
        "pat@example.com",
        "Pat Doe",
        "artist",
        True,
    )
    assert made.id == pat.id
    assert pat.password_hash != PASSWORD
    assert verify_password(pat.password_hash, PASSWORD)
    (event,) = audit_events(action="user.create")
    assert event.entity_key == "pat.doe"
    assert event.changes["role"] == [None, "artist"]
    assert PASSWORD not in str(event.changes)


def test_create_user_names_every_bad_field_at_once(app):
    with pytest.raises(ValidationError) as caught:
        run(
            admin.create_user,
            data={
                "username": "x",
                "email": "nobody",
                "full_name": "N" * 121,
                "role": "owner",
                "password": "short",
            },
        )
    assert caught.value.errors == {
        "username": [rules.USERNAME.pattern_message],
        "email": [rules.EMAIL.pattern_message],
        "full_name": [rules.FULL_NAME.length_message],
        "role": [rules.ROLE.choice_message],
        "password": [f"Password must be at least {rules.PASSWORD.min_length} characters."],
    }
    assert db.session.execute(select(User)).first() is None


def test_create_user_refuses_a_reserved_or_taken_username(app):
    with pytest.raises(ValidationError) as caught:
        run(
            admin.create_user,
            data={
                "username": "new",
                "email": "n@example.com",
                "role": "staff",
                "password": PASSWORD,
            },
        )
    assert list(caught.value.errors) == ["username"]
    assert "reserved" in caught.value.errors["username"][0]
    named_user("pat", email="pat@example.com")
    for clash in (
        {"username": "PAT", "email": "other@example.com"},
        {"username": "pat2", "email": "PAT@example.com"},
    ):
        with pytest.raises(Conflict, match="already in use"):
            run(admin.create_user, data={**clash, "role": "staff", "password": PASSWORD})
    assert db.session.execute(select(User.username)).scalars().all() == ["pat"]


# -- changing -----------------------------------------------------------------------------


def test_update_user_records_each_kind_of_change_with_one_new_version(app):
    boss = named_user("boss", role="admin")
    pat = named_user("pat", full_name="Pat Doe", email="pat@example.com")

    run(
        admin.update_user,
        username="pat",
        data={
            "full_name": "Patricia Doe",
            "email": " Patricia@Example.com ",
            "role": "manager",
            "active": False,
        },
        expected_version=pat.version,
        actor=boss,
    )

    now = stored_user("pat")
    assert (now.full_name, now.email, now.role, now.active, now.version) == (
        "Patricia Doe",
        "patricia@example.com",
        "manager",
        False,
        2,
    )
    changes = {
        e.action: e.changes for e in audit_events(entity_key="pat") if e.action != "user.create"
    }
    assert changes == {
        "user.update": {
            "full_name": ["Pat Doe", "Patricia Doe"],
            "email": ["pat@example.com", "patricia@example.com"],
        },
        "user.role": {"role": ["staff", "manager"]},
        "user.deactivate": {"active": [True, False]},
    }
    assert {e.actor for e in audit_events(entity_key="pat")} == {"boss"}


def test_an_update_that_changes_nothing_keeps_the_version_and_the_log(app):
    pat = named_user("pat", full_name="Pat Doe", email="pat@example.com")
    run(
        admin.update_user,
        username="pat",
        data={"full_name": " Pat Doe ", "email": "PAT@example.com", "role": "staff"},
        expected_version=1,
        actor=None,
    )
    assert stored_user("pat").version == pat.version == 1
    assert audit_events() == []


def test_update_user_names_bad_fields_and_saves_nothing(app):
    named_user("pat", full_name="Pat Doe")
    with pytest.raises(ValidationError) as caught:
        run(
            admin.update_user,
            username="pat",
            data={"email": "", "full_name": "x" * 121, "role": "boss", "active": "yes"},
            expected_version=1,
            actor=None,
        )
    assert caught.value.errors == {
        "email": [rules.EMAIL.required_message],
        "full_name": [rules.FULL_NAME.length_message],
        "role": [rules.ROLE.choice_message],
        "active": ["Active must be true or false."],
    }
    assert (stored_user("pat").full_name, stored_user("pat").version) == ("Pat Doe", 1)


def test_usernames_cannot_change(app):
    named_user("pat")
    with pytest.raises(ValidationError) as caught:
        run(
            admin.update_user,
            username="pat",
            data={"username": "patty"},
            expected_version=1,
            actor=None,
        )
    assert caught.value.errors == {"username": ["Usernames cannot be changed once created."]}
    # The same name again (in any case) is not a change.
    run(
        admin.update_user,
        username="pat",
        data={"username": "PAT", "full_name": "P"},
        expected_version=1,
        actor=None,
    )
    assert stored_user("pat").full_name == "P"


def test_an_email_another_user_has_is_refused_on_the_field(app):
    named_user("pat", email="pat@example.com")
    named_user("sam", email="sam@example.com", deleted_at=utcnow())
    with pytest.raises(Conflict) as caught:
        run(
            admin.update_user,
            username="pat",
            data={"email": "SAM@example.com"},
            expected_version=1,
            actor=None,
        )
    assert caught.value.field == "email"
    assert stored_user("pat").email == "pat@example.com"


def test_a_stale_version_is_refused_and_nothing_saved(app):
    pat = named_user("pat", full_name="Pat Doe")
    run(
        admin.update_user,
        username="pat",
        data={"full_name": "First"},
        expected_version=pat.version,
        actor=None,
    )
    for change in (
        lambda: admin.update_user(
            username="pat", data={"full_name": "Second"}, expected_version=1, actor=None
        ),
        lambda: admin.change_role(username="pat", role="viewer", expected_version=1, actor=None),
        lambda: admin.deactivate(username="pat", expected_version=1, actor=None),
        lambda: admin.delete_user(username="pat", expected_version=1, actor=None),
        lambda: admin.create_token(username="pat", name="scale", expected_version=1),
    ):
        with pytest.raises(StaleVersion, match="User pat was changed by someone else"):
            run(change)
    now = stored_user("pat")
    assert (now.full_name, now.role, now.active, now.deleted_at, now.version) == (
        "First",
        "staff",
        True,
        None,
        2,
    )
    assert db.session.execute(select(ApiToken)).first() is None


# -- the last administrator and one's own account -------------------------------------------


def test_the_last_active_admin_cannot_be_demoted_deactivated_or_deleted(app):
    boss = named_user("boss", role="admin")
    named_user("old", role="admin", active=False)  # inactive admins do not count
    named_user("gone", role="admin", deleted_at=utcnow())  # nor deleted ones
    attempts = [
        (
            lambda: admin.change_role(
                username="boss", role="manager", expected_version=1, actor=boss
            ),
            "role",
        ),
        (
            lambda: admin.update_user(
                username="boss", data={"role": "staff"}, expected_version=1, actor=None
            ),
            "role",
        ),
        (
            lambda: admin.update_user(
                username="boss", data={"active": False}, expected_version=1, actor=None
            ),
            "active",
        ),
        (lambda: admin.deactivate(username="boss", expected_version=1, actor=None), "active"),
        (lambda: admin.delete_user(username="boss", expected_version=1, actor=None), None),
    ]
    for attempt, field in attempts:
        with pytest.raises(Conflict, match="boss is the last active administrator") as caught:
            run(attempt)
        assert caught.value.field == field
    now = stored_user("boss")
    assert (now.role, now.active, now.deleted_at, now.version) == ("admin", True, None, 1)
    assert audit_events() == []


def test_with_a_second_admin_one_may_step_down(app):
    boss = named_user("boss", role="admin")
    named_user("deputy", role="admin")
    run(admin.change_role, username="boss", role="manager", expected_version=1, actor=boss)
    assert stored_user("boss").role == "manager"
    deputy = stored_user("deputy")
    with pytest.raises(Conflict, match="last active administrator"):
        run(admin.change_role, username="deputy", role="staff", expected_version=1, actor=deputy)


def test_an_admin_cannot_deactivate_or_delete_their_own_account(app):
    boss = named_user("boss", role="admin")
    named_user("deputy", role="admin")
    for attempt in (admin.deactivate, admin.delete_user):
        with pytest.raises(Conflict, match=r"You cannot .* your own account"):
            run(attempt, username="boss", expected_version=1, actor=boss)
    with pytest.raises(Conflict, match="You cannot deactivate your own account") as caught:
        run(
            admin.update_user,
            username="boss",
            data={"active": False},
            expected_version=1,
            actor=boss,
        )
    assert caught.value.field == "active"
    assert (stored_user("boss").active, stored_user("boss").deleted_at) == (True, None)


# -- access, lock and trash ------------------------------------------------------------------


def test_deactivate_and_reactivate(app):
    boss = named_user("boss", role="admin")
    named_user("pat")
    run(admin.deactivate, username="pat", expected_version=1, actor=boss)
    assert not stored_user("pat").is_active
    with pytest.raises(Conflict, match="already deactivated"):
        run(admin.deactivate, username="pat", expected_version=2, actor=boss)
    with pytest.raises(Conflict, match="Reactivate them first"):
        run(admin.create_token, username="pat", name="scale")
    run(admin.reactivate, username="pat", expected_version=2, actor=boss)
    assert stored_user("pat").is_active
    assert [(e.action, e.changes) for e in audit_events(entity_key="pat")] == [
        ("user.deactivate", {"active": [True, False]}),
        ("user.reactivate", {"active": [False, True]}),
    ]


def test_unlock_clears_failed_sign_ins_and_the_lock(app):
    until = utcnow() + timedelta(minutes=30)
    pat = named_user("pat", failed_logins=6, locked_until=until)
    assert admin.is_locked(pat)
    run(admin.unlock, username="pat", expected_version=1, actor=None)
    now = stored_user("pat")
    assert (now.failed_logins, now.locked_until, admin.is_locked(now)) == (0, None, False)
    (event,) = audit_events(action="user.update")
    assert event.changes == {"failed_logins": [6, 0], "locked_until": [until.isoformat(), None]}
    with pytest.raises(Conflict, match="not locked"):
        run(admin.unlock, username="pat", expected_version=2, actor=None)


def test_delete_and_restore(app):
    boss = named_user("boss", role="admin")
    named_user("pat")
    run(admin.delete_user, username="pat", expected_version=1, actor=boss)
    gone = stored_user("pat")
    assert gone.deleted_at is not None
    assert not gone.is_active
    assert admin.status_of(gone) == "deleted"
    assert repository.get_by_login("pat") is None  # cannot sign in
    for attempt in (
        lambda: admin.update_user(
            username="pat", data={"full_name": "X"}, expected_version=2, actor=boss
        ),
        lambda: admin.delete_user(username="pat", expected_version=2, actor=boss),
        lambda: admin.create_token(username="pat", name="scale"),
    ):
        with pytest.raises(Conflict, match="in the trash"):
            run(attempt)
    run(admin.restore_user, username="pat", expected_version=2, actor=boss)
    assert admin.status_of(stored_user("pat")) == "active"
    with pytest.raises(Conflict, match="not in the trash"):
        run(admin.restore_user, username="pat", expected_version=3, actor=boss)
    (deleted,) = audit_events(action="user.delete")
    (restored,) = audit_events(action="user.restore")
    assert deleted.changes["deleted_at"][0] is None
    assert restored.changes["deleted_at"][1] is None


def test_unknown_users_are_not_found(app):
    with pytest.raises(NotFound, match="No user called 'nobody'"):
        admin.get_user("Nobody")


# -- tokens ------------------------------------------------------------------------------


def test_tokens_are_stored_as_digests_and_revoked_once(app):
    named_user("pat")
    token, plain = run(admin.create_token, username="pat", name=" Shipping scale ")
    row = db.session.get(ApiToken, token.id)
    assert row.digest == token_digest(plain)
    assert plain not in (row.digest, row.prefix, row.name)
    assert row.name == "Shipping scale"
    assert plain.startswith(row.prefix)

    revoked = run(admin.revoke_token, username="pat", token_id=token.id, actor=None)
    assert revoked.revoked_at is not None
    with pytest.raises(Conflict, match="already revoked"):
        run(admin.revoke_token, username="pat", token_id=token.id, actor=None)
    assert [e.action for e in audit_events(entity_key="pat")] == ["token.create", "token.revoke"]


def test_a_token_is_revoked_only_through_its_owner(app):
    named_user("pat")
    named_user("sam")
    token, _plain = run(admin.create_token, username="sam", name="scale")
    with pytest.raises(NotFound, match="pat has no API token"):
        run(admin.revoke_token, username="pat", token_id=token.id, actor=None)
    assert db.session.get(ApiToken, token.id).revoked_at is None
    with pytest.raises(ValidationError) as caught:
        run(admin.create_token, username="pat", name="  ")
    assert caught.value.errors == {"name": [rules.TOKEN_NAME.required_message]}


# -- the list ---------------------------------------------------------------------------


def test_list_searches_filters_and_sorts(app):
    now = utcnow()
    named_user(
        "alice",
        role="staff",
        email="alice@shop.example",
        full_name="Alice Mendez",
        last_login_at=now,
    )
    named_user(
        "bob",
        role="admin",
        email="bob@shop.example",
        full_name="Robert Brown",
        last_login_at=now - timedelta(days=2),
    )
    named_user(
        "carol", role="viewer", email="carol@other.example", full_name="Carol Kim", active=False
    )
    named_user("dave", role="staff", email="dave@shop.example", full_name="Dave Ng", deleted_at=now)

    def names(sort: str | None = None, **filters: Any) -> list[str]:
        page = admin.list_users(repository.UserFilters(**filters), sort=sort, page=PageRequest())
        return [u.username for u in page.items]

    assert names() == ["alice", "bob", "carol"]
    assert names(q="MENDEZ") == ["alice"]
    assert names(q="Other.Example") == ["carol"]
    assert names(q="OB") == ["bob"]  # username, e-mail and name: b-o-b, Robert
    assert names(q="100%") == []
    assert names(role="staff") == ["alice"]
    assert names(status="active") == ["alice", "bob"]
    assert names(status="inactive") == ["carol"]
    assert names(status="deleted") == ["dave"]
    assert names(sort="role") == ["bob", "alice", "carol"]  # admin first, as ROLES lists them
    assert names(sort="-role") == ["carol", "alice", "bob"]
    # Never signed in comes last both ways, on either database.
    assert names(sort="last_login_at") == ["bob", "alice", "carol"]
    assert names(sort="-last_login_at") == ["alice", "bob", "carol"]
    assert names(sort="nonsense") == ["alice", "bob", "carol"]
    second = admin.list_users(repository.UserFilters(), sort="-created_at", page=PageRequest(2, 2))
    assert (second.total, second.pages, [u.username for u in second.items]) == (3, 2, ["alice"])

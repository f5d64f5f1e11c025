"""User administration pages (/admin/users) through the real forms: list, add, edit,
role, access, lock, trash and API tokens, as an admin and as everyone else."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from presslog.core.db import utcnow
from presslog.core.security import ROLE_CAPABILITIES, token_digest, verify_password
from presslog.extensions import db
from presslog.users import rules
from presslog.users.models import ApiToken, User
from tests.conftest import PASSWORD, login
from tests.helpers import (
    audit_events,
    error_beside,
    form_data,
    invalid_controls,
    link,
    named_user,
    page_text,
    sort_link,
    stored_user,
)

NEW_PASSWORD = "plum-orbit-cactus-42"


def listed(page: str) -> list[str]:
    return re.findall(r'<a class="fw-semibold" href="/admin/users/([^"/]+)">', page)


def action(client: Any, username: str, name: str, **extra: str) -> Any:
    """Press an action button on the user's page, with what that page's form sends."""
    url = f"/admin/users/{username}/{name}"
    data = form_data(client.get(f"/admin/users/{username}").text, action=url)
    data.update(extra)
    return client.post(url, data=data)


def signed_in(client: Any) -> bool:
    return client.get("/orders").status_code == 200


@pytest.fixture
def boss(as_role: Any) -> Any:
    """A client signed in as the shop's only administrator."""
    return as_role("admin")


# -- who may ------------------------------------------------------------------------------


def test_only_admins_reach_the_user_pages(app, as_role, boss):
    named_user("pat")
    pages = ["/admin/users", "/admin/users/new", "/admin/users/pat", "/admin/users/pat/edit"]
    for role in sorted(set(ROLE_CAPABILITIES) - {"admin"}):
        client = as_role(role)
        for url in pages:
            assert client.get(url).status_code == 403, (role, url)
        for name in ("deactivate", "delete", "role", "unlock", "tokens"):
            refused = client.post(
                f"/admin/users/pat/{name}",
                data={"csrf_token": client.csrf, "version": "1", "role": "admin", "name": "x"},
            )
            assert refused.status_code == 403, (role, name)
    assert (stored_user("pat").role, stored_user("pat").active, stored_user("pat").version) == (
        "staff",
        True,
        1,
    )
    assert (
        db.session.execute(select(ApiToken).join(User).where(User.username == "pat")).first()
        is None
    )
    anonymous = app.test_client().get("/admin/users")
    assert anonymous.status_code == 302
    assert anonymous.headers["Location"].startswith("/login?next=/admin/users")
    for url in pages:
        assert boss.get(url).status_code == 200, url


# -- the list -----------------------------------------------------------------------------


def test_list_searches_filters_and_sorts(boss):
    now = utcnow()
    named_user("alice", email="alice@shop.example", full_name="Alice Mendez", last_login_at=now)
    named_user(
        "bob",
        role="manager",
        email="bob@team.example",
        full_name="Robert Brown",
        last_login_at=now - timedelta(days=1),
    )
    named_user(
        "carol", role="viewer", email="carol@team.example", full_name="Carol Kim", active=False
    )
    named_user("dave", email="dave@shop.example", full_name="Dave Ng", deleted_at=now)
    me = boss.user.username

    everyone = boss.get("/admin/users")
    assert listed(everyone.text) == sorted(["alice", "bob", "carol", me])
    assert "Inactive" in page_text(everyone.text)
    assert listed(boss.get("/admin/users?q=mendez").text) == ["alice"]
    assert listed(boss.get("/admin/users?q=KIM").text) == ["carol"]
    assert listed(boss.get("/admin/users?q=BOB").text) == ["bob"]
    assert listed(boss.get("/admin/users?role=manager").text) == ["bob"]
    assert listed(boss.get("/admin/users?status=inactive").text) == ["carol"]
    assert listed(boss.get("/admin/users?status=deleted").text) == ["dave"]
    assert listed(boss.get("/admin/users?status=active&role=staff").text) == ["alice"]
    nobody = boss.get("/admin/users?q=zzz")
    assert listed(nobody.text) == []
    assert "No users match." in nobody.text

    by_role = boss.get("/admin/users?sort=role&q=team.example")
    assert listed(by_role.text) == ["bob", "carol"]  # manager before viewer
    assert 'name="q" value="team.example"' in by_role.text
    query, state = sort_link(by_role.text, "Role")
    assert (query, state) == ({"q": ["team.example"], "sort": ["-role"]}, "ascending")
    assert listed(boss.get("/admin/users?sort=-role").text) == ["carol", "alice", "bob", me]
    # The admin signed in before the others were made; carol never did: last either way.
    assert listed(boss.get("/admin/users?sort=-last_login_at").text) == [
        "alice",
        me,
        "bob",
        "carol",
    ]
    assert listed(boss.get("/admin/users?sort=last_login_at").text) == ["bob", me, "alice", "carol"]
    assert listed(boss.get("/admin/users?sort=created_at").text) == [me, "alice", "bob", "carol"]
    assert listed(boss.get("/admin/users?sort=-created_at").text) == ["carol", "bob", "alice", me]


def test_list_pages_keep_the_filters(boss):
    for n in range(5):
        named_user(f"team{n}", role="artist")
    named_user("other", role="viewer")
    first = boss.get("/admin/users?role=artist&per_page=2")
    assert listed(first.text) == ["team0", "team1"]
    assert "1–2 of 5" in first.text
    nxt = link(first.text, "next")
    assert nxt == {"role": ["artist"], "per_page": ["2"], "page": ["2"]}
    second = boss.get("/admin/users", query_string={k: v[0] for k, v in nxt.items()})
    assert listed(second.text) == ["team2", "team3"]


# -- adding -------------------------------------------------------------------------------


def new_user_form(client: Any, **values: str) -> dict[str, str]:
    data = form_data(client.get("/admin/users/new").text, has="username")
    data.update(
        {
            "username": "Pat.Doe",
            "email": "Pat@Example.com",
            "full_name": "Pat Doe",
            "role": "artist",
            "password": NEW_PASSWORD,
        }
    )
    data.update(values)
    return data


def test_add_a_user_through_the_form(boss, app):
    response = boss.post("/admin/users/new", data=new_user_form(boss))
    assert response.status_code == 302, page_text(response.text)
    assert response.headers["Location"] == "/admin/users/pat.doe"
    pat = stored_user("pat.doe")
    assert (pat.email, pat.full_name, pat.role, pat.active) == (
        "pat@example.com",
        "Pat Doe",
        "artist",
        True,
    )
    assert verify_password(pat.password_hash, NEW_PASSWORD)
    assert "User pat.doe added as artist." in boss.get("/admin/users/pat.doe").text
    (event,) = audit_events(action="user.create")
    assert (event.actor, event.entity_key) == (boss.user.username, "pat.doe")
    assert NEW_PASSWORD not in str(event.changes)
    assert login(app.test_client(), "pat.doe", NEW_PASSWORD).status_code == 302


def test_add_user_names_bad_fields_beside_them(boss):
    response = boss.post(
        "/admin/users/new",
        data=new_user_form(boss, username="x", email="nobody", role="", password="short"),
    )
    assert response.status_code == 422
    assert error_beside(response.text, "username") == rules.USERNAME.pattern_message
    assert error_beside(response.text, "email") == rules.EMAIL.pattern_message
    assert error_beside(response.text, "role") == rules.ROLE.required_message
    assert invalid_controls(response.text) == {"username", "email", "role", "password"}
    assert 'value="short"' not in response.text  # a password is never sent back
    weak = boss.post("/admin/users/new", data=new_user_form(boss, password="pat.doe-1234567"))
    assert weak.status_code == 422
    assert "must not contain your username" in error_beside(weak.text, "password")
    assert (
        db.session.execute(select(User).where(User.username != boss.user.username)).first() is None
    )


def test_add_user_with_a_taken_or_reserved_name_is_refused(boss):
    named_user("pat.doe", email="someone@example.com")
    taken = boss.post("/admin/users/new", data=new_user_form(boss))
    assert taken.status_code == 409
    assert "That username or e-mail is already in use." in page_text(taken.text)
    reserved = boss.post("/admin/users/new", data=new_user_form(boss, username="new"))
    assert reserved.status_code == 422
    assert "reserved" in error_beside(reserved.text, "username")
    assert stored_user("pat.doe").email == "someone@example.com"


# -- the user's page and editing ----------------------------------------------------------


def test_user_page_shows_account_sign_in_and_tokens(boss):
    pat = named_user(
        "pat",
        full_name="Pat Doe",
        email="pat@example.com",
        failed_logins=3,
        last_login_at=utcnow() - timedelta(hours=1),
    )
    db.session.add(ApiToken(user=pat, name="Scale", prefix="plg_abcdefgh", digest="d" * 64))
    db.session.commit()
    text = page_text(boss.get("/admin/users/pat").text)
    assert "Pat Doe pat" in text
    assert "E-mail pat@example.com" in text
    assert "Role Front desk" in text
    assert "Failed sign-ins 3" in text
    assert "Locked until Not locked" in text
    assert "Scale plg_abcdefgh…" in text
    assert "d" * 64 not in text
    assert "Unlock" in text
    assert boss.get("/admin/users/nobody").status_code == 404


def test_edit_a_user_changes_name_email_and_role_and_audits_each(boss):
    named_user("pat", full_name="Pat Doe", email="pat@example.com")
    data = form_data(boss.get("/admin/users/pat/edit").text, has="version")
    assert "username" not in data  # shown, but disabled
    data.update(
        {
            "full_name": "Patricia Doe",
            "email": "Patricia@Example.com",
            "role": "manager",
            "username": "hacker",
        }
    )
    response = boss.post("/admin/users/pat/edit", data=data)
    assert response.status_code == 302, page_text(response.text)
    assert response.headers["Location"] == "/admin/users/pat"
    pat = stored_user("pat")
    assert (pat.full_name, pat.email, pat.role, pat.version) == (
        "Patricia Doe",
        "patricia@example.com",
        "manager",
        2,
    )
    assert db.session.execute(select(User).where(User.username == "hacker")).first() is None
    assert "User pat saved." in boss.get("/admin/users/pat").text
    by_action = {e.action: e.changes for e in audit_events(entity_key="pat")}
    assert by_action == {
        "user.update": {
            "full_name": ["Pat Doe", "Patricia Doe"],
            "email": ["pat@example.com", "patricia@example.com"],
        },
        "user.role": {"role": ["staff", "manager"]},
    }


def test_edit_with_a_bad_or_taken_email_shows_it_beside_the_field(boss):
    named_user("pat", email="pat@example.com")
    named_user("sam", email="sam@example.com")
    data = form_data(boss.get("/admin/users/pat/edit").text, has="version")
    bad = boss.post("/admin/users/pat/edit", data={**data, "email": "nobody"})
    assert bad.status_code == 422
    assert error_beside(bad.text, "email") == rules.EMAIL.pattern_message
    taken = boss.post("/admin/users/pat/edit", data={**data, "email": "SAM@example.com"})
    assert taken.status_code == 409
    assert error_beside(taken.text, "email") == "That e-mail is already used by another user."
    assert (stored_user("pat").email, stored_user("pat").version) == ("pat@example.com", 1)


def test_stale_edit_is_refused_and_the_first_change_kept(as_role, boss):
    other = as_role("admin")
    named_user("pat", full_name="Pat Doe")
    mine = form_data(boss.get("/admin/users/pat/edit").text, has="version")
    theirs = form_data(other.get("/admin/users/pat/edit").text, has="version")
    assert (
        other.post("/admin/users/pat/edit", data={**theirs, "full_name": "Theirs"}).status_code
        == 302
    )

    response = boss.post(
        "/admin/users/pat/edit", data={**mine, "full_name": "Mine", "role": "viewer"}
    )
    assert response.status_code == 409
    assert "Your changes were <strong>not saved</strong>" in response.text
    assert "User pat was changed by someone else" in response.text
    pat = stored_user("pat")
    assert (pat.full_name, pat.role, pat.version) == ("Theirs", "staff", 2)


# -- role ---------------------------------------------------------------------------------


def test_role_change_takes_effect_on_the_next_request(boss, as_role):
    pat = as_role("staff")
    assert pat.get("/customers/new").status_code == 200
    response = action(boss, pat.user.username, "role", role="viewer")
    assert response.status_code == 302
    assert f"{pat.user.username} is now Viewer." in boss.get(response.headers["Location"]).text
    assert pat.get("/customers/new").status_code == 403
    assert pat.get("/customers").status_code == 200
    (event,) = audit_events(action="user.role")
    assert (event.actor, event.changes) == (boss.user.username, {"role": ["staff", "viewer"]})


def test_the_last_admin_cannot_be_demoted(boss):
    me = boss.user.username
    version = stored_user(me).version  # signing in saved the account once already
    response = action(boss, me, "role", role="manager")
    assert response.status_code == 409
    assert f"{me} is the last active administrator" in page_text(response.text)
    assert stored_user(me).role == "admin"
    data = form_data(boss.get(f"/admin/users/{me}/edit").text, has="version")
    edit = boss.post(f"/admin/users/{me}/edit", data={**data, "role": "staff"})
    assert edit.status_code == 409
    assert "last active administrator" in error_beside(edit.text, "role")
    assert (stored_user(me).role, stored_user(me).version) == ("admin", version)
    assert audit_events(action="user.role") == []


def test_an_admin_who_steps_down_lands_on_the_orders(boss, as_role):
    as_role("admin")  # a second admin, so stepping down is allowed
    response = action(boss, boss.user.username, "role", role="manager")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert boss.get("/admin/users").status_code == 403


# -- access -------------------------------------------------------------------------------


def test_deactivated_user_is_signed_out_and_cannot_sign_in(app, boss, as_role):
    pat = as_role("staff")
    name = pat.user.username
    assert signed_in(pat)
    response = action(boss, name, "deactivate")
    assert response.status_code == 302
    assert "is deactivated" in boss.get(f"/admin/users/{name}").text
    assert not signed_in(pat)  # the existing session ends
    assert pat.get("/orders").headers["Location"].startswith("/login")
    assert login(app.test_client(), name, PASSWORD).status_code == 401
    (event,) = audit_events(action="user.deactivate")
    assert event.changes == {"active": [True, False]}

    assert action(boss, name, "reactivate").status_code == 302
    assert login(app.test_client(), name, PASSWORD).status_code == 302
    assert [e.changes for e in audit_events(action="user.reactivate")] == [
        {"active": [False, True]}
    ]


def test_an_admin_cannot_deactivate_or_delete_themselves(boss, as_role):
    as_role("admin")  # not the last admin: the refusal is about their own account
    me = boss.user.username
    version = stored_user(me).version  # signing in saved the account once already
    assert "You cannot deactivate or delete your own account" in page_text(
        boss.get(f"/admin/users/{me}").text
    )
    page = boss.get(f"/admin/users/{me}").text
    token = form_data(page, action=f"/admin/users/{me}/role")
    for name, doing in (("deactivate", "deactivate"), ("delete", "delete")):
        response = boss.post(f"/admin/users/{me}/{name}", data=token)
        assert response.status_code == 409
        assert f"You cannot {doing} your own account." in page_text(response.text)
    me_now = stored_user(me)
    assert (me_now.active, me_now.deleted_at, me_now.version) == (True, None, version)
    assert signed_in(boss)


def test_unlock_clears_the_lock(boss, app):
    named_user("pat", failed_logins=7, locked_until=utcnow() + timedelta(minutes=20))
    assert "Sign-in locked" in boss.get("/admin/users/pat").text
    assert action(boss, "pat", "unlock").status_code == 302
    pat = stored_user("pat")
    assert (pat.failed_logins, pat.locked_until) == (0, None)
    (event,) = audit_events(action="user.update")
    assert set(event.changes) == {"failed_logins", "locked_until"}
    assert event.changes["locked_until"][1] is None
    assert login(app.test_client(), "pat", PASSWORD).status_code == 302


def test_delete_and_restore(boss, app):
    named_user("pat")
    response = action(boss, "pat", "delete")
    assert response.status_code == 302
    assert "pat moved to the trash." in boss.get("/admin/users/pat").text
    assert listed(boss.get("/admin/users").text) == [boss.user.username]
    assert listed(boss.get("/admin/users?status=deleted").text) == ["pat"]
    assert login(app.test_client(), "pat", PASSWORD).status_code == 401
    assert boss.get("/admin/users/pat/edit").status_code == 302

    assert action(boss, "pat", "restore").status_code == 302
    assert stored_user("pat").deleted_at is None
    assert login(app.test_client(), "pat", PASSWORD).status_code == 302
    done = [e.action for e in audit_events(entity_key="pat") if e.action.startswith("user.")]
    assert done == ["user.delete", "user.restore"]


def test_an_action_from_a_stale_page_is_refused(boss):
    named_user("pat")
    page = boss.get("/admin/users/pat").text
    data = form_data(boss.get("/admin/users/pat/edit").text, has="version")
    assert (
        boss.post("/admin/users/pat/edit", data={**data, "full_name": "Changed"}).status_code == 302
    )
    stale = form_data(page, action="/admin/users/pat/deactivate")
    response = boss.post("/admin/users/pat/deactivate", data=stale)
    assert response.status_code == 409
    assert "User pat was changed by someone else" in page_text(response.text)
    assert (stored_user("pat").active, stored_user("pat").version) == (True, 2)
    missing = boss.post("/admin/users/pat/delete", data={**stale, "version": ""})
    assert missing.status_code == 422
    assert "The form is missing its version" in page_text(missing.text)
    assert stored_user("pat").deleted_at is None


# -- API tokens ---------------------------------------------------------------------------


def test_a_new_token_is_shown_once_stored_hashed_and_works_until_revoked(boss, app):
    named_user("pat")
    page = boss.get("/admin/users/pat").text
    data = form_data(page, action="/admin/users/pat/tokens")
    response = boss.post("/admin/users/pat/tokens", data={**data, "name": "Shipping scale"})
    assert response.status_code == 200
    match = re.search(
        r'id="new-token" type="text" readonly autofocus value="([^"]+)"', response.text
    )
    assert match
    plain = match.group(1)
    assert "this is the only time PressLog shows it" in response.text
    (token,) = db.session.execute(select(ApiToken)).scalars()
    assert (token.name, token.digest) == ("Shipping scale", token_digest(plain))
    assert plain not in (token.digest, token.prefix)
    assert plain not in boss.get("/admin/users/pat").text  # never again
    assert "Shipping scale" in boss.get("/admin/users/pat").text

    api = app.test_client()
    bearer = {"Authorization": f"Bearer {plain}"}
    assert api.get("/api/v1/me", headers=bearer).get_json()["username"] == "pat"

    response = action(boss, "pat", f"tokens/{token.id}/revoke")
    assert response.status_code == 302
    assert "Token &#39;Shipping scale&#39; of pat revoked." in boss.get("/admin/users/pat").text
    assert api.get("/api/v1/me", headers=bearer).status_code == 401
    assert [e.action for e in audit_events(entity_key="pat")] == ["token.create", "token.revoke"]
    assert all(plain not in str(e.summary) + str(e.changes) for e in audit_events())


def test_a_token_needs_a_name(boss):
    named_user("pat")
    data = form_data(boss.get("/admin/users/pat").text, action="/admin/users/pat/tokens")
    response = boss.post("/admin/users/pat/tokens", data={**data, "name": " "})
    assert response.status_code == 422
    assert error_beside(response.text, "name") == rules.TOKEN_NAME.required_message
    assert 'id="new-token"' not in response.text
    assert db.session.execute(select(ApiToken)).first() is None

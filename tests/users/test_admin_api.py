"""The user administration API (/api/v1/users…) end to end: HTTP answers, what is stored,
and what is never shown (password hashes, token digests, a token after its creation)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from presslog.audit.models import AuditEvent
from presslog.core.db import utcnow
from presslog.core.security import ROLE_CAPABILITIES, token_digest, verify_password
from presslog.extensions import db
from presslog.users import rules
from presslog.users.models import ApiToken, User
from tests.helpers import assert_problem, named_user, stored_user

URL = "/api/v1/users"
NEW_PASSWORD = "plum-orbit-cactus-42"


def names(response: Any) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["username"] for item in response.get_json()["items"]]


def etag(client: Any, username: str) -> str:
    return str(client.get(f"{URL}/{username}").headers["ETag"])


@pytest.fixture
def boss(api: Any) -> Any:
    """An API client of the shop's only administrator."""
    return api("admin")


# -- who may ------------------------------------------------------------------------------


def test_every_user_endpoint_is_for_admins_only(api, client):
    pat = named_user("pat")
    token = ApiToken(user=pat, name="x", prefix="plg_x", digest="0" * 64)
    db.session.add(token)
    db.session.commit()
    calls = [
        ("get", URL, None),
        (
            "post",
            URL,
            {
                "username": "sam",
                "email": "s@example.com",
                "role": "admin",
                "password": NEW_PASSWORD,
            },
        ),
        ("get", f"{URL}/pat", None),
        ("patch", f"{URL}/pat", {"role": "admin", "version": 1}),
        ("delete", f"{URL}/pat", None),
        ("post", f"{URL}/pat/restore", None),
        ("get", f"{URL}/pat/tokens", None),
        ("post", f"{URL}/pat/tokens", {"name": "mine now"}),
        ("delete", f"{URL}/pat/tokens/{token.id}", None),
    ]
    for role in sorted(set(ROLE_CAPABILITIES) - {"admin"}):
        caller = api(role)
        for method, url, body in calls:
            headers = {"If-Match": '"v1"'}
            assert_problem(getattr(caller, method)(url, json=body, headers=headers), 403)
    for method, url, body in calls:
        assert_problem(client.open(url, method=method.upper(), json=body), 401)
    assert (stored_user("pat").role, stored_user("pat").version, stored_user("pat").deleted_at) == (
        "staff",
        1,
        None,
    )
    assert db.session.get(ApiToken, token.id).revoked_at is None
    assert db.session.execute(select(User).where(User.username == "sam")).first() is None


# -- list ---------------------------------------------------------------------------------


def test_list_is_paged_with_link_headers_and_no_secrets(boss):
    for n in range(5):
        named_user(f"team{n}", role="artist")
    response = boss.get(f"{URL}?role=artist&per_page=2&page=2")
    body = response.get_json()
    assert [u["username"] for u in body["items"]] == ["team2", "team3"]
    assert (body["page"], body["per_page"], body["total"], body["pages"]) == (2, 2, 5, 3)
    rels = {}
    for part in response.headers["Link"].split(","):
        url, rel = part.split(";")
        rels[rel.strip()[5:-1]] = parse_qs(urlsplit(url.strip()[1:-1]).query)
    assert set(rels) == {"first", "prev", "next", "last"}
    assert rels["next"] == {"role": ["artist"], "page": ["3"], "per_page": ["2"]}
    item = body["items"][0]
    assert set(item) == {
        "username", "email", "full_name", "role", "active", "status", "last_login_at",
        "failed_logins", "locked_until", "version", "created_at", "updated_at", "deleted_at",
    }  # fmt: skip
    assert "password" not in response.text
    assert stored_user("team2").password_hash not in response.text


def test_list_searches_filters_and_sorts(boss):
    now = utcnow()
    named_user("alice", email="alice@shop.example", full_name="Alice Mendez", last_login_at=now)
    named_user("bob", role="manager", email="bob@team.example", full_name="Robert Brown")
    named_user(
        "carol", role="viewer", email="carol@team.example", full_name="Carol Kim", active=False
    )
    named_user("dave", email="dave@team.example", deleted_at=now)
    me = boss.user.username

    assert names(boss.get(URL)) == ["alice", "bob", "carol", me]
    assert names(boss.get(f"{URL}?q=MENDEZ")) == ["alice"]
    assert names(boss.get(f"{URL}?q=Team.Example")) == ["bob", "carol"]
    assert names(boss.get(f"{URL}?q=bob")) == ["bob"]
    assert names(boss.get(f"{URL}?role=viewer")) == ["carol"]
    assert names(boss.get(f"{URL}?status=active")) == ["alice", "bob", me]
    assert names(boss.get(f"{URL}?status=inactive")) == ["carol"]
    deleted = boss.get(f"{URL}?status=deleted").get_json()["items"]
    assert [(u["username"], u["status"]) for u in deleted] == [("dave", "deleted")]
    assert names(boss.get(f"{URL}?sort=role")) == [me, "bob", "alice", "carol"]
    assert names(boss.get(f"{URL}?sort=-last_login_at"))[0] == "alice"
    assert names(boss.get(f"{URL}?sort=-created_at")) == ["carol", "bob", "alice", me]


@pytest.mark.parametrize(
    ("query", "field"),
    [("role=owner", "role"), ("status=gone", "status"), ("per_page=101", "per_page")],
)
def test_bad_list_arguments_are_named(boss, query, field):
    assert field in assert_problem(boss.get(f"{URL}?{query}"), 422)["errors"]


# -- read and create --------------------------------------------------------------------


def test_get_one_user_with_etag(boss):
    named_user("pat", full_name="Pat Doe", failed_logins=2)
    response = boss.get(f"{URL}/PAT")
    assert response.status_code == 200
    assert response.headers["ETag"] == '"v1"'
    body = response.get_json()
    assert (body["username"], body["full_name"], body["failed_logins"], body["status"]) == (
        "pat", "Pat Doe", 2, "active")  # fmt: skip
    assert "password_hash" not in body
    body = assert_problem(boss.get(f"{URL}/nobody"), 404)
    assert "nobody" in body["detail"]


def test_create_user(boss, app):
    response = boss.post(
        URL,
        json={"username": "Pat.Doe", "email": "Pat@Example.com", "full_name": " Pat Doe ",
              "role": "shipping", "password": f" {NEW_PASSWORD} "},
    )  # fmt: skip
    assert response.status_code == 201, response.text
    assert response.headers["Location"].endswith(f"{URL}/pat.doe")
    assert response.headers["ETag"] == '"v1"'
    body = response.get_json()
    assert (body["username"], body["email"], body["full_name"], body["role"]) == (
        "pat.doe", "pat@example.com", "Pat Doe", "shipping")  # fmt: skip
    assert "password" not in body
    # The password is kept as typed, spaces included.
    assert verify_password(stored_user("pat.doe").password_hash, f" {NEW_PASSWORD} ")
    (event,) = db.session.execute(select(AuditEvent).filter_by(action="user.create")).scalars()
    assert event.actor == boss.user.username


def test_create_user_names_bad_fields_and_refuses_taken_names(boss):
    body = assert_problem(
        boss.post(URL, json={"username": "x", "email": "nobody", "role": "owner", "password": "1"}),
        422,
    )
    assert set(body["errors"]) == {"username", "email", "role", "password"}
    assert body["errors"]["role"] == [rules.ROLE.choice_message]
    missing = assert_problem(boss.post(URL, json={}), 422)
    assert set(missing["errors"]) == {"username", "email", "role", "password"}
    weak = assert_problem(
        boss.post(URL, json={"username": "sam", "email": "sam@example.com", "role": "staff",
                             "password": "sam-sam-sam-sam"}),
        422,
    )  # fmt: skip
    assert list(weak["errors"]) == ["password"]
    named_user("pat", email="pat@example.com")
    taken = boss.post(
        URL, json={"username": "pat", "email": "p2@example.com", "role": "staff",
                   "password": NEW_PASSWORD},
    )  # fmt: skip
    assert_problem(taken, 409)
    assert sorted(db.session.execute(select(User.username)).scalars()) == sorted(
        ["pat", boss.user.username]
    )


# -- change -------------------------------------------------------------------------------


def test_patch_changes_fields_with_if_match(boss):
    named_user("pat", full_name="Pat Doe")
    response = boss.patch(
        f"{URL}/pat",
        json={"full_name": "Patricia Doe", "role": "manager", "email": "patricia@example.com"},
        headers={"If-Match": etag(boss, "pat")},
    )
    assert response.status_code == 200, response.text
    assert response.headers["ETag"] == '"v2"'
    body = response.get_json()
    assert (body["full_name"], body["role"], body["email"], body["version"]) == (
        "Patricia Doe", "manager", "patricia@example.com", 2)  # fmt: skip
    actions = db.session.execute(
        select(AuditEvent.action).filter_by(entity_key="pat").order_by(AuditEvent.id)
    ).scalars()
    assert list(actions) == ["user.update", "user.role"]


def test_patch_needs_a_current_version(boss):
    named_user("pat", full_name="Pat Doe")
    assert_problem(boss.patch(f"{URL}/pat", json={"full_name": "A"}), 428)
    assert boss.patch(f"{URL}/pat", json={"full_name": "A", "version": 1}).status_code == 200
    assert_problem(
        boss.patch(f"{URL}/pat", json={"full_name": "B"}, headers={"If-Match": '"v1"'}), 412
    )
    stale = assert_problem(boss.patch(f"{URL}/pat", json={"full_name": "B", "version": 1}), 409)
    assert "changed by someone else" in stale["detail"]
    assert (stored_user("pat").full_name, stored_user("pat").version) == ("A", 2)


def test_patch_refuses_a_new_username_and_names_bad_fields(boss):
    named_user("pat")
    headers = {"If-Match": '"v1"'}
    body = assert_problem(
        boss.patch(f"{URL}/pat", json={"username": "patty"}, headers=headers), 422
    )
    assert body["errors"] == {"username": ["Usernames cannot be changed once created."]}
    body = assert_problem(
        boss.patch(f"{URL}/pat", json={"email": "nope", "full_name": "x" * 121}, headers=headers),
        422,
    )
    assert body["errors"] == {
        "email": [rules.EMAIL.pattern_message],
        "full_name": [rules.FULL_NAME.length_message],
    }
    assert stored_user("pat").version == 1


def test_patch_guards_the_last_admin_and_the_callers_own_account(boss, api):
    me = boss.user.username
    version = stored_user(me).version
    demote = boss.patch(
        f"{URL}/{me}", json={"role": "staff"}, headers={"If-Match": f'"v{version}"'}
    )
    body = assert_problem(demote, 409)
    assert "last active administrator" in body["errors"]["role"][0]
    api("admin")  # a second admin: now it is about one's own account
    off = boss.patch(f"{URL}/{me}", json={"active": False}, headers={"If-Match": f'"v{version}"'})
    assert (
        "You cannot deactivate your own account" in assert_problem(off, 409)["errors"]["active"][0]
    )
    gone = boss.delete(f"{URL}/{me}", headers={"If-Match": f'"v{version}"'})
    assert "You cannot delete your own account" in assert_problem(gone, 409)["detail"]
    now = stored_user(me)
    assert (now.role, now.active, now.deleted_at, now.version) == ("admin", True, None, version)


def test_deactivating_by_patch_stops_the_users_token(boss, api):
    pat = api("staff")
    name = pat.user.username
    assert pat.get("/api/v1/me").status_code == 200
    off = boss.patch(
        f"{URL}/{name}", json={"active": False}, headers={"If-Match": etag(boss, name)}
    )
    assert off.get_json()["status"] == "inactive"
    assert_problem(pat.get("/api/v1/me"), 401)
    on = boss.patch(f"{URL}/{name}", json={"active": True}, headers={"If-Match": etag(boss, name)})
    assert on.get_json()["active"] is True
    assert pat.get("/api/v1/me").status_code == 200


# -- delete and restore -----------------------------------------------------------------


def test_delete_is_soft_and_restore_brings_the_user_back(boss):
    named_user("pat")
    assert_problem(boss.delete(f"{URL}/pat"), 428)
    assert boss.delete(f"{URL}/pat", headers={"If-Match": '"v1"'}).status_code == 204
    assert stored_user("pat").deleted_at is not None
    assert "pat" not in names(boss.get(URL))
    assert boss.get(f"{URL}/pat").get_json()["status"] == "deleted"
    assert_problem(boss.patch(f"{URL}/pat", json={"role": "viewer", "version": 2}), 409)
    restored = boss.post(f"{URL}/pat/restore")
    assert restored.status_code == 200
    assert restored.get_json()["status"] == "active"
    assert_problem(boss.post(f"{URL}/pat/restore"), 409)


# -- tokens -------------------------------------------------------------------------------


def test_token_is_returned_once_stored_as_a_digest_and_revocable(boss, app):
    named_user("pat")
    created = boss.post(f"{URL}/pat/tokens", json={"name": " Shipping scale "})
    assert created.status_code == 201, created.text
    body = created.get_json()
    plain = body["token"]
    assert (body["name"], plain.startswith(body["prefix"])) == ("Shipping scale", True)
    row = db.session.get(ApiToken, body["id"])
    assert row.digest == token_digest(plain)
    assert plain not in (row.digest, row.prefix)

    listing = boss.get(f"{URL}/pat/tokens")
    (item,) = listing.get_json()["items"]
    assert set(item) == {"id", "name", "prefix", "created_at", "last_used_at", "revoked_at"}
    assert plain not in listing.text
    assert row.digest not in listing.text

    bearer = app.test_client()
    auth = {"Authorization": f"Bearer {plain}"}
    assert bearer.get("/api/v1/me", headers=auth).get_json()["username"] == "pat"
    assert boss.delete(f"{URL}/pat/tokens/{row.id}").status_code == 204
    assert_problem(bearer.get("/api/v1/me", headers=auth), 401)
    assert boss.get(f"{URL}/pat/tokens").get_json()["items"][0]["revoked_at"]
    assert_problem(boss.delete(f"{URL}/pat/tokens/{row.id}"), 409)
    actions = db.session.execute(
        select(AuditEvent.action).filter_by(entity_key="pat").order_by(AuditEvent.id)
    ).scalars()
    assert list(actions) == ["token.create", "token.revoke"]


def test_token_rules(boss):
    named_user("pat")
    named_user("sam", active=False)
    body = assert_problem(boss.post(f"{URL}/pat/tokens", json={"name": ""}), 422)
    assert body["errors"] == {"name": [rules.TOKEN_NAME.required_message]}
    assert_problem(boss.post(f"{URL}/sam/tokens", json={"name": "scale"}), 409)
    assert_problem(boss.post(f"{URL}/nobody/tokens", json={"name": "scale"}), 404)
    stale = boss.post(f"{URL}/pat/tokens", json={"name": "scale"}, headers={"If-Match": '"v9"'})
    assert_problem(stale, 412)
    sams = ApiToken(user=stored_user("sam"), name="old", prefix="plg_old", digest="1" * 64)
    db.session.add(sams)
    db.session.commit()
    assert_problem(boss.delete(f"{URL}/pat/tokens/{sams.id}"), 404)
    assert db.session.get(ApiToken, sams.id).revoked_at is None
    assert db.session.execute(select(ApiToken).filter_by(name="scale")).first() is None


def test_session_writes_need_the_csrf_header(as_role):
    browser = as_role("admin")
    named_user("pat")
    refused = browser.patch(f"{URL}/pat", json={"full_name": "X"}, headers={"If-Match": '"v1"'})
    assert refused.status_code == 400
    allowed = browser.patch(
        f"{URL}/pat",
        json={"full_name": "X"},
        headers={"If-Match": '"v1"', "X-CSRFToken": browser.csrf},
    )
    assert allowed.status_code == 200
    assert stored_user("pat").full_name == "X"


def test_openapi_document_lists_the_user_endpoints(boss):
    paths = boss.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"get", "post"} <= set(paths[URL])
    assert {"get", "patch", "delete"} <= set(paths[f"{URL}/{{username}}"])
    assert "post" in paths[f"{URL}/{{username}}/restore"]
    assert {"get", "post"} <= set(paths[f"{URL}/{{username}}/tokens"])
    assert "delete" in paths[f"{URL}/{{username}}/tokens/{{token_id}}"]
    params = {p["name"] for p in paths[URL]["get"]["parameters"]}
    assert {"q", "role", "status", "sort", "page", "per_page"} <= params

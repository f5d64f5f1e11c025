"""User endpoints of the JSON API: who am I, and user administration for admins."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request, url_for
from flask.views import MethodView
from flask_login import current_user
from marshmallow import Schema, fields, pre_load, validate

from presslog.api import (
    BODY,
    CREATED_HEADERS,
    ETAG_HEADER,
    GUARDED,
    LIST_HEADERS,
    SIGNED_IN,
    ApiBlueprint,
    expected_version,
    if_match,
    page_response,
    path_param,
    with_etag,
)
from presslog.core.pagination import PageRequest
from presslog.core.schemas import ListArgs, StripStrings, page_schema, ruled
from presslog.core.security import ORDER_EDIT_CAPABILITIES, ROLES, capabilities_of, require
from presslog.core.transaction import transaction
from presslog.users import admin, repository, rules
from presslog.users.models import User

blp = ApiBlueprint(
    "users_api",
    __name__,
    url_prefix="/api/v1",
    description="The signed-in user and, for admins, all users and their API tokens.",
)

MANAGE = "users.manage"


# -- schemas ----------------------------------------------------------------------------


class UserSchema(Schema):
    """A user as the API shows it (never the password hash)."""

    username = fields.String()
    email = fields.String()
    full_name = fields.String(allow_none=True)
    role = fields.String()
    active = fields.Boolean()
    last_login_at = fields.AwareDateTime(allow_none=True)
    created_at = fields.AwareDateTime()


class MeSchema(UserSchema):
    """The signed-in user with what their role allows."""

    capabilities = fields.Function(lambda u: sorted(capabilities_of(u.role)))


class UserAdminSchema(UserSchema):
    """A user as an admin sees it: account state, sign-in lock and version."""

    status = fields.Function(admin.status_of, metadata={"enum": list(repository.STATUSES)})
    failed_logins = fields.Integer()
    locked_until = fields.AwareDateTime(allow_none=True)
    version = fields.Integer()
    updated_at = fields.AwareDateTime()
    deleted_at = fields.AwareDateTime(allow_none=True)


UserPageSchema = page_schema(UserAdminSchema, "UserPage")


class UserCreateSchema(StripStrings):
    """A new user: username, e-mail, role and initial password required."""

    username = ruled(fields.String, rules.USERNAME)
    email = ruled(fields.String, rules.EMAIL)
    full_name = ruled(fields.String, rules.FULL_NAME)
    role = ruled(fields.String, rules.ROLE)
    password = ruled(fields.String, rules.PASSWORD, load_only=True)

    @pre_load
    def _strip(self, data: Any, **kwargs: Any) -> Any:
        """Trim like every schema, except the password (spaces in it are the user's);
        username and e-mail in lower case, as the form and the model keep them."""
        password = data.get("password") if isinstance(data, dict) else None
        cleaned = super()._strip(data, **kwargs)
        if not isinstance(cleaned, dict):
            return cleaned
        for name in ("username", "email"):
            if isinstance(cleaned.get(name), str):
                cleaned[name] = cleaned[name].lower()
        if isinstance(password, str):
            cleaned["password"] = password
        return cleaned


class UserUpdateSchema(StripStrings):
    """A change: only what changes, plus ``version`` or If-Match. Usernames never change."""

    username = fields.String(
        metadata={"description": "Read only: sending another username is refused."}
    )
    email = ruled(fields.String, rules.EMAIL)
    full_name = ruled(fields.String, rules.FULL_NAME)
    role = ruled(fields.String, rules.ROLE)
    active = fields.Boolean(metadata={"description": "false deactivates, true reactivates."})
    version = fields.Integer()

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("partial", True)  # fields left out stay as they are
        super().__init__(*args, **kwargs)


class UserListArgs(ListArgs):
    """Search, filters, sort and page for the user list."""

    q = fields.String(
        metadata={"description": "Part of the username, e-mail or full name.", "example": "lee"}
    )
    role = fields.String(
        validate=validate.OneOf(list(ROLES)),
        metadata={"description": "Only users with this role.", "enum": list(ROLES)},
    )
    status = fields.String(
        validate=validate.OneOf(list(repository.STATUSES)),
        metadata={"description": "active, inactive or deleted; default: all but deleted."},
    )
    sort = fields.String(
        metadata={
            "description": "username, role, last_login_at or created_at; prefix - for "
            "descending. Default (also for an unknown name): username.",
            "example": "-last_login_at",
        }
    )


class TokenSchema(Schema):
    """An API token as listed: never the token itself nor its digest."""

    id = fields.Integer()
    name = fields.String()
    prefix = fields.String(metadata={"description": "The token's first characters."})
    created_at = fields.AwareDateTime()
    last_used_at = fields.AwareDateTime(allow_none=True)
    revoked_at = fields.AwareDateTime(allow_none=True)


class TokenListSchema(Schema):
    """A user's tokens, newest first (few enough to need no pages)."""

    items = fields.List(fields.Nested(TokenSchema))


class TokenCreatedSchema(TokenSchema):
    """A new token with its plain value: shown in this one response only."""

    token = fields.String(metadata={"description": "Send as Authorization: Bearer <token>."})


class TokenCreateSchema(StripStrings):
    """Name the new token."""

    name = ruled(fields.String, rules.TOKEN_NAME)


# -- examples for the OpenAPI document (answers captured from a running instance) --------

USER_CREATE_EXAMPLE: dict[str, Any] = {
    "username": "jlee",
    "email": "jlee@example.com",
    "full_name": "Jamie Lee",
    "role": "artist",
    "password": "Screen-printing-2026",
}
USER_UPDATE_EXAMPLE: dict[str, Any] = {"role": "shipping"}
USER_EXAMPLE: dict[str, Any] = {
    "username": "jlee",
    "email": "jlee@example.com",
    "full_name": "Jamie Lee",
    "role": "artist",
    "active": True,
    "last_login_at": None,
    "created_at": "2026-11-26T16:53:24.069366+00:00",
    "status": "active",
    "failed_logins": 0,
    "locked_until": None,
    "version": 1,
    "updated_at": "2026-11-26T16:53:24.069373+00:00",
    "deleted_at": None,
}
USER_UPDATED_EXAMPLE: dict[str, Any] = {
    **USER_EXAMPLE,
    "role": "shipping",
    "version": 2,
    "updated_at": "2026-11-26T16:53:24.132829+00:00",
}
USER_PAGE_EXAMPLE: dict[str, Any] = {
    "items": [USER_EXAMPLE],
    "page": 1,
    "per_page": 25,
    "total": 1,
    "pages": 1,
    "total_exact": True,
}
ME_EXAMPLE: dict[str, Any] = {
    "username": "frontdesk",
    "email": "frontdesk@demo.presslog.local",
    "full_name": "Frontdesk",
    "role": "staff",
    "active": True,
    "last_login_at": None,
    "created_at": "2026-11-26T16:49:56.823927+00:00",
    "capabilities": [
        "account.self",
        "customers.read",
        "customers.write",
        "orders.read",
        "orders.write",
        "reports.export",
        "reports.read",
    ],
}
TOKEN_EXAMPLE: dict[str, Any] = {
    "id": 3,
    "name": "label printer",
    "prefix": "plg_4l448QrH",
    "created_at": "2026-11-26T16:53:24.149000+00:00",
    "last_used_at": None,
    "revoked_at": None,
}
TOKEN_CREATED_EXAMPLE: dict[str, Any] = {
    **TOKEN_EXAMPLE,
    "token": "plg_4l448QrH" + "x" * 31,  # the real one is 47 characters, all random
}

USERNAME = path_param("username", "The user's username (any case).", "jlee")
TOKEN_ID = path_param("token_id", "The token's id, from the token list.", 3)


def _one(user: User, status: int = 200) -> Response:
    response = jsonify(UserAdminSchema().dump(user))
    response.status_code = status
    return with_etag(response, user)


def _if_match(user: User) -> int | None:
    """The version an optional If-Match names (412 when stale); None without one."""
    return expected_version(user, None) if request.headers.get("If-Match") else None


# -- endpoints --------------------------------------------------------------------------


@blp.route("/me")
class Me(MethodView):
    """The signed-in user."""

    @require("orders.read", *ORDER_EDIT_CAPABILITIES)
    @blp.response(200, MeSchema, example=ME_EXAMPLE)
    @blp.answers(401)
    def get(self) -> Any:
        """Who am I.

        The signed-in user (by session or token) with their role and the
        capabilities it grants: a quick way to check a token works. Every role may
        call it.
        """
        return current_user


@blp.route("/users")
class Users(MethodView):
    """All users (admins only)."""

    @require(MANAGE)
    @blp.arguments(UserListArgs, location="query")
    @blp.response(200, UserPageSchema, example=USER_PAGE_EXAMPLE, headers=LIST_HEADERS)
    @blp.answers(*SIGNED_IN)
    def get(self, args: dict[str, Any]) -> Response:
        """Search users.

        By part of the username, e-mail or full name (`q`), with `role` and `status`
        filters, `sort` and `page` / `per_page`. Needs `users.manage` (admins).
        """
        page_args = PageRequest.parse(args.pop("page"), args.pop("per_page"))
        sort = args.pop("sort", None)
        page = admin.list_users(repository.UserFilters(**args), sort=sort, page=page_args)
        return page_response(page, UserAdminSchema(), "users_api.Users")

    @require(MANAGE)
    @blp.arguments(UserCreateSchema, example=USER_CREATE_EXAMPLE)
    @blp.response(
        201,
        UserAdminSchema,
        example=USER_EXAMPLE,
        headers={
            **CREATED_HEADERS,
            "Location": {
                "description": "The address of the new user.",
                "schema": {"type": "string", "example": "/api/v1/users/jlee"},
            },
        },
    )
    @blp.answers(*SIGNED_IN, *BODY, 409)
    def post(self, data: dict[str, Any]) -> Response:
        """Create a user.

        With a username, e-mail, role and an initial password (checked like any
        password: 422 names what is wrong). A username or e-mail already in use
        answers 409. Needs `users.manage` (admins).
        """
        with transaction():
            user = admin.create_user(data=data)
        response = _one(user, 201)
        response.headers["Location"] = url_for("users_api.UserItem", username=user.username)
        return response


@blp.route("/users/<username>", parameters=[USERNAME])
class UserItem(MethodView):
    """One user (deleted ones too, so they can be restored)."""

    @require(MANAGE)
    @blp.response(200, UserAdminSchema, example=USER_EXAMPLE, headers=ETAG_HEADER)
    @blp.answers(*SIGNED_IN, 404)
    def get(self, username: str) -> Response:
        """Read a user.

        Account state, sign-in lock and version; deleted users too (so they can be
        restored). Keep the ETag for a later change. Needs `users.manage` (admins).
        """
        return _one(admin.get_user(username))

    @require(MANAGE)
    @blp.arguments(UserUpdateSchema, example=USER_UPDATE_EXAMPLE)
    @blp.response(200, UserAdminSchema, example=USER_UPDATED_EXAMPLE, headers=ETAG_HEADER)
    @blp.answers(*SIGNED_IN, *BODY, *GUARDED)
    @blp.doc(parameters=[if_match(required=True)])
    def patch(self, data: dict[str, Any], username: str) -> Response:
        """Change a user.

        Full name, e-mail, role or `active` (false deactivates, true reactivates);
        usernames never change. Name the version you read (If-Match or `version`).
        Taking away the last active administrator, or deactivating yourself,
        answers 409. Needs `users.manage` (admins).
        """
        with transaction():
            user = admin.get_user(username)
            version = expected_version(user, data.pop("version", None))
            user = admin.update_user(
                username=username, data=data, expected_version=version, actor=current_user
            )
        return _one(user)

    @require(MANAGE)
    @blp.response(204, description="Moved to the trash; no body.")
    @blp.answers(*SIGNED_IN, *GUARDED)
    @blp.doc(parameters=[if_match(required=True)])
    def delete(self, username: str) -> Response:
        """Delete a user.

        Moves the user to the trash: they can no longer sign in and their history
        stays. If-Match is required. Deleting yourself or the last active
        administrator answers 409. Needs `users.manage` (admins).
        """
        with transaction():
            user = admin.get_user(username)
            admin.delete_user(
                username=username,
                expected_version=expected_version(user, None),
                actor=current_user,
            )
        return Response(status=204)


@blp.route("/users/<username>/restore", parameters=[USERNAME])
class UserRestore(MethodView):
    """Bring a user back from the trash."""

    @require(MANAGE)
    @blp.response(200, UserAdminSchema, example=USER_EXAMPLE, headers=ETAG_HEADER)
    @blp.answers(*SIGNED_IN, 404, 409, 412)
    @blp.doc(parameters=[if_match(required=False)])
    def post(self, username: str) -> Response:
        """Restore a deleted user.

        Brings a user back from the trash, as active or inactive as they were; one
        not in the trash answers 409. If-Match is optional. Needs `users.manage`.
        """
        with transaction():
            user = admin.get_user(username)
            user = admin.restore_user(
                username=username, expected_version=_if_match(user), actor=current_user
            )
        return _one(user)


@blp.route("/users/<username>/tokens", parameters=[USERNAME])
class UserTokens(MethodView):
    """A user's API tokens."""

    @require(MANAGE)
    @blp.response(200, TokenListSchema, example={"items": [TOKEN_EXAMPLE]})
    @blp.answers(*SIGNED_IN, 404)
    def get(self, username: str) -> Response:
        """List a user's API tokens.

        Newest first, revoked ones included; never the token itself, only its first
        characters (`prefix`). Needs `users.manage` (admins).
        """
        return jsonify(TokenListSchema().dump({"items": admin.tokens_of(username)}))

    @require(MANAGE)
    @blp.arguments(TokenCreateSchema, example={"name": "label printer"})
    @blp.response(201, TokenCreatedSchema, example=TOKEN_CREATED_EXAMPLE)
    @blp.answers(*SIGNED_IN, *BODY, 404, 409, 412)
    @blp.doc(parameters=[if_match(required=False)])
    def post(self, data: dict[str, Any], username: str) -> Response:
        """Create an API token for a user.

        The plain token is in this answer only: store it now. A deleted or
        deactivated user answers 409. If-Match (the user's ETag) is optional. Needs
        `users.manage` (admins).
        """
        with transaction():
            user = admin.get_user(username)
            token, plain = admin.create_token(
                username=username, name=data["name"], expected_version=_if_match(user)
            )
        response = jsonify({**TokenSchema().dump(token), "token": plain})
        response.status_code = 201
        return response


@blp.route("/users/<username>/tokens/<int:token_id>", parameters=[USERNAME, TOKEN_ID])
class UserToken(MethodView):
    """One API token."""

    @require(MANAGE)
    @blp.response(204, description="Revoked; no body.")
    @blp.answers(*SIGNED_IN, 404, 409)
    def delete(self, username: str, token_id: int) -> Response:
        """Revoke an API token.

        Requests bearing it get 401 from now on. A token already revoked answers
        409; an unknown one 404. Needs `users.manage` (admins).
        """
        with transaction():
            admin.revoke_token(username=username, token_id=token_id, actor=current_user)
        return Response(status=204)

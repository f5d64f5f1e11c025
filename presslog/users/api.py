"""User endpoints of the JSON API: who am I, and user administration for admins."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request, url_for
from flask.views import MethodView
from flask_login import current_user
from marshmallow import Schema, fields, pre_load, validate

from presslog.api import ApiBlueprint, expected_version, page_response, with_etag
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

    q = fields.String(metadata={"description": "Part of the username, e-mail or full name."})
    role = fields.String(validate=validate.OneOf(list(ROLES)))
    status = fields.String(
        validate=validate.OneOf(list(repository.STATUSES)),
        metadata={"description": "active, inactive or deleted; default: all but deleted."},
    )
    sort = fields.String(
        metadata={
            "description": "username, role, last_login_at or created_at; prefix - for descending."
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
    @blp.response(200, MeSchema)
    def get(self) -> Any:
        """Who is signed in, with their role and capabilities."""
        return current_user


@blp.route("/users")
class Users(MethodView):
    """All users (admins only)."""

    @require(MANAGE)
    @blp.arguments(UserListArgs, location="query")
    @blp.response(200, UserPageSchema)
    def get(self, args: dict[str, Any]) -> Response:
        """Search users by username, e-mail or name; filter by role and status."""
        page_args = PageRequest.parse(args.pop("page"), args.pop("per_page"))
        sort = args.pop("sort", None)
        page = admin.list_users(repository.UserFilters(**args), sort=sort, page=page_args)
        return page_response(page, UserAdminSchema(), "users_api.Users")

    @require(MANAGE)
    @blp.arguments(UserCreateSchema)
    @blp.response(201, UserAdminSchema)
    def post(self, data: dict[str, Any]) -> Response:
        """Create a user with a role and an initial password."""
        with transaction():
            user = admin.create_user(data=data)
        response = _one(user, 201)
        response.headers["Location"] = url_for("users_api.UserItem", username=user.username)
        return response


@blp.route("/users/<username>")
class UserItem(MethodView):
    """One user (deleted ones too, so they can be restored)."""

    @require(MANAGE)
    @blp.response(200, UserAdminSchema)
    def get(self, username: str) -> Response:
        """Read a user; the ETag guards later writes."""
        return _one(admin.get_user(username))

    @require(MANAGE)
    @blp.arguments(UserUpdateSchema)
    @blp.response(200, UserAdminSchema)
    def patch(self, data: dict[str, Any], username: str) -> Response:
        """Change full name, e-mail, role or active. Needs If-Match or `version`."""
        with transaction():
            user = admin.get_user(username)
            version = expected_version(user, data.pop("version", None))
            user = admin.update_user(
                username=username, data=data, expected_version=version, actor=current_user
            )
        return _one(user)

    @require(MANAGE)
    @blp.response(204)
    def delete(self, username: str) -> Response:
        """Move a user to the trash. Needs If-Match."""
        with transaction():
            user = admin.get_user(username)
            admin.delete_user(
                username=username,
                expected_version=expected_version(user, None),
                actor=current_user,
            )
        return Response(status=204)


@blp.route("/users/<username>/restore")
class UserRestore(MethodView):
    """Bring a user back from the trash."""

    @require(MANAGE)
    @blp.response(200, UserAdminSchema)
    def post(self, username: str) -> Response:
        """Restore a deleted user (If-Match optional)."""
        with transaction():
            user = admin.get_user(username)
            user = admin.restore_user(
                username=username, expected_version=_if_match(user), actor=current_user
            )
        return _one(user)


@blp.route("/users/<username>/tokens")
class UserTokens(MethodView):
    """A user's API tokens."""

    @require(MANAGE)
    @blp.response(200, TokenListSchema)
    def get(self, username: str) -> Response:
        """List a user's tokens, newest first, revoked ones included."""
        return jsonify(TokenListSchema().dump({"items": admin.tokens_of(username)}))

    @require(MANAGE)
    @blp.arguments(TokenCreateSchema)
    @blp.response(201, TokenCreatedSchema)
    def post(self, data: dict[str, Any], username: str) -> Response:
        """Create a token; its plain value is in this response and never again."""
        with transaction():
            user = admin.get_user(username)
            token, plain = admin.create_token(
                username=username, name=data["name"], expected_version=_if_match(user)
            )
        response = jsonify({**TokenSchema().dump(token), "token": plain})
        response.status_code = 201
        return response


@blp.route("/users/<username>/tokens/<int:token_id>")
class UserToken(MethodView):
    """One API token."""

    @require(MANAGE)
    @blp.response(204)
    def delete(self, username: str, token_id: int) -> Response:
        """Revoke a token: requests bearing it get 401 from now on."""
        with transaction():
            admin.revoke_token(username=username, token_id=token_id, actor=current_user)
        return Response(status=204)

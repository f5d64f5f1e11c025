"""User endpoints of the JSON API: who am I, and the user list for admins."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from flask.views import MethodView
from flask_login import current_user
from marshmallow import Schema, fields

from presslog.api import ApiBlueprint
from presslog.core.security import ORDER_EDIT_CAPABILITIES, capabilities_of, require
from presslog.users import repository

blp = ApiBlueprint(
    "users_api",
    __name__,
    url_prefix="/api/v1",
    description="The signed-in user and, for admins, all users.",
)


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

    @require("users.manage")
    @blp.response(200, UserSchema(many=True))
    def get(self) -> Response:
        """List users."""
        users = repository.list_users()
        return jsonify(
            {
                "items": UserSchema(many=True).dump(users),
                "page": 1,
                "per_page": len(users),
                "total": len(users),
                "pages": 1,
            }
        )

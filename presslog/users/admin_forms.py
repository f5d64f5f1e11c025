"""Forms of the user administration pages; every field follows its rule in users/rules.py."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, SelectField, StringField
from wtforms.fields import SelectChoice

from presslog.core.forms import blank_to_none, ruled
from presslog.core.security import ROLES
from presslog.users import rules
from presslog.users.models import User

LOWER = [blank_to_none, lambda v: v.lower() if isinstance(v, str) else v]


def _role_choices(blank: bool) -> list[SelectChoice]:
    choices = [SelectChoice(code, label) for code, label in ROLES.items()]
    return [SelectChoice("", "Choose…"), *choices] if blank else choices


class UserCreateForm(FlaskForm):
    """A new account: username, e-mail, name, role and an initial password."""

    username = StringField(
        filters=LOWER,
        **ruled(
            rules.USERNAME,
            description="3–40 lower-case letters, digits, dots, dashes or underscores. "
            "It cannot be changed later.",
            render_kw={
                "autocomplete": "off",
                "autocapitalize": "none",
                "data-normalize": "lower",
                "spellcheck": "false",
            },
        ),
    )
    email = StringField(
        filters=LOWER, **ruled(rules.EMAIL, render_kw={"type": "email", "autocomplete": "off"})
    )
    full_name = StringField(filters=[blank_to_none], **ruled(rules.FULL_NAME))
    role = SelectField(choices=_role_choices(blank=True), **ruled(rules.ROLE))
    password = PasswordField(
        **ruled(
            rules.PASSWORD,
            label="Initial password",
            description="At least 12 characters, without the username or e-mail. "
            "Give it to the user in person; they should change it.",
            render_kw={"autocomplete": "new-password"},
        )
    )

    def to_data(self) -> dict[str, Any]:
        """Submitted values in the service's input shape."""
        return {
            "username": self.username.data,
            "email": self.email.data,
            "full_name": self.full_name.data,
            "role": self.role.data,
            "password": self.password.data or "",
        }


class UserEditForm(FlaskForm):
    """Change an account's name, e-mail and role (the username is shown, never sent)."""

    version = HiddenField()
    username = StringField(**ruled(rules.USERNAME))
    email = StringField(
        filters=LOWER, **ruled(rules.EMAIL, render_kw={"type": "email", "autocomplete": "off"})
    )
    full_name = StringField(filters=[blank_to_none], **ruled(rules.FULL_NAME))
    role = SelectField(choices=_role_choices(blank=False), **ruled(rules.ROLE))

    def fill_from(self, user: User) -> None:
        """Load a user's values."""
        self.version.data = str(user.version)
        self.username.data = user.username
        self.email.data = user.email
        self.full_name.data = user.full_name
        self.role.data = user.role

    def to_data(self) -> dict[str, Any]:
        """Submitted values in the service's input shape."""
        return {"email": self.email.data, "full_name": self.full_name.data, "role": self.role.data}


class RoleForm(FlaskForm):
    """The role picker on a user's page (the version travels in the action's form)."""

    role = SelectField(choices=_role_choices(blank=False), **ruled(rules.ROLE, label="New role"))


class TokenForm(FlaskForm):
    """Name a new API token (the version travels in the action's form)."""

    name = StringField(
        filters=[blank_to_none],
        **ruled(
            rules.TOKEN_NAME,
            description="What uses it, e.g. “Shipping scale” or “Website orders”.",
            render_kw={"autocomplete": "off"},
        ),
    )

"""Forms of the account pages; fields follow their rules in presslog/users/rules.py and the
service checks them again (the one source of truth for each rule)."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, SelectField, StringField
from wtforms.fields import SelectChoice
from wtforms.validators import EqualTo

from presslog.accounts.service import PASSWORDS_DIFFER
from presslog.core.forms import blank_to_none, needed, ruled
from presslog.core.rules import match_attrs
from presslog.core.security import ROLES
from presslog.users import rules
from presslog.users.admin_forms import LOWER

THEME_LABELS = {"system": "Same as this device", "light": "Light", "dark": "Dark"}


def _new_password(label: str = "New password") -> PasswordField:
    return PasswordField(
        **ruled(
            rules.PASSWORD,
            label=label,
            description="At least 12 characters; not a common password, not your username.",
            render_kw={"autocomplete": "new-password"},
        )
    )


def _confirm(
    label: str = "New password again", message: str = "Type the new password a second time."
) -> PasswordField:
    """The password typed a second time: required, and equal to ``password``."""
    kwargs = needed(
        label, message, autocomplete="new-password", **match_attrs("password", PASSWORDS_DIFFER)
    )
    kwargs["validators"].append(EqualTo("password", message=PASSWORDS_DIFFER))
    return PasswordField(**kwargs)


def _current(label: str = "Current password") -> PasswordField:
    return PasswordField(
        **needed(label, "Enter your current password.", autocomplete="current-password")
    )


class ForgotPasswordForm(FlaskForm):
    """The address a reset link should go to."""

    email = StringField(
        filters=LOWER,
        **ruled(
            rules.EMAIL, render_kw={"type": "email", "autocomplete": "email", "autofocus": True}
        ),
    )


class NewPasswordForm(FlaskForm):
    """A new password, typed twice (reset link and invitation)."""

    password = _new_password()
    confirm = _confirm()


class InviteForm(FlaskForm):
    """Invite a person: username, e-mail, name and role; they choose the password."""

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
        filters=LOWER,
        **ruled(
            rules.EMAIL,
            description="The invitation goes here.",
            render_kw={"type": "email", "autocomplete": "off"},
        ),
    )
    full_name = StringField(filters=[blank_to_none], **ruled(rules.FULL_NAME))
    role = SelectField(
        choices=[SelectChoice("", "Choose…")]
        + [SelectChoice(code, label) for code, label in ROLES.items()],
        **ruled(rules.ROLE),
    )

    def to_data(self) -> dict[str, Any]:
        """Submitted values in the service's input shape."""
        return {
            "username": self.username.data,
            "email": self.email.data,
            "full_name": self.full_name.data,
            "role": self.role.data,
        }


class RegisterForm(FlaskForm):
    """Create an account of one's own."""

    username = StringField(
        filters=LOWER,
        **ruled(
            rules.USERNAME,
            description="3–40 lower-case letters, digits, dots, dashes or underscores.",
            render_kw={
                "autocomplete": "username",
                "autocapitalize": "none",
                "data-normalize": "lower",
            },
        ),
    )
    email = StringField(
        filters=LOWER, **ruled(rules.EMAIL, render_kw={"type": "email", "autocomplete": "email"})
    )
    full_name = StringField(
        filters=[blank_to_none], **ruled(rules.FULL_NAME, render_kw={"autocomplete": "name"})
    )
    password = _new_password("Password")
    confirm = _confirm("Password again", "Type the password a second time.")

    def to_data(self) -> dict[str, Any]:
        """Submitted values in the service's input shape."""
        return {
            "username": self.username.data,
            "email": self.email.data,
            "full_name": self.full_name.data,
            "password": self.password.data or "",
            "confirm": self.confirm.data or "",
        }


class NameForm(FlaskForm):
    """The person's own full name."""

    version = HiddenField()
    full_name = StringField(
        filters=[blank_to_none], **ruled(rules.FULL_NAME, render_kw={"autocomplete": "name"})
    )


class EmailForm(FlaskForm):
    """A new address, confirmed through a link sent to it."""

    email = StringField(
        filters=LOWER,
        **ruled(
            rules.EMAIL,
            label="New e-mail",
            description="We send a link there; the address changes when you follow it.",
            render_kw={"type": "email", "autocomplete": "email"},
        ),
    )
    email_password = _current()


class PasswordForm(FlaskForm):
    """Change the password: the current one, then the new one twice."""

    current_password = _current()
    password = _new_password()
    confirm = _confirm()


class ThemeForm(FlaskForm):
    """How pages look: like the device, light or dark."""

    version = HiddenField()
    theme = SelectField(
        choices=[SelectChoice(code, label) for code, label in THEME_LABELS.items()],
        **needed("Theme", "Choose a theme."),
    )


class OwnTokenForm(FlaskForm):
    """Name a new API token of one's own."""

    name = StringField(
        filters=[blank_to_none],
        **ruled(
            rules.TOKEN_NAME,
            description="What uses it, e.g. “My spreadsheet”.",
            render_kw={"autocomplete": "off"},
        ),
    )

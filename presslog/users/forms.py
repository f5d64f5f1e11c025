"""Sign-in form."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField

from presslog.core.forms import needed


class LoginForm(FlaskForm):
    """Username (or e-mail) and password."""

    login = StringField(
        **needed(
            "Username or e-mail", "Enter your username.", autocomplete="username", autofocus=True
        )
    )
    password = PasswordField(
        **needed("Password", "Enter your password.", autocomplete="current-password")
    )
    remember = BooleanField("Keep me signed in on this device")

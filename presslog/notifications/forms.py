"""The notification preferences form: per event, in the centre or not, and e-mail how."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import BooleanField, Form, FormField, SelectField

from presslog.notifications.events import EMAIL_MODES, EVENTS
from presslog.notifications.service import Preference


class EventPreferenceForm(Form):
    """One event's two choices (no CSRF of its own: the outer form carries it)."""

    in_app = BooleanField("Show in app")
    email = SelectField("E-mail", choices=list(EMAIL_MODES.items()))


class PreferencesBase(FlaskForm):
    """What the preferences form does; :data:`PreferencesForm` adds one row per event."""

    def fill(self, preferences: dict[str, Preference]) -> None:
        """Show the stored (or default) preference of every event."""
        for event, pref in preferences.items():
            entry = getattr(self, event).form
            entry.in_app.data = pref.in_app
            entry.email.data = pref.email

    def choices(self) -> dict[str, dict[str, Any]]:
        """The submitted choices, event → {in_app, email}, as the service takes them."""
        return {
            event: {
                "in_app": bool(getattr(self, event).form.in_app.data),
                "email": getattr(self, event).form.email.data,
            }
            for event in EVENTS
        }

    def rows(self) -> list[tuple[str, Any]]:
        """(event, its sub-form) in EVENTS order, for the table."""
        return [(event, getattr(self, event)) for event in EVENTS]


PreferencesForm: type[PreferencesBase] = type(
    "PreferencesForm",
    (PreferencesBase,),
    {event: FormField(EventPreferenceForm, label=e.label) for event, e in EVENTS.items()},
)
PreferencesForm.__doc__ = "Every event's preference, one row each."

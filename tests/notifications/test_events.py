"""Order events: who hears about a rush order, a status change and a shipment; follows;
the same event never twice; preferences honoured; e-mail to a real SMTP server."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from presslog.core.errors import ValidationError
from presslog.core.transaction import transaction
from presslog.extensions import db
from presslog.notifications import service
from presslog.notifications.models import Notification, OrderFollow
from presslog.notifications.service import Preference
from tests.mail_helpers import outbox
from tests.notifications.conftest import move, notifications_of, unread


def set_pref(user: Any, event: str, *, in_app: bool = True, email: str = "off") -> None:
    with transaction():
        service.set_preferences(user, {event: Preference(in_app, email)})


def test_rush_order_rings_the_bell_of_everyone_who_reads_orders_but_not_its_creator(
    app, person, new_order, make_user
):
    creator, colleague, viewer = person("staff"), person("artist"), person("viewer")
    inactive = make_user("staff", active=False)
    before = [unread(c) for c in (creator, colleague, viewer)]

    order = new_order(creator.user, rush=True)

    assert before == [0, 0, 0]
    assert unread(creator) == 0
    assert unread(colleague) == 1
    assert unread(viewer) == 1
    assert notifications_of(inactive) == []
    [note] = notifications_of(colleague.user)
    assert note.event == "rush_created"
    assert note.event_key == f"rush_created:{order.log}"
    assert note.url == f"/orders/{order.log}"
    assert order.log in note.title
    # the bell's centre shows it, linking to the order
    page = colleague.get("/notifications").text
    assert f'href="/orders/{order.log}"' in page


def test_a_plain_order_rings_no_bell_and_its_creator_follows_it(app, person, new_order):
    creator, colleague = person("staff"), person("staff")
    order = new_order(creator.user)
    assert unread(colleague) == 0
    assert service.is_following(creator.user, order.id)
    assert not service.is_following(colleague.user, order.id)


def test_rush_order_e_mail_reaches_the_smtp_server_for_immediate_preference(
    app, person, new_order, smtp_server
):
    app.config["PUBLIC_URL"] = "https://presslog.example.com"  # no request: links need it
    creator, immediate, quiet = person("staff"), person("staff"), person("staff")
    set_pref(quiet.user, "rush_created", email="off")  # immediate is the default

    order = new_order(creator.user, rush=True)

    recipients = [m["To"] for m in smtp_server.messages]
    assert recipients == [immediate.user.email]
    message = smtp_server.messages[0]
    assert order.log in message["Subject"]
    text = message.get_body(("plain",)).get_content()
    assert f"https://presslog.example.com/orders/{order.log}" in text
    html = message.get_body(("html",)).get_content()
    assert f'href="https://presslog.example.com/orders/{order.log}"' in html
    # the quiet person still sees it under the bell; both notifications are stored
    assert unread(quiet) == 1
    mailed = {n.user_id: n.emailed_at for n in notifications_of(immediate.user)}
    assert mailed[immediate.user.id] is not None
    assert notifications_of(quiet.user)[0].emailed_at is None


def test_status_change_notifies_followers_but_not_the_person_who_made_it(app, person, new_order):
    creator, follower, bystander = person("staff"), person("staff"), person("staff")
    order = new_order(creator.user)
    with transaction():
        service.follow(follower.user, order.id)

    move(creator.user, order.log, "art")
    assert unread(creator) == 0  # the creator follows, but made the change
    assert unread(follower) == 1
    assert unread(bystander) == 0

    move(follower.user, order.log, "approved")
    assert unread(creator) == 1
    assert unread(follower) == 1  # not told about their own change
    [first] = notifications_of(follower.user)
    assert first.event == "status_changed"
    assert first.event_key.startswith(f"status_changed:{order.log}:")
    assert "art" in first.title.lower()


def test_shipped_notifies_followers_once_and_not_the_shipper(app, person, new_order):
    creator, shipper, follower = person("staff"), person("staff"), person("viewer")
    order = new_order(creator.user)
    with transaction():
        service.follow(follower.user, order.id)
        service.follow(shipper.user, order.id)
    for status in ("production", "ready"):
        move(creator.user, order.log, status)
    counts_before = (unread(creator), unread(follower), unread(shipper))

    move(shipper.user, order.log, "shipped")

    assert unread(creator) == counts_before[0] + 1
    assert unread(follower) == counts_before[1] + 1
    assert unread(shipper) == counts_before[2]
    shipped = [n for n in notifications_of(follower.user) if n.event == "shipped"]
    assert len(shipped) == 1
    assert shipped[0].event_key.startswith(f"shipped:{order.log}:")

    # back to ready and shipped again the same day: the same shipment, no second bell
    move(shipper.user, order.log, "ready")
    move(shipper.user, order.log, "shipped")
    shipped = [n for n in notifications_of(follower.user) if n.event == "shipped"]
    assert len(shipped) == 1


def test_the_same_event_never_notifies_the_same_person_twice(app, person, make_user):
    reader = person("staff")
    other = make_user("staff")
    users = [reader.user, other, reader.user]
    with transaction():
        first = service.notify("account_changed", users=users, key="k:1", title="One")
    with transaction():
        again = service.notify("account_changed", users=[reader.user, other], key="k:1", title="2")
    assert (first, again) == (2, 0)
    assert unread(reader) == 1
    total = db.session.scalar(select(func.count()).select_from(Notification))
    assert total == 2


def test_a_duplicate_raised_concurrently_is_skipped_by_the_unique_key(app, make_user):
    """A row another transaction stored between the look-up and the insert is skipped."""
    user = make_user("staff")
    with transaction():
        db.session.add(
            Notification(user_id=user.id, event="account_changed", event_key="k:race", title="x")
        )
    original = service.repository.users_with_key
    service.repository.users_with_key = lambda ids, key: set()  # type: ignore[assignment]
    try:
        with transaction():
            created = service.notify("account_changed", users=[user], key="k:race", title="y")
            assert created == 0
            # the transaction goes on after the skipped row: a later insert is kept
            assert service.notify("account_changed", users=[user], key="k:next", title="z") == 1
    finally:
        service.repository.users_with_key = original  # type: ignore[assignment]
    assert [n.title for n in notifications_of(user)] == ["x", "z"]


def test_follow_and_unfollow_are_idempotent(app, person, new_order):
    creator, other = person("staff"), person("staff")
    order = new_order(creator.user)
    with transaction():
        service.follow(other.user, order.id)
        service.follow(other.user, order.id)
    assert service.is_following(other.user, order.id)
    move(creator.user, order.log, "art")
    assert unread(other) == 1
    with transaction():
        service.unfollow(other.user, order.id)
        service.unfollow(other.user, order.id)
    assert not service.is_following(other.user, order.id)
    move(creator.user, order.log, "approved")
    assert unread(other) == 1
    follows = db.session.scalar(select(func.count()).select_from(OrderFollow))
    assert follows == 1  # only the creator still follows


def test_turning_an_event_off_in_the_app_keeps_it_from_the_bell(app, person, new_order):
    creator, reader = person("staff"), person("staff")
    set_pref(reader.user, "rush_created", in_app=False, email="off")
    new_order(creator.user, rush=True)
    assert unread(reader) == 0
    assert notifications_of(reader.user) == []


def test_preferences_default_to_the_event_list_and_are_stored(app, make_user):
    user = make_user("staff")
    prefs = service.preferences(user)
    assert prefs["rush_created"] == Preference(True, "immediate")
    assert prefs["due_tomorrow"] == Preference(True, "digest")
    assert prefs["status_changed"] == Preference(True, "off")
    set_pref(user, "status_changed", email="immediate")
    set_pref(user, "status_changed", email="digest")
    assert service.preferences(user)["status_changed"] == Preference(True, "digest")


@pytest.mark.parametrize(
    ("choices", "field"),
    [
        ({"nonsense": {"in_app": True, "email": "off"}}, "nonsense"),
        ({"shipped": {"in_app": True, "email": "hourly"}}, "shipped.email"),
        ({"shipped": {"in_app": False, "email": "immediate"}}, "shipped.email"),
    ],
)
def test_bad_preferences_are_refused_naming_the_field(app, make_user, choices, field):
    user = make_user("staff")
    with pytest.raises(ValidationError) as caught, transaction():
        service.set_preferences(user, {"rush_created": {"in_app": True, "email": "off"}, **choices})
    assert field in caught.value.errors
    # nothing half-written: the valid row given with it was not stored either
    assert service.preferences(user)["rush_created"] == Preference(True, "immediate")


def test_a_rolled_back_change_sends_no_mail(app, person, make_user):
    reader = person("staff")

    def failing_change() -> None:
        with transaction():
            service.notify("account_changed", users=[reader.user], key="k:rb", title="Gone")
            raise RuntimeError("the caller's change failed")

    with pytest.raises(RuntimeError):
        failing_change()
    assert notifications_of(reader.user) == []
    assert outbox(app) == []


def test_account_changed_is_mailed_at_once_by_default(app, make_user):
    user = make_user("viewer")
    with transaction():
        created = service.notify(
            "account_changed", users=[user], key="account:1", title="Your password was changed"
        )
    assert created == 1
    [message] = outbox(app)
    assert message["To"] == user.email
    assert message["Subject"] == "Your password was changed"


def test_a_follower_who_wants_status_changes_at_once_gets_the_e_mail(
    app, person, new_order, smtp_server
):
    creator, follower = person("staff"), person("staff")
    order = new_order(creator.user)
    set_pref(follower.user, "status_changed", email="immediate")
    with transaction():
        service.follow(follower.user, order.id)
    move(creator.user, order.log, "art")
    [message] = smtp_server.messages
    assert message["To"] == follower.user.email
    assert f"Order {order.log} is now" in message["Subject"]
    assert smtp_server.envelope_recipients == [[follower.user.email]]

"""The notification pages: the centre, the bell, preferences and the follow button."""

from __future__ import annotations

from typing import Any

from presslog.core.transaction import transaction
from presslog.notifications import service
from presslog.notifications.service import Preference
from tests.helpers import counted_statements, form_data, page_text
from tests.notifications.conftest import notifications_of, unread

HTMX = {"HX-Request": "true"}


def tell(user: Any, count: int, *, prefix: str = "k") -> None:
    """Give ``user`` ``count`` notifications, oldest first."""
    with transaction():
        for i in range(count):
            service.notify(
                "account_changed",
                users=[user],
                key=f"{prefix}:{i}",
                title=f"Notice {prefix}{i}",
                url=f"/orders/{1000 + i}",
            )


def test_centre_lists_newest_first_with_unread_highlighted_and_pages(app, person):
    reader = person("viewer")
    tell(reader.user, 3)
    notes = notifications_of(reader.user)
    with transaction():
        service.mark_read(reader.user, notes[0].id)

    page = reader.get("/notifications").text
    text = page_text(page)
    assert text.index("Notice k2") < text.index("Notice k1") < text.index("Notice k0")
    assert "2 unread" in text
    assert page.count("notification-unread") == 2
    assert f'id="notification-{notes[0].id}"' in page
    assert 'href="/orders/1002"' in page

    first = reader.get("/notifications?per_page=2").text
    assert "Notice k2" in first
    assert "Notice k0" not in first
    assert 'rel="next"' in first
    second = page_text(reader.get("/notifications?per_page=2&page=2").text)
    assert "Notice k0" in second
    assert "Notice k2" not in second


def test_centre_needs_a_signed_in_person(client):
    response = client.get("/notifications")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    assert client.get("/notifications/count").status_code == 302


def test_mark_read_marks_only_your_own(app, person):
    reader, other = person("staff"), person("staff")
    tell(reader.user, 2, prefix="mine")
    tell(other.user, 1, prefix="theirs")
    mine = notifications_of(reader.user)
    theirs = notifications_of(other.user)[0]

    response = reader.post(f"/notifications/{mine[0].id}/read", data={"csrf_token": reader.csrf})
    assert response.status_code == 302
    assert unread(reader) == 1

    refused = reader.post(f"/notifications/{theirs.id}/read", data={"csrf_token": reader.csrf})
    assert refused.status_code == 404
    assert unread(other) == 1
    assert notifications_of(other.user)[0].read_at is None


def test_mark_read_needs_the_csrf_token(app, person):
    reader = person("staff")
    tell(reader.user, 1)
    note = notifications_of(reader.user)[0]
    assert reader.post(f"/notifications/{note.id}/read").status_code == 400
    assert unread(reader) == 1


def test_mark_read_with_htmx_swaps_the_item_and_tells_the_bell(app, person):
    reader = person("staff")
    tell(reader.user, 1)
    note = notifications_of(reader.user)[0]
    response = reader.post(
        f"/notifications/{note.id}/read",
        headers={**HTMX, "X-CSRFToken": reader.csrf},
    )
    assert response.status_code == 200
    assert response.headers["HX-Trigger"] == "notifications-changed"
    assert f'id="notification-{note.id}"' in response.text
    assert "notification-unread" not in response.text
    assert unread(reader) == 0


def test_mark_all_read(app, person):
    reader, other = person("staff"), person("staff")
    tell(reader.user, 3)
    tell(other.user, 2)
    page = reader.get("/notifications").text
    data = form_data(page, action="/notifications/read-all")
    response = reader.post("/notifications/read-all", data=data, follow_redirects=True)
    assert "3 notifications marked read." in page_text(response.text)
    assert unread(reader) == 0
    assert unread(other) == 2


def test_bell_in_the_nav_polls_the_count_politely(app, person):
    reader = person("staff")
    tell(reader.user, 2)
    page = reader.get("/orders").text
    assert 'href="/notifications"' in page
    assert 'aria-live="polite"' in page
    assert 'hx-get="/notifications/count"' in page
    assert 'hx-trigger="load, every 10s' in page

    fragment = reader.get("/notifications/count", headers=HTMX)
    assert "Notifications, 2 unread" in fragment.text
    assert "every 10s" in fragment.text
    assert "/notifications/count?shown=2" in fragment.text
    # polling while nothing changed swaps nothing (and a screen reader hears nothing)
    assert reader.get("/notifications/count?shown=2", headers=HTMX).status_code == 204
    tell(reader.user, 1, prefix="more")
    assert "Notifications, 3 unread" in reader.get("/notifications/count?shown=2").text


def test_the_centre_costs_the_same_queries_for_few_or_many_notifications(app, person):
    reader = person("staff")
    tell(reader.user, 3, prefix="few")
    with counted_statements() as few:
        assert reader.get("/notifications").status_code == 200
    tell(reader.user, 40, prefix="many")
    with counted_statements() as many:
        assert reader.get("/notifications").status_code == 200
    assert len(many) == len(few)
    assert len(many) <= 6, many


def test_preferences_form_shows_defaults_and_saves_choices(app, person):
    reader = person("staff")
    page = reader.get("/account/notifications")
    assert page.status_code == 200
    text = page_text(page.text)
    assert "Rush order created" in text
    assert "Your account changed" in text
    data = form_data(page.text, has="rush_created-email")
    assert data["rush_created-email"] == "immediate"
    assert data["due_tomorrow-email"] == "digest"
    assert data["shipped-in_app"] == "y"

    data["shipped-email"] = "immediate"
    data.pop("status_changed-in_app")
    data["status_changed-email"] = "off"
    response = reader.post("/account/notifications", data=data)
    assert response.status_code == 302
    prefs = service.preferences(reader.user)
    assert prefs["shipped"] == Preference(True, "immediate")
    assert prefs["status_changed"] == Preference(False, "off")
    assert prefs["rush_created"] == Preference(True, "immediate")


def test_preferences_refuse_e_mail_for_an_event_hidden_in_the_app(app, person):
    reader = person("staff")
    data = form_data(reader.get("/account/notifications").text, has="rush_created-email")
    data.pop("shipped-in_app")
    data["shipped-email"] = "immediate"
    data["rush_created-email"] = "off"
    response = reader.post("/account/notifications", data=data)
    assert response.status_code == 422
    assert 'id="shipped-email-error"' in response.text
    assert "e-mail needs the notification shown in the app" in response.text
    # nothing half-written
    assert service.preferences(reader.user)["rush_created"] == Preference(True, "immediate")


def test_preferences_refuse_an_unknown_e_mail_mode(app, person):
    reader = person("staff")
    data = form_data(reader.get("/account/notifications").text, has="rush_created-email")
    data["overdue-email"] = "hourly"
    response = reader.post("/account/notifications", data=data)
    assert response.status_code == 422
    assert service.preferences(reader.user)["overdue"] == Preference(True, "digest")


def test_follow_button_works_without_script(app, person, new_order):
    creator, viewer = person("staff"), person("viewer")
    order = new_order(creator.user)
    page = viewer.get(f"/orders/{order.log}").text
    assert f'action="/orders/{order.log}/follow"' in page
    data = form_data(page, action=f"/orders/{order.log}/follow")
    response = viewer.post(f"/orders/{order.log}/follow", data=data, follow_redirects=True)
    assert response.status_code == 200
    assert f"You follow order {order.log} now." in page_text(response.text)
    assert f'action="/orders/{order.log}/unfollow"' in response.text
    assert service.is_following(viewer.user, order.id)

    data = form_data(response.text, action=f"/orders/{order.log}/unfollow")
    viewer.post(f"/orders/{order.log}/unfollow", data=data)
    assert not service.is_following(viewer.user, order.id)


def test_follow_button_with_htmx_swaps_itself(app, person, new_order):
    creator, viewer = person("staff"), person("viewer")
    order = new_order(creator.user)
    headers = {**HTMX, "X-CSRFToken": viewer.csrf}
    response = viewer.post(f"/orders/{order.log}/follow", headers=headers)
    assert response.status_code == 200
    assert 'id="follow-order"' in response.text
    assert f'hx-post="/orders/{order.log}/unfollow"' in response.text
    assert f"You follow order {order.log} now." in response.text
    assert service.is_following(viewer.user, order.id)
    response = viewer.post(f"/orders/{order.log}/unfollow", headers=headers)
    assert f'hx-post="/orders/{order.log}/follow"' in response.text
    assert not service.is_following(viewer.user, order.id)


def test_following_an_unknown_order_is_404(app, person):
    viewer = person("viewer")
    response = viewer.post("/orders/99999/follow", data={"csrf_token": viewer.csrf})
    assert response.status_code == 404

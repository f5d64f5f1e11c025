"""The fixtures themselves: an app per test on each backend, signed-in clients."""

from tests.conftest import login


def test_signed_in_staff_sees_orders(as_role):
    client = as_role("staff")
    response = client.get("/orders")
    assert response.status_code == 200
    assert "No orders match." in response.text


def test_wrong_password_is_refused(client, make_user):
    user = make_user("staff")
    response = login(client, user.username, "not the password at all")
    assert response.status_code == 401
    assert "Wrong username or password" in response.text

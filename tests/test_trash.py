"""/admin/trash: deleted orders and customers, newest first, restored with one button
(both databases)."""

from __future__ import annotations

from datetime import timedelta

from presslog.core.db import utcnow
from presslog.extensions import db
from presslog.orders.models import Order
from tests.conftest import csrf_from
from tests.factories import CustomerFactory, OrderFactory
from tests.helpers import counted_statements, page_text

URL = "/admin/trash"


def _trashed(n: int) -> list[Order]:
    customer = CustomerFactory(code="TRSH1", name="Trash Can Co")
    gone = []
    for i in range(n):
        order = OrderFactory(log=f"TR{i:03d}", title=f"Binned job {i}", customer=customer)
        order.deleted_at = utcnow() - timedelta(hours=n - i)  # the last one deleted last
        gone.append(order)
    OrderFactory(log="KEPT1", title="Still live", customer=customer)
    db.session.commit()
    return gone


def test_the_trash_lists_deleted_orders_newest_first_and_restores_one(app, as_role):
    _trashed(3)
    manager = as_role("manager")
    page = manager.get(URL)
    text = page_text(page.text)
    assert text.index("TR002") < text.index("TR001") < text.index("TR000")
    assert "Trash Can Co" in text
    assert "KEPT1" not in text
    restored = manager.post("/orders/TR001/restore", data={"csrf_token": csrf_from(page.text)})
    assert restored.status_code == 302
    assert manager.get("/orders/TR001").status_code == 200
    after = page_text(manager.get(URL).text)
    assert "TR001" not in after
    assert "TR002" in after


def test_the_trash_lists_deleted_customers(app, as_role):
    CustomerFactory(code="GONE1", name="Gone Fishing", deleted_at=utcnow())
    CustomerFactory(code="HERE1", name="Still Here")
    db.session.commit()
    text = page_text(as_role("admin").get(URL, query_string={"kind": "customers"}).text)
    assert "GONE1" in text
    assert "Gone Fishing" in text
    assert "HERE1" not in text


def test_an_empty_trash_says_so(app, as_role):
    assert "The trash holds no orders." in page_text(as_role("manager").get(URL).text)


def test_the_trash_page_reads_a_fixed_number_of_statements(app, as_role):
    _trashed(2)
    manager = as_role("manager")
    manager.get(URL)  # the first request after signing in reads more (the session)
    with counted_statements() as few:
        assert manager.get(URL).status_code == 200
    _trashed_more = [OrderFactory(log=f"MORE{i}", deleted_at=utcnow()) for i in range(20)]
    db.session.commit()
    manager.get(URL)
    with counted_statements() as many:
        assert manager.get(URL).status_code == 200
    assert len(_trashed_more) == 20
    assert len(many) == len(few)


def test_only_those_who_restore_see_the_trash(app, as_role, client):
    for role in ("staff", "artist", "shipping", "viewer"):
        assert as_role(role).get(URL).status_code == 403
    assert as_role("manager").get(URL, query_string={"kind": "users"}).status_code == 404
    assert client.get(URL).status_code == 302

"""The audit log: written by the services with field-level changes, append-only, and
readable (filtered, paged, exported) by admins and managers only."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from presslog.audit import repository
from presslog.audit.models import AuditEvent
from presslog.audit.service import ACTIONS, HIDDEN, diff, record
from presslog.core.db import utcnow
from presslog.core.exports import csv_lines, safe_cell
from presslog.core.transaction import transaction
from presslog.customers import service as customers
from presslog.extensions import db
from presslog.orders import service as orders
from tests.conftest import BACKENDS
from tests.factories import CustomerFactory, OrderFactory
from tests.helpers import audit_events, page_text


def event_count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(AuditEvent)) or 0


# -- what the services write ------------------------------------------------------------


def test_order_edits_record_who_changed_which_field_from_what_to_what(as_role):
    staff = as_role("staff")
    order = OrderFactory(title="Eagles shirts", quantity=24, rush=False)
    db.session.commit()
    response = staff.patch(
        f"/api/v1/orders/{order.log}",
        json={
            "title": "Eagles hoodies",
            "quantity": 36,
            "rush": True,
            "charges": [{"kind": "print", "quantity": "36", "unit_price": "4.50"}],
        },
        headers={"If-Match": f'"v{order.version}"', "X-CSRFToken": staff.csrf},
    )
    assert response.status_code == 200, response.text
    (event,) = audit_events(action="order.update")
    assert event.actor == staff.user.username
    assert event.actor_id == staff.user.id
    assert event.entity_type == "order"
    assert event.entity_key == order.log
    assert event.changes == {
        "title": ["Eagles shirts", "Eagles hoodies"],
        "quantity": [24, 36],
        "rush": [False, True],
        "charges.print": [None, "36 × 4.5 = 162.00"],
        "total": ["0.00", "162.00"],
    }
    assert event.ip == "127.0.0.1"


def test_an_edit_that_changes_nothing_leaves_no_trace_and_no_new_version(api):
    client = api("staff")
    order = OrderFactory(title="Same")
    db.session.commit()
    response = client.patch(
        f"/api/v1/orders/{order.log}",
        json={"title": "Same"},
        headers={"If-Match": f'"v{order.version}"'},
    )
    assert response.status_code == 200
    assert response.get_json()["version"] == order.version
    assert audit_events(action="order.update") == []


def test_order_life_cycle_is_audited(app, make_user):
    actor = make_user("admin")
    customer = CustomerFactory()
    db.session.commit()
    with app.test_request_context():
        with transaction():
            order = orders.create_order(
                data={
                    "log": "70001",
                    "customer": customer.code,
                    "job_type": "TR",
                    "title": "Flags",
                },
                actor=actor,
            )
        with transaction():
            orders.change_status(log="70001", to_status="art", expected_version=None, actor=actor)
        with transaction():
            orders.delete_order(log="70001", expected_version=None)
        with transaction():
            orders.restore_order(log="70001")
    log = audit_events(entity_key=order.log)
    assert [e.action for e in log] == [
        "order.create",
        "order.status",
        "order.delete",
        "order.restore",
    ]
    created = log[0].changes
    assert created["title"] == [None, "Flags"]
    assert created["customer"] == [None, customer.code]
    assert "customer_po" not in created  # only what was filled in
    assert log[1].changes == {"status": ["received", "art"]}


def test_a_refused_change_leaves_no_audit_entry(api):
    client = api("staff")
    order = OrderFactory()
    db.session.commit()
    before = event_count()
    response = client.patch(
        f"/api/v1/orders/{order.log}",
        json={"title": "x" * 5000},
        headers={"If-Match": f'"v{order.version}"'},
    )
    assert response.status_code == 422
    stale = client.patch(
        f"/api/v1/orders/{order.log}",
        json={"title": "New"},
        headers={"If-Match": f'"v{order.version + 5}"'},
    )
    assert stale.status_code == 412
    assert event_count() == before


def test_customer_changes_are_audited(app):
    with app.test_request_context():
        with transaction():
            customers.create_customer(data={"code": "acme1", "name": "Acme", "phone": "555-0100"})
        with transaction():
            customers.update_customer(
                code="ACME1",
                data={"phone": "555-0199", "billing_address": {"city": "Springfield"}},
                expected_version=None,
            )
        with transaction():
            customers.delete_customer(code="ACME1")
    log = audit_events(entity_key="ACME1")
    assert [e.action for e in log] == ["customer.create", "customer.update", "customer.delete"]
    assert log[0].actor is None  # no one signed in: a command or the system
    assert log[1].changes == {
        "phone": ["555-0100", "555-0199"],
        "billing_address.city": [None, "Springfield"],
    }


def test_secrets_are_never_stored():
    assert diff({"password_hash": "$argon2id$old"}, {"password_hash": "$argon2id$new"}) == {
        "password_hash": [HIDDEN, HIDDEN]
    }


def test_unknown_actions_are_a_programming_error(app):
    with app.test_request_context(), pytest.raises(ValueError, match="unknown audit action"):
        record("order.frobnicate")


# -- append-only ----------------------------------------------------------------------


def test_the_app_cannot_change_or_delete_an_entry(app):
    with app.test_request_context(), transaction():
        record("export", entity_type="report", entity_key="audit")
    (event,) = audit_events()
    event.summary = "tampered"
    with pytest.raises(PermissionError):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.get(AuditEvent, event.id))
    with pytest.raises(PermissionError):
        db.session.commit()
    db.session.rollback()
    assert audit_events()[0].summary is None


# The trigger is PostgreSQL's (production); on SQLite the ORM guard above stands alone.
@pytest.mark.parametrize("database_url", [b for b in BACKENDS if b == "postgresql"], indirect=True)
def test_postgresql_refuses_update_delete_and_truncate_of_the_log(app):
    with app.test_request_context(), transaction():
        record("export", entity_type="report", entity_key="audit")
    for statement in (
        "UPDATE audit_events SET summary = 'x'",
        "DELETE FROM audit_events",
        "TRUNCATE audit_events",
    ):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            db.session.execute(sa.text(statement))
        db.session.rollback()
    assert event_count() == 1


# -- the viewer ---------------------------------------------------------------------------


def _seed_events(app, make_user):
    alice = make_user("manager", username="alice")
    bob = make_user("staff", username="bob")
    now = utcnow()
    with app.test_request_context():
        for n in range(30):
            who = alice if n % 2 else bob
            event = record(
                "order.update" if n % 3 else "customer.update",
                entity_type="order" if n % 3 else "customer",
                entity_key=f"{40000 + n}" if n % 3 else "ACME1",
                summary=f"change {n}",
                changes={"title": [f"old {n}", f"new {n}"]},
                actor=who,
            )
            event.at = now - timedelta(days=30 - n)
        db.session.commit()
    return alice, bob


def test_the_viewer_filters_and_pages(app, as_role, make_user):
    _seed_events(app, make_user)
    manager = as_role("manager")
    page = manager.get("/admin/audit?per_page=10")
    assert page.status_code == 200
    text = page_text(page.text)
    assert "1–10 of 31" in text  # the 30 seeded plus the manager's own sign-in
    by_actor = page_text(manager.get("/admin/audit?actor=ALICE&per_page=100").text)
    assert "of 15" in by_actor
    assert "bob" not in by_actor
    customers_only = page_text(manager.get("/admin/audit?entity_type=customer&per_page=100").text)
    assert "1–10 of 10" in customers_only
    one_order = manager.get("/admin/audit?entity_key=40001").text
    assert "old 1" in one_order
    assert "new 1" in one_order
    assert "old 2" not in one_order
    today = utcnow().date()
    recent = page_text(
        manager.get(
            f"/admin/audit?from={today - timedelta(days=3)}&to={today}&action=order.update"
        ).text
    )
    assert "1–2 of 2" in recent  # n = 28 and 29 fall within the range; n = 27 is customer
    bad = manager.get("/admin/audit?from=2026-13-01&to=2020-01-01")
    assert bad.status_code == 200
    assert "is not a date (use YYYY-MM-DD)" in bad.text


def test_filters_match_the_repository_in_newest_first_order(app, make_user):
    _seed_events(app, make_user)
    from presslog.core.pagination import PageRequest

    page = repository.search(repository.AuditFilters(actor="bob"), PageRequest(per_page=5))
    assert page.total == 15
    stamps = [e.at for e in page.items]
    assert stamps == sorted(stamps, reverse=True)


@pytest.mark.parametrize("role", ["staff", "artist", "shipping", "viewer"])
def test_only_admins_and_managers_read_the_log(as_role, role):
    client = as_role(role)
    assert client.get("/admin/audit").status_code == 403
    assert client.get("/admin/audit.csv").status_code == 403


def test_the_log_offers_no_way_to_change_entries(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/admin/audit"):
            assert set(rule.methods or ()) <= {"GET", "HEAD", "OPTIONS"}, rule.rule


def test_csv_export_streams_the_filtered_log_and_is_itself_audited(app, as_role, make_user):
    alice, _bob = _seed_events(app, make_user)
    with app.test_request_context():
        record(
            "customer.update",
            entity_type="customer",
            entity_key="EVIL1",
            summary='=HYPERLINK("http://evil")',
            actor=alice,
        )
        db.session.commit()
    admin = as_role("admin")
    response = admin.get("/admin/audit.csv?actor=alice")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == 16
    assert {r["actor"] for r in rows} == {"alice"}
    evil = next(r for r in rows if r["entity_key"] == "EVIL1")
    assert evil["summary"] == '\'=HYPERLINK("http://evil")'
    assert any(r["changes"] == "title: old 1 → new 1" for r in rows)
    (export,) = audit_events(action="export")
    assert export.actor == admin.user.username
    assert "actor=alice" in export.summary


def test_order_history_is_one_click_from_the_order(as_role):
    order = OrderFactory()
    db.session.commit()
    manager = as_role("manager")
    page = manager.get(f"/orders/{order.log}")
    assert f"/admin/audit?entity_type=order&amp;entity_key={order.log}" in page.text
    staff = as_role("staff")
    assert "/admin/audit" not in staff.get(f"/orders/{order.log}").text


# -- exports ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+SUM(A1)", "'+SUM(A1)"),
        ("-2+3", "'-2+3"),
        ("@cmd", "'@cmd"),
        ("\tTAB", "'\tTAB"),
        ("\rCR", "'\rCR"),
        ("plain", "plain"),
        ("", ""),
        (None, ""),
        (-5, -5),
    ],
)
def test_spreadsheet_formulas_are_neutralized(value, cell):
    assert safe_cell(value) == cell


def test_csv_is_written_in_chunks():
    chunks = list(csv_lines(["n"], ([n] for n in range(1200))))
    assert len(chunks) == 3
    assert chunks[0].startswith("\ufeffn\r\n0\r\n")


def test_every_action_has_words_for_the_viewer():
    assert all(label and label[0].isupper() for label in ACTIONS.values())

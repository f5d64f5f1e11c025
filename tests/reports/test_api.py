"""GET /api/v1/reports/due-outs: the same rows as the page, SPEC field names, counts."""

from __future__ import annotations

from datetime import timedelta

from presslog.core.rules import DATE_RANGE_MESSAGE
from presslog.extensions import db
from tests.helpers import assert_problem
from tests.reports.conftest import TODAY
from tests.reports.helpers import customer, make_order

URL = "/api/v1/reports/due-outs"


def test_due_outs_default_range_rows_and_counts(api, today):
    acme = customer("ACME1", "Acme")
    make_order(log="10001", customer=acme, due_on=TODAY - timedelta(days=1), job_type="DP")
    make_order(log="10002", due_on=TODAY, job_type="TR", priority=None, rush=True)
    make_order(log="10003", due_on=TODAY + timedelta(days=30))
    db.session.commit()
    response = api("staff").get(URL)
    assert response.status_code == 200, response.text
    body = response.get_json()
    assert body["from"] is None
    assert body["to"] == "2026-11-29"
    assert body["today"] == "2026-11-25"
    assert body["counts"] == {"TR": 1, "DP": 1}
    assert (body["total"], body["page"], body["pages"]) == (2, 1, 1)
    first, second = body["items"]
    assert first == {
        "log": "10001",
        "customer": "ACME1",
        "customer_name": "Acme",
        "customer_po": None,
        "job_type": "DP",
        "title": first["title"],
        "priority": 3,
        "rush": False,
        "status": "received",
        "received_on": "2026-11-01",
        "due_on": "2026-11-24",
        "quantity": 24,
        "location": None,
        "overdue": True,
    }
    assert second["log"] == "10002"
    assert second["overdue"] is False
    assert second["priority"] is None
    assert 'rel="first"' in response.headers["Link"]


def test_due_outs_filters_and_pages(api, today):
    for n in range(5):
        make_order(log=f"2000{n}", due_on=TODAY + timedelta(days=40 + n), job_type="DTF")
    make_order(log="20009", due_on=TODAY + timedelta(days=41), job_type="AA")
    db.session.commit()
    client = api("staff")
    body = client.get(f"{URL}?from=2027-01-01&to=2027-01-31&job_type=dtf&per_page=2&page=2")
    data = body.get_json()
    assert body.status_code == 200, body.text
    assert data["from"] == "2027-01-01"
    assert data["counts"] == {"DTF": 5}
    assert [i["log"] for i in data["items"]] == ["20002", "20003"]
    assert data["pages"] == 3
    assert 'rel="next"' in body.headers["Link"]


def test_bad_dates_are_422_naming_the_field(api, today):
    client = api("staff")
    body = assert_problem(client.get(f"{URL}?from=tomorrow"), 422)
    assert list(body["errors"]) == ["from"]
    body = assert_problem(client.get(f"{URL}?from=2026-12-01&to=2026-11-01"), 422)
    assert body["errors"] == {"to": [DATE_RANGE_MESSAGE]}
    body = assert_problem(client.get(f"{URL}?job_type=VG"), 422)
    assert list(body["errors"]) == ["job_type"]
    body = assert_problem(client.get(f"{URL}?customer=bad"), 422)
    assert list(body["errors"]) == ["customer"]


def test_due_outs_api_needs_reports_read(api, app, today):
    assert_problem(api("viewer").get(URL), 403)
    assert_problem(app.test_client().get(URL), 401)
    assert api("manager").get(URL).status_code == 200


def test_due_outs_is_in_the_api_document(api):
    document = api("staff").get("/api/v1/openapi.json").get_json()
    operation = document["paths"]["/api/v1/reports/due-outs"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"from", "to", "job_type", "customer", "page", "per_page"} <= names

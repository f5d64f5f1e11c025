"""A report costs the same number of SQL statements for 3 orders as for 30 (no N+1)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from presslog.extensions import db
from tests.reports.conftest import TODAY
from tests.reports.helpers import customer, make_order

URLS = (
    "/reports/due-outs",
    "/reports/due-outs.csv",
    "/reports/due-outs.pdf",
    "/reports/shipped",
    "/reports/shipped.csv",
    "/reports/shipped.pdf",
    "/reports/sales",
    "/reports/sales.csv",
    "/reports/sales?by=month",
    "/reports/sales.csv?by=month",
    "/reports/art-queue",
    "/reports/art-queue.csv",
    "/reports/art-queue.pdf",
    "/reports/customers/ACME1",
    "/reports/customers/ACME1.csv",
    "/reports/customers/ACME1.pdf",
    "/api/v1/reports/due-outs",
)


def _add_orders(first: int, count: int, acme) -> None:
    for n in range(first, first + count):
        make_order(
            log=f"{10000 + n}",
            # Half for ACME1, half each for a customer of its own.
            **({"customer": acme} if n % 2 else {}),
            job_type=("TR", "DP", "AA", "DTF")[n % 4],
            due_on=TODAY + timedelta(days=n % 5 - 2),
            art_due_on=TODAY + timedelta(days=n % 3),
            artist=("KIM", "ANA", None)[n % 3],
            status="shipped" if n % 3 == 0 else "received",
            shipped_on=TODAY - timedelta(days=n % 7) if n % 3 == 0 else None,
            received_on=date(2026, 1 + n % 10, 1),
            price=f"{n}.25",
        )
    db.session.commit()


def _statements(client, count_statements) -> dict[str, int]:
    counts = {}
    for url in URLS:
        with count_statements() as seen:
            response = client.get(url)
            assert response.status_code == 200, (url, response.text[:300])
            assert response.data  # a streamed CSV runs its query while it is read
        counts[url] = len(seen)
    return counts


@pytest.mark.parametrize("role", ["staff"])
def test_statements_do_not_grow_with_the_number_of_orders(as_role, count_statements, today, role):
    client = as_role(role)
    acme = customer("ACME1", "Acme")
    _add_orders(0, 3, acme)
    few = _statements(client, count_statements)
    _add_orders(3, 27, acme)
    many = _statements(client, count_statements)
    assert many == few
    # And the numbers are small: sign-in bookkeeping plus one or two report queries
    # (and the audit entry of a download).
    assert max(few.values()) <= 8, few

"""The reports' rules: which orders each report takes, in which order, with which
counts and sums, and how its arguments are read (with a fixed "today")."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from werkzeug.datastructures import MultiDict

from presslog.core.db import utcnow
from presslog.core.errors import NotFound
from presslog.core.rules import DATE_RANGE_MESSAGE
from presslog.extensions import db
from presslog.reports import service
from presslog.reports.service import BadReportRequest
from tests.reports.conftest import TODAY
from tests.reports.helpers import customer, make_order

D = Decimal


def build(name: str, output: str = "page", code: str | None = None, **args: str):
    return service.build(name, MultiDict(args), output=output, code=code)  # type: ignore[arg-type]


def logs(report) -> list[str]:
    return [row["log"] for row in report.rows]


# -- reading arguments ---------------------------------------------------------------------


def test_the_week_ends_on_sunday():
    assert service.end_of_week(date(2026, 11, 23)) == date(2026, 11, 29)  # Monday
    assert service.end_of_week(TODAY) == date(2026, 11, 29)  # Wednesday
    assert service.end_of_week(date(2026, 11, 29)) == date(2026, 11, 29)  # Sunday


def test_a_bad_date_is_reported_on_its_field_and_nothing_is_queried(app, today):
    report = build("due-outs", **{"from": "2026-13-01"})
    assert report.errors == {"from": ["'2026-13-01' is not a date (use YYYY-MM-DD)."]}
    assert list(report.rows) == []
    assert report.filters[0].value == "2026-13-01"  # shown back as typed


def test_a_range_that_runs_backwards_is_reported_on_to(app, today):
    report = build("shipped", **{"from": "2026-11-20", "to": "2026-11-01"})
    assert report.errors == {"to": [DATE_RANGE_MESSAGE]}


def test_unknown_job_type_customer_and_grouping_are_refused_not_ignored(app, today):
    assert "job_type" in build("due-outs", job_type="VG").errors
    assert "customer" in build("due-outs", customer="TOOLONG").errors
    assert "by" in build("sales", by="week").errors


def test_csv_and_pdf_refuse_bad_arguments_naming_them(app, today):
    with pytest.raises(BadReportRequest) as caught:
        build("due-outs", "csv", to="soon")
    assert caught.value.status == 400
    assert caught.value.errors == {"to": ["'soon' is not a date (use YYYY-MM-DD)."]}
    assert caught.value.detail.startswith("'to': ")
    with pytest.raises(BadReportRequest):
        service.paper_arg(MultiDict({"paper": "legal"}))
    assert service.paper_arg(MultiDict({"paper": "A4"})) == "a4"
    assert service.paper_arg(MultiDict()) == "letter"


# -- due outs ----------------------------------------------------------------------------------


def test_due_outs_default_to_everything_overdue_and_the_rest_of_this_week(app, today):
    make_order(log="10001", due_on=date(2025, 1, 10), received_on=date(2025, 1, 2))
    make_order(log="10002", due_on=TODAY)
    make_order(log="10003", due_on=date(2026, 11, 29))  # Sunday
    make_order(log="10004", due_on=date(2026, 11, 30))  # next Monday
    report = build("due-outs")
    assert logs(report) == ["10001", "10002", "10003"]
    assert report.span == service.DateRange(None, date(2026, 11, 29))
    assert "2026-11-29" in report.description
    assert [f.value for f in report.filters if f.name in ("from", "to")] == ["", "2026-11-29"]
    assert [r["overdue"] for r in report.rows] == [True, False, False]


def test_due_outs_take_only_open_live_production_orders_with_a_due_date(app, today):
    due = date(2026, 11, 26)
    make_order(log="20001", due_on=due, job_type="TR")
    make_order(log="20002", due_on=due, job_type="DTF", status="production")
    make_order(log="20003", due_on=due, job_type="VG")  # not a production type
    make_order(log="20004", due_on=due, status="shipped", shipped_on=due)
    make_order(log="20005", due_on=due, status="cancelled")
    make_order(log="20006", due_on=due, deleted=True)
    make_order(log="20007", due_on=None)
    make_order(log="20008", due_on=due, job_type="AA", status="ready")
    make_order(log="20009", due_on=due, job_type="DP", status="art")
    report = build("due-outs")
    assert sorted(logs(report)) == ["20001", "20002", "20008", "20009"]
    assert report.counts == {"TR": 1, "DP": 1, "AA": 1, "DTF": 1}
    assert report.row_count == 4


def test_due_outs_sort_by_date_then_priority_blank_last_then_log(app, today):
    day = date(2026, 11, 27)
    make_order(log="30005", due_on=day, priority=None)
    make_order(log="30004", due_on=day, priority=5)
    make_order(log="30003", due_on=day, priority=1)
    make_order(log="30002", due_on=day, priority=1)
    make_order(log="30001", due_on=date(2026, 11, 28), priority=0)
    assert logs(build("due-outs")) == ["30002", "30003", "30004", "30005", "30001"]


def test_due_outs_filter_by_range_job_type_and_customer(app, today):
    acme = customer("ACME1")
    make_order(log="40001", due_on=date(2026, 12, 5), customer=acme, job_type="DP")
    make_order(log="40002", due_on=date(2026, 12, 6), customer=acme, job_type="TR")
    make_order(log="40003", due_on=date(2026, 12, 6), job_type="DP")
    make_order(log="40004", due_on=date(2026, 11, 20), customer=acme, job_type="DP")
    window = {"from": "2026-12-01", "to": "2026-12-31"}
    assert logs(build("due-outs", **window)) == ["40001", "40002", "40003"]
    assert logs(build("due-outs", **window, job_type="dp")) == ["40001", "40003"]
    report = build("due-outs", **window, job_type="DP", customer="acme1")
    assert logs(report) == ["40001"]
    assert report.counts == {"DP": 1}
    assert "job type DP" in report.description
    assert "customer ACME1" in report.description
    # Only one end given: the other is open (no default applies).
    assert logs(build("due-outs", **{"from": "2026-12-06"})) == ["40002", "40003"]


# -- shipped ------------------------------------------------------------------------------------


def test_shipped_defaults_to_this_month_so_far_and_sums_money(app, today):
    received = date(2026, 10, 1)
    make_order(
        log="50001",
        status="shipped",
        shipped_on=date(2026, 11, 2),
        received_on=received,
        price="100.10",
        sales_tax=D("7.00"),
        freight=D("12.35"),
    )
    make_order(
        log="50002",
        status="shipped",
        shipped_on=TODAY,
        received_on=received,
        price="0.20",
    )
    make_order(log="50003", status="shipped", shipped_on=date(2026, 10, 31), received_on=received)
    make_order(log="50004", shipped_on=date(2026, 11, 3), received_on=received, deleted=True)
    make_order(log="50005", status="cancelled", shipped_on=date(2026, 11, 3), received_on=received)
    report = build("shipped")
    assert logs(report) == ["50001", "50002"]
    assert report.totals == {
        "orders": 2,
        "subtotal": D("100.30"),
        "sales_tax": D("7.00"),
        "freight": D("12.35"),
        "total": D("119.65"),
    }
    assert "Shipped 2026-11-01 to 2026-11-25" in report.description
    assert logs(build("shipped", **{"from": "2026-10-01", "to": "2026-10-31"})) == ["50003"]


# -- sales -----------------------------------------------------------------------------------------


def test_sales_by_customer_adds_up_in_the_database_and_rounds_to_cents(app, today):
    big, small = customer("BIG01", "Big Buyer"), customer("SML01", "Small Buyer")
    for log, price in (("60001", "0.10"), ("60002", "0.20"), ("60003", "1000.00")):
        make_order(log=log, customer=big, price=price, received_on=date(2026, 3, 4))
    make_order(log="60004", customer=small, price="5.55", freight=D("1.00"))
    make_order(log="60005", customer=small, price="99.00", status="cancelled")
    make_order(log="60006", customer=small, price="99.00", deleted=True)
    make_order(log="60007", customer=small, price="99.00", received_on=date(2025, 12, 31))
    report = build("sales")
    assert report.rows == [
        {
            "customer": "BIG01",
            "customer_name": "Big Buyer",
            "orders": 3,
            "subtotal": D("1000.30"),
            "sales_tax": D("0.00"),
            "freight": D("0.00"),
            "total": D("1000.30"),
        },
        {
            "customer": "SML01",
            "customer_name": "Small Buyer",
            "orders": 1,
            "subtotal": D("5.55"),
            "sales_tax": D("0.00"),
            "freight": D("1.00"),
            "total": D("6.55"),
        },
    ]
    for row in report.rows:
        for name in ("subtotal", "total"):
            assert row[name] == row[name].quantize(D("0.01"))
            assert str(row[name]).count(".") == 1
            assert len(str(row[name]).split(".")[1]) == 2
    assert report.totals == {
        "orders": 4,
        "subtotal": D("1005.85"),
        "sales_tax": D("0.00"),
        "freight": D("1.00"),
        "total": D("1006.85"),
    }
    assert report.row_count == 2
    assert "2026-01-01 to 2026-12-31" in report.description


def test_sales_by_month_lists_every_month_from_the_first_sale_to_now(app, today):
    make_order(log="61001", price="10.00", received_on=date(2026, 8, 3))
    make_order(log="61002", price="15.25", received_on=date(2026, 8, 30))
    make_order(log="61003", price="2.00", received_on=date(2026, 10, 1))
    report = build("sales", by="month")
    assert report.title == "Sales by month"
    assert [(r["month"], r["orders"], r["total"]) for r in report.rows] == [
        ("2026-08", 2, D("25.25")),
        ("2026-09", 0, D("0.00")),
        ("2026-10", 1, D("2.00")),
        ("2026-11", 0, D("0.00")),
    ]
    assert report.totals is not None
    assert report.totals["total"] == D("27.25")
    assert build("sales", by="month", **{"from": "2027-01-01"}).rows == []


# -- art queue -------------------------------------------------------------------------------------


def test_art_queue_groups_by_artist_soonest_first(app, today):
    make_order(log="70001", artist="KIM", art_due_on=date(2026, 11, 28), status="art")
    make_order(log="70002", artist="ANA", art_due_on=date(2026, 11, 27))
    make_order(log="70003", artist="KIM", art_due_on=date(2026, 11, 20))
    make_order(log="70004", artist=None, art_due_on=date(2026, 11, 21))
    make_order(log="70005", artist="KIM", art_due_on=date(2026, 11, 22), status="approved")
    make_order(log="70006", artist="KIM", art_due_on=None)
    make_order(log="70007", artist="KIM", art_due_on=date(2026, 11, 22), deleted=True)
    report = build("art-queue")
    assert logs(report) == ["70002", "70003", "70001", "70004"]
    assert report.counts == {"ANA": 1, "KIM": 2, "Unassigned": 1}
    assert [r["overdue"] for r in report.rows] == [False, True, False, True]
    only_kim = build("art-queue", artist="kim")
    assert logs(only_kim) == ["70003", "70001"]
    assert only_kim.counts == {"KIM": 2}
    (artist_filter,) = only_kim.filters
    assert ("ANA", "ANA (1)") in artist_filter.choices  # the others stay selectable


# -- one customer's history ------------------------------------------------------------------------


def test_customer_history_lists_live_orders_newest_first_with_totals(app, today):
    acme = customer("ACME2", "Acme & Sons")
    make_order(log="80001", customer=acme, price="10.00", received_on=date(2026, 1, 5))
    make_order(log="80002", customer=acme, price="20.00", received_on=date(2026, 6, 5))
    make_order(log="80003", customer=acme, price="40.00", status="cancelled")
    make_order(log="80004", customer=acme, price="80.00", deleted=True)
    make_order(log="80005", price="160.00")  # someone else's
    report = build("customer-history", code="acme2")
    assert logs(report) == ["80003", "80002", "80001"]
    assert report.title == "Order history: ACME2 · Acme & Sons"
    assert report.totals is not None
    assert report.totals["total"] == D("30.00")
    assert report.notes == ("Totals leave out 1 cancelled order(s).",)
    assert report.row_count == 3
    ranged = build("customer-history", code="ACME2", **{"to": "2026-06-30"})
    assert logs(ranged) == ["80002", "80001"]


def test_customer_history_of_an_unknown_or_deleted_customer_is_not_found(app, today):
    gone = customer("GONE1")
    gone.deleted_at = utcnow()
    db.session.flush()
    for code in ("NOONE", "GONE1"):
        with pytest.raises(NotFound):
            build("customer-history", code=code)


def test_pdf_output_is_capped_and_says_so(app, today, monkeypatch):
    monkeypatch.setattr(service, "PDF_ROW_LIMIT", 3)
    for n in range(5):
        make_order(log=f"9000{n}", due_on=TODAY - timedelta(days=n))
    report = build("due-outs", "pdf")
    assert len(list(report.rows)) == 3
    assert report.truncated
    assert report.row_count == 5
    assert not build("due-outs", "pdf", customer="ZZZZZ").truncated

"""Report pages, CSV and PDF downloads: content, filters, errors, access and audit."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from pypdf import PdfReader

from presslog.core.rules import DATE_RANGE_MESSAGE
from presslog.extensions import db
from presslog.reports import service
from tests.helpers import audit_events, error_beside, page_text
from tests.reports.conftest import TODAY
from tests.reports.helpers import customer, make_order

REPORT_PAGES = (
    "/reports/due-outs",
    "/reports/shipped",
    "/reports/sales",
    "/reports/sales?by=month",
    "/reports/art-queue",
)


def read_csv(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    assert response.mimetype == "text/csv"
    text = response.data.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def read_pdf(response) -> PdfReader:
    assert response.status_code == 200, response.text
    assert response.mimetype == "application/pdf"
    return PdfReader(io.BytesIO(response.data))


def pdf_text(reader: PdfReader) -> str:
    return "\n".join(page.extract_text() for page in reader.pages)


def size(reader: PdfReader, index: int = 0) -> tuple[int, int]:
    box = reader.pages[index].mediabox
    return round(float(box.width)), round(float(box.height))


def link_query(page: str, label: str) -> dict[str, list[str]]:
    match = re.search(rf'href="([^"]+)"[^>]*>{re.escape(label)}<', page)
    assert match, f"no link {label!r}"
    return parse_qs(urlsplit(html.unescape(match.group(1))).query)


@pytest.fixture
def due_outs(app, today):
    """An overdue rush job, one due this week and one due next week."""
    acme = customer("ACME1", "Acme <Screen> & Print")
    make_order(
        log="10001",
        customer=acme,
        job_type="DP",
        due_on=TODAY - timedelta(days=3),
        title="Overdue hoodies",
        rush=True,
    )
    make_order(log="10002", job_type="TR", due_on=TODAY + timedelta(days=2), title="On time")
    make_order(log="10003", job_type="TR", due_on=TODAY + timedelta(days=9), title="Next week")
    db.session.commit()


# -- pages ------------------------------------------------------------------------------------


def test_the_index_lists_every_report_and_the_nav_links_to_it(as_role):
    page = as_role("staff").get("/reports")
    assert page.status_code == 200
    for info in service.CATALOG:
        assert f'href="/reports/{info.name}"' in page.text
    assert 'action="/reports/customers"' in page.text
    assert re.search(r'href="/reports"[^>]*>Reports</a>', page.text)


def test_a_viewer_has_no_reports_link_and_no_reports(as_role):
    viewer = as_role("viewer")
    assert ">Reports</a>" not in viewer.get("/orders").text
    for url in ("/reports", *REPORT_PAGES, "/reports/due-outs.csv", "/reports/due-outs.pdf"):
        assert viewer.get(url).status_code == 403, url


def test_due_outs_page_marks_overdue_rows_in_words_and_shows_counts(as_role, due_outs):
    page = as_role("staff").get("/reports/due-outs")
    assert page.status_code == 200
    text = page_text(page.text)
    assert "10001" in text
    assert "10002" in text
    assert "10003" not in text  # next week
    overdue_row = re.search(r'<tr class="report-flagged table-danger">(.*?)</tr>', page.text, re.S)
    assert overdue_row
    assert "10001" in overdue_row.group(1)
    assert ">Overdue</span>" in overdue_row.group(1)
    assert page.text.count("report-flagged") == 1
    assert "Jobs by type" in text
    assert "TR · Transfer 1" in text
    assert "DP · Direct Print 1" in text
    assert "Acme &lt;Screen&gt; &amp; Print" in page.text  # escaped
    assert 'class="table table-sm align-middle data-table report-table stack-on-phone"' in page.text
    assert 'data-label="Due out"' in page.text
    assert 'value="2026-11-29"' in page.text  # the default end, shown in the form
    assert '<label class="form-label small" for="f-from">' in page.text


def test_download_links_carry_the_filters(as_role, due_outs):
    page = as_role("staff").get("/reports/due-outs?to=2026-12-31&job_type=TR&page=1")
    assert "10003" in page.text
    csv_query = link_query(page.text, "Download CSV")
    assert csv_query == {"to": ["2026-12-31"], "job_type": ["TR"]}
    assert link_query(page.text, "PDF (A4)") == {**csv_query, "paper": ["a4"]}


def test_every_report_page_renders_for_staff(as_role, due_outs):
    staff = as_role("staff")
    for url in (*REPORT_PAGES, "/reports/customers/ACME1"):
        response = staff.get(url)
        assert response.status_code == 200, url
        assert "<h1" in response.text


def test_a_bad_date_shows_an_error_naming_the_field(as_role, due_outs):
    page = as_role("staff").get("/reports/due-outs?from=yesterday")
    assert page.status_code == 400
    assert error_beside(page.text, "from") == "'yesterday' is not a date (use YYYY-MM-DD)."
    assert "‘from’: 'yesterday' is not a date" in html.unescape(page.text)
    assert "10001" not in page.text  # no report for a range nobody asked for
    assert "Download CSV" not in page.text


def test_a_backwards_range_is_an_error_on_to(as_role, due_outs):
    page = as_role("staff").get("/reports/shipped?from=2026-11-20&to=2026-11-01")
    assert page.status_code == 400
    assert error_beside(page.text, "to") == DATE_RANGE_MESSAGE


def test_csv_and_pdf_with_a_bad_argument_answer_400_naming_it(as_role, due_outs):
    staff = as_role("staff")
    for url in ("/reports/due-outs.csv?from=2026-02-30", "/reports/due-outs.pdf?from=2026-02-30"):
        response = staff.get(url)
        assert response.status_code == 400, url
        assert "&#39;from&#39;: &#39;2026-02-30&#39; is not a date" in response.text
    paper = staff.get("/reports/due-outs.pdf?paper=legal")
    assert paper.status_code == 400
    assert "paper" in paper.text
    assert audit_events("export") == []


def test_art_queue_groups_rows_by_artist(as_role, today):
    make_order(log="20001", artist="KIM", art_due_on=TODAY)
    make_order(log="20002", artist="ANA", art_due_on=TODAY - timedelta(days=1))
    db.session.commit()
    page = as_role("staff").get("/reports/art-queue")
    text = page_text(page.text)
    assert text.index("ANA · 1 job") < text.index("20002") < text.index("KIM · 1 job")
    assert '<option value="KIM" >KIM (1)</option>' in page.text
    one = as_role("staff").get("/reports/art-queue?artist=KIM")
    assert "20001" in one.text
    assert "20002" not in one.text


def test_customer_history_page_and_lookup(as_role, today):
    acme = customer("ACME3", "Acme Three")
    make_order(log="30001", customer=acme, price="12.50")
    db.session.commit()
    staff = as_role("staff")
    page = staff.get("/reports/customers/acme3")
    assert page.status_code == 200
    assert "Order history: ACME3 · Acme Three" in page_text(page.text)
    assert "12.50" in page.text
    assert staff.get("/reports/customers/NOONE").status_code == 404
    lookup = staff.get("/reports/customers?code=acme3")
    assert lookup.status_code == 302
    assert lookup.headers["Location"].endswith("/reports/customers/ACME3")
    assert staff.get("/reports/customers").status_code == 200


def test_long_reports_are_paged(as_role, today):
    for n in range(12):
        make_order(log=f"4{n:04d}", due_on=TODAY)
    db.session.commit()
    page = as_role("staff").get("/reports/due-outs?per_page=10&page=2")
    assert page.status_code == 200
    assert "11–12 of 12" in page_text(page.text)
    assert "40011" in page.text
    assert "40000" not in page.text


# -- CSV ----------------------------------------------------------------------------------------


def test_due_outs_csv_uses_spec_field_names_and_is_audited(as_role, due_outs):
    staff = as_role("staff")
    response = staff.get("/reports/due-outs.csv?job_type=DP")
    rows = read_csv(response)
    assert 'filename="presslog-due-outs-' in response.headers["Content-Disposition"]
    assert list(rows[0]) == [c.key for c in service.DUE_OUT_COLUMNS]
    assert {"log", "customer", "job_type", "title", "priority", "rush", "status", "due_on"} <= set(
        rows[0]
    )
    assert rows == [
        {
            **rows[0],
            "log": "10001",
            "customer": "ACME1",
            "job_type": "DP",
            "rush": "true",
            "status": "received",
            "due_on": (TODAY - timedelta(days=3)).isoformat(),
            "overdue": "true",
        }
    ]
    (event,) = audit_events("export")
    assert event.entity_type == "report"
    assert event.entity_key == "due-outs"
    assert event.actor == staff.user.username
    assert event.summary == (
        "Due outs CSV: Due on or before 2026-11-29 (overdue and the rest of this week); "
        "job type DP (Direct Print)"
    )


def test_money_in_csv_is_plain_decimal_strings_and_formulas_are_neutralized(as_role, today):
    buyer = customer("CSV01", "=HYPERLINK(1)")
    make_order(
        log="50001",
        customer=buyer,
        status="shipped",
        shipped_on=TODAY,
        price="1234.5",
        freight=Decimal("0.1"),
        title="-2+3",
    )
    db.session.commit()
    (row,) = read_csv(as_role("staff").get("/reports/shipped.csv"))
    assert row["subtotal"] == "1234.50"
    assert row["freight"] == "0.10"
    assert row["total"] == "1234.60"
    assert row["customer_name"] == "'=HYPERLINK(1)"
    assert row["title"] == "'-2+3"


def test_every_csv_and_pdf_downloads_and_is_audited(as_role, due_outs):
    staff = as_role("staff")
    names = ["due-outs", "shipped", "sales", "art-queue", "customers/ACME1"]
    for name in names:
        read_csv(staff.get(f"/reports/{name}.csv"))
        read_pdf(staff.get(f"/reports/{name}.pdf"))
    events = audit_events("export")
    assert len(events) == 2 * len(names)
    assert {e.entity_key for e in events} == {
        "due-outs",
        "shipped",
        "sales",
        "art-queue",
        "customer-history",
    }
    assert all(e.entity_type == "report" and e.summary for e in events)
    assert "Customer ACME1" in events[-1].summary
    assert events[-1].summary.startswith("Order history: ACME1")
    assert "PDF (letter)" in events[-1].summary


def test_sales_by_month_csv(as_role, today):
    make_order(log="60001", price="10.00", received_on=date(2026, 10, 2))
    db.session.commit()
    rows = read_csv(as_role("staff").get("/reports/sales.csv?by=month"))
    assert [(r["month"], r["orders"], r["total"]) for r in rows] == [
        ("2026-10", "1", "10.00"),
        ("2026-11", "0", "0.00"),
    ]


# -- PDF ----------------------------------------------------------------------------------------


def test_due_outs_pdf_has_title_filters_author_and_page_numbers(as_role, due_outs):
    staff = as_role("staff")
    reader = read_pdf(staff.get("/reports/due-outs.pdf"))
    text = pdf_text(reader)
    assert "Due outs" in text
    assert "Due on or before 2026-11-29" in text
    assert f"by {staff.user.username}" in text
    assert "Generated " in text
    assert "Page 1 of 1" in text
    assert "Overdue" in text
    assert "TR · Transfer: 1" in text
    assert reader.metadata is not None
    assert reader.metadata.title == "Due outs"
    assert size(reader) == (792, 612)  # Letter, landscape: many columns


def test_pdf_paper_sizes_letter_and_a4_portrait_and_landscape(as_role, today):
    make_order(log="70001", price="10.00", received_on=date(2026, 10, 2))
    db.session.commit()
    staff = as_role("staff")
    # Sales has few columns: portrait.
    assert size(read_pdf(staff.get("/reports/sales.pdf"))) == (612, 792)
    assert size(read_pdf(staff.get("/reports/sales.pdf?paper=a4"))) == (595, 842)
    # Shipped has many: landscape.
    assert size(read_pdf(staff.get("/reports/shipped.pdf?paper=a4"))) == (842, 595)
    assert size(read_pdf(staff.get("/reports/shipped.pdf?paper=letter"))) == (792, 612)


def test_pdf_totals_and_repeated_headers_on_every_page(as_role, today):
    acme = customer("ACME4", "Acme Four")
    long_title = "Very long title " * 12 + "x" * 120  # must wrap, not overflow
    for n in range(90):
        make_order(
            log=f"8{n:04d}",
            customer=acme,
            price="10.00",
            title=long_title[:256],
            received_on=date(2026, 1, 1) + timedelta(days=n),
        )
    db.session.commit()
    for paper, expected in (("letter", (792, 612)), ("a4", (842, 595))):
        reader = read_pdf(as_role("staff").get(f"/reports/customers/ACME4.pdf?paper={paper}"))
        pages = len(reader.pages)
        assert pages > 1
        for number, page in enumerate(reader.pages, start=1):
            text = page.extract_text()
            assert f"Page {number} of {pages}" in text
            assert "Subtotal" in text  # the header row, repeated
            assert size(reader, number - 1) == expected
        last = reader.pages[-1].extract_text()
        assert "Total (not cancelled)" in last
        assert "900.00" in last


def test_a_long_pdf_is_cut_short_and_says_so(as_role, today, monkeypatch):
    monkeypatch.setattr(service, "PDF_ROW_LIMIT", 5)
    for n in range(8):
        make_order(log=f"9{n:04d}", due_on=TODAY)
    db.session.commit()
    staff = as_role("staff")
    text = pdf_text(read_pdf(staff.get("/reports/due-outs.pdf")))
    assert "first 5 of 8 rows" in text
    assert "90007" not in text
    assert len(read_csv(staff.get("/reports/due-outs.csv"))) == 8  # the CSV is not capped


def test_an_empty_pdf_says_nothing_matches(as_role, today):
    text = pdf_text(read_pdf(as_role("staff").get("/reports/art-queue.pdf")))
    assert "Nothing matches these filters." in text
    assert "Page 1 of 1" in text

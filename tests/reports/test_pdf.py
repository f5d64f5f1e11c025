"""The PDF renderer on its own: wrapping, paging, page sizes (no database needed)."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

from pypdf import PdfReader
from reportlab.pdfbase.pdfmetrics import stringWidth

from presslog.reports import pdf, service


def report(rows: int, **extra) -> service.Report:
    return service.Report(
        name="due-outs",
        title="Due outs",
        endpoint="reports.due_outs",
        description="Due on or before 2026-11-29",
        columns=service.DUE_OUT_COLUMNS,
        rows=[
            {
                "due_on": date(2026, 11, 20),
                "log": f"{10000 + n}",
                "customer": "ACME1",
                "customer_name": "Acme <Screen> & Print",
                "title": ("Team shirts front and back " * (1 + n % 4)) + "W" * (n % 90),
                "status": "received",
                "quantity": 24,
                "overdue": n % 2 == 0,
            }
            for n in range(rows)
        ],
        row_count=rows,
        flag=service.Flag("overdue", "Overdue", "due_on"),
        **extra,
    )


def render(r: service.Report, paper: str = "letter") -> PdfReader:
    body = pdf.render(
        r, paper=paper, generated_by="kim", generated_at=datetime(2026, 11, 25, 14, 5, tzinfo=UTC)
    )
    return PdfReader(io.BytesIO(body))


def test_long_text_wraps_inside_its_column_even_without_spaces():
    for text in ("x" * 500, "word " * 80, "short"):
        lines = pdf._wrapped(text, 60).split("\n")
        assert all(stringWidth(line, pdf.FONT, pdf.SIZE) <= 60 - 2 * pdf.PAD for line in lines)
        assert "".join(lines).replace(" ", "") == text.replace(" ", "")


def test_every_page_has_the_header_row_and_its_number():
    reader = render(report(400))
    pages = len(reader.pages)
    assert pages > 5
    for number, page in enumerate(reader.pages, start=1):
        text = page.extract_text()
        assert f"Page {number} of {pages}" in text
        assert "Due out" in text
        assert "Customer name" in text
    text = "".join(p.extract_text() for p in reader.pages)
    assert text.count("Overdue") == 200  # every flagged row says so in words
    assert "Generated 2026-11-25 14:05 UTC by kim" in text
    assert "Acme <Screen> & Print" in text  # markup characters printed, not parsed
    assert all(f"{10000 + n}" in text for n in range(400))  # no row lost between pages


def test_page_sizes_and_orientation():
    assert tuple(round(float(v)) for v in render(report(3), "a4").pages[0].mediabox[2:]) == (
        842,
        595,
    )
    few = service.Report(
        name="sales",
        title="Sales by month",
        endpoint="reports.sales",
        description="x",
        columns=service.SALES_BY_MONTH_COLUMNS,
        rows=[{"month": "2026-11", "orders": 1, "total": 1}],
        row_count=1,
    )
    assert tuple(round(float(v)) for v in render(few).pages[0].mediabox[2:]) == (612, 792)
    assert tuple(round(float(v)) for v in render(few, "a4").pages[0].mediabox[2:]) == (595, 842)


def test_group_rows_and_totals():
    queue = service.Report(
        name="art-queue",
        title="Art queue",
        endpoint="reports.art_queue",
        description="All artists",
        columns=service.ART_QUEUE_COLUMNS,
        rows=[
            {"artist": "ANA", "log": "10001"},
            {"artist": "ANA", "log": "10002"},
            {"artist": None, "log": "10003"},
        ],
        row_count=3,
        counts={"ANA": 2, "Unassigned": 1},
        group_by="artist",
        totals={"total": 5},
    )
    text = render(queue).pages[0].extract_text()
    assert text.index("ANA (2)") < text.index("10001") < text.index("Unassigned (1)")
    assert text.index("Unassigned (1)") < text.index("10003") < text.rindex("Total")

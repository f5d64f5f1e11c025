"""The job ticket: one printable page per order, read back with pypdf."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from pypdf import PdfReader

from presslog.extensions import db
from presslog.orders import rules
from presslog.orders.ticket import ELLIPSIS, clip_lines, render_ticket, wrap_lines
from tests.factories import (
    ArtProofFactory,
    ChargeFactory,
    CustomerFactory,
    OrderFactory,
    PackItemFactory,
    PrintItemFactory,
    SetupItemFactory,
    ShipmentFactory,
)
from tests.helpers import page_text


def pdf(response) -> PdfReader:
    """The response read as a PDF (after checking it is one)."""
    assert response.status_code == 200, response.text
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    return PdfReader(io.BytesIO(response.data))


def text_of(reader: PdfReader) -> str:
    """All the text of the document, spaces collapsed."""
    return " ".join(" ".join(page.extract_text() or "" for page in reader.pages).split())


def size_of(reader: PdfReader) -> tuple[int, int]:
    box = reader.pages[0].mediabox
    return round(float(box.width)), round(float(box.height))


@pytest.fixture
def eagles(app):
    """A typical job: customer with phone, a few charges, a proof and a shipment."""
    customer = CustomerFactory(code="CEN15", name="Central High Boosters", phone="614-555-0123")
    order = OrderFactory(
        log="10234",
        customer=customer,
        title="Eagles Team Shirts",
        customer_po="PO-7781",
        job_type="DTF",
        status="production",
        received_on=date(2026, 3, 2),
        art_due_on=date(2026, 3, 4),
        due_on=date(2026, 3, 12),
        color_count=3,
        quantity=48,
        art_log="A1234",
        reference_art_log="A1200",
        artist="JO",
        location="Shelf B4",
        customer_note="Deliver to the gym door.",
        art_enclosed=True,
        reorder=True,
        sales_tax=Decimal("7.50"),
        freight=Decimal("12.00"),
    )
    ChargeFactory(order=order, kind="print", quantity=Decimal("24"), unit_price=Decimal("4.50"))
    ChargeFactory(order=order, kind="rush", quantity=Decimal("1"), unit_price=Decimal("15"))
    ArtProofFactory(order_id=order.id, slot=2, code="PRF22", amount=Decimal("25.00"))
    PrintItemFactory(order_id=order.id, slot=1, code="FRONT", amount=Decimal("1.25"))
    ShipmentFactory(order=order, method="UPS", carrier="GROUND", weight=Decimal("3.50"))
    db.session.flush()
    order.recalculate()
    db.session.commit()
    return order


def test_ticket_is_one_letter_page_with_every_job_detail(as_role, eagles):
    client = as_role("viewer")
    response = client.get("/orders/10234/ticket.pdf")
    reader = pdf(response)
    assert response.headers["Content-Disposition"] == 'inline; filename="ticket-10234.pdf"'
    assert len(reader.pages) == 1
    assert size_of(reader) == (612, 792)  # US Letter by default
    assert reader.metadata is not None
    assert reader.metadata.title == "Job ticket 10234"

    text = text_of(reader)
    for expected in (
        "10234",
        "CEN15 · Central High Boosters",
        "614-555-0123",
        "PO-7781",
        "Eagles Team Shirts",
        "DTF · Direct to Film",
        "In production",
        "2026-03-02",
        "2026-03-04",
        "2026-03-12",
        "48",
        "A1234",
        "A1200",
        "JO",
        "Shelf B4",
        "Deliver to the gym door.",
        "[X] Art enclosed",
        "[ ] Return art",
        "[X] Reorder",
        "Print 24 4.5 108.00",
        "Rush 1 15 15.00",
        "Subtotal 123.00",
        "Sales tax 7.50",
        "Freight 12.00",
        "TOTAL 142.50",
        "2 PRF22",
        "25.00",
        "1 FRONT 1.25",
        "UPS GROUND 3.5 lb",
        f"by {client.user.username}",
    ):
        assert expected in text, expected
    assert "Generated " in text
    assert "UTC" in text
    assert "RUSH —" not in text  # no rush banner on an ordinary job


def test_ticket_on_a4_paper(as_role, eagles):
    client = as_role("staff")
    assert size_of(pdf(client.get("/orders/10234/ticket.pdf?paper=a4"))) == (595, 842)
    assert size_of(pdf(client.get("/orders/10234/ticket.pdf?paper=A4"))) == (595, 842)
    # Anything else is the shop's usual Letter.
    assert size_of(pdf(client.get("/orders/10234/ticket.pdf?paper=legal"))) == (612, 792)
    assert size_of(pdf(client.get("/orders/10234/ticket.pdf?paper=letter"))) == (612, 792)


@pytest.mark.parametrize("paper", ["letter", "a4"])
def test_a_full_order_still_prints_on_one_page(as_role, app, paper):
    """Nine proofs, nine print items, every charge kind, all setup/pack slots, the longest
    title, customer name and note the database holds, and a rush."""
    customer = CustomerFactory(code="LONG1", name="Westerville North " * 14)
    note = ("Call before delivery; use the loading dock at the back. " * 5)[:255]
    title = ("Spirit wear, two sided, front and back numbers " * 6)[:256]
    order = OrderFactory(
        log="9999999",
        customer=customer,
        title=title,
        customer_note=note,
        rush=True,
        location="Back room, rack 12, shelf 4",
        received_on=date.today() - timedelta(days=20),
        due_on=date.today() - timedelta(days=1),
        sales_tax=Decimal("123456.78"),
        freight=Decimal("9999.99"),
    )
    for kind in rules.CHARGE_KINDS:
        ChargeFactory(
            order=order, kind=kind, quantity=Decimal("12345.125"), unit_price=Decimal("1234.5678")
        )
    for slot in range(1, rules.ART_PROOF_SLOTS + 1):
        ArtProofFactory(
            order_id=order.id,
            slot=slot,
            code=f"PROOF{slot:05d}",
            received_on=date(2026, 1, slot),
            amount=Decimal("99999.99"),
        )
    for slot in range(1, rules.PRINT_ITEM_SLOTS + 1):
        PrintItemFactory(order_id=order.id, slot=slot, code=f"PRINT{slot:05d}")
    for slot in range(1, rules.SETUP_ITEM_SLOTS + 1):
        SetupItemFactory(order_id=order.id, slot=slot, code=f"SETUP{slot}")
    for slot in range(1, rules.PACK_ITEM_SLOTS + 1):
        PackItemFactory(order_id=order.id, slot=slot, code=f"PACK{slot}", units=Decimal("250"))
    ShipmentFactory(order=order, method="FREIGHT", carrier="ABFS", weight=Decimal("1234.50"))
    db.session.flush()
    order.recalculate()
    db.session.commit()

    reader = pdf(as_role("staff").get(f"/orders/9999999/ticket.pdf?paper={paper}"))
    assert len(reader.pages) == 1
    text = text_of(reader)
    assert "9999999" in text
    assert "RUSH — DUE OUT" in text
    assert "OVERDUE" in text
    assert "PROOF00009" in text
    assert "PRINT00009" in text
    assert "SETUP4" in text
    assert "PACK4" in text
    assert "Lettering / numbering" in text
    assert "Garment" in text
    assert f"TOTAL {order.total:,.2f}" in text
    assert note[:40] in text
    assert title[:30] in text


def test_free_text_is_wrapped_and_cut_with_an_ellipsis():
    # A "word" longer than the line is broken, not left to run off the page.
    lines = wrap_lines("x" * 300, "Helvetica", 9, 100)
    assert len(lines) > 3
    assert "".join(lines) == "x" * 300
    clipped = clip_lines("word " * 200, "Helvetica", 9, 200, 3)
    assert len(clipped) == 3
    assert clipped[-1].endswith(ELLIPSIS)
    assert clip_lines("short note", "Helvetica", 9, 200, 3) == ["short note"]


def test_render_ticket_needs_no_request(app, eagles):
    data = render_ticket(eagles, paper="a4", generated_by="cli")
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    assert "by cli" in text_of(reader)


def test_text_that_looks_like_markup_is_printed_as_typed(as_role, app):
    OrderFactory(log="20001", title="Shirts <b>bold</b> & co", customer_note="<para>5 > 4")
    db.session.commit()
    text = text_of(pdf(as_role("staff").get("/orders/20001/ticket.pdf")))
    assert "Shirts <b>bold</b> & co" in text
    assert "<para>5 > 4" in text


def test_unknown_or_deleted_order_has_no_ticket(as_role, app):
    client = as_role("staff")
    assert client.get("/orders/NOPE1/ticket.pdf").status_code == 404
    order = OrderFactory(log="20002")
    order.deleted_at = order.created_at
    db.session.commit()
    assert client.get("/orders/20002/ticket.pdf").status_code == 404


def test_ticket_needs_sign_in_and_is_linked_from_the_order_page(app, client, as_role):
    OrderFactory(log="20003")
    db.session.commit()
    anonymous = client.get("/orders/20003/ticket.pdf")
    assert anonymous.status_code == 302
    assert anonymous.headers["Location"].startswith("/login")
    viewer = as_role("viewer")
    page = viewer.get("/orders/20003").text
    assert 'href="/orders/20003/ticket.pdf"' in page
    assert "Print job ticket" in page_text(page)
    assert len(pdf(viewer.get("/orders/20003/ticket.pdf")).pages) == 1

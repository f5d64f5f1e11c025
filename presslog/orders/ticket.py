"""The job ticket: one printed page per order that travels with the job on the shop floor.

Everything the floor needs is on it, with the LOG as a Code 128 barcode and a QR code
for scanners. It is always exactly one page: free text (title, customer name, note) is
wrapped and cut to a fixed number of lines, and the whole body is shrunk to fit as a
last resort, so even an order with every slot and charge filled prints on one sheet.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

from reportlab.graphics.barcode import createBarcodeDrawing
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepInFrame,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from presslog import __version__
from presslog.core.clock import today as local_today
from presslog.core.db import utcnow
from presslog.core.numbers import plain_number
from presslog.orders.models import Order

PAPERS: dict[str, tuple[float, float]] = {"letter": LETTER, "a4": A4}
DEFAULT_PAPER = "letter"

MARGIN = 0.5 * inch
FOOTER_HEIGHT = 18.0
GAP = 10.0  # between side-by-side blocks
FONT = "Helvetica"
BOLD = "Helvetica-Bold"
ELLIPSIS = "…"

# How many lines free text may take before it is cut (with an ellipsis).
TITLE_LINES = 3
NAME_LINES = 2
NOTE_LINES = 6
VALUE_LINES = 2
MIN_CELL_SIZE = 6.0  # table text is set no smaller than this

GRID = colors.HexColor("#9aa0a6")
SHADE = colors.HexColor("#e8eaed")


def _style(name: str, *, size: float, font: str = FONT, leading: float | None = None, **kw: Any):
    return ParagraphStyle(name, fontName=font, fontSize=size, leading=leading or size * 1.2, **kw)


LABEL = _style("label", size=7, leading=8.5, textColor=colors.HexColor("#444444"))
VALUE = _style("value", size=9, leading=11)
VALUE_BOLD = _style("value-bold", size=9, leading=11, font=BOLD)
CELL = _style("cell", size=8.5, leading=10)
CELL_RIGHT = _style("cell-right", size=8.5, leading=10, alignment=TA_RIGHT)
CELL_HEAD = _style("cell-head", size=8.5, leading=10, font=BOLD)
CELL_HEAD_RIGHT = _style("cell-head-right", size=8.5, leading=10, font=BOLD, alignment=TA_RIGHT)
CELL_BOLD_RIGHT = _style("cell-bold-right", size=9, leading=11, font=BOLD, alignment=TA_RIGHT)
HEADING = _style("heading", size=9.5, leading=12, font=BOLD, spaceAfter=2)
TITLE = _style("title", size=13, leading=16, font=BOLD)
LOG = _style("log", size=34, leading=38, font=BOLD)
KICKER = _style("kicker", size=8, leading=10, font=BOLD, textColor=colors.HexColor("#444444"))
RUSH = _style("rush", size=20, leading=24, font=BOLD, textColor=colors.white)


# -- text helpers -----------------------------------------------------------------------


def wrap_lines(text: str, font: str, size: float, width: float) -> list[str]:
    """Lines of ``text`` no wider than ``width``; words too long for a line are broken."""
    lines: list[str] = []
    for line in simpleSplit(text, font, size, width):
        while stringWidth(line, font, size) > width and len(line) > 1:
            cut = len(line) - 1
            while cut > 1 and stringWidth(line[:cut], font, size) > width:
                cut -= 1
            lines.append(line[:cut])
            line = line[cut:]
        lines.append(line)
    return lines


def clip_lines(text: str, font: str, size: float, width: float, max_lines: int) -> list[str]:
    """``text`` wrapped to ``width`` and cut to ``max_lines``, the last one ending in "…"."""
    lines = wrap_lines(" ".join(text.split()), font, size, width)
    if len(lines) <= max_lines:
        return lines
    kept = lines[:max_lines]
    last = kept[-1].rstrip()
    while last and stringWidth(last + ELLIPSIS, font, size) > width:
        last = last[:-1].rstrip()
    kept[-1] = last + ELLIPSIS
    return kept


def _para(text: str | None, style: ParagraphStyle, width: float, max_lines: int) -> Paragraph:
    """A paragraph of plain (escaped) text, cut to ``max_lines`` within ``width``."""
    if not text:
        return Paragraph("—", style)
    # A little slack: Paragraph measures the same way, but must never re-wrap a kept line.
    lines = clip_lines(text, style.fontName, style.fontSize, width - 2, max_lines)
    return Paragraph("<br/>".join(escape(line) for line in lines), style)


def _fit(text: str, style: ParagraphStyle, width: float, *, number: bool) -> Paragraph:
    """A table cell on one line: a long value is set smaller rather than cut.

    Numbers are never cut (a shortened amount would be a wrong amount): below the
    smallest size they wrap. Text cut at the smallest size ends in "…".
    """
    natural = stringWidth(text, style.fontName, style.fontSize)
    if natural <= width:
        return Paragraph(escape(text), style)
    # A hair under the exact ratio, so rounding cannot push the text over the edge.
    size = max(MIN_CELL_SIZE, style.fontSize * width / natural * 0.98)
    fitted = ParagraphStyle(
        f"{style.name}-{size:.2f}", parent=style, fontSize=size, leading=size * 1.2
    )
    if number:
        lines = wrap_lines(text, style.fontName, size, width)
    else:
        lines = clip_lines(text, style.fontName, size, width, 1)
    return Paragraph("<br/>".join(escape(line) for line in lines), fitted)


def _date(value: date | None) -> str:
    return value.isoformat() if value else "—"


def _money(value: Decimal | None) -> str:
    return f"{value:,.2f}" if value is not None else "—"


def _number(value: Decimal | int | None) -> str:
    return plain_number(value) if value is not None else "—"


def _text(value: Any) -> str:
    return "—" if value in (None, "") else str(value)


# -- blocks ---------------------------------------------------------------------------


def _header(order: Order, width: float) -> Table:
    """LOG big and bold on the left; the Code 128 barcode and the QR code on the right."""
    barcode = createBarcodeDrawing(
        "Code128", value=order.log, barHeight=34, barWidth=1.1, humanReadable=True, fontSize=8
    )
    qr = createBarcodeDrawing("QR", value=order.log, width=68, height=68, barBorder=1)
    left_width = width - barcode.width - qr.width - 2 * GAP
    left = [
        Paragraph("JOB TICKET · PressLog", KICKER),
        Paragraph(escape(order.log), LOG),
        Paragraph(
            escape(f"{order.job_type} · {order.job_type_label} — {order.status_label}"),
            VALUE_BOLD,
        ),
    ]
    table = Table(
        [[left, barcode, qr]],
        colWidths=[left_width, barcode.width + GAP, qr.width + GAP],
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("ALIGN", (1, 0), (-1, 0), "RIGHT"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return table


def _rush_banner(order: Order, width: float) -> Table:
    """A black band across the page: nobody on the floor can miss a rush job."""
    due = f" — DUE OUT {order.due_on.isoformat()}" if order.due_on else ""
    table = Table([[Paragraph(escape(f"RUSH{due}"), RUSH)]], colWidths=[width])
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), colors.black),
                ("LEFTPADDING", (0, 0), (-1, -1), 8),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    return table


def _flag(value: bool, label: str) -> str:
    return f"[{'X' if value else ' '}] {label}"


def _details(order: Order, width: float, today: date) -> Table:
    """The job's fields as a four-column label/value grid."""
    label_w = 0.13 * width
    value_w = width / 2 - label_w
    customer = order.customer
    due = _date(order.due_on)
    if order.due_on:
        due = f"{due} ({order.due_on:%a})"
        if order.is_overdue(today):
            due += " — OVERDUE"
    pairs: list[tuple[str, Flowable, str, Flowable]] = [
        (
            "Customer",
            _para(f"{customer.code} · {customer.name}", VALUE_BOLD, value_w, NAME_LINES),
            "Status",
            _para(order.status_label, VALUE_BOLD, value_w, 1),
        ),
        (
            "Phone",
            _para(customer.phone, VALUE, value_w, 1),
            "Priority",
            _para(_text(order.priority), VALUE, value_w, 1),
        ),
        (
            "Customer PO",
            _para(order.customer_po, VALUE, value_w, 1),
            "Rush",
            _para(
                "YES — RUSH" if order.rush else "No",
                VALUE_BOLD if order.rush else VALUE,
                value_w,
                1,
            ),
        ),
        (
            "Job type",
            _para(f"{order.job_type} · {order.job_type_label}", VALUE, value_w, 1),
            "Quantity",
            _para(_number(order.quantity), VALUE_BOLD, value_w, 1),
        ),
        (
            "Received",
            _para(_date(order.received_on), VALUE, value_w, 1),
            "Colors",
            _para(_number(order.color_count), VALUE, value_w, 1),
        ),
        (
            "Art due",
            _para(_date(order.art_due_on), VALUE, value_w, 1),
            "Art log",
            _para(order.art_log, VALUE, value_w, 1),
        ),
        (
            "Due out",
            _para(due, VALUE_BOLD, value_w, 1),
            "Ref. art log",
            _para(order.reference_art_log, VALUE, value_w, 1),
        ),
        (
            "Shipped",
            _para(_date(order.shipped_on), VALUE, value_w, 1),
            "Artist",
            _para(order.artist, VALUE, value_w, 1),
        ),
        (
            "Location",
            _para(order.location, VALUE, value_w, VALUE_LINES),
            "Flags",
            _para(
                "   ".join(
                    (
                        _flag(order.art_enclosed, "Art enclosed"),
                        _flag(order.return_art, "Return art"),
                        _flag(order.reorder, "Reorder"),
                    )
                ),
                VALUE,
                value_w,
                VALUE_LINES,
            ),
        ),
    ]
    rows = [
        [Paragraph(a.upper(), LABEL), b, Paragraph(c.upper(), LABEL), d] for a, b, c, d in pairs
    ]
    table = Table(rows, colWidths=[label_w, value_w, label_w, value_w])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, GRID),
                ("LEFTPADDING", (0, 0), (-1, -1), 2),
                ("RIGHTPADDING", (0, 0), (-1, -1), 2),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return table


def _boxed(title: str, body: Flowable, width: float) -> Table:
    table = Table([[Paragraph(title.upper(), LABEL)], [body]], colWidths=[width])
    table.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 0.75, colors.black),
                ("LEFTPADDING", (0, 0), (-1, -1), 4),
                ("RIGHTPADDING", (0, 0), (-1, -1), 4),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def _grid(
    title: str,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    widths: Sequence[float],
    *,
    right: frozenset[int] = frozenset(),
    totals: Sequence[tuple[str, str, bool]] = (),
    empty: str = "None.",
) -> list[Flowable]:
    """A titled table; ``right`` lists right-aligned columns, ``totals`` label/value rows."""

    def cell(text: str, col: int) -> Paragraph:
        style = CELL_RIGHT if col in right else CELL
        return _fit(text, style, widths[col] - 5, number=col in right)

    data: list[list[Any]] = [
        [
            _fit(h, CELL_HEAD_RIGHT if col in right else CELL_HEAD, widths[col] - 5, number=False)
            for col, h in enumerate(header)
        ]
    ]
    data += [[cell(value, col) for col, value in enumerate(row)] for row in rows]
    if not rows:
        data.append([Paragraph(escape(empty), CELL)] + [""] * (len(header) - 1))
    first_total = len(data)
    for label, value, strong in totals:
        style = CELL_BOLD_RIGHT if strong else CELL_RIGHT
        data.append([Paragraph(escape(label), style)] + [""] * (len(header) - 2))
        data[-1].append(_fit(value, style, widths[-1] - 5, number=True))
    commands: list[Any] = [
        ("BACKGROUND", (0, 0), (-1, 0), SHADE),
        ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.black),
        ("LINEBELOW", (0, 1), (-1, first_total - 1), 0.25, GRID),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), 2),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2),
        ("TOPPADDING", (0, 0), (-1, -1), 1),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
    ]
    if not rows:
        commands.append(("SPAN", (0, 1), (-1, 1)))
    for r in range(first_total, len(data)):
        commands.append(("SPAN", (0, r), (-2, r)))
    if totals:
        commands.append(("LINEABOVE", (0, first_total), (-1, first_total), 0.5, colors.black))
        commands.append(("LINEABOVE", (0, len(data) - 1), (-1, len(data) - 1), 0.75, colors.black))
    table = Table(data, colWidths=list(widths), repeatRows=0)
    table.setStyle(TableStyle(commands))
    return [Paragraph(escape(title), HEADING), table]


def _charges(order: Order, width: float) -> list[Flowable]:
    rows = [
        (c.label, _number(c.quantity), _number(c.unit_price), _money(c.total))
        for c in order.charges
    ]
    return _grid(
        "Charges",
        ("Charge", "Qty", "Unit price", "Total"),
        rows,
        (width * 0.31, width * 0.19, width * 0.21, width * 0.29),
        right=frozenset({1, 2, 3}),
        totals=(
            ("Subtotal", _money(order.subtotal), False),
            ("Sales tax", _money(order.sales_tax), False),
            ("Freight", _money(order.freight), False),
            ("TOTAL", _money(order.total), True),
        ),
        empty="No charges.",
    )


def _art_proofs(order: Order, width: float) -> list[Flowable]:
    rows = [
        (str(p.slot), _text(p.code), _date(p.received_on), _date(p.sent_on), _money(p.amount))
        for p in order.art_proofs
    ]
    return _grid(
        "Art proofs",
        ("Slot", "Code", "Date in", "Date out", "Amount"),
        rows,
        (width * 0.08, width * 0.24, width * 0.22, width * 0.22, width * 0.24),
        right=frozenset({4}),
        empty="No art proofs.",
    )


def _slot_table(title: str, rows: Sequence[Any], last: str, width: float) -> list[Flowable]:
    """Print, setup or pack items: slot, code and an amount (or units)."""
    values = [
        (
            str(r.slot),
            _text(r.code),
            _money(getattr(r, last)) if last == "amount" else _number(getattr(r, last)),
        )
        for r in rows
    ]
    return _grid(
        title,
        ("Slot", "Code", "Amount" if last == "amount" else "Units"),
        values,
        (width * 0.18, width * 0.47, width * 0.35),
        right=frozenset({2}),
        empty=f"No {title.lower()}.",
    )


def _shipment(order: Order, width: float) -> list[Flowable]:
    shipment = order.shipment
    weight = f"{plain_number(shipment.weight)} lb" if shipment and shipment.weight else "—"
    rows = [
        (
            _text(shipment.method if shipment else None),
            _text(shipment.carrier if shipment else None),
            weight,
            _date(order.shipped_on),
        )
    ]
    return _grid(
        "Shipment",
        ("Method", "Carrier", "Weight", "Date out"),
        rows,
        (width * 0.25, width * 0.25, width * 0.22, width * 0.28),
    )


def _side_by_side(columns: Sequence[Sequence[Flowable]], widths: Sequence[float]) -> Table:
    """Blocks next to each other, top-aligned, with a gap between them."""
    cells: list[Any] = []
    col_widths: list[float] = []
    for i, (content, w) in enumerate(zip(columns, widths, strict=True)):
        if i:
            cells.append("")
            col_widths.append(GAP)
        cells.append(list(content))
        col_widths.append(w)
    table = Table([cells], colWidths=col_widths)
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return table


def _story(order: Order, width: float, today: date) -> list[Flowable]:
    half = (width - GAP) / 2
    # Money needs the room: charges get a little more than half, proofs a little less.
    wide, narrow = (width - GAP) * 0.55, (width - GAP) * 0.45
    story: list[Flowable] = [_header(order, width), Spacer(0, 6)]
    if order.rush:
        story += [_rush_banner(order, width), Spacer(0, 6)]
    story += [
        _para(order.title, TITLE, width, TITLE_LINES),
        Spacer(0, 5),
        _details(order, width, today),
        Spacer(0, 6),
        _boxed(
            "Customer note",
            _para(order.customer_note, VALUE, width - 8, NOTE_LINES),
            width,
        ),
        Spacer(0, 8),
        _side_by_side(
            [
                [*_charges(order, wide), Spacer(0, 8), *_shipment(order, wide)],
                [
                    *_art_proofs(order, narrow),
                    Spacer(0, 8),
                    *_slot_table("Print items", order.print_items, "amount", narrow),
                ],
            ],
            [wide, narrow],
        ),
    ]
    if order.setup_items or order.pack_items:
        story += [
            Spacer(0, 8),
            _side_by_side(
                [
                    _slot_table("Setup items", order.setup_items, "amount", half),
                    _slot_table("Pack items", order.pack_items, "units", half),
                ],
                [half, half],
            ),
        ]
    return story


# -- the document ---------------------------------------------------------------------


def render_ticket(
    order: Order,
    *,
    paper: str = DEFAULT_PAPER,
    generated_by: str | None = None,
    generated_at: datetime | None = None,
    today: date | None = None,
) -> bytes:
    """The one-page job ticket of ``order`` (loaded with all its records) as PDF bytes."""
    page_width, page_height = PAPERS[paper]
    when = (generated_at or utcnow()).strftime("%Y-%m-%d %H:%M UTC")
    footer = f"Generated {when}" + (f" by {generated_by}" if generated_by else "")
    footer += f" · PressLog {__version__} · Job ticket {order.log}"

    width = page_width - 2 * MARGIN
    height = page_height - 2 * MARGIN - FOOTER_HEIGHT
    buffer = io.BytesIO()
    doc = BaseDocTemplate(
        buffer,
        pagesize=(page_width, page_height),
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=f"Job ticket {order.log}",
        subject=order.title,
        author="PressLog",
        creator=f"PressLog {__version__}",
    )

    def draw_footer(canvas: Canvas, _doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 7.5)
        canvas.setFillColor(colors.HexColor("#444444"))
        canvas.setStrokeColor(GRID)
        canvas.setLineWidth(0.5)
        canvas.line(
            MARGIN, MARGIN + FOOTER_HEIGHT - 6, page_width - MARGIN, MARGIN + FOOTER_HEIGHT - 6
        )
        text = clip_lines(footer, FONT, 7.5, width, 1)[0]
        canvas.drawString(MARGIN, MARGIN + 2, text)
        canvas.restoreState()

    frame = Frame(
        MARGIN,
        MARGIN + FOOTER_HEIGHT,
        width,
        height,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
        id="ticket",
    )
    doc.addPageTemplates([PageTemplate(id="ticket", frames=[frame], onPage=draw_footer)])
    body = _story(order, width, today or local_today())
    # The last resort that keeps the promise of one page: shrink rather than overflow.
    doc.build([KeepInFrame(width, height, body, mode="shrink")])
    return buffer.getvalue()

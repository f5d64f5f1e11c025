"""Any report as a printable PDF table (ReportLab platypus), built in memory.

The layout is the same for every report: title, the filters in words, who generated it
and when, counts and notes, then the table — its header row repeated on every page,
long text wrapped inside its column, flagged rows (overdue) shaded *and* marked with a
word, group rows (e.g. per artist) and a totals row. Every page carries "Page N of M".
Reports with many columns are printed landscape.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, LETTER, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import Flowable

from presslog.reports import service
from presslog.reports.service import Column, Report, display

PAPER_SIZES = {"letter": LETTER, "a4": A4}
# More columns than this do not fit a portrait page legibly.
PORTRAIT_MAX_COLUMNS = 7
MARGIN = 0.5 * inch
FONT = "Helvetica"
BOLD = "Helvetica-Bold"
SIZE = 8
LEADING = SIZE + 2
ROW_PAD = 2
# Platypus frames pad their content by 6 points on every side.
FRAME_PAD = 6
# Room left unused at the foot of each page, against rounding in the layout.
SAFETY = 2
FOOTER_SIZE = 7.5
PAD = 3

SHADE_HEADER = colors.HexColor("#e9ecef")
SHADE_STRIPE = colors.HexColor("#f6f7f8")
SHADE_FLAG = colors.HexColor("#f8d7da")
SHADE_GROUP = colors.HexColor("#dee2e6")
RULE = colors.HexColor("#adb5bd")

TITLE = ParagraphStyle("report-title", fontName=BOLD, fontSize=15, leading=19, spaceAfter=4)
META = ParagraphStyle("report-meta", fontName=FONT, fontSize=9, leading=12)
WARN = ParagraphStyle("report-warn", parent=META, fontName=BOLD, textColor=colors.darkred)


class _FooterCanvas(Canvas):
    """Keeps each finished page until the document is complete, so every page's footer
    can say how many pages there are ("Page 3 of 7")."""

    footer_text = ""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._finished_pages: list[dict[str, Any]] = []

    def showPage(self) -> None:  # ReportLab's name
        self._finished_pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        count = len(self._finished_pages)
        for number, state in enumerate(self._finished_pages, start=1):
            self.__dict__.update(state)
            self._footer(number, count)
            super().showPage()
        super().save()

    def _footer(self, number: int, count: int) -> None:
        width, _height = self._pagesize
        pages = f"Page {number} of {count}"
        room = width - 2 * MARGIN - stringWidth(pages, FONT, FOOTER_SIZE) - 12
        self.saveState()
        self.setFont(FONT, FOOTER_SIZE)
        self.setFillColor(colors.dimgrey)
        self.setStrokeColor(RULE)
        self.line(MARGIN, MARGIN * 0.8, width - MARGIN, MARGIN * 0.8)
        self.drawString(MARGIN, MARGIN * 0.5, _shortened(self.footer_text, room))
        self.drawRightString(width - MARGIN, MARGIN * 0.5, pages)
        self.restoreState()


def _shortened(text: str, width: float) -> str:
    """``text`` cut with an ellipsis to fit ``width`` in the footer font."""
    if stringWidth(text, FONT, FOOTER_SIZE) <= width:
        return text
    while text and stringWidth(text + "…", FONT, FOOTER_SIZE) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _canvas_for(footer: str) -> type[Canvas]:
    return type("ReportCanvas", (_FooterCanvas,), {"footer_text": footer})


def page_size(paper: str, columns: int) -> tuple[float, float]:
    """The page size for ``paper``, turned landscape when there are many columns."""
    size = PAPER_SIZES[paper]
    return landscape(size) if columns > PORTRAIT_MAX_COLUMNS else size


def _widths(columns: tuple[Column, ...], available: float) -> list[float]:
    total = sum(c.weight for c in columns)
    return [available * c.weight / total for c in columns]


def _wrapped(text: str, width: float, font: str = FONT) -> str:
    """``text`` broken into lines that fit ``width`` (a word longer than the column is
    broken too), joined by newlines.

    Plain multi-line strings are what keeps a 5,000-row table quick: a Paragraph per
    cell costs several times more to lay out. Standard fonts have no kerning, so a
    line's width is the sum of its words' widths.
    """
    room = width - 2 * PAD
    if stringWidth(text, font, SIZE) <= room:
        return text
    space = stringWidth(" ", font, SIZE)
    lines: list[str] = []
    for part in text.splitlines():
        line, used = "", 0.0
        for word in part.split():
            wide = stringWidth(word, font, SIZE)
            if line and used + space + wide <= room:
                line, used = f"{line} {word}", used + space + wide
                continue
            if line:
                lines.append(line)
            while wide > room:
                cut = _longest_fit(word, room, font)
                lines.append(word[:cut])
                word = word[cut:]
                wide = stringWidth(word, font, SIZE)
            line, used = word, wide
        if line:
            lines.append(line)
    return "\n".join(lines)


def _longest_fit(word: str, room: float, font: str) -> int:
    used = 0.0
    for index, char in enumerate(word):
        used += stringWidth(char, font, SIZE)
        if used > room:
            return max(index, 1)
    return len(word)


def _cell(text: str, width: float, *, bold: bool = False) -> str:
    """A cell's text, wrapped to its column."""
    return _wrapped(text, width, BOLD if bold else FONT) if text else ""


def _meta(report: Report, generated: str) -> list[Flowable]:
    story: list[Flowable] = [
        Paragraph(escape(report.title), TITLE),
        Paragraph(escape(report.description), META),
        Paragraph(escape(generated), META),
    ]
    if report.summary:
        counts = "  |  ".join(f"{label}: {value}" for label, value in report.summary)
        story.append(Paragraph(escape(counts).replace("  ", "&nbsp; "), META))
    for note in report.notes:
        story.append(Paragraph(escape(note), META))
    if report.truncated:
        story.append(Paragraph(escape(_truncated_note(report)), WARN))
    story.append(Spacer(1, 8))
    return story


def _height_of(flowables: list[Flowable], width: float) -> float:
    """The height ``flowables`` take in a frame ``width`` wide."""
    total = 0.0
    for index, flowable in enumerate(flowables):
        _w, height = flowable.wrap(width, 10_000)
        total += height + flowable.getSpaceAfter() + (flowable.getSpaceBefore() if index else 0)
    return total


def _truncated_note(report: Report) -> str:
    return (
        f"This PDF lists only the first {service.PDF_ROW_LIMIT:,} of {report.row_count:,} rows. "
        "Download the CSV for all of them, or narrow the filters."
    )


# -- the table ------------------------------------------------------------------------


@dataclass
class _Row:
    """A table row laid out: its cells' wrapped text, its height and how it looks."""

    cells: list[str]
    kind: str = "data"  # header | data | flagged | group | total
    bold_columns: tuple[int, ...] = ()
    span_to: int | None = None  # the first cell spans through this column

    @property
    def height(self) -> float:
        lines = max((cell.count("\n") + 1 for cell in self.cells if cell), default=1)
        return lines * LEADING + 2 * ROW_PAD


def _rows(report: Report, columns: tuple[Column, ...], widths: list[float]) -> list[_Row]:
    """The header, the rows (with group rows where the group changes) and the totals."""
    out = [_Row([_cell(c.label, w, bold=True) for c, w in zip(columns, widths, strict=True)])]
    out[0].kind = "header"
    flag, group_key = report.flag, report.group_by
    group: Any = object()
    full = sum(widths)
    for row in report.rows:
        if group_key is not None and row.get(group_key) != group:
            group = row.get(group_key)
            label = _cell(_group_label(report, group), full, bold=True)
            out.append(_Row([label] + [""] * (len(columns) - 1), "group", span_to=-1))
        flagged = flag is not None and bool(row.get(flag.key))
        cells: list[str] = []
        bold: tuple[int, ...] = ()
        for index, (column, width) in enumerate(zip(columns, widths, strict=True)):
            text = display(column, row.get(column.key))
            if flagged and flag is not None and column.key == flag.column:
                # The word, not only the shading, says the row is flagged (prints in grey).
                cells.append(_cell(f"{text}\n{flag.label}", width, bold=True))
                bold = (index,)
            else:
                cells.append(_cell(text, width))
        out.append(_Row(cells, "flagged" if flagged else "data", bold_columns=bold))
    if len(out) > 1 and report.totals:
        out.append(_totals_row(report, columns, widths))
    return out


def _group_label(report: Report, value: Any) -> str:
    name = "Unassigned" if value in (None, "") else str(value)
    count = report.counts.get(name)
    return f"{name} ({count:,})" if count is not None else name


def _totals_row(report: Report, columns: tuple[Column, ...], widths: list[float]) -> _Row:
    totals = report.totals or {}
    summed = [i for i, c in enumerate(columns) if c.key in totals]
    label_span = (summed[0] - 1) if summed and summed[0] > 0 else 0
    cells: list[str] = []
    for index, (column, width) in enumerate(zip(columns, widths, strict=True)):
        if index == 0:
            cells.append(_cell(report.totals_label, sum(widths[: label_span + 1]), bold=True))
        elif column.key in totals:
            cells.append(_cell(display(column, totals[column.key]), width, bold=True))
        else:
            cells.append("")
    return _Row(cells, "total", span_to=label_span or None)


def _paginate(rows: list[_Row], first_room: float, room: float) -> list[list[_Row]]:
    """Rows per page (each page starts with the header row); a group row is never left
    alone at the bottom of a page."""
    header, body = rows[0], rows[1:]
    pages: list[list[_Row]] = []
    current: list[_Row] = []
    used, limit = header.height, first_room
    for index, row in enumerate(body):
        needed = row.height
        if row.kind == "group" and index + 1 < len(body):
            needed += body[index + 1].height
        if current and used + needed > limit:
            pages.append([header, *current])
            current, used, limit = [], header.height, room
        current.append(row)
        used += row.height
    if current:
        pages.append([header, *current])
    return pages


BASE_STYLE: list[tuple[Any, ...]] = [
    ("FONTNAME", (0, 0), (-1, -1), FONT),
    ("FONTSIZE", (0, 0), (-1, -1), SIZE),
    ("LEADING", (0, 0), (-1, -1), LEADING),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("LEFTPADDING", (0, 0), (-1, -1), PAD),
    ("RIGHTPADDING", (0, 0), (-1, -1), PAD),
    ("TOPPADDING", (0, 0), (-1, -1), ROW_PAD),
    ("BOTTOMPADDING", (0, 0), (-1, -1), ROW_PAD),
    ("FONTNAME", (0, 0), (-1, 0), BOLD),
    ("BACKGROUND", (0, 0), (-1, 0), SHADE_HEADER),
    ("LINEBELOW", (0, 0), (-1, 0), 0.75, colors.black),
    ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, SHADE_STRIPE]),
]


def _page_table(rows: list[_Row], columns: tuple[Column, ...], widths: list[float]) -> Table:
    """One page's table. It fits the page as laid out; should it not, it still splits
    cleanly with its header repeated."""
    style = list(BASE_STYLE)
    for index, column in enumerate(columns):
        if column.is_number:
            style.append(("ALIGN", (index, 0), (index, -1), "RIGHT"))
    for at, row in enumerate(rows):
        if row.span_to is not None:
            style.append(("SPAN", (0, at), (row.span_to, at)))
        if row.kind == "group":
            style += [
                ("BACKGROUND", (0, at), (-1, at), SHADE_GROUP),
                ("FONTNAME", (0, at), (-1, at), BOLD),
            ]
        elif row.kind == "flagged":
            style.append(("BACKGROUND", (0, at), (-1, at), SHADE_FLAG))
        elif row.kind == "total":
            style += [
                ("FONTNAME", (0, at), (-1, at), BOLD),
                ("LINEABOVE", (0, at), (-1, at), 0.75, colors.black),
                ("BACKGROUND", (0, at), (-1, at), SHADE_HEADER),
            ]
        for index in row.bold_columns:
            style.append(("FONTNAME", (index, at), (index, at), BOLD))
    return Table(
        [row.cells for row in rows],
        colWidths=widths,
        rowHeights=[row.height for row in rows],
        repeatRows=1,
        style=TableStyle(style),
    )


def _table_pages(report: Report, width: float, first_room: float, room: float) -> list[Flowable]:
    """The report's table as one table per page, laid out here rather than by ReportLab.

    Letting platypus split one long table re-processes every remaining row at each page
    break, which grows with the square of the rows (a 5,000-row report took 16 s);
    paging here keeps the work proportional to the rows.
    """
    columns = report.pdf_columns
    widths = _widths(columns, width)
    rows = _rows(report, columns, widths)
    if len(rows) == 1:
        return []
    story: list[Flowable] = []
    for number, page in enumerate(_paginate(rows, first_room, room)):
        if number:
            story.append(PageBreak())
        story.append(_page_table(page, columns, widths))
    return story


def render(report: Report, *, paper: str, generated_by: str, generated_at: datetime) -> bytes:
    """The report as PDF bytes on ``paper`` (``letter`` or ``a4``)."""
    size = page_size(paper, len(report.pdf_columns))
    stamp = generated_at.strftime("%Y-%m-%d %H:%M %Z").strip()
    generated = f"Generated {stamp} by {generated_by}"
    buffer = BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=size,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN * 1.2,
        title=report.title,
        author=generated_by,
        subject=report.description,
        creator="PressLog",
    )
    story = _meta(report, generated)
    width = document.width - 2 * FRAME_PAD
    room = document.height - 2 * FRAME_PAD - SAFETY
    tables = _table_pages(report, width, room - _height_of(story, width), room)
    if not tables:
        story.append(Paragraph("Nothing matches these filters.", META))
    else:
        story += tables
        if report.truncated:
            story += [Spacer(1, 6), Paragraph(escape(_truncated_note(report)), WARN)]
    document.build(story, canvasmaker=_canvas_for(f"PressLog · {report.title} · {generated}"))
    return buffer.getvalue()

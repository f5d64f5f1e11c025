"""Reports: filters in, report definitions out.

Each report function takes parsed filters and returns a :class:`Report` — title, the
filters in words, columns, rows, counts and totals — that the views render as a page,
a CSV download or a PDF. Query-string parsing (``parse_*``) lives here too, so every
output of a report reads its arguments the same way. Nothing here writes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import Select
from werkzeug.datastructures import MultiDict

from presslog.core import clock, params
from presslog.core.db import money
from presslog.core.errors import NotFound, ValidationError
from presslog.core.pagination import Page, PageRequest
from presslog.core.rules import DATE_RANGE_MESSAGE
from presslog.orders import rules
from presslog.reports import repository
from presslog.reports.repository import DateRange, Row

Output = Literal["page", "csv", "pdf", "api"]

# A PDF is built in memory: beyond this many rows it says it is cut short (the CSV is not).
PDF_ROW_LIMIT = 5000
DEFAULT_PER_PAGE = 100
PAPERS = ("letter", "a4")


class BadReportRequest(ValidationError):
    """The report's arguments are not valid; ``errors`` names each bad argument."""

    status = 400
    title = "Bad request"

    def __init__(self, errors: Mapping[str, list[str]]):
        detail = " ".join(f"'{name}': {message}" for name, ms in errors.items() for message in ms)
        super().__init__(errors, detail=detail)


# -- what a report is made of ----------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column: ``key`` is the SPEC field name (the CSV header), ``label`` the heading.

    ``kind`` decides formatting and alignment: text, long (wraps), date, money, count,
    flag (yes/no). ``weight`` is the column's share of the PDF width. A column may be
    left out of the page or the PDF (the CSV has every column).
    """

    key: str
    label: str
    kind: str = "text"
    weight: float = 1.0
    link: str | None = None  # "order" or "customer"
    web: bool = True
    pdf: bool = True

    @property
    def is_number(self) -> bool:
        """Right-aligned and summed columns."""
        return self.kind in ("money", "count")


@dataclass(frozen=True)
class Filter:
    """One input of a report's filter form, with the value the form shows."""

    name: str
    label: str
    kind: str = "text"  # text | date | select
    value: str = ""
    choices: tuple[tuple[str, str], ...] = ()
    hint: str | None = None
    maxlength: int | None = None


@dataclass(frozen=True)
class Flag:
    """A row property that makes the row stand out, shown as a word in ``column``."""

    key: str
    label: str
    column: str


@dataclass
class Report:
    """A report ready to render: definition, filters, rows and their sums."""

    name: str
    title: str
    endpoint: str
    description: str
    columns: tuple[Column, ...]
    filters: tuple[Filter, ...] = ()
    errors: dict[str, list[str]] = field(default_factory=dict)
    view_args: dict[str, str] = field(default_factory=dict)
    rows: Iterable[Row] = ()
    row_count: int = 0
    totals: Row | None = None
    totals_label: str = "Total"
    counts: dict[str, int] = field(default_factory=dict)
    summary: tuple[tuple[str, str], ...] = ()
    summary_label: str = "Summary"
    notes: tuple[str, ...] = ()
    page: Page[Row] | None = None
    truncated: bool = False
    group_by: str | None = None
    flag: Flag | None = None
    slug: str = ""  # file names; the report's name when blank
    span: DateRange | None = None  # the dates covered, defaults applied
    as_of: date | None = None  # the day "overdue" is counted from

    @property
    def file_stem(self) -> str:
        """``presslog-<report>-<yyyymmdd>`` without the extension."""
        return f"presslog-{self.slug or self.name}-{clock.today():%Y%m%d}"

    @property
    def web_columns(self) -> tuple[Column, ...]:
        """Columns shown on the page."""
        return tuple(c for c in self.columns if c.web)

    @property
    def pdf_columns(self) -> tuple[Column, ...]:
        """Columns printed in the PDF."""
        return tuple(c for c in self.columns if c.pdf)

    @property
    def csv_header(self) -> tuple[str, ...]:
        """The CSV header: SPEC field names."""
        return tuple(c.key for c in self.columns)

    def csv_rows(self) -> Iterator[tuple[Any, ...]]:
        """Rows as CSV cells (ISO dates, plain decimal money, true/false)."""
        for row in self.rows:
            yield tuple(csv_value(c, row.get(c.key)) for c in self.columns)


@dataclass(frozen=True)
class ReportInfo:
    """An entry of the reports index."""

    name: str
    title: str
    endpoint: str
    blurb: str


CATALOG = (
    ReportInfo(
        "due-outs",
        "Due outs",
        "reports.due_outs",
        "Open transfer, direct print, art approval and DTF jobs by due-out date; "
        "overdue jobs stand out. Default: everything overdue plus the rest of this week.",
    ),
    ReportInfo(
        "shipped",
        "Shipped",
        "reports.shipped",
        "Orders shipped in a date range with their money totals. Default: this month so far.",
    ),
    ReportInfo(
        "sales",
        "Sales",
        "reports.sales",
        "Orders and money by customer or by calendar month, by date received "
        "(cancelled orders left out). Default: this year.",
    ),
    ReportInfo(
        "art-queue",
        "Art queue",
        "reports.art_queue",
        "Jobs waiting for art (received or in art) with an art due date, by artist.",
    ),
)


# -- formatting ---------------------------------------------------------------------------


def cents(value: Any) -> Decimal:
    """A sum from the database as money (SQLite sums NUMERIC as floating point)."""
    if isinstance(value, float):
        value = repr(value)
    return money(value)


def csv_value(column: Column, value: Any) -> Any:
    """A cell as the CSV writes it (SPEC JSON conventions)."""
    if value is None:
        return ""
    if column.kind == "money":
        return str(cents(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    return value


def display(column: Column, value: Any) -> str:
    """A cell as people read it on the page and in the PDF."""
    if value is None or value == "":
        return ""
    if column.kind == "money":
        return f"{cents(value):,.2f}"
    if column.kind == "count":
        return f"{int(value):,}"
    if isinstance(value, bool):
        return "Yes" if value else ""
    if isinstance(value, date):
        return value.isoformat()
    if column.key == "status":
        return rules.STATUSES.get(str(value), str(value))
    return str(value)


def _money_row(row: Mapping[str, Any]) -> Row:
    out = dict(row)
    for name in repository.MONEY_FIELDS:
        if name in out:
            out[name] = cents(out[name])
    return out


def _words(span: DateRange, what: str) -> str:
    if span.start and span.end:
        if span.start == span.end:
            return f"{what} on {span.start.isoformat()}"
        return f"{what} {span.start.isoformat()} to {span.end.isoformat()}"
    if span.start:
        return f"{what} on or after {span.start.isoformat()}"
    if span.end:
        return f"{what} on or before {span.end.isoformat()}"
    return f"{what} on any date"


def end_of_week(day: date) -> date:
    """The Sunday that ends ``day``'s week (weeks run Monday to Sunday)."""
    return day + timedelta(days=6 - day.weekday())


# -- reading the query string ---------------------------------------------------------------


@dataclass(frozen=True)
class RangeArgs:
    """A date range as asked for (either end may be blank)."""

    start: date | None = None
    end: date | None = None

    @property
    def given(self) -> bool:
        """Whether the caller chose any end (defaults apply only when not)."""
        return self.start is not None or self.end is not None


def check_range(start: date | None, end: date | None) -> dict[str, list[str]]:
    """The error (on ``to``) when the range runs backwards."""
    if start and end and end < start:
        return {"to": [DATE_RANGE_MESSAGE]}
    return {}


def _range_args(args: MultiDict[str, str], errors: dict[str, list[str]]) -> RangeArgs:
    start = params.iso_date(args, "from", errors)
    end = params.iso_date(args, "to", errors)
    for name, messages in check_range(start, end).items():
        errors.setdefault(name, []).extend(messages)
    return RangeArgs(start, end)


def _customer_arg(args: MultiDict[str, str], errors: dict[str, list[str]]) -> str | None:
    code = params.text(args, "customer")
    if code is None:
        return None
    code = code.upper()
    problems = rules.CUSTOMER.errors(code)
    if problems:
        errors.setdefault("customer", []).extend(problems)
        return None
    return code


def paper_arg(args: MultiDict[str, str]) -> str:
    """``letter`` (default) or ``a4``; anything else is refused, naming ``paper``."""
    value = (params.text(args, "paper") or "letter").lower()
    if value not in PAPERS:
        raise BadReportRequest({"paper": [f"{value!r} is not a paper size (use letter or a4)."]})
    return value


def page_request(args: MultiDict[str, str]) -> PageRequest:
    """Which page of a report's rows to show (100 rows a page unless asked)."""
    return PageRequest.parse(args.get("page"), args.get("per_page") or DEFAULT_PER_PAGE)


def _customer_filter(
    args: MultiDict[str, str], errors: Mapping[str, list[str]], code: str | None
) -> Filter:
    """The customer-code input most reports share."""
    return Filter(
        "customer", "Customer code", value=_shown(args, errors, "customer", code), maxlength=5
    )


def _shown(
    args: MultiDict[str, str], errors: Mapping[str, list[str]], name: str, value: Any
) -> str:
    """What a filter input shows: what was typed when it was wrong, else the value used."""
    if name in errors:
        return params.text(args, name) or ""
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value)


# -- running a report ---------------------------------------------------------------------------


@dataclass
class _Summary:
    row_count: int
    totals: Row | None = None
    counts: dict[str, int] = field(default_factory=dict)
    summary: tuple[tuple[str, str], ...] = ()
    notes: tuple[str, ...] = ()
    extra: Row = field(default_factory=dict)


def _run(
    report: Report,
    *,
    output: Output,
    page: PageRequest | None,
    statement: Select[Any],
    summarize: Callable[[], _Summary],
    convert: Callable[[Row], Row] = _money_row,
    finish: Callable[[list[Row], _Summary], list[Row]] | None = None,
) -> Report:
    """Fill ``report`` with rows for ``output``.

    Pages and the API get one page of rows plus the summary (two statements); the CSV
    streams every row through a server-side cursor (one statement, no summary); the PDF
    gets the summary and at most :data:`PDF_ROW_LIMIT` rows. ``finish`` marks a report
    whose rows are few by nature (one per month): they are fetched whole and passed
    through it, never paged.
    """
    if report.errors:
        if output in ("csv", "pdf"):
            raise BadReportRequest(report.errors)
        return report
    if output == "csv" and finish is None:
        report.rows = (convert(row) for row in repository.stream(statement))
        return report
    summary = summarize()
    if finish is not None:
        rows = finish([convert(r) for r in repository.all_rows(statement)], summary)
        summary.row_count = len(rows)
        report.rows = rows
    elif output == "pdf":
        report.rows = [convert(r) for r in repository.first_rows(statement, PDF_ROW_LIMIT)]
        report.truncated = summary.row_count > PDF_ROW_LIMIT
    else:
        request = page or PageRequest(per_page=DEFAULT_PER_PAGE)
        items = [convert(r) for r in repository.page_rows(statement, request)]
        report.page = Page(
            items=items, page=request.page, per_page=request.per_page, total=summary.row_count
        )
        report.rows = items
    report.row_count = summary.row_count
    report.totals = summary.totals
    report.counts = summary.counts
    report.summary = summary.summary
    report.notes = (*report.notes, *summary.notes)
    return report


def _totals(row: Mapping[str, Any], *names: str) -> Row:
    out: Row = {}
    for name in names:
        value = row.get(name)
        out[name] = cents(value) if name in repository.MONEY_FIELDS else int(value or 0)
    return out


MONEY_COLUMNS = (
    Column("subtotal", "Subtotal", "money", 1.1),
    Column("sales_tax", "Sales tax", "money", 1.0),
    Column("freight", "Freight", "money", 1.0),
    Column("total", "Total", "money", 1.1),
)


# -- 1. due outs ----------------------------------------------------------------------------

DUE_OUT_COLUMNS = (
    Column("due_on", "Due out", "date", 1.1),
    Column("priority", "Pri.", "text", 0.5),
    Column("log", "LOG", "text", 0.9, link="order"),
    Column("customer", "Customer", "text", 0.9, link="customer"),
    Column("customer_name", "Customer name", "long", 2.0),
    Column("customer_po", "PO", "text", 1.0, web=False),
    Column("job_type", "Type", "text", 0.6),
    Column("title", "Title", "long", 3.0),
    Column("rush", "Rush", "flag", 0.6),
    Column("status", "Status", "text", 1.1),
    Column("quantity", "Qty", "count", 0.8),
    Column("location", "Location", "text", 1.0),
    Column("received_on", "Received", "date", 1.1, web=False, pdf=False),
    Column("overdue", "Overdue", "flag", 0.6, web=False, pdf=False),
)


@dataclass(frozen=True)
class DueOutFilters:
    """The due-out report's choices (blank range: overdue plus the rest of this week)."""

    range: RangeArgs = RangeArgs()
    job_type: str | None = None
    customer: str | None = None


def parse_due_outs(args: MultiDict[str, str]) -> tuple[DueOutFilters, dict[str, list[str]]]:
    """Read ``from``, ``to``, ``job_type`` and ``customer``."""
    errors: dict[str, list[str]] = {}
    span = _range_args(args, errors)
    job_type = params.text(args, "job_type")
    if job_type is not None:
        job_type = job_type.upper()
        if job_type not in rules.PRODUCTION_JOB_TYPES:
            errors.setdefault("job_type", []).append(
                f"{job_type!r} is not a production job type "
                f"({', '.join(rules.PRODUCTION_JOB_TYPES)})."
            )
            job_type = None
    return DueOutFilters(span, job_type, _customer_arg(args, errors)), errors


def due_out_range(span: RangeArgs, today: date) -> DateRange:
    """The due dates a due-out report covers: as asked, or by default everything
    overdue plus the rest of this week (through Sunday)."""
    if span.given:
        return DateRange(span.start, span.end)
    return DateRange(None, end_of_week(today))


def due_outs(
    filters: DueOutFilters,
    *,
    output: Output,
    page: PageRequest | None = None,
    errors: dict[str, list[str]] | None = None,
    args: MultiDict[str, str] | None = None,
) -> Report:
    """Open production orders due in the range, overdue first, with counts by job type."""
    errors = errors or {}
    args = args if args is not None else MultiDict()
    today = clock.today()
    due = due_out_range(filters.range, today)
    criteria = repository.DueOutCriteria(due, filters.job_type, filters.customer)
    words = [_words(due, "Due")]
    if not filters.range.given:
        words = [f"Due on or before {due.end} (overdue and the rest of this week)"]
    if filters.job_type:
        words.append(f"job type {filters.job_type} ({rules.JOB_TYPES[filters.job_type]})")
    if filters.customer:
        words.append(f"customer {filters.customer}")
    report = Report(
        name="due-outs",
        title="Due outs",
        endpoint="reports.due_outs",
        description="; ".join(words),
        columns=DUE_OUT_COLUMNS,
        filters=(
            Filter(
                "from",
                "Due from",
                "date",
                _shown(args, errors, "from", due.start),
                hint="blank: all overdue",
            ),
            Filter("to", "Due through", "date", _shown(args, errors, "to", due.end)),
            Filter(
                "job_type",
                "Job type",
                "select",
                filters.job_type or "",
                choices=(
                    ("", "All production types"),
                    *((t, f"{t} · {rules.JOB_TYPES[t]}") for t in rules.PRODUCTION_JOB_TYPES),
                ),
            ),
            _customer_filter(args, errors, filters.customer),
        ),
        errors=errors,
        flag=Flag("overdue", "Overdue", "due_on"),
        span=due,
        as_of=today,
        summary_label="Jobs by type",
        notes=(f"Overdue: due before {today.isoformat()} and not shipped.",),
    )

    def convert(row: Row) -> Row:
        row["overdue"] = row["due_on"] < today
        return row

    def summarize() -> _Summary:
        counts = repository.due_out_counts(criteria)
        ordered = {t: counts.get(t, 0) for t in rules.PRODUCTION_JOB_TYPES if t in counts}
        return _Summary(
            row_count=sum(counts.values()),
            counts=ordered,
            summary=tuple((f"{t} · {rules.JOB_TYPES[t]}", f"{n:,}") for t, n in ordered.items()),
        )

    return _run(
        report,
        output=output,
        page=page,
        statement=repository.due_outs_statement(criteria),
        summarize=summarize,
        convert=convert,
    )


# -- 2. shipped -----------------------------------------------------------------------------

SHIPPED_COLUMNS = (
    Column("shipped_on", "Date out", "date", 1.1),
    Column("log", "LOG", "text", 0.9, link="order"),
    Column("customer", "Customer", "text", 0.9, link="customer"),
    Column("customer_name", "Customer name", "long", 2.0),
    Column("customer_po", "PO", "text", 1.0),
    Column("job_type", "Type", "text", 0.6),
    Column("title", "Title", "long", 2.6),
    Column("received_on", "Received", "date", 1.1, web=False, pdf=False),
    *MONEY_COLUMNS,
)


@dataclass(frozen=True)
class ShippedFilters:
    """The shipped report's choices (blank range: this month so far)."""

    range: RangeArgs = RangeArgs()
    customer: str | None = None


def parse_shipped(args: MultiDict[str, str]) -> tuple[ShippedFilters, dict[str, list[str]]]:
    """Read ``from``, ``to`` and ``customer``."""
    errors: dict[str, list[str]] = {}
    span = _range_args(args, errors)
    return ShippedFilters(span, _customer_arg(args, errors)), errors


def shipped(
    filters: ShippedFilters,
    *,
    output: Output,
    page: PageRequest | None = None,
    errors: dict[str, list[str]] | None = None,
    args: MultiDict[str, str] | None = None,
) -> Report:
    """Orders shipped in the range with their money, summed over the whole range."""
    errors = errors or {}
    args = args if args is not None else MultiDict()
    today = clock.today()
    if filters.range.given:
        span = DateRange(filters.range.start, filters.range.end)
    else:
        span = DateRange(today.replace(day=1), today)
    criteria = repository.ShippedCriteria(span, filters.customer)
    words = [_words(span, "Shipped")]
    if filters.customer:
        words.append(f"customer {filters.customer}")
    report = Report(
        name="shipped",
        title="Shipped",
        endpoint="reports.shipped",
        description="; ".join(words),
        columns=SHIPPED_COLUMNS,
        filters=(
            Filter("from", "Shipped from", "date", _shown(args, errors, "from", span.start)),
            Filter("to", "Shipped through", "date", _shown(args, errors, "to", span.end)),
            _customer_filter(args, errors, filters.customer),
        ),
        errors=errors,
        notes=("Cancelled and deleted orders are left out.",),
    )

    def summarize() -> _Summary:
        sums = repository.shipped_totals(criteria)
        totals = _totals(sums, "orders", *repository.MONEY_FIELDS)
        return _Summary(
            row_count=totals["orders"],
            totals=totals,
            summary=(
                ("Orders", f"{totals['orders']:,}"),
                ("Total", f"{totals['total']:,.2f}"),
            ),
        )

    return _run(
        report,
        output=output,
        page=page,
        statement=repository.shipped_statement(criteria),
        summarize=summarize,
    )


# -- 3. sales -----------------------------------------------------------------------------------

SALES_BY = {"customer": "By customer", "month": "By month"}

SALES_BY_CUSTOMER_COLUMNS = (
    Column("customer", "Customer", "text", 0.9, link="customer"),
    Column("customer_name", "Customer name", "long", 2.6),
    Column("orders", "Orders", "count", 0.8),
    *MONEY_COLUMNS,
)
SALES_BY_MONTH_COLUMNS = (
    Column("month", "Month", "text", 1.0),
    Column("orders", "Orders", "count", 0.8),
    *MONEY_COLUMNS,
)


@dataclass(frozen=True)
class SalesFilters:
    """The sales report's choices (blank range: this year)."""

    by: str = "customer"
    range: RangeArgs = RangeArgs()
    customer: str | None = None


def parse_sales(args: MultiDict[str, str]) -> tuple[SalesFilters, dict[str, list[str]]]:
    """Read ``by`` (customer or month), ``from``, ``to`` and ``customer``."""
    errors: dict[str, list[str]] = {}
    by = (params.text(args, "by") or "customer").lower()
    if by not in SALES_BY:
        errors["by"] = [f"{by!r} is not a grouping (use customer or month)."]
        by = "customer"
    span = _range_args(args, errors)
    return SalesFilters(by, span, _customer_arg(args, errors)), errors


def _months(first: date, last: date) -> Iterator[tuple[int, int]]:
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        yield year, month
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def sales(
    filters: SalesFilters,
    *,
    output: Output,
    page: PageRequest | None = None,
    errors: dict[str, list[str]] | None = None,
    args: MultiDict[str, str] | None = None,
) -> Report:
    """Orders and money by customer or by calendar month, by date received; cancelled
    and deleted orders are left out."""
    errors = errors or {}
    args = args if args is not None else MultiDict()
    today = clock.today()
    if filters.range.given:
        span = DateRange(filters.range.start, filters.range.end)
    else:
        span = DateRange(date(today.year, 1, 1), date(today.year, 12, 31))
    criteria = repository.SalesCriteria(span, filters.customer)
    words = [_words(span, "Received"), SALES_BY[filters.by].lower()]
    if filters.customer:
        words.append(f"customer {filters.customer}")
    by_month = filters.by == "month"
    report = Report(
        name="sales",
        title="Sales by month" if by_month else "Sales by customer",
        endpoint="reports.sales",
        description="; ".join(words),
        columns=SALES_BY_MONTH_COLUMNS if by_month else SALES_BY_CUSTOMER_COLUMNS,
        filters=(
            Filter(
                "by",
                "Group",
                "select",
                filters.by,
                choices=tuple(SALES_BY.items()),
            ),
            Filter("from", "Received from", "date", _shown(args, errors, "from", span.start)),
            Filter("to", "Received through", "date", _shown(args, errors, "to", span.end)),
            _customer_filter(args, errors, filters.customer),
        ),
        errors=errors,
        notes=("Cancelled and deleted orders are left out.",),
    )

    def summarize() -> _Summary:
        sums = repository.sales_totals(criteria)
        totals = _totals(sums, "customers", "orders", *repository.MONEY_FIELDS)
        return _Summary(
            row_count=totals["customers"],
            totals={k: v for k, v in totals.items() if k != "customers"},
            summary=(
                ("Customers", f"{totals['customers']:,}"),
                ("Orders", f"{totals['orders']:,}"),
                ("Total", f"{totals['total']:,.2f}"),
            ),
            extra={
                "first": sums.get("first_received_on"),
                "last": sums.get("last_received_on"),
            },
        )

    def month_rows(rows: list[Row], summary: _Summary) -> list[Row]:
        """Each calendar month from the first sale to the later of the last sale and
        this month (within the range); months without sales as zeros."""
        found = {(int(r.pop("year")), int(r.pop("month"))): r for r in rows}
        first_sale, last_sale = summary.extra["first"], summary.extra["last"]
        if first_sale is None or last_sale is None:
            return []
        last = max(last_sale, today)
        if span.end is not None:
            last = min(last, span.end)
        zero = {"orders": 0, **{name: Decimal("0.00") for name in repository.MONEY_FIELDS}}
        return [
            {"month": f"{year:04d}-{month:02d}", **found.get((year, month), zero)}
            for year, month in _months(first_sale, last)
        ]

    return _run(
        report,
        output=output,
        page=page,
        statement=(
            repository.sales_by_month_statement(criteria)
            if by_month
            else repository.sales_by_customer_statement(criteria)
        ),
        summarize=summarize,
        finish=month_rows if by_month else None,
    )


# -- 4. art queue -----------------------------------------------------------------------------

ART_QUEUE_COLUMNS = (
    Column("artist", "Artist", "text", 0.8, web=False),
    Column("art_due_on", "Art due", "date", 1.1),
    Column("log", "LOG", "text", 0.9, link="order"),
    Column("customer", "Customer", "text", 0.9, link="customer"),
    Column("customer_name", "Customer name", "long", 1.8),
    Column("job_type", "Type", "text", 0.6),
    Column("title", "Title", "long", 2.6),
    Column("status", "Status", "text", 0.9),
    Column("rush", "Rush", "flag", 0.6),
    Column("art_log", "Art log", "text", 0.9),
    Column("received_on", "Received", "date", 1.1, web=False, pdf=False),
    Column("due_on", "Due out", "date", 1.1),
    Column("overdue", "Art overdue", "flag", 0.6, web=False, pdf=False),
)
UNASSIGNED = "Unassigned"


@dataclass(frozen=True)
class ArtQueueFilters:
    """The art queue's choice: one artist, or all."""

    artist: str | None = None


def parse_art_queue(args: MultiDict[str, str]) -> tuple[ArtQueueFilters, dict[str, list[str]]]:
    """Read ``artist``."""
    errors: dict[str, list[str]] = {}
    artist = params.text(args, "artist")
    if artist is not None:
        artist = artist.upper()
        problems = rules.ARTIST.errors(artist)
        if problems:
            errors["artist"] = problems
            artist = None
    return ArtQueueFilters(artist), errors


def art_queue(
    filters: ArtQueueFilters,
    *,
    output: Output,
    page: PageRequest | None = None,
    errors: dict[str, list[str]] | None = None,
    args: MultiDict[str, str] | None = None,
) -> Report:
    """Jobs received or in art with an art due date, grouped by artist, soonest first."""
    errors = errors or {}
    args = args if args is not None else MultiDict()
    today = clock.today()
    criteria = repository.ArtQueueCriteria(filters.artist)
    report = Report(
        name="art-queue",
        title="Art queue",
        endpoint="reports.art_queue",
        description=f"Artist {filters.artist}" if filters.artist else "All artists",
        columns=ART_QUEUE_COLUMNS,
        errors=errors,
        group_by="artist",
        flag=Flag("overdue", "Overdue", "art_due_on"),
        summary_label="Jobs by artist",
        notes=(
            "Orders received or in art with an art due date.",
            f"Overdue: art due before {today.isoformat()}.",
        ),
    )
    artist_value = _shown(args, errors, "artist", filters.artist)

    def convert(row: Row) -> Row:
        row["overdue"] = row["art_due_on"] < today
        return row

    def summarize() -> _Summary:
        counts = repository.art_queue_counts()
        named = {(a or UNASSIGNED): n for a, n in counts.items()}
        shown = named if not filters.artist else {filters.artist: named.get(filters.artist, 0)}
        choices = [("", "All artists")]
        choices += [(a, f"{a} ({n})") for a, n in counts.items() if a is not None]
        if filters.artist and filters.artist not in counts:
            choices.append((filters.artist, f"{filters.artist} (0)"))
        report.filters = (
            Filter("artist", "Artist", "select", artist_value, choices=tuple(choices)),
        )
        return _Summary(
            row_count=sum(shown.values()),
            counts=shown,
            summary=tuple((a, f"{n:,}") for a, n in shown.items()),
        )

    report.filters = (Filter("artist", "Artist", "text", artist_value, maxlength=10),)
    return _run(
        report,
        output=output,
        page=page,
        statement=repository.art_queue_statement(criteria),
        summarize=summarize,
        convert=convert,
    )


# -- 5. one customer's order history ------------------------------------------------------------

HISTORY_COLUMNS = (
    Column("customer", "Customer", "text", 0.9, web=False, pdf=False),
    Column("received_on", "Received", "date", 1.1),
    Column("log", "LOG", "text", 0.9, link="order"),
    Column("customer_po", "PO", "text", 1.0),
    Column("job_type", "Type", "text", 0.6),
    Column("title", "Title", "long", 2.8),
    Column("status", "Status", "text", 1.0),
    Column("due_on", "Due out", "date", 1.1),
    Column("shipped_on", "Date out", "date", 1.1),
    *MONEY_COLUMNS,
)


@dataclass(frozen=True)
class HistoryFilters:
    """Which of the customer's orders: all, or those received in a range."""

    range: RangeArgs = RangeArgs()


def parse_history(args: MultiDict[str, str]) -> tuple[HistoryFilters, dict[str, list[str]]]:
    """Read ``from`` and ``to`` (dates received)."""
    errors: dict[str, list[str]] = {}
    return HistoryFilters(_range_args(args, errors)), errors


def customer_history(
    code: str,
    filters: HistoryFilters,
    *,
    output: Output,
    page: PageRequest | None = None,
    errors: dict[str, list[str]] | None = None,
    args: MultiDict[str, str] | None = None,
) -> Report:
    """One customer's live orders, newest first, with totals of those not cancelled.

    :raises NotFound: when no live customer has ``code``.
    """
    errors = errors or {}
    args = args if args is not None else MultiDict()
    customer = repository.customer_ref(code.strip().upper())
    if customer is None:
        raise NotFound(f"No customer with code {code.strip().upper()!r}.")
    span = DateRange(filters.range.start, filters.range.end)
    criteria = repository.HistoryCriteria(customer["id"], span)
    words = [f"Customer {customer['code']} ({customer['name']})"]
    if filters.range.given:
        words.append(_words(span, "received"))
    report = Report(
        name="customer-history",
        slug=f"customer-{customer['code']}",
        title=f"Order history: {customer['code']} · {customer['name']}",
        endpoint="reports.customer_history",
        description="; ".join(words),
        columns=HISTORY_COLUMNS,
        filters=(
            Filter("from", "Received from", "date", _shown(args, errors, "from", span.start)),
            Filter("to", "Received through", "date", _shown(args, errors, "to", span.end)),
        ),
        errors=errors,
        view_args={"code": customer["code"]},
        totals_label="Total (not cancelled)",
    )

    def summarize() -> _Summary:
        sums = repository.history_totals(criteria)
        totals = _totals(sums, "orders", "cancelled", *repository.MONEY_FIELDS)
        notes: tuple[str, ...] = ()
        if totals["cancelled"]:
            notes = (f"Totals leave out {totals['cancelled']:,} cancelled order(s).",)
        return _Summary(
            row_count=totals["orders"],
            totals={k: v for k, v in totals.items() if k not in ("orders", "cancelled")},
            summary=(
                ("Orders", f"{totals['orders']:,}"),
                ("Total", f"{totals['total']:,.2f}"),
            ),
            notes=notes,
        )

    return _run(
        report,
        output=output,
        page=page,
        statement=repository.history_statement(criteria),
        summarize=summarize,
    )


# -- describing an export for the audit log ---------------------------------------------------


def export_summary(report: Report, what: str) -> str:
    """What the audit log says about an export: report, format and filters in words."""
    return f"{report.title} {what}: {report.description}"


# -- one entry point for the views ------------------------------------------------------------

_PARSERS: dict[str, Callable[[MultiDict[str, str]], tuple[Any, dict[str, list[str]]]]] = {
    "due-outs": parse_due_outs,
    "shipped": parse_shipped,
    "sales": parse_sales,
    "art-queue": parse_art_queue,
    "customer-history": parse_history,
}


def build(
    name: str, args: MultiDict[str, str], *, output: Output, code: str | None = None
) -> Report:
    """The report ``name`` for the query string ``args``.

    A page shows the filter errors beside the form; a CSV or PDF with a bad argument
    raises :class:`BadReportRequest` naming it.
    """
    filters, errors = _PARSERS[name](args)
    page = page_request(args) if output in ("page", "api") else None
    options: dict[str, Any] = {"output": output, "page": page, "errors": errors, "args": args}
    if name == "due-outs":
        return due_outs(filters, **options)
    if name == "shipped":
        return shipped(filters, **options)
    if name == "sales":
        return sales(filters, **options)
    if name == "art-queue":
        return art_queue(filters, **options)
    return customer_history(code or "", filters, **options)

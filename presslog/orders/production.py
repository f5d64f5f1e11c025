"""Shop-floor pages: the printable job ticket and the production board."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from flask import Blueprint, make_response, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from presslog.core import params
from presslog.core.clock import today
from presslog.core.rules import after_attrs, date_order_errors, date_order_message
from presslog.core.security import require
from presslog.orders import repository, rules, service, workflow
from presslog.orders.ticket import DEFAULT_PAPER, PAPERS, render_ticket

bp = Blueprint("production", __name__)

# The statuses in the order a job normally passes through them; buttons name them by
# their codes ("Move to production", "Back to art"), which read better than the labels.
SEQUENCE = ("received", "art", "approved", "production", "ready", "shipped")
CARDS_PER_COLUMN = 50
ISO_WEEK = re.compile(r"(\d{4})-W(\d{2})")


# -- workflow steps as people read them ---------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One move an order may make: where to, the button's words, and how it looks."""

    status: str
    label: str
    primary: bool
    cancels: bool

    @property
    def short(self) -> str:
        """The words of a small button on a board card: "Production →", "← Art"."""
        if self.cancels or self.status not in SEQUENCE:
            return self.label
        word = self.status.capitalize()
        return f"{word} →" if self.label.startswith("Move") else f"← {word}"

    def name_for(self, log: str) -> str:
        """The accessible name of the button for order ``log``: "Move LOG 12345 to art"."""
        if self.cancels:
            return f"Cancel order LOG {log}"
        if self.label == "Reopen order":
            return f"Reopen order LOG {log}"
        if self.label.startswith("Back"):
            return f"Move LOG {log} back to {self.status}"
        return f"Move LOG {log} to {self.status}"


def steps(current: str) -> list[Step]:
    """The moves the workflow allows from ``current``, the usual next one marked primary."""
    allowed = workflow.allowed_next(current)
    position = SEQUENCE.index(current) if current in SEQUENCE else None
    forward = [
        s
        for s in allowed
        if position is not None and s in SEQUENCE and SEQUENCE.index(s) > position
    ]
    primary = forward[0] if forward else None
    out = []
    for target in allowed:
        if target == "cancelled":
            label = "Cancel order"
        elif current == "cancelled":
            label = "Reopen order"
        elif target in forward:
            label = f"Move to {target}"
        else:
            label = f"Back to {target}"
        out.append(Step(target, label, target == primary, target == "cancelled"))
    return out


@bp.app_template_global("workflow_steps")
def workflow_steps(current: str) -> list[Step]:
    """Template access to :func:`steps` (order page and board)."""
    return steps(current)


# -- job ticket -------------------------------------------------------------------------


@bp.get("/orders/<log>/ticket.pdf")
@require("orders.read")
def ticket(log: str) -> ResponseReturnValue:
    """The order's one-page job ticket as a PDF (``?paper=a4`` for A4, Letter otherwise)."""
    order = service.get_order(log)
    paper = (request.args.get("paper") or DEFAULT_PAPER).strip().lower()
    if paper not in PAPERS:
        paper = DEFAULT_PAPER
    pdf = render_ticket(order, paper=paper, generated_by=current_user.username, today=today())
    response = make_response(pdf)
    response.mimetype = "application/pdf"
    response.headers["Content-Disposition"] = f'inline; filename="ticket-{order.log}.pdf"'
    return response


# -- production board ---------------------------------------------------------------------


def week_bounds(day: date) -> tuple[date, date]:
    """Monday and Sunday of ``day``'s ISO week."""
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


def parse_week(value: str) -> tuple[date, date] | None:
    """Monday and Sunday of an ISO week written ``YYYY-Www``; None if it is not one."""
    match = ISO_WEEK.fullmatch(value.strip().upper())
    if not match:
        return None
    try:
        monday = date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
    except ValueError:
        return None
    return monday, monday + timedelta(days=6)


@dataclass(frozen=True)
class BoardQuery:
    """The board's filters as read from the address, and how to describe them."""

    filters: repository.BoardFilters
    job_type: str | None
    week: str | None
    due_from: date | None
    due_to: date | None
    default_range: bool
    errors: dict[str, list[str]]


DUE_FROM, DUE_TO = "Due from", "Due to"
# The "due to" box's attributes: the browser refuses the same range in the same words.
DUE_TO_ATTRS = after_attrs("board-due-from", date_order_message(DUE_FROM, DUE_TO))


def board_query(day: date) -> BoardQuery:
    """Read the board's filters from the query string (bad values are reported, ignored)."""
    args = request.args
    errors: dict[str, list[str]] = {}
    job_types = tuple(dict.fromkeys(j for j in args.getlist("job_type") if j in rules.JOB_TYPES))
    week = params.text(args, "week")
    due_from = params.iso_date(args, "due_from", errors)
    due_to = params.iso_date(args, "due_to", errors)
    if week:
        bounds = parse_week(week)
        if bounds is None:
            errors.setdefault("week", []).append(
                f"{week!r} is not a week (use YYYY-Www, e.g. 2026-W09)."
            )
            week = None
        else:
            due_from, due_to = bounds  # a week wins over a date range
    if due_from and due_to and due_from > due_to:
        errors.setdefault("due_to", []).extend(
            date_order_errors(due_from, due_to, DUE_FROM, DUE_TO)
        )
        due_from = due_to = None
    default_range = not week and due_from is None and due_to is None
    if default_range:
        # Everything overdue and everything due up to the end of next week.
        due_to = week_bounds(day)[1] + timedelta(days=7)
    shipped_from, shipped_to = week_bounds(day)
    filters = repository.BoardFilters(
        job_types=job_types,
        due_from=due_from,
        due_to=due_to,
        shipped_from=shipped_from,
        shipped_to=shipped_to,
    )
    return BoardQuery(
        filters=filters,
        job_type=job_types[0] if job_types else None,
        week=week,
        due_from=None if default_range else due_from,
        due_to=None if default_range else due_to,
        default_range=default_range,
        errors=errors,
    )


@bp.get("/board")
@require("orders.read")
def board() -> ResponseReturnValue:
    """The production board: open jobs in a column per status, moved on from their cards."""
    day = today()
    query = board_query(day)
    columns = repository.board(query.filters, per_column=CARDS_PER_COLUMN)
    statuses = [*repository.BOARD_STATUSES, "shipped"]
    return render_template(
        "orders/board.html",
        query=query,
        due_to_attrs=DUE_TO_ATTRS,
        columns=columns,
        statuses=statuses,
        today=day,
        this_week=week_bounds(day),
        here=request.full_path.rstrip("?"),
        per_column=CARDS_PER_COLUMN,
    )

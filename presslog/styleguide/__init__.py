"""/styleguide: the living style guide, every component of the design system on one page.

It renders the real macros of ``templates/macros.html`` with sample data, so what it
shows is what the pages use. Any signed-in person may open it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from wtforms import DateField, StringField

from presslog.core.forms import optional_date, ruled
from presslog.core.security import require
from presslog.orders import rules as order_rules

bp = Blueprint("styleguide", __name__)


class SampleForm(FlaskForm):
    """Fields to show the field macro: plain, with a hint, with an error, required."""

    class Meta:
        """Not posted anywhere: no CSRF token needed."""

        csrf = False

    title = StringField(**ruled(order_rules.TITLE))
    customer_po = StringField(
        **ruled(order_rules.CUSTOMER_PO, description="As printed on the customer's order.")
    )
    log = StringField(**ruled(order_rules.LOG))
    due_on = DateField(**optional_date("Due out"))


@dataclass
class SampleOrder:
    """Just what status_badge needs."""

    status: str
    status_label: str


@dataclass
class SamplePage:
    """Just what the pagination macro needs."""

    page: int = 2
    pages: int = 12
    per_page: int = 25
    total: int = 290
    total_exact: bool = True
    first_index: int = 26
    last_index: int = 50
    has_prev: bool = True
    has_next: bool = True
    items: tuple[int, ...] = (1,)


@bp.get("/styleguide")
@require("account.self")
def index() -> ResponseReturnValue:
    """The style guide (``?confirmed=1``: what its sample confirm form leads to)."""
    if request.args.get("confirmed"):
        flash("Sample deleted (nothing was really deleted).", "success")
        return redirect(url_for("styleguide.index"))
    form = SampleForm(formdata=None, title="Eagles Spirit Wear")
    form.log.errors = [order_rules.LOG.pattern_message or order_rules.LOG.required_message]
    return render_template(
        "styleguide.html",
        form=form,
        statuses=[SampleOrder(code, label) for code, label in order_rules.STATUSES.items()],
        sample_page=SamplePage(),
        now=datetime(2026, 11, 26, 14, 30, tzinfo=UTC),
    )


@bp.get("/styleguide/sample.csv")
@require("account.self")
def sample_csv() -> ResponseReturnValue:
    """A tiny CSV for the style guide's download button."""
    return Response(
        "log,title\r\n24017,Eagles Spirit Wear\r\n",
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="presslog-sample.csv"'},
    )

"""The cells of a report's table on the page, built in Python.

A report page shows up to 100 rows of a dozen columns. Written as Jinja conditions
per cell, the table cost most of the request (a week of due outs: about three
quarters of its time); here each row's cells are one function call, with the order and
customer links built from one ``url_for`` each per page.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import quote

from flask import url_for
from markupsafe import Markup, escape

from presslog.orders.rules import JOB_TYPES
from presslog.reports.service import Column, Flag, display

_SLOT = "__presslog_value__"
_CLOSE = Markup("</td>")
_NEWLINE = Markup("\n")


def _cell_class(column: Column) -> str:
    if column.is_number:
        return "text-end num"
    return "report-long" if column.kind == "long" else "text-nowrap"


def _link(pattern: str, value: Any) -> str:
    return pattern.replace(_SLOT, quote(str(value), safe=""))


def row_renderer(
    columns: Sequence[Column], flag: Flag | None
) -> Callable[[Mapping[str, Any]], Markup]:
    """A function giving the ``<td>`` cells of one row of a report with ``columns``."""
    order_url = url_for("orders.show", log=_SLOT)
    customer_url = url_for("reports.customer_history", code=_SLOT)
    openings = [
        Markup('<td data-label="{}" class="{}">').format(column.label, _cell_class(column))
        for column in columns
    ]

    def cells(row: Mapping[str, Any]) -> Markup:
        flagged = bool(flag and row[flag.key])
        parts: list[Markup] = []
        for column, opening in zip(columns, openings, strict=True):
            value = row[column.key]
            if column.link == "order" and value:
                inner = Markup('<a class="fw-semibold" href="{}">{}</a>').format(
                    _link(order_url, value), value
                )
            elif column.link == "customer" and value:
                inner = Markup('<a href="{}" title="Order history of {}">{}</a>').format(
                    _link(customer_url, value), value, value
                )
            elif column.kind == "flag":
                inner = (
                    Markup('<span class="badge text-bg-warning">{}</span>').format(column.label)
                    if value
                    else Markup("")
                )
            elif column.key == "job_type" and value:
                inner = Markup('<abbr title="{}">{}</abbr>').format(
                    JOB_TYPES.get(value, value), value
                )
            else:
                inner = escape(display(column, value))
            if flagged and flag is not None and column.key == flag.column:
                inner += Markup(' <span class="badge text-bg-danger report-flag">{}</span>').format(
                    flag.label
                )
            parts.append(opening + inner + _CLOSE)
        return _NEWLINE.join(parts)

    return cells

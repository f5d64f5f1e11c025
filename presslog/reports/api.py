"""Report endpoints of the JSON API."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app
from flask.views import MethodView

from presslog.api import LIST_HEADERS, SIGNED_IN, ApiBlueprint, page_response
from presslog.core.pagination import PageRequest
from presslog.core.security import require
from presslog.reports import service
from presslog.reports.schemas import (
    DUE_OUT_REPORT_EXAMPLE,
    DueOutArgs,
    DueOutReportSchema,
    DueOutSchema,
)

blp = ApiBlueprint(
    "reports_api",
    __name__,
    url_prefix="/api/v1/reports",
    description="Reports: the due outs of the production floor.",
)


@blp.route("/due-outs")
class DueOuts(MethodView):
    """Open production jobs by due-out date."""

    @require("reports.read")
    @blp.arguments(DueOutArgs, location="query")
    @blp.response(200, DueOutReportSchema, example=DUE_OUT_REPORT_EXAMPLE, headers=LIST_HEADERS)
    @blp.answers(*SIGNED_IN)
    def get(self, args: dict[str, Any]) -> Response:
        """List due outs.

        Open TR, DP, AA and DTF orders with a due-out date in the range. Without
        `from` and `to` the range is everything overdue plus the rest of this week
        (through Sunday). Sorted by due date, then priority (blank last), then LOG;
        `counts` gives the number per job type over the whole range, and `today` the
        day `overdue` is counted from. `to` before `from` answers 422. Needs
        `reports.read` (front desk, manager, admin).
        """
        filters = service.DueOutFilters(
            range=service.RangeArgs(args.get("date_from"), args.get("date_to")),
            job_type=args.get("job_type"),
            customer=args.get("customer"),
        )
        report = service.due_outs(
            filters, output="api", page=PageRequest.parse(args["page"], args["per_page"])
        )
        assert report.page is not None
        assert report.span is not None
        response = page_response(report.page, DueOutSchema(), "reports_api.DueOuts")
        # The list envelope, plus what the report adds to it.
        extra = DueOutReportSchema(only=("date_from", "date_to", "today", "counts")).dump(
            {
                "date_from": report.span.start,
                "date_to": report.span.end,
                "today": report.as_of,
                "counts": report.counts,
            }
        )
        response.set_data(current_app.json.dumps({**response.get_json(), **extra}))
        return response

"""GET /metrics: the Prometheus text format, for scrapers only."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, abort, current_app, request

from presslog.core.security import PUBLIC, require
from presslog.extensions import csrf
from presslog.ops.access import ScrapeAccess, may_scrape
from presslog.ops.metrics import exposition

log = logging.getLogger(__name__)

bp = Blueprint("ops", __name__)
csrf.exempt(bp)


# PUBLIC: no user session is involved; the scraper proves itself with the metrics
# token or its network address (presslog.ops.access), checked below.
@bp.get("/metrics")
@require(PUBLIC)
def metrics() -> Response:
    """The metrics, to a client with the token or on an allowed network; else 404."""
    access: ScrapeAccess = current_app.extensions["presslog.metrics"]
    if not may_scrape(access, request):
        # 404, the same page as any unknown address: nothing tells a stranger that
        # there is something to try tokens against.
        log.info("metrics: refused a scrape from %s", request.remote_addr)
        abort(404)
    body, content_type = exposition(current_app._get_current_object())  # type: ignore[attr-defined]
    return Response(body, content_type=content_type)

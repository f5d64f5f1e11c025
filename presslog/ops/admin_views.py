"""/admin/jobs: the background jobs' failures and the queue, for admins.

Failures come from the ``job_failures`` table, written by the worker each time a job
fails (``presslog.jobs``); the page shows whether Huey will try the job again, so an
admin can tell a passing hiccup (a mail server briefly away) from a job that gave up.
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask.typing import ResponseReturnValue

from presslog.core import params
from presslog.core.pagination import PageRequest
from presslog.core.security import require
from presslog.jobs import queue_depth
from presslog.ops import repository

bp = Blueprint("jobs_admin", __name__)


@bp.get("/admin/jobs")
@require("system.admin")
def index() -> ResponseReturnValue:
    """Recorded job failures, newest first (filter by job), and the queue's depth."""
    tasks = repository.failed_task_names()
    task = params.choice(request.args, "task", tasks)
    page = repository.job_failures(
        task, PageRequest.parse(request.args.get("page"), request.args.get("per_page"))
    )
    return render_template(
        "admin/jobs/index.html",
        page=page,
        tasks=tasks,
        task=task,
        depth=queue_depth(),
        storage=current_app.config.get("JOBS_STORAGE", ""),
    )

"""Recording what the operators need to know about: failed background jobs."""

from __future__ import annotations

from presslog.extensions import db
from presslog.ops.models import ERROR_LENGTH, MESSAGE_LENGTH, TASK_LENGTH, JobFailure


def _clip(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def record_job_failure(
    *, task: str, task_id: str, error: BaseException, will_retry: bool
) -> JobFailure:
    """Add a failed run of ``task`` to the session (the caller commits)."""
    failure = JobFailure(
        task=_clip(task, TASK_LENGTH),
        task_id=_clip(task_id, 64),
        error=_clip(type(error).__qualname__, ERROR_LENGTH),
        message=_clip(str(error), MESSAGE_LENGTH),
        will_retry=will_retry,
    )
    db.session.add(failure)
    return failure

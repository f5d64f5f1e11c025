"""The job failure log: one row per failed run of a background job."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from presslog.core.db import Base, utcnow

FailureId = BigInteger().with_variant(Integer(), "sqlite")

TASK_LENGTH = 200
ERROR_LENGTH = 200
MESSAGE_LENGTH = 1000


class JobFailure(Base):
    """A job that raised: which one, which run, what went wrong, and whether Huey retries it.

    Written by the worker process (Huey's error signal), read by the web process for
    ``/metrics`` and by administrators.
    """

    __tablename__ = "job_failures"

    id: Mapped[int] = mapped_column(FailureId, primary_key=True, autoincrement=True)
    failed_at: Mapped[datetime] = mapped_column(default=utcnow, nullable=False)
    task: Mapped[str] = mapped_column(String(TASK_LENGTH))
    task_id: Mapped[str] = mapped_column(String(64))
    error: Mapped[str] = mapped_column(String(ERROR_LENGTH))
    message: Mapped[str] = mapped_column(String(MESSAGE_LENGTH))
    will_retry: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (
        Index("ix_job_failures_failed_at", "failed_at"),
        Index("ix_job_failures_task_failed_at", "task", "failed_at"),
    )

    def __repr__(self) -> str:
        return f"<JobFailure {self.task} {self.task_id} {self.error}>"

"""An import run started from the admin page: its options, progress and outcome."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from presslog.core.db import Base, TimestampMixin

STATUSES: dict[str, str] = {
    "queued": "Queued",
    "running": "Running",
    "done": "Done",
    "failed": "Failed",
}
# Runs in these states will change again: their page keeps polling.
ACTIVE_STATUSES = ("queued", "running")
ERROR_LENGTH = 1000


class ImportRun(Base, TimestampMixin):
    """One upload of Orders.csv and Customers.csv and the import job that reads them.

    The files live in ``<instance>/imports/<id>/``; ``rejects_files`` maps a table
    (``customers``, ``orders``) to its rejects file's path relative to that folder, so
    a download never takes a path from the request.
    """

    __tablename__ = "import_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # No foreign key, as in the audit log: users are only ever soft-deleted.
    started_by_id: Mapped[int | None] = mapped_column(Integer)
    started_by: Mapped[str | None] = mapped_column(String(40))
    dry_run: Mapped[bool] = mapped_column(default=False)
    create_missing_customers: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(10), default="queued")
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    rows_total: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    counts: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    summary: Mapped[str | None] = mapped_column(Text)
    rejects_files: Mapped[dict[str, str] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(String(ERROR_LENGTH))
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)

    __table_args__ = (
        CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name="status_known"),
        CheckConstraint("rows_read >= 0 AND rows_total >= 0 AND rejected >= 0", name="counts"),
        Index("ix_import_runs_created_at", "created_at"),
    )

    @property
    def is_active(self) -> bool:
        """Whether the run is still waiting or working (its page keeps refreshing)."""
        return self.status in ACTIVE_STATUSES

    @property
    def status_label(self) -> str:
        """The status in words."""
        return STATUSES.get(self.status, self.status)

    @property
    def percent(self) -> int:
        """Rows read as a share of the rows counted at upload (100 when done)."""
        if self.status == "done":
            return 100
        if not self.rows_total:
            return 0
        return min(99, self.rows_read * 100 // self.rows_total)

    def __repr__(self) -> str:
        return f"<ImportRun {self.id} {self.status}>"

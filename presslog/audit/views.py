"""The audit log viewer (admins and managers)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")

from presslog.audit import models as _models  # noqa: E402,F401  (the table is known to the app)

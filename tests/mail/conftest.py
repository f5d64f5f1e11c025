"""Mail tests render a template of their own (tests/mail/templates/mail/hello.*),
which extends the real layouts, so the product carries no test-only template."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import jinja2
import pytest
from flask import Flask

from presslog import jobs

TEMPLATES = Path(__file__).parent / "templates"


@pytest.fixture(autouse=True)
def mail_templates(app: Flask) -> Iterator[None]:
    """Let the app find the test templates beside its own; no retry left scheduled."""
    app.jinja_env.loader = jinja2.ChoiceLoader(
        [jinja2.FileSystemLoader(TEMPLATES), app.jinja_env.loader]  # type: ignore[list-item]
    )
    yield
    jobs.huey.storage.flush_schedule()

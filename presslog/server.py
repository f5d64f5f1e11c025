"""Run the app under gunicorn, the one WSGI server PressLog uses.

Every gunicorn setting lives in ``presslog/gunicorn.conf.py``; ``presslog serve``
loads that file and lets its own options (``--bind``, ``--workers``, ``--reload``)
override it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from gunicorn.app.base import Application
from gunicorn.glogging import Logger

CONFIG_FILE = Path(__file__).resolve().parent / "gunicorn.conf.py"


class PressLogServer(Application):
    """gunicorn with PressLog's config file, command-line overrides and app factory."""

    def __init__(self, overrides: dict[str, Any] | None = None):
        self.overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
        super().__init__(usage="presslog serve", prog="presslog serve")

    def init(self, parser: Any, opts: Any, args: Any) -> None:
        """Not used: settings come from the config file, not gunicorn's command line."""

    def load_config(self) -> None:
        """The config file first, then the options given to ``presslog serve``."""
        assert self.cfg is not None
        self.load_config_from_file(str(CONFIG_FILE))
        for key, value in self.overrides.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        """Build the app in each worker (nothing is shared across the fork)."""
        from presslog.app import create_app

        return create_app()


class JsonGunicornLogger(Logger):
    """gunicorn's own messages as one JSON object a line, like the app's (LOG_FORMAT=json)."""

    def setup(self, cfg: Any) -> None:
        """Set gunicorn's handlers up as usual, then give them PressLog's JSON format."""
        from presslog.core.logging import JsonFormatter

        super().setup(cfg)
        for handler in self.error_log.handlers:
            handler.setFormatter(JsonFormatter())


def check_settings() -> None:
    """Fail now, in one line, on settings the app would refuse in every worker.

    :raises presslog.config.ConfigError: the settings are unsafe or broken.
    """
    from flask import Flask

    from presslog.config import load_config

    # The same instance folder the factory uses (a development secret is kept there).
    instance = Flask("presslog.app", instance_path=os.environ.get("PRESSLOG_INSTANCE_PATH"))
    load_config(Path(instance.instance_path))


def run(*, bind: str | None = None, reload: bool = False, workers: int | None = None) -> None:
    """Start gunicorn with the config file, overridden by the arguments given."""
    check_settings()
    PressLogServer({"bind": bind, "workers": workers, "reload": reload or None}).run()

"""Run the app under gunicorn, the one WSGI server PressLog uses."""

from __future__ import annotations

import os
from typing import Any

from gunicorn.app.base import BaseApplication


class PressLogServer(BaseApplication):
    """gunicorn with PressLog's factory and settings."""

    def __init__(self, options: dict[str, Any]):
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if value is not None and key in self.cfg.settings:
                self.cfg.set(key, value)

    def load(self) -> Any:
        from presslog.app import create_app

        return create_app()


def run(*, bind: str | None = None, reload: bool = False, workers: int | None = None) -> None:
    """Start gunicorn with settings from the environment."""
    port = os.environ.get("PORT", "5000")
    options = {
        "bind": bind or f"0.0.0.0:{port}",
        "workers": workers or int(os.environ.get("WEB_CONCURRENCY", "2")),
        "threads": int(os.environ.get("GUNICORN_THREADS", "4")),
        "worker_class": "gthread",
        "timeout": int(os.environ.get("GUNICORN_TIMEOUT", "60")),
        "graceful_timeout": 30,
        "keepalive": 5,
        "reload": reload,
        "accesslog": None,  # PressLog logs each request itself, with its request id
        "errorlog": "-",
        "forwarded_allow_ips": os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
        # No shared control socket: several servers may run on one machine.
        "control_socket_disable": True,
    }
    PressLogServer(options).run()

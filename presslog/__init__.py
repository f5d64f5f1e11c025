"""PressLog: order intake and production tracking for a custom print shop."""

__version__ = "0.1.0"

from presslog.app import create_app

__all__ = ["__version__", "create_app"]

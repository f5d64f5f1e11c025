"""Alembic environment: runs inside the Flask app, against its database and models."""

from __future__ import annotations

import logging

from alembic import context
from flask import current_app

from presslog.core.textsearch import is_search_object

log = logging.getLogger("alembic.env")
config = context.config
database = current_app.extensions["migrate"].db
config.set_main_option(
    "sqlalchemy.url",
    database.engine.url.render_as_string(hide_password=False).replace("%", "%%"),
)
options = dict(current_app.extensions["migrate"].configure_args)


def include_object(obj, name, type_, reflected, compare_to):  # type: ignore[no-untyped-def]
    """Objects managed outside the models (search indexes, triggers) are not compared."""
    if is_search_object(name):
        return False
    return not (obj.info.get("skip_autogenerate") if hasattr(obj, "info") else False)


def process_revision_directives(context_, revision, directives):  # type: ignore[no-untyped-def]
    """Do not write an empty migration when nothing changed."""
    if getattr(config.cmd_opts, "autogenerate", False):
        script = directives[0]
        if script.upgrade_ops.is_empty():
            directives[:] = []
            log.info("No changes in schema detected.")


def run_offline() -> None:
    """Emit SQL without a connection."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=database.metadata,
        literal_binds=True,
        **options,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    """Run against the app's engine."""
    options.setdefault("process_revision_directives", process_revision_directives)
    with database.engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=database.metadata,
            include_object=include_object,
            **options,
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()

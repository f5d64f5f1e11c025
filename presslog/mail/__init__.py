"""E-mail: messages rendered from templates and sent by background jobs.

``init_mail`` (called by the app factory) reads and checks the mail settings
(``presslog.mail.settings``); ``presslog.mail.service`` has ``send_mail`` and
``render_mail``. docs/mail.md is the guide.
"""

from __future__ import annotations

import logging

from flask import Flask

log = logging.getLogger("presslog.mail")


def init_mail(app: Flask) -> None:
    """Bind Flask-Mailman to ``app`` from its mail settings.

    Call it again after changing a mail setting (tests point ``MAIL_URL`` at their
    own server). :raises ConfigError: naming the setting that cannot work.
    """
    from flask_mailman import Mail

    from presslog.mail import service  # declares the sending job, for the worker too
    from presslog.mail.settings import mailman_config

    settings = mailman_config(app.config, app.instance_path)
    app.extensions["mailman"] = Mail.init_mail(settings, app.testing)
    app.extensions["presslog.mail"] = settings
    service.install_session_hooks()
    if settings["MAIL_TRANSPORT"] == "outbox":
        log.debug("mail: no mail server set, messages go to %s", settings["MAIL_FILE_PATH"])
    else:
        log.debug(
            "mail: %s://%s:%s",
            settings["MAIL_TRANSPORT"],
            settings["MAIL_SERVER"],
            settings["MAIL_PORT"],
        )

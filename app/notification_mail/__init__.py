"""Notifications by email: each member's choice per kind (none, at once grouped, or a
daily digest), the two jobs that mail them through the outbox, and the unsubscribe link.

It sits beside the forum (it uses accounts and core): the packages that send
notifications declare which kinds members may receive by email in core's registry
(core.notifications.register_email_kind), and this package reads it.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    from app.accounts.account_page import register_account_section
    from app.core.scheduler import Job, register_job
    from app.notification_mail import models, sending, views  # noqa: F401  (models: the tables)

    app.register_blueprint(views.blueprint)
    register_account_section(app, 10, "notification_mail/_account_section.html",
                             views.account_section)  # fmt: skip
    register_job(app, Job(
        "mail-notifications", sending.mail_notifications, interval_seconds=60,
        description=_l("Mail members their new notifications, several together in one email."),
    ))  # fmt: skip
    register_job(app, Job(
        "mail-notification-digests", sending.mail_digests, cron="0 6 * * *",
        description=_l("Mail members their daily digest of notifications."),
    ))  # fmt: skip

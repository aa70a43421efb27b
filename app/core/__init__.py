"""What every package may use, and that uses no package."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from app.core import (
        assets,
        errors,
        headers,
        htmx,
        hub_views,
        job_views,
        jobs_cli,
        layout,
        mail_views,
        notifications,
        outbox,
        parts,
        places,
        rate_limits,
        scheduler,
        signing,
        submissions,
        teardown,
        templating,
        urls,
        user_input,
    )

    teardown.init_app(app)
    errors.init_app(app)
    user_input.init_app(app)
    urls.init_app(app)  # after user_input: its host check runs first
    headers.init_app(app)
    rate_limits.init_app(app)
    signing.init_app(app)
    templating.init_app(app)
    places.init_app(app)
    parts.init_app(app)
    assets.init_app(app)
    layout.init_app(app)
    app.register_blueprint(notifications.blueprint)
    scheduler.init_app(app)
    submissions.init_app(app)
    htmx.init_app(app)
    outbox.init_app(app)
    mail_views.init_app(app)
    job_views.init_app(app)
    hub_views.init_app(app)
    jobs_cli.init_app(app)

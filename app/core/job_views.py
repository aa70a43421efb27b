"""/admin/jobs: every scheduled job, its last runs, whether it runs now, and "Run now".

"Run now" runs the job in the request, through ``run_job`` and so under the same lease
as the scheduler: if the scheduler (or another click) holds it, the run is recorded as
skipped and the page says the job is already running; it never runs twice at once. A
long job keeps the request for its length (its heartbeat renews the lease meanwhile);
if the request is cut short, the lease lapses and the next run marks it interrupted,
as for a scheduler killed halfway. Each run by hand is written to the audit log
(an ActionTaken event: core does not know who keeps the log).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Flask, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from app.core import job_queries
from app.core.clock import now_utc
from app.core.events import commit, queue_audit
from app.core.forms import TribuneForm
from app.core.job_runs import JobRun, describe_figures
from app.core.leases import JobLease
from app.core.permissions import requires
from app.core.places import register_link
from app.core.scheduler import Job, registered_jobs, run_job

blueprint = Blueprint("jobs", __name__, url_prefix="/admin/jobs")
RUNS_SHOWN = 5  # per job; `tribune jobs list` and the job_runs table keep the rest

OUTCOMES = {
    "success": _l("succeeded"),
    "failed": _l("failed"),
    "skipped": _l("skipped: already running"),
    "running": _l("running"),
    "interrupted": _l("interrupted"),
}
TRIGGERS = {"schedule": _l("on schedule"), "manual": _l("by hand")}


class RunNowForm(TribuneForm):
    pass


@dataclass(frozen=True)
class JobRow:
    """A job as the page shows it."""

    job: Job
    schedule: str
    runs: list[JobRun]
    lease: JobLease | None


def schedule_text(app: Flask, job: Job) -> str:
    """When the job runs, in the reader's language (a crontab is shown as it is, in UTC)."""
    if job.name in app.config.get("JOBS_DISABLED", ()):
        return _("by hand only")
    crontab = app.config.get("JOB_SCHEDULES", {}).get(job.name) or job.cron
    if crontab:
        return _("crontab “%(crontab)s” (UTC)", crontab=crontab)
    seconds = job.interval_seconds or 0
    if seconds % 60 == 0:
        return ngettext("every minute", "every %(num)d minutes", seconds // 60)
    return ngettext("every second", "every %(num)d seconds", seconds)


@blueprint.get("/")
@requires("jobs.run")
def overview() -> Any:
    jobs = registered_jobs()
    runs = job_queries.latest_runs(jobs, RUNS_SHOWN)
    leases = job_queries.live_leases(now_utc())
    rows = [JobRow(job, schedule_text(current_app, job), runs[name], leases.get(name))
            for name, job in jobs.items()]  # fmt: skip
    return render_template("core/jobs.html", jobs=rows, form=RunNowForm(), outcomes=OUTCOMES,
                           triggers=TRIGGERS)  # fmt: skip


@blueprint.post("/<name>/run")
@requires("jobs.run")
def run_now(name: str) -> Any:
    if name not in registered_jobs():
        abort(404)
    if not RunNowForm().validate_on_submit():
        abort(400)
    actor_id = current_user.id
    run = run_job(name, trigger="manual")  # commits: the job's work and its run's record
    queue_audit(actor_id, "job.run", "job_run", run.id, after={"job": name, "outcome": run.outcome})
    commit()
    if run.outcome == "skipped":
        flash(_("“%(job)s” is already running: it was not started a second time.", job=name),
              "error")  # fmt: skip
    elif run.outcome == "success":
        figures = describe_figures(run) or _("no figures")
        flash(_("“%(job)s” ran: %(figures)s.", job=name, figures=figures), "success")
    else:
        flash(_("“%(job)s” failed: its error is shown below.", job=name), "error")
    return redirect(url_for("jobs.overview"))


def init_app(app: Flask) -> None:
    app.register_blueprint(blueprint)
    register_link(app, "admin.hub", 60, "jobs.overview", _l("Scheduled jobs"), ("jobs.run",),
                  _l("Every job's schedule and last runs, their figures and errors; "
                     "run one now."))  # fmt: skip

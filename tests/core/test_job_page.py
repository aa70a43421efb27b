"""/admin/jobs (issue 14): every job, its last runs, whether it runs now, and "Run now"
through the scheduler's lease, so a job never runs twice at once."""

from __future__ import annotations

import re
import time
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select

from app.core.events import commit
from app.core.job_runs import JobRun, add_run, mark_interrupted_runs
from app.core.leases import acquire_lease, release_lease
from app.core.scheduler import Job, register_job, run_job
from app.extensions import db
from app.moderation.models import AuditEntry
from tests.support import at_once, form_submission

PAGE = "/admin/jobs/"


@pytest.fixture
def calls(app) -> list[int]:
    found: list[int] = []

    def count(as_of: datetime | None = None, **options: Any) -> dict[str, int]:
        found.append(1)
        return {"counted_things": len(found)}

    def fail(as_of: datetime | None = None, **options: Any) -> None:
        raise RuntimeError("the sweep broke on row 7")

    register_job(app, Job("count-things", count, interval_seconds=600, description="Counts."))
    register_job(app, Job("break-things", fail, cron="0 3 * * *"))
    return found


def _runs(name: str) -> list[JobRun]:
    db.session.expire_all()
    query = select(JobRun).where(JobRun.job_name == name).order_by(JobRun.id)
    return list(db.session.scalars(query))


def _run_now(admin: Any, name: str) -> Any:
    """Click the job's "Run now" button, as the browser sends it."""
    url, data = form_submission(admin.get(PAGE).text, f"/admin/jobs/{name}/run")
    return admin.client.post(url, data=data, follow_redirects=True)


def test_every_registered_job_is_listed_with_its_schedule(app, calls, make_user, login):
    page = login(make_user(role="admin")).get(PAGE)
    assert page.status_code == 200
    for name in ("prune-job-runs", "deliver-mail", "count-things", "break-things"):
        assert f'id="job-{name}"' in page.text
        assert f'action="/admin/jobs/{name}/run"' in page.text
    assert "every 10 minutes" in page.text
    assert "crontab “0 3 * * *” (UTC)" in page.text
    assert "Delete job runs older than JOB_RUNS_KEEP_DAYS." in page.text
    assert page.text.count("It has not run yet.") >= 2


def test_run_now_runs_the_job_and_shows_its_figures(app, calls, make_user, login):
    admin = make_user("jobs_admin", role="admin")
    page = _run_now(login(admin), "count-things")
    assert page.status_code == 200
    assert "“count-things” ran: counted_things=1." in page.text
    (run,) = _runs("count-things")
    assert (run.trigger, run.outcome, run.figures) == ("manual", "success", {"counted_things": 1})
    assert "counted things: 1" in page.text and "by hand" in page.text and "succeeded" in page.text
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "job.run"))
    assert audit is not None and audit.actor_id == admin.id and audit.target_id == run.id
    assert audit.after == {"job": "count-things", "outcome": "success"}
    log = login(admin).get("/manage/log").text
    assert "Job run by hand" in log and f"job run {run.id}" in log and "succeeded" in log


def test_a_failed_run_shows_its_error(app, calls, make_user, login):
    page = _run_now(login(make_user(role="admin")), "break-things")
    assert "“break-things” failed: its error is shown below." in page.text
    assert "RuntimeError: the sweep broke on row 7" in page.text
    assert 'class="outcome-failed"' in page.text
    assert _runs("break-things")[0].outcome == "failed"


def test_a_job_already_running_is_not_started_again(app, calls, make_user, login):
    admin = login(make_user(role="admin"))
    assert acquire_lease("count-things", "the-scheduler", 300)
    page = admin.get(PAGE).text
    assert re.search(r'id="job-count-things">.*?running now, since', page, re.S)
    url, data = form_submission(page, "/admin/jobs/count-things/run")
    answer = admin.client.post(url, data=data, follow_redirects=True)
    assert "“count-things” is already running: it was not started a second time." in answer.text
    assert calls == []
    assert [run.outcome for run in _runs("count-things")] == ["skipped"]
    release_lease("count-things", "the-scheduler")
    assert "running now" not in login(make_user(role="admin")).get(PAGE).text


def test_the_page_speaks_french(app, calls, make_user, login):
    admin = login(make_user(role="admin", locale="fr"))
    page = admin.get(PAGE).text
    assert "<h1>Tâches planifiées</h1>" in page
    assert "toutes les 10 minutes" in page and "Lancer maintenant" in page
    assert "Supprime les exécutions de tâches" in page
    answer = _run_now(admin, "count-things").text
    assert "« count-things » a tourné : counted_things=1." in answer
    assert "à la main" in answer and "réussie" in answer


def test_an_unknown_job_or_a_missing_token_changes_nothing(app, calls, make_user, login):
    admin = login(make_user(role="admin"))
    assert admin.post("/admin/jobs/no-such-job/run").status_code == 404
    assert admin.client.post("/admin/jobs/count-things/run").status_code == 400
    assert calls == [] and _runs("count-things") == []


@pytest.mark.parametrize("role", ["member", "moderator", "staff"])
def test_only_administrators_see_and_run_jobs(app, calls, make_user, login, role):
    someone = login(make_user(role=role))
    assert someone.get(PAGE).status_code == 403
    assert someone.post("/admin/jobs/count-things/run").status_code == 403
    assert calls == []


def test_the_page_runs_as_many_statements_for_many_runs_as_for_one(
    app, calls, make_user, login, count_queries
):
    admin = login(make_user(role="admin"))
    run_job("count-things")
    admin.get(PAGE)
    with count_queries() as one:
        assert admin.get(PAGE).status_code == 200
    for _ in range(6):
        run_job("count-things")
        run_job("break-things")
    with count_queries() as many:
        page = admin.get(PAGE)
    assert page.text.count('class="outcome-success"') == 5  # the last five runs of each
    assert many.count == one.count <= 6, many.statements


def test_many_clicks_at_once_give_one_run(app, make_user, login):
    runs: list[int] = []

    def slow(as_of: datetime | None = None, **options: Any) -> dict[str, int]:
        runs.append(1)
        time.sleep(1.5)
        return {"slept": 1}

    register_job(app, Job("slow-job", slow, cron="0 4 * * *"))
    admin = make_user(role="admin")
    admins = [login(admin) for _ in range(6)]
    url, data = form_submission(admins[0].get(PAGE).text, "/admin/jobs/slow-job/run")
    statuses = at_once(6, lambda i: admins[i].client.post(url, data=data).status_code)
    assert statuses == [302] * 6
    assert len(runs) == 1
    outcomes = sorted(run.outcome for run in _runs("slow-job"))
    assert outcomes == ["skipped"] * 5 + ["success"]


def test_an_interrupted_run_says_so_in_the_readers_language(app, calls, make_user, login):
    add_run("count-things", "schedule", "a-dead-scheduler", "running")
    mark_interrupted_runs("count-things")
    commit()
    page = login(make_user(role="admin", locale="fr")).get(PAGE).text
    assert 'class="outcome-interrupted"' in page and "planifiée" in page
    assert "Son processus s\u2019est arrêté avant la fin." in page
    assert "its lease lapsed" not in page

"""The member's status page and the managers' ambassador console."""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from app.ambassadors.models import AmbassadorStatus
from app.extensions import db
from app.moderation.models import AuditEntry
from tests.support import form_submission, post_submissions


def test_a_member_sees_what_counts_before_any_run(app, community, login):
    helper = community.member("helper", answers=3, accepted=1, votes=2)
    page = login(helper).get("/me/ambassador")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Accepted answers" in html
    assert "Your score today" in html


def test_an_ambassador_sees_their_rank_and_history(app, community, login, run_identify):
    helper = community.member("helper", answers=3, accepted=1, votes=2)
    run_identify()
    html = login(helper).get("/me/ambassador").get_data(as_text=True)
    assert "You are an ambassador" in html
    assert "rank 1 of 1 eligible members" in html
    assert "Selected among the most helpful members" in html


def test_the_status_page_is_in_french(app, community, login, run_identify):
    helper = community.member("helper", answers=3, accepted=1)
    run_identify()
    html = (
        login(helper)
        .get("/me/ambassador", headers={"Accept-Language": "fr"})
        .get_data(as_text=True)
    )
    assert "Réponses acceptées" in html


def test_the_console_is_for_managers_only(app, client, community, login, member, staff, moderator,
                                           run_identify):  # fmt: skip
    community.member("helper", answers=3)
    run_identify()
    assert client.get("/manage/ambassadors").status_code == 302
    assert login(member).get("/manage/ambassadors").status_code == 403
    assert login(staff).get("/manage/ambassadors").status_code == 200
    page = login(moderator).get("/manage/ambassadors")
    assert page.status_code == 200
    assert "helper" in page.get_data(as_text=True)
    assert login(moderator).get("/manage/ambassadors?segment=rising").status_code == 200
    assert login(moderator).get("/manage/ambassadors?segment=nope").status_code == 404


def test_a_moderator_promotes_by_hand_with_a_reason(app, community, login, moderator, staff):
    target = community.member("target", answers=1)
    browser = login(moderator)
    refused = browser.post("/manage/ambassadors/u/target/status", {"status": "ambassador"})
    assert refused.status_code == 422
    assert "Say why" in refused.get_data(as_text=True)
    assert db.session.get(AmbassadorStatus, target.id) is None

    done = browser.post(
        "/manage/ambassadors/u/target/status",
        {"status": "ambassador", "reason": "Leads the Lyon meetup"},
    )
    assert done.status_code == 302
    row = db.session.get(AmbassadorStatus, target.id, populate_existing=True)
    assert row.status == "ambassador" and row.pinned
    entry = db.session.scalars(db.select(AuditEntry)).one()
    assert (entry.action, entry.target_id, entry.reason) == (
        "ambassador.promote",
        target.id,
        "Leads the Lyon meetup",
    )
    # Staff see scores but do not decide.
    denied = login(staff).post(
        "/manage/ambassadors/u/target/status", {"status": "unpin", "reason": "No"}
    )
    assert denied.status_code == 403
    assert login(moderator).get("/manage/ambassadors/u/nobody").status_code == 404


def _press(browser, page_url: str, label_value: str, reason: str):
    """Press the status button of this value on the member's page, with every field the
    browser sends (a repeated name included), in the page's order."""
    html = browser.get(page_url).get_data(as_text=True)
    for url, fields in post_submissions(html, page_url):
        if ("status", label_value) in fields:
            sent = [(n, reason if n == "reason" else v) for n, v in fields]
            return browser.post(url, data=MultiDict(sent))
    raise AssertionError(f"no {label_value!r} button on {page_url}")


def test_promote_demote_and_unpin_through_the_pages_own_form(app, community, login, moderator):
    target = community.member("target", answers=1)
    browser = login(moderator)
    page = "/manage/ambassadors/u/target"
    # The page's form, as form_submission reads it, sends each name once.
    form_submission(browser.get(page).get_data(as_text=True),
                    "/manage/ambassadors/u/target/status")  # fmt: skip
    done = _press(browser, page, "ambassador", "Leads the Lyon meetup")
    assert done.status_code == 302, done.get_data(as_text=True)[:500]
    row = db.session.get(AmbassadorStatus, target.id, populate_existing=True)
    assert (row.status, row.pinned) == ("ambassador", True)
    assert _press(browser, page, "member", "Stepped back").status_code == 302
    row = db.session.get(AmbassadorStatus, target.id, populate_existing=True)
    assert (row.status, row.pinned) == ("member", True)
    assert _press(browser, page, "unpin", "Let the job decide").status_code == 302
    row = db.session.get(AmbassadorStatus, target.id, populate_existing=True)
    assert row.pinned is False
    actions = db.session.scalars(db.select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["ambassador.promote", "ambassador.demote", "ambassador.unpin"]


def test_the_profile_shows_the_status_publicly_and_the_score_to_its_owner(
    app, client, community, login, run_identify
):
    helper = community.member("helper", answers=3, accepted=1)
    run_identify()
    public = client.get("/u/helper").get_data(as_text=True)
    assert 'badge-chip gold">Ambassador' in public
    assert "Engagement score" not in public
    own = login(helper).get("/u/helper").get_data(as_text=True)
    assert "Engagement score" in own and "rank 1" in own
    assert "/me/ambassador" in own


def test_an_implicit_status_shows_no_public_mark(app, client, community, run_identify):
    app.config["AMBASSADOR_STATUS_PUBLIC"] = False
    community.member("helper", answers=3, accepted=1)
    run_identify()
    assert 'badge-chip gold">Ambassador' not in client.get("/u/helper").get_data(as_text=True)


def test_the_pages_name_the_run_and_window_the_figures_come_from(
    app, community, login, moderator, run_identify
):
    from datetime import timedelta

    from app.core.clock import now_utc

    helper = community.member("helper", answers=3, accepted=1, votes=2)
    as_of = now_utc() - timedelta(days=1)
    run_identify(as_of=as_of, window_days=60)  # a historical run, another window
    from app.ambassadors.models import AmbassadorRun

    run = db.session.query(AmbassadorRun).one()
    start = (as_of - timedelta(days=60)).date()
    for page in (login(helper).get("/me/ambassador"),
                 login(moderator).get("/manage/ambassadors/u/helper")):  # fmt: skip
        html = page.get_data(as_text=True)
        assert f"(run {run.id}), over its window of 60 days" in html
        assert f"{start:%b} {start.day}, {start.year} to" in html
        # The history line names its run too: its rank and the table's are the same run's.
        assert f"rank 1 · run {run.id}" in html
        assert "an imported vote whose voter is unknown (a Stack Exchange dump) counts 0.5" in html
        assert "Badges earned in the window" in html and "Comments on posts" in html

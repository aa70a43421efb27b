"""Suspensions, silences, warnings, lifting, expiry and role changes."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.accounts.models import User
from app.core.clock import now_utc
from app.core.events import commit
from app.core.notifications import Notification
from app.extensions import db
from app.forum.models import Post
from app.moderation import members
from app.moderation.models import AuditEntry, Sanction
from app.moderation.services import ModerationError


def fresh(user):
    return db.session.get(User, user.id, populate_existing=True)


def kinds_for(user):
    return set(db.session.scalars(select(Notification.kind).where(Notification.user_id == user.id)))


def test_a_suspended_member_reads_but_cannot_write_and_is_told_why(
    app, login, member, other_member, moderator, make_topic
):
    topic = make_topic(other_member)
    page = login(moderator).post(
        "/manage/members/alice/suspend", {"days": "3", "reason": "Insults in the coffee thread"}
    )
    assert page.status_code == 302
    assert fresh(member).is_suspended()
    browser = login(fresh(member))
    reading = browser.get(f"/t/{topic.id}")
    assert reading.status_code == 200
    html = reading.get_data(as_text=True)
    assert "Your account is suspended until" in html and "Insults in the coffee thread" in html
    refused = browser.post(f"/t/{topic.id}/reply", {"body": "You are all wrong"})
    assert refused.status_code == 403
    assert "you can read, not write" in refused.get_data(as_text=True)
    assert db.session.scalars(select(Post).where(Post.author_id == member.id)).all() == []
    assert browser.post("/logout").status_code == 302
    assert "moderation.suspended" in kinds_for(member)
    sanction = db.session.scalars(select(Sanction)).one()
    assert (sanction.kind, sanction.moderator_id) == ("suspend", moderator.id)
    assert [e.action for e in db.session.scalars(select(AuditEntry))] == ["user.suspend"]


def test_a_suspension_ends_by_itself_at_its_date(app, login, member, moderator, make_topic):
    members.suspend(moderator, member, 1, "Cooling off")
    commit()
    assert not fresh(member).can("post.create")
    fresh(member).suspended_until = now_utc() - timedelta(seconds=1)
    commit()
    topic = make_topic(moderator)
    answer = login(fresh(member)).post(f"/t/{topic.id}/reply", {"body": "Back, and calmer."})
    assert answer.status_code == 302
    assert fresh(member).can("post.create")


def test_an_indefinite_suspension_lasts_until_lifted(app, login, member, moderator):
    members.suspend(moderator, member, None, "Spam account?")
    commit()
    assert fresh(member).suspended_until.year == 9999
    html = login(fresh(member)).get("/").get_data(as_text=True)
    assert "suspended until further notice" in html
    login(moderator).post("/manage/members/alice/lift", {"reason": "Verified, a real customer"})
    assert not fresh(member).is_suspended()
    lifted = db.session.scalars(select(Sanction)).one()
    assert lifted.lifted_by_id == moderator.id
    assert "moderation.lifted" in kinds_for(member)


def test_who_may_be_sanctioned(app, login, member, moderator, admin, make_user):
    other_moderator = make_user("mod_dora", role="moderator")
    for target in (admin, moderator, other_moderator):
        with pytest.raises(ModerationError) as refused:
            members.suspend(moderator, target, 1, "no")
        assert refused.value.status == 403
    db.session.rollback()
    assert (
        login(moderator)
        .post("/manage/members/admin_eve/suspend", {"days": "1", "reason": "no"})
        .status_code
        == 403
    )
    members.suspend(admin, other_moderator, 1, "Abused the queue")
    commit()
    assert fresh(other_moderator).is_suspended()
    assert login(member).get("/manage/members/bruno").status_code == 403
    assert (
        login(moderator)
        .post("/manage/members/alice/suspend", {"days": "", "reason": ""})
        .status_code
        == 422
    )


def test_a_silenced_members_posts_wait_for_review(app, login, member, moderator, make_topic):
    topic = make_topic(moderator)
    members.silence(moderator, member, 7, "Too many promotional links")
    commit()
    login(fresh(member)).post(f"/t/{topic.id}/reply", {"body": "Check my shop"})
    held = db.session.scalars(select(Post).where(Post.author_id == member.id)).one()
    assert held.hidden_reason == "first_post"
    assert "Check my shop" in login(moderator).get("/manage/first-posts").get_data(as_text=True)


def test_a_warning_reaches_the_member_and_the_record(app, login, member, moderator):
    login(moderator).post("/manage/members/alice/warn", {"reason": "Please stay on topic"})
    assert "moderation.warned" in kinds_for(member)
    page = login(moderator).get("/manage/members/alice").get_data(as_text=True)
    assert "Please stay on topic" in page and "Warned" in page


def test_only_administrators_change_roles_and_every_change_is_logged(
    app, login, member, moderator, admin
):
    assert (
        login(moderator).post("/manage/members/alice/role", {"role": "moderator"}).status_code
        == 403
    )
    assert fresh(member).role == "member"
    login(admin).post("/manage/members/alice/role", {"role": "moderator", "reason": "New CM"})
    assert fresh(member).role == "moderator"
    with pytest.raises(ModerationError):
        members.change_role(admin, admin, "member")
    db.session.rollback()
    result = app.test_cli_runner().invoke(args=["users", "set-role", "alice", "staff"])
    assert result.exit_code == 0
    rows = db.session.execute(
        select(AuditEntry.action, AuditEntry.actor_id, AuditEntry.before, AuditEntry.after,
               AuditEntry.reason).order_by(AuditEntry.id)
    ).all()  # fmt: skip
    assert rows == [
        ("user.role", admin.id, {"role": "member"}, {"role": "moderator"}, "New CM"),
        ("user.role", None, {"role": "moderator"}, {"role": "staff"}, "command line"),
    ]


def test_the_audit_log_filters_and_exports_as_csv(app, login, member, other_member, moderator):
    members.warn(moderator, member, "Stay on topic")
    members.warn(moderator, other_member, "Mind the tone, 100% friendly")
    commit()
    browser = login(moderator)
    page = browser.get(f"/manage/log?target={member.id}").get_data(as_text=True)
    assert "Stay on topic" in page and "Mind the tone" not in page
    found = browser.get("/manage/log?q=100%25").get_data(as_text=True)
    assert "Mind the tone" in found and "Stay on topic" not in found
    export = browser.get("/manage/log.csv?action=user.warn")
    assert export.status_code == 200 and export.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(export.get_data(as_text=True))))
    export.close()  # as the WSGI server does: closes the spooled file
    assert [row["reason"] for row in rows] == ["Mind the tone, 100% friendly", "Stay on topic"]
    assert rows[0]["who"] == "mod_claire"
    assert login(member).get("/manage/log.csv").status_code == 403

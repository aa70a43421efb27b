import re

from sqlalchemy import select

from app.accounts.models import User
from app.badges.models import BadgeAward, VotingReport
from app.core.clock import now_utc
from app.core.events import commit
from app.extensions import db
from app.forum import services as forum_services
from app.forum import voting
from app.forum.models import Post
from app.moderation import services
from app.moderation.models import AuditEntry, Flag


def _post(post_id):
    db.session.expire_all()
    return db.session.get(Post, post_id)


def _flag_until_hidden(active_member, post_id, n=3):
    flaggers = []
    for _ in range(n):
        flagger = active_member()
        services.flag_post(flagger, _post(post_id), "spam")
        commit()
        flaggers.append(flagger)
    return flaggers


def _search_text(client, query):
    """The search page's text, its highlighting marks taken out ("cheap <mark>watches</mark>")."""
    return re.sub(r"</?mark>", "", client.get(f"/search?q={query}").text)


def _statuses(post_id):
    return set(db.session.scalars(select(Flag.status).where(Flag.post_id == post_id)))


def test_hidden_post_is_invisible_to_members_and_visitors(
    client, login, member, moderator, active_member, flagged_answer
):
    assert "cheap watches" in _search_text(client, "watches")
    _flag_until_hidden(active_member, flagged_answer.id)
    url = f"/t/{flagged_answer.topic_id}"
    assert "cheap watches" not in client.get(url).text
    assert "cheap watches" not in login(member).get(url).text
    page = login(moderator).get(url).text
    assert "cheap watches" in page
    assert "post hidden" in page  # the article's class, with the marker
    assert "cheap watches" not in _search_text(client, "watches")


def test_hidden_opening_post_hides_the_topic(client, login, member, moderator, make_topic):
    topic = make_topic(member)
    opening = db.session.scalar(select(Post).where(Post.topic_id == topic.id))
    services.flag_post(moderator, opening, "spam")
    commit()
    assert client.get(f"/t/{topic.id}").status_code == 404
    assert login(member).get(f"/t/{topic.id}").status_code == 404
    assert login(moderator).get(f"/t/{topic.id}").status_code == 200


def test_approve_unhides_and_rejects_the_flags(moderator, active_member, flagged_answer):
    _flag_until_hidden(active_member, flagged_answer.id)
    services.approve_post(moderator, _post(flagged_answer.id), "fine")
    commit()
    assert _post(flagged_answer.id).hidden_at is None
    assert _statuses(flagged_answer.id) == {"rejected"}
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "post.approve")).one()
    assert entry.actor_id == moderator.id
    assert entry.before["hidden"] is True and entry.after["hidden"] is False
    assert entry.reason == "fine"


def test_hide_upholds_the_flags(moderator, active_member, flagged_answer):
    _flag_until_hidden(active_member, flagged_answer.id, n=1)
    services.hide_post(moderator, _post(flagged_answer.id))
    commit()
    assert _post(flagged_answer.id).hidden_at is not None
    assert _statuses(flagged_answer.id) == {"upheld"}
    assert db.session.scalar(select(AuditEntry.id).where(AuditEntry.action == "post.hide"))


def test_delete_upholds_soft_deletes_and_reverses_points(
    member, other_member, moderator, active_member, make_topic
):
    topic = make_topic(member)
    before = db.session.get(User, other_member.id).points
    answer = forum_services.reply(other_member, topic, body="Spam spam spam")
    commit()
    voting.vote(member, answer)
    commit()
    db.session.expire_all()
    assert db.session.get(User, other_member.id).points > before
    _flag_until_hidden(active_member, answer.id, n=1)
    services.delete_post(moderator, _post(answer.id))
    commit()
    assert _post(answer.id).deleted_at is not None
    assert _statuses(answer.id) == {"upheld"}
    db.session.expire_all()
    assert db.session.get(User, other_member.id).points == before
    assert db.session.scalar(select(AuditEntry.id).where(AuditEntry.action == "post.delete"))


def test_five_upheld_flags_earn_the_deputy_badge(
    active_member, moderator, other_member, make_topic, make_answer
):
    flagger = active_member()
    topic = make_topic(other_member)
    for n in range(5):
        answer = make_answer(other_member, topic, body=f"Spam {n}")
        services.flag_post(flagger, answer, "spam")
        commit()
        assert not db.session.scalar(
            select(BadgeAward.id).where(
                BadgeAward.user_id == flagger.id, BadgeAward.badge == "deputy"
            )
        )
        services.hide_post(moderator, _post(answer.id))
        commit()
    assert db.session.scalar(
        select(BadgeAward.id).where(BadgeAward.user_id == flagger.id, BadgeAward.badge == "deputy")
    )


def _report(voter, author):
    at = now_utc()
    report = VotingReport(
        kind="ring",
        voter_id=voter.id,
        author_id=author.id,
        votes=12,
        window_start=at,
        window_end=at,
        report_key=f"ring:{voter.id}:{author.id}",
        created_at=at,
    )
    db.session.add(report)
    commit()
    return report


def test_queue_page_lists_flags_and_reports_and_decides(
    login, moderator, member, other_member, active_member, flagged_answer
):
    _flag_until_hidden(active_member, flagged_answer.id)
    report = _report(member, other_member)
    browser = login(moderator)
    page = browser.get("/manage/queue")
    assert page.status_code == 200
    assert f"queue-post-{flagged_answer.id}" in page.text
    assert f"queue-report-{report.id}" in page.text
    response = browser.post(f"/manage/queue/post/{flagged_answer.id}/approve", {"reason": "ok"})
    assert response.status_code == 302
    assert _post(flagged_answer.id).hidden_at is None
    response = browser.post(f"/manage/queue/report/{report.id}/reviewed")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(VotingReport, report.id).status == "reviewed"
    page = browser.get("/manage/queue").text
    assert f"queue-post-{flagged_answer.id}" not in page
    assert f"queue-report-{report.id}" not in page
    log = browser.get("/manage/log")
    assert log.status_code == 200
    assert "post.approve" in log.text and "voting_report.review" in log.text
    filtered = browser.get("/manage/log?action=voting_report.review").text
    assert "post.approve</td>" not in filtered
    by_actor = browser.get(f"/manage/log?actor={moderator.username}").text
    assert "flag.create</td>" not in by_actor


def test_decisions_need_a_csrf_token(login, moderator, active_member, flagged_answer):
    _flag_until_hidden(active_member, flagged_answer.id)
    browser = login(moderator)
    response = browser.client.post(f"/manage/queue/post/{flagged_answer.id}/approve")
    assert response.status_code == 400
    assert _post(flagged_answer.id).hidden_at is not None


def test_manage_routes_access(client, login, member, moderator):
    for url in ("/manage/queue", "/manage/log"):
        response = client.get(url)
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]
        assert login(member).get(url).status_code == 403
        assert login(moderator).get(url).status_code == 200
    for url in ("/manage/queue/post/1/approve", "/manage/queue/report/1/reviewed"):
        assert client.post(url).status_code in (302, 400)
        assert login(member).post(url).status_code == 403


def test_moderators_see_who_hid_a_post_and_why_from_the_topic_page(
    app, login, moderator, flagged_answer
):
    from app.core.events import commit
    from app.moderation import services

    services.flag_post(moderator, flagged_answer, "spam")
    commit()
    browser = login(moderator)
    page = browser.get(f"/p/{flagged_answer.id}", follow_redirects=True).get_data(as_text=True)
    trail = f"/manage/log?type=post&amp;target={flagged_answer.id}"
    assert trail in page
    log = browser.get(f"/manage/log?type=post&target={flagged_answer.id}").get_data(as_text=True)
    assert "post.auto_hide" in log and "mod_claire" in log

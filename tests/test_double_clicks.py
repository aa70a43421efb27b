"""A double click, or many people at once, has one effect (run on PostgreSQL in CI too).

Each test sends what the page's own form sends, from many threads released together.
"""

from __future__ import annotations

from sqlalchemy import func, select

from app.accounts.models import User
from app.badges.models import LedgerEntry
from app.core.notifications import Notification
from app.extensions import db
from app.forum.models import Post, PostVote, Topic, TopicFollow
from app.moderation.models import Flag
from tests.support import at_once, button_submission, form_submission

VOTE_ACTIONS = ("answer_voted", "question_voted", "post_voted")


def _ledger_matches_totals() -> None:
    sums = dict(
        db.session.execute(
            select(LedgerEntry.user_id, func.sum(LedgerEntry.points)).group_by(LedgerEntry.user_id)
        ).all()
    )
    for user_id, points in db.session.execute(select(User.id, User.points)).all():
        assert points == (sums.get(user_id) or 0), f"member {user_id}: total is not its ledger"


def _live(*conditions: object) -> int:
    reversed_ids = select(LedgerEntry.reverses_id).where(LedgerEntry.reverses_id.is_not(None))
    return db.session.scalar(
        select(func.count(LedgerEntry.id)).where(
            LedgerEntry.reverses_id.is_(None), LedgerEntry.id.not_in(reversed_ids), *conditions
        )
    )


def test_accepting_an_answer_thirty_times_at_once_counts_once(
    login, member, other_member, make_topic, make_answer
):
    topic = make_topic(member)
    answer = make_answer(other_member, topic)
    asker = login(member)
    url, data = button_submission(asker.get(f"/t/{topic.id}").text, f"/p/{answer.id}/accept")
    clicks = [login(member) for _ in range(30)]
    answerer_before, asker_before = other_member.points, member.points

    statuses = at_once(30, lambda i: clicks[i].client.post(url, data=data).status_code)

    assert statuses == [302] * 30
    db.session.expire_all()
    assert _live(LedgerEntry.action == "answer_accepted") == 1
    assert _live(LedgerEntry.action == "accepted_an_answer") == 1
    assert db.session.get(User, other_member.id).points == answerer_before + 15
    assert db.session.get(User, member.id).points == asker_before + 2
    told = select(func.count(Notification.id)).where(Notification.kind == "forum.accepted")
    assert db.session.scalar(told) == 1
    _ledger_matches_totals()


def test_votes_and_retractions_racing_leave_the_ledger_matching_the_votes(
    login, member, other_member, make_topic, make_answer
):
    topic = make_topic(member)
    answer = make_answer(other_member, topic)
    page = login(member).get(f"/t/{topic.id}").text
    vote = button_submission(page, f"/p/{answer.id}/vote")
    voter = [login(member) for _ in range(30)]
    unvote = (f"/p/{answer.id}/unvote", vote[1])
    before = other_member.points

    def click(i: int) -> int:
        url, data = vote if i % 2 == 0 else unvote
        return voter[i].client.post(url, data=data).status_code

    for _round in range(3):
        assert all(status in (302, 303) for status in at_once(30, click))
        db.session.expire_all()
        votes = db.session.scalar(select(func.count()).select_from(PostVote))
        assert votes in (0, 1)
        assert _live(LedgerEntry.action.in_(VOTE_ACTIONS)) == votes
        assert db.session.get(User, other_member.id).points == before + 10 * votes
        _ledger_matches_totals()


def test_two_sign_ups_with_one_username_at_once_give_one_account_and_a_clear_answer(app, client):
    """Sign-ups go through an emailed link: the race is at the form and at the links."""
    import re

    from app.core.mail import OutboxMessage

    _url, typed = form_submission(
        client.get("/register").text,
        "",
        username="jeanne",
        password="a-long-enough-passphrase",
        password_confirm="a-long-enough-passphrase",
    )
    browsers = [app.test_client() for _ in range(8)]

    def sign_up(i: int):
        page = browsers[i].get("/register").text
        _url, data = form_submission(page, "", **{
            "username": typed["username"],
            "password": typed["password"],
            "password_confirm": typed["password_confirm"],
            "email": f"jeanne{i}@example.com",
        })  # fmt: skip
        return browsers[i].post("/register", data=data)

    forms = at_once(8, sign_up)

    assert all(r.status_code in (302, 422) for r in forms), [r.status_code for r in forms]
    assert all("This username is taken." in r.text for r in forms if r.status_code == 422)
    links = [
        re.search(r"(/register/confirm/\S+)", body).group(1)
        for body in db.session.scalars(select(OutboxMessage.text_body))
    ]
    assert links, "at least one sign-up got its link"

    def confirm(i: int):
        page = browsers[i].get(links[i]).text
        _url, data = form_submission(page, "")
        return browsers[i].post(links[i], data=data)

    answers = at_once(len(links), confirm)

    assert sorted(r.status_code for r in answers) == [302] + [409] * (len(links) - 1)
    # Whichever check catches the loser (the insert's key, or the lookup after it), it
    # hears that the username is taken.
    assert all("username" in r.text and "taken" in r.text for r in answers if r.status_code == 409)
    assert db.session.scalar(select(func.count(User.id)).where(User.username == "jeanne")) == 1


def test_following_at_once_keeps_one_choice(login, member, other_member, make_topic):
    topic = make_topic(other_member)
    page = login(member).get(f"/t/{topic.id}").text
    url, data = button_submission(page, f"/t/{topic.id}/follow")
    clicks = [login(member) for _ in range(10)]

    statuses = at_once(10, lambda i: clicks[i].client.post(url, data=data).status_code)

    assert statuses == [302] * 10
    rows = select(func.count()).select_from(TopicFollow).where(TopicFollow.user_id == member.id)
    assert db.session.scalar(rows) == 1


def test_flagging_a_post_twice_at_once_gives_one_flag(
    login, member, other_member, make_topic, make_answer
):
    topic = make_topic(member)
    answer = make_answer(other_member, topic)
    flagger = login(member)
    page = flagger.get(f"/p/{answer.id}/flag").text
    _url, data = form_submission(page, f"/p/{answer.id}/flag", reason="spam")
    clicks = [login(member) for _ in range(6)]

    flag_url = f"/p/{answer.id}/flag"  # ids read here: threads have no application context
    responses = at_once(6, lambda i: clicks[i].client.post(flag_url, data=data))

    assert all(r.status_code < 500 for r in responses), [r.status_code for r in responses]
    flags = select(func.count(Flag.id)).where(Flag.post_id == answer.id)
    assert db.session.scalar(flags) == 1


def test_a_new_topic_sent_twice_at_once_or_again_later_is_posted_once(login, member, category):
    author = login(member)
    page = author.get(f"/new?category={category.slug}").text
    _url, data = form_submission(
        page, "", title="Which descaler for the X200?", body="Mine blinks red."
    )
    clicks = [login(member) for _ in range(6)]

    responses = at_once(6, lambda i: clicks[i].client.post("/new", data=data))
    again = author.post("/new", data=data)  # the browser's "resend the form?" later on

    assert [r.status_code for r in responses] == [302] * 6
    assert {r.location for r in [*responses, again]} == {responses[0].location}
    assert db.session.scalar(select(func.count(Topic.id))) == 1
    db.session.expire_all()
    assert db.session.get(User, member.id).points == 2  # one topic started


def test_an_answer_sent_twice_from_the_topic_page_is_posted_once(
    login, member, other_member, make_topic
):
    topic = make_topic(other_member)
    answerer = login(member)
    page = answerer.get(f"/t/{topic.id}").text
    _url, data = form_submission(page, f"/t/{topic.id}/reply", body="Citric acid works.")
    clicks = [login(member) for _ in range(4)]

    reply_url = f"/t/{topic.id}/reply"
    responses = at_once(4, lambda i: clicks[i].client.post(reply_url, data=data))

    assert {r.location for r in responses} == {responses[0].location}
    assert db.session.scalar(select(func.count(Post.id)).where(Post.topic_id == topic.id)) == 2
    fresh = answerer.get(f"/t/{topic.id}").text
    other = form_submission(fresh, f"/t/{topic.id}/reply")[1]["submission"]
    assert other and other != data["submission"], "each view of the page gets its own token"


def test_a_form_that_failed_can_be_sent_again(login, member, category):
    author = login(member)
    page = author.get(f"/new?category={category.slug}").text
    _url, data = form_submission(page, "", title="", body="No title yet")
    assert author.post("/new", data=data).status_code == 422
    data["title"] = "Now with a title"
    assert author.post("/new", data=data).status_code == 302
    assert db.session.scalar(select(func.count(Topic.id))) == 1


def test_the_same_signal_posted_at_once_is_one_signal(app, make_user):
    from app.accounts import tokens
    from app.ambassadors.models import ExternalSignal
    from app.core.events import commit

    make_user("alice")
    _, secret = tokens.create_token("CRM sync", created_by=None)
    commit()
    row = {"email": "alice@example.com", "kind": "purchase", "value": 1,
           "occurred_at": "2026-11-20", "source": "shop", "id": "order-42"}  # fmt: skip
    clients = [app.test_client() for _ in range(6)]

    def post(i: int):
        return clients[i].post(
            "/api/v1/signals", json=[row], headers={"Authorization": f"Bearer {secret}"}
        )

    answers = [r.get_json() for r in at_once(6, post)]

    assert sorted(a["imported"] for a in answers) == [0] * 5 + [1]
    assert sum(a["duplicates"] for a in answers) == 5
    assert db.session.scalar(select(func.count(ExternalSignal.id))) == 1


def test_first_posts_at_once_earn_one_first_post_badge(login, member, other_member, make_topic):
    from app.badges.models import BadgeAward

    topic = make_topic(other_member)
    page = login(member).get(f"/t/{topic.id}").text
    forms = [
        form_submission(page, f"/t/{topic.id}/reply", body=f"Answer number {i}")[1]
        for i in range(4)
    ]
    for data in forms:  # four tabs, each with its own token
        data["submission"] = f"tab-{forms.index(data)}"
    clicks = [login(member) for _ in range(4)]

    reply_url = f"/t/{topic.id}/reply"
    responses = at_once(4, lambda i: clicks[i].client.post(reply_url, data=forms[i]))

    assert [r.status_code for r in responses] == [302] * 4
    first = select(func.count()).where(
        BadgeAward.user_id == member.id, BadgeAward.badge == "first-post"
    )
    assert db.session.scalar(first) == 1
    assert db.session.scalar(select(func.count(Post.id)).where(Post.topic_id == topic.id)) == 5

from app.core.events import commit
from app.core.notifications import Notification, mark_read
from app.extensions import db
from app.forum import services, solutions
from app.forum.categories import create_category
from app.forum.following import set_following


def messages(user):
    """The forum's notifications to a member (badge awards are tested with badges)."""
    rows = (
        db.session.query(Notification)
        .filter(Notification.user_id == user.id, Notification.kind.like("forum.%"))
        .order_by(Notification.id)
    )
    return [n.message for n in rows]


def test_answer_notifies_asker_and_followers(
    member, other_member, make_user, make_topic, make_answer
):
    topic = make_topic(member, title="Steam wand")
    follower = make_user("fiona")
    make_answer(follower, topic, "Me too")
    make_answer(other_member, topic, "Clean it")
    assert messages(member) == [
        "fiona answered your question “Steam wand”",
        "bruno answered your question “Steam wand”",
    ]
    assert messages(follower) == ["bruno replied in “Steam wand”"]
    assert messages(other_member) == []


def test_unfollow_stops_notifications(member, other_member, make_topic, make_answer):
    topic = make_topic(member)
    set_following(member, topic, False)
    commit()
    make_answer(other_member, topic)
    assert messages(member) == []


def test_mentions_and_accepted_answer_notify(member, other_member, make_user, make_topic):
    gus = make_user("gus")
    topic = make_topic(member, title="Pods", body="What do you think @gus?")
    answer = services.reply(other_member, topic, body="Ask @gus and @alice")
    commit()
    solutions.accept_answer(member, topic, answer)
    commit()
    assert messages(gus) == [
        "alice mentioned you in “Pods”",
        "bruno mentioned you in “Pods”",
    ]
    assert messages(member) == ["bruno mentioned you in “Pods”"]
    assert messages(other_member) == ["alice marked your answer as the solution of “Pods”"]


def test_bell_count_page_and_mark_read(member, other_member, make_topic, make_answer, login):
    topic = make_topic(member)
    make_answer(other_member, topic)
    mark_read(member.id)  # the badge notifications of the first post
    commit()
    make_answer(other_member, topic, "A second answer")
    browser = login(member)
    home = browser.get("/").text
    assert 'class="count">1<' in home
    listing = browser.get("/notifications/").text
    assert "bruno answered your question" in listing
    note = db.session.query(Notification).filter_by(user_id=member.id, read_at=None).one()
    opened = browser.get(f"/notifications/{note.id}")
    assert opened.status_code == 302 and "/p/" in opened.location
    assert 'class="count">' not in browser.get("/").text
    make_answer(other_member, topic, "another")
    assert browser.post("/notifications/read").status_code == 302
    unread = db.session.query(Notification).filter(
        Notification.user_id == member.id, Notification.read_at.is_(None)
    )
    assert unread.count() == 0


def test_others_notifications_are_404(member, other_member, make_topic, make_answer, login):
    topic = make_topic(member)
    make_answer(other_member, topic)
    note = db.session.query(Notification).filter_by(user_id=member.id).first()
    assert login(other_member).get(f"/notifications/{note.id}").status_code == 404


def test_no_notification_reveals_a_private_topic(member, moderator, make_user, make_topic):
    lounge = create_category("Lounge", "lounge", required_capability="category.lounge")
    commit()
    outsider = make_user("outsider")
    topic = make_topic(moderator, title="Secret launch", body="cc @outsider", in_category=lounge)
    services.reply(moderator, topic, body="and @alice too")
    commit()
    assert messages(outsider) == [] and messages(member) == []

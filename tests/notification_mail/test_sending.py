"""Immediate mail grouped per member, the daily digest, who gets none, idempotency."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import func, select

from app.accounts.models import User
from app.core.clock import now_utc
from app.core.events import commit
from app.core.mail import BULK, TRANSACTIONAL
from app.core.notifications import Notification, mark_read
from app.extensions import db
from app.forum import solutions
from app.interchange.bulk import placeholder_email
from app.notification_mail import tokens
from app.notification_mail.letters import MAX_LISTED
from app.notification_mail.models import NotificationMailing
from app.notification_mail.settings import set_modes
from tests.notification_mail.conftest import BASE, answer, outbox_to, run

GROUP, DIGEST = "mail-notifications", "mail-notification-digests"


def notifications_of(user: User, kind: str) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification)
            .where(Notification.user_id == user.id, Notification.kind == kind)
            .order_by(Notification.id)
        )
    )


def test_three_answers_within_the_window_are_one_mail_and_a_read_one_is_not_mailed(
    make_user, make_topic
):
    asker, helper = make_user("asker"), make_user("helper")
    topic = make_topic(asker, title="Milk foam is thin")
    for n in range(3):
        answer(helper, topic, body=f"Try this, number {n}.")
    first, second, third = notifications_of(asker, "forum.answer")
    mark_read(asker.id, [second.id])  # read in Tribune before the mail went
    commit()

    assert run(GROUP)["mails"] == 0, "the window is still open: nothing yet"
    assert outbox_to(asker.email) == []
    figures = run(GROUP, minutes=6)
    assert (figures["mails"], figures["notifications"]) == (1, 2)
    [message] = outbox_to(asker.email)
    assert message.priority == TRANSACTIONAL
    assert message.subject == "2 new notifications"
    assert message.text_body.count("helper answered your question “Milk foam is thin”") == 2
    assert f"{BASE}/notifications/{first.id}" in message.text_body
    assert f"{BASE}/notifications/{third.id}" in message.text_body
    assert f"/notifications/{second.id}" not in message.text_body
    assert "helper answered your question" in (message.html_body or "")

    assert run(GROUP, minutes=7)["mails"] == 0, "mailed once, never again"
    run(DIGEST, minutes=60 * 24)  # the first-post badges' digest, not the answers again
    later = [m.text_body for m in outbox_to(asker.email)[1:]]
    assert not any("answered your question" in text for text in later)


def test_the_window_counts_from_the_first_notification_and_takes_the_later_ones(
    make_user, make_topic
):
    asker, helper = make_user("asker"), make_user("helper")
    topic = make_topic(asker)
    answer(helper, topic)
    assert run(GROUP, minutes=4)["mails"] == 0
    answer(helper, topic, body="And another idea.")  # a minute before the window closes
    assert run(GROUP, minutes=5.5)["notifications"] == 2
    [message] = outbox_to(asker.email)
    assert message.subject == "2 new notifications"


def test_one_notification_is_a_mail_named_after_it_and_the_window_is_configurable(
    app, make_user, make_topic
):
    app.config["NOTIFICATION_MAIL_GROUP_MINUTES"] = 1
    asker, helper = make_user("asker"), make_user("helper")
    answer(helper, make_topic(asker, title="Grinder jams"))
    assert run(GROUP, minutes=2)["mails"] == 1
    [message] = outbox_to(asker.email)
    assert message.subject == "helper answered your question “Grinder jams”"


def test_the_daily_digest_gathers_replies_in_followed_topics_once(make_user, make_topic):
    asker, follower, helper = make_user("asker"), make_user("follower"), make_user("helper")
    set_modes(follower.id, {"badges": "none"})  # their first-post badge: not this test's
    commit()
    topic = make_topic(asker, title="Descaling")
    answer(follower, topic, body="Same problem here.")  # follows the topic by posting
    answer(helper, topic, body="Vinegar.")
    answer(helper, topic, body="Or citric acid.")
    assert len(notifications_of(follower, "forum.reply")) == 2

    assert run(GROUP, minutes=10)["mails"] >= 1  # the asker's answers, not the replies
    assert outbox_to(follower.email) == [], "replies wait for the digest by default"
    run(DIGEST, minutes=60)
    [digest] = outbox_to(follower.email)
    assert digest.priority == BULK, "a digest for every member is paced like bulk mail"
    assert digest.subject == "Your day in the community: 2 notifications"
    assert digest.text_body.count("helper replied in “Descaling”") == 2
    assert run(DIGEST, minutes=61)["mails"] == 0
    assert run(DIGEST, minutes=60 * 25)["mails"] == 0


def test_the_digest_leaves_out_what_is_older_than_a_day(make_user, make_topic):
    asker, follower, helper = make_user("asker"), make_user("follower"), make_user("helper")
    topic = make_topic(asker)
    answer(follower, topic, body="Same here.")
    answer(helper, topic, body="Vinegar.")
    assert run(DIGEST, minutes=60 * 27)["mails"] == 0


def test_choices_are_followed_none_immediate_digest(make_user, make_topic):
    asker, follower, helper = make_user("asker"), make_user("follower"), make_user("helper")
    set_modes(asker.id, {"answers": "none", "badges": "none"})
    set_modes(follower.id, {"replies": "immediate", "badges": "none"})
    commit()
    topic = make_topic(asker)
    answer(follower, topic, body="Same here.")
    answer(helper, topic, body="Vinegar.")
    run(GROUP, minutes=6)
    run(DIGEST, minutes=60)
    assert outbox_to(asker.email) == []
    [message] = outbox_to(follower.email)
    assert message.subject == "helper replied in “How do I descale?”"


def test_unreachable_members_get_no_mail(make_user, make_topic):
    helper = make_user("helper")
    set_modes(helper.id, {"badges": "none"})  # the one reachable member here
    imported = make_user("imported")
    imported.email = placeholder_email("old-forum", "7")  # as an import leaves it
    suspended, gone = make_user("suspended"), make_user("gone")
    topics = [make_topic(member, title=f"Question of {member.username}")
              for member in (imported, suspended, gone)]  # fmt: skip
    suspended.suspended_until = now_utc() + timedelta(days=3)
    gone.active = False
    commit()
    for topic in topics:
        answer(helper, topic)
    assert run(GROUP, minutes=6)["mails"] == 0
    assert run(DIGEST, minutes=60)["mails"] == 0
    for member in (imported, suspended, gone):
        assert outbox_to(member.email) == []
    assert db.session.scalar(select(func.count()).select_from(NotificationMailing)) == 0


def test_the_mail_is_in_the_members_language_and_escapes_what_members_wrote(make_user, make_topic):
    asker, helper = make_user("asker", locale="fr"), make_user("helper")
    answer(helper, make_topic(asker, title="<b>Mousse</b> & lait"))
    run(GROUP, minutes=6)
    [message] = outbox_to(asker.email)
    assert message.language == "fr"
    assert message.subject == "helper a répondu à votre question « <b>Mousse</b> & lait »"
    assert "Bonjour asker" in message.text_body
    html = message.html_body or ""
    assert "&lt;b&gt;Mousse&lt;/b&gt; &amp; lait" in html and "<b>Mousse" not in html
    assert '<html lang="fr">' in html


def test_a_notification_the_member_may_no_longer_read_is_withheld(
    app, make_user, make_topic, category
):
    asker, helper = make_user("asker"), make_user("helper")
    topic = make_topic(asker)
    answer(helper, topic)
    category.required_capability = "category.lounge"  # the topic moved out of reach
    commit()
    figures = run(GROUP, minutes=6)
    assert (figures["mails"], figures["withheld"]) == (0, 1)
    assert outbox_to(asker.email) == []
    assert run(GROUP, minutes=7)["withheld"] == 0, "withheld once, not retried"


def test_one_mail_for_several_kinds_names_each_kind_and_its_own_link(make_user, make_topic):
    asker, helper, third = make_user("asker"), make_user("helper"), make_user("third")
    set_modes(helper.id, {"badges": "none"})
    commit()
    topic = make_topic(asker, title="Steam wand")
    mine = make_topic(helper, title="Helper's own question")
    answer(third, mine, body="Descale it.")  # an answer
    answer(asker, mine, body="Ask @helper, who knows.")  # a mention (not an answer too)
    post = answer(helper, topic, body="Purge it first.")
    solutions.accept_answer(asker, topic, post)  # helper's answer accepted
    commit()
    run(GROUP, minutes=6)
    [message] = outbox_to(helper.email)
    text = message.text_body
    assert "third answered your question “Helper's own question”" in text
    assert "asker mentioned you in “Helper's own question”" in text
    assert "asker marked your answer as the solution of “Steam wand”" in text
    for label in ("Answers to my questions", "Mentions of me", "My answer accepted"):
        assert f"No more email for “{label}”: {BASE}/notification-email/unsubscribe/" in text
    headers = json.loads(message.headers or "{}")
    one_click = headers["List-Unsubscribe"].strip("<>").rsplit("/", 1)[1]
    assert tokens.read(one_click) == (helper.id, ["accepted", "answers", "mentions"])
    assert headers["Auto-Submitted"] == "auto-generated"


def test_a_long_list_is_cut_with_a_link_to_the_rest(make_user, make_topic):
    asker, helper = make_user("asker"), make_user("helper")
    topic = make_topic(asker, title="Busy")
    for n in range(MAX_LISTED + 3):
        answer(helper, topic, body=f"Idea {n}.")
    assert run(GROUP, minutes=6)["notifications"] == MAX_LISTED + 3
    [message] = outbox_to(asker.email)
    assert message.subject == f"{MAX_LISTED + 3} new notifications"
    assert message.text_body.count("helper answered") == MAX_LISTED
    assert "And 3 more." in message.text_body
    assert f"{BASE}/notifications/\n" in message.text_body


def test_a_run_mails_every_member_due_a_batch_at_a_time(app, make_user, make_topic):
    app.config["NOTIFICATION_MAIL_BATCH_MEMBERS"] = 2
    helper = make_user("helper")
    askers = [make_user(f"asker{n}") for n in range(5)]
    for member in [helper, *askers]:
        set_modes(member.id, {"badges": "none"})
    commit()
    for asker in askers:
        answer(helper, make_topic(asker, title=f"Question of {asker.username}"))
    figures = run(GROUP, minutes=6)
    assert (figures["members"], figures["mails"]) == (5, 5)
    for asker in askers:
        assert len(outbox_to(asker.email)) == 1

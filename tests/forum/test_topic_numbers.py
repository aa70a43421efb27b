"""Numbers typed into the manage-topic forms and the audit log filters stay in the id range.

PostgreSQL's ids are ``integer``: a 10-digit topic number past 2147483647 used to reach
the query and fail there (a 500), and "²" (a digit to ``str.isdigit``, not to ``int``)
failed in Python on both databases.
"""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.forum.models import Topic
from tests.support import form_submission


def _manage_form(browser, topic_id: int, form: str, **typed: str):
    html = browser.get(f"/t/{topic_id}/manage").get_data(as_text=True)
    url, data = form_submission(html, f"/t/{topic_id}/manage/{form}", **typed)
    return browser.post(url, data=data)


def test_a_topic_number_past_the_id_range_names_no_topic(app, login, member, moderator, make_topic):
    topic = make_topic(member)
    browser = login(moderator)
    for number in (
        "9999999999",
        "2147483648",
        "/t/99999999999999999999",
        "http://x/t/1" + "0" * 12,
    ):
        closed = _manage_form(browser, topic.id, "duplicate", original=number)
        assert closed.status_code == 422, number
        assert "No such topic." in closed.get_data(as_text=True)
        merged = _manage_form(browser, topic.id, "merge", target=number)
        assert merged.status_code == 422, number
        assert "No such topic." in merged.get_data(as_text=True)
    db.session.expire_all()
    found = db.session.get(Topic, topic.id)
    assert found.duplicate_of_id is None and found.deleted_at is None  # not merged away


def test_a_topic_number_in_range_still_works(app, login, member, moderator, make_topic):
    original = make_topic(member, title="How do I descale the Caféo 300?")
    copy = make_topic(member, title="Descaling?")
    closed = _manage_form(login(moderator), copy.id, "duplicate", original=str(original.id))
    assert closed.status_code == 302
    db.session.expire_all()
    assert db.session.get(Topic, copy.id).duplicate_of_id == original.id


def test_odd_reply_numbers_in_a_split_are_ignored(
    app, login, member, other_member, moderator, make_topic, make_answer
):
    topic = make_topic(member)
    reply = make_answer(other_member, topic)
    browser = login(moderator)
    html = browser.get(f"/t/{topic.id}/manage").get_data(as_text=True)
    url, data = form_submission(html, f"/t/{topic.id}/manage/split", title="Elsewhere")
    data["post_ids"] = ["²", "٣", "99999999999", "-1", f" {reply.id} "]
    done = browser.post(url, data=data)
    assert done.status_code == 302
    moved = db.session.scalars(select(Topic).where(Topic.title == "Elsewhere")).one()
    assert moved.author_id == other_member.id


def test_audit_log_target_filters_past_the_id_range_find_nothing(app, login, moderator):
    browser = login(moderator)
    for target in ("²", "9999999999", "99999999999999999999999999999", "-4", "12"):
        page = browser.get(f"/manage/log?target={target}")
        assert page.status_code == 200, target
        csv = browser.get(f"/manage/log.csv?target={target}")
        assert csv.status_code == 200, target
        csv.close()

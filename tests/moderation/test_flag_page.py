from sqlalchemy import select

from app.extensions import db
from app.moderation.models import Flag


def test_the_flag_link_shows_for_members_who_did_not_write_the_post(
    client, login, member, other_member, flagged_answer
):
    url = f"/t/{flagged_answer.topic_id}"
    link = f'href="/p/{flagged_answer.id}/flag"'
    assert link not in client.get(url).text
    assert link in login(member).get(url).text
    assert link not in login(other_member).get(url).text


def test_flag_page_flags_the_post(login, active_member, flagged_answer):
    flagger = active_member()
    browser = login(flagger)
    url = f"/p/{flagged_answer.id}/flag"
    assert browser.get(url).status_code == 200
    response = browser.post(url, {"reason": "spam", "note": ""})
    assert response.status_code == 302
    flag = db.session.scalars(select(Flag)).one()
    assert (flag.flagger_id, flag.reason, flag.status) == (flagger.id, "spam", "open")
    again = browser.post(url, {"reason": "spam"})
    assert again.status_code == 422


def test_flag_page_refuses_the_author_and_visitors(client, login, other_member, flagged_answer):
    url = f"/p/{flagged_answer.id}/flag"
    assert client.get(url).status_code == 302
    assert login(other_member).get(url).status_code == 403


def test_flag_page_shows_the_floor_error(login, make_user, flagged_answer):
    response = login(make_user()).post(f"/p/{flagged_answer.id}/flag", {"reason": "spam"})
    assert response.status_code == 422
    assert db.session.scalar(select(Flag.id)) is None

"""Marking notifications read, one or all, from their page: without JavaScript (the form,
then the page again) and by htmx (the changed lines, and the header's bell beside them)."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from app.core.events import commit
from app.core.notifications import Notification, mark_read
from app.extensions import db
from tests.support import form_submission

HX = {"HX-Request": "true"}


def _unread(user_id: int) -> list[int]:
    rows = select(Notification.id).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)
    )
    return list(db.session.scalars(rows.order_by(Notification.id)))


def _two_unread(member, other_member, make_topic, make_answer) -> list[int]:
    topic = make_topic(member)
    make_answer(other_member, topic)
    mark_read(member.id)  # the badges of the first post
    commit()
    make_answer(other_member, topic, "A second answer")
    make_answer(other_member, topic, "A third answer")
    return _unread(member.id)


def test_one_and_all_read_without_javascript(login, member, other_member, make_topic, make_answer):
    first, second = _two_unread(member, other_member, make_topic, make_answer)
    browser = login(member)
    page = browser.get("/notifications/").text
    assert page.count(">Mark read</button>") == 2
    url, data = form_submission(page, f"/notifications/{first}/read?page=1")
    response = browser.client.post(url, data=data)
    assert response.status_code == 302 and response.location.endswith("/notifications/?page=1")
    assert _unread(member.id) == [second]
    page = browser.get("/notifications/").text
    assert page.count(">Mark read</button>") == 1 and 'class="count">1<' in page
    url, data = form_submission(page, "/notifications/read?page=1")
    assert browser.client.post(url, data=data).status_code == 302
    assert _unread(member.id) == []


def test_one_read_with_htmx_answers_its_line_and_the_bell(
    login, member, other_member, make_topic, make_answer
):
    first, second = _two_unread(member, other_member, make_topic, make_answer)
    browser = login(member)
    page = browser.get("/notifications/").text
    action = f"/notifications/{first}/read?page=1"
    assert f'action="{action}" class="inline" hx-post="{action}" hx-target="closest li"' in page
    url, data = form_submission(page, action)
    response = browser.client.post(url, data=data, headers=HX)
    assert response.status_code == 200
    line, rest = response.text.split("</li>", 1)
    # Its button gone, the keyboard's focus comes to the line.
    assert line.startswith(f'<li class="read" id="notification-{first}" tabindex="-1" autofocus>')
    assert "Mark read" not in line
    # The bell (its count, and its label for the phone menu) and the count beside the
    # phone's "Menu", each swapped by its id.
    assert (
        '<a class="bell" id="bell" href="/notifications/" aria-label="1 unread notification" '
        'hx-swap-oob="true"><span class="bell-label">1 unread notification</span>'
        '<span class="count">1</span></a>'
    ) in rest
    assert '<span id="menu-count" hx-swap-oob="true"><span class="count">1</span></span>' in rest
    assert _unread(member.id) == [second]


def test_all_read_with_htmx_answers_the_list_and_an_empty_bell(
    login, member, other_member, make_topic, make_answer
):
    _two_unread(member, other_member, make_topic, make_answer)
    browser = login(member)
    url, data = form_submission(browser.get("/notifications/").text, "/notifications/read?page=1")
    response = browser.client.post(url, data=data, headers=HX)
    assert response.status_code == 200
    assert response.text.startswith('<ul class="notifications" id="notifications">')
    assert 'class="unread"' not in response.text and "Mark read" not in response.text
    assert 'aria-label="0 unread notifications" hx-swap-oob="true"' in response.text
    assert '<span id="menu-count" hx-swap-oob="true"></span>' in response.text
    assert _unread(member.id) == []


def test_the_page_and_the_bell_match_what_htmx_sent(
    login, member, other_member, make_topic, make_answer
):
    """The header a page shows is the header the out-of-band answer writes."""
    first, _second = _two_unread(member, other_member, make_topic, make_answer)
    browser = login(member)
    url, data = form_submission(
        browser.get("/notifications/").text, f"/notifications/{first}/read?page=1"
    )
    sent = browser.client.post(url, data=data, headers=HX).text
    page = browser.get("/notifications/").text
    for element in re.findall(r"<a class=\"bell\".*?</a>", sent):
        assert element.replace(' hx-swap-oob="true"', "") in page


def test_anothers_notification_is_refused_in_place(
    login, member, other_member, make_topic, make_answer
):
    first, _second = _two_unread(member, other_member, make_topic, make_answer)
    intruder = login(other_member)
    response = intruder.post(f"/notifications/{first}/read", headers=HX)
    assert response.status_code == 404 and 'role="alert"' in response.text
    count = select(func.count()).select_from(Notification).where(Notification.read_at.is_(None))
    assert db.session.scalar(count.where(Notification.id == first)) == 1

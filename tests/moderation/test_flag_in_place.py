"""Flagging from the topic page with JavaScript: the Flag link brings the flag form in
place (htmx), which answers its thanks, or itself with the error; without JavaScript
the link opens the flag page, as tests/moderation/test_flag_page.py checks."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.moderation.models import Flag
from tests.support import form_submission

HX = {"HX-Request": "true"}


def test_the_flag_link_brings_the_form_in_place(login, active_member, flagged_answer):
    browser = login(active_member())
    url = f"/p/{flagged_answer.id}/flag"
    page = browser.get(f"/t/{flagged_answer.topic_id}").text
    # A plain link: tribune.js opens it in place (tests/e2e/test_instant_actions.py).
    assert f'<a href="{url}">Flag</a>' in page
    form = browser.get(url, headers=HX)
    assert form.status_code == 200 and "<html" not in form.text
    assert form.text.startswith(f'<form method="post" action="{url}" class="flag-form"')
    assert f'hx-post="{url}" hx-target="this" hx-swap="outerHTML"' in form.text

    url, data = form_submission(form.text, url, reason="off_topic")
    sent = browser.client.post(url, data=data, headers=HX)
    assert sent.status_code == 200
    assert sent.text == (
        f'<p class="notice flag-form" id="flag-{flagged_answer.id}" role="status">'
        "Thank you: the moderators will look at this post.</p>"
    )
    assert db.session.scalars(select(Flag.reason)).all() == ["off_topic"]

    # Sent again (a second form opened before): the form again, with why, in place.
    again = browser.client.post(url, data=data, headers=HX)
    assert again.status_code == 422 and again.text.startswith("<form")
    assert '<p class="refusal" role="alert">The post was not flagged:' in again.text
    assert db.session.scalars(select(Flag.reason)).all() == ["off_topic"]


def test_the_flag_form_without_a_reason_says_so_in_place(login, active_member, flagged_answer):
    browser = login(active_member())
    url = f"/p/{flagged_answer.id}/flag"
    url, data = form_submission(browser.get(url, headers=HX).text, url)
    refused = browser.client.post(url, data=data, headers=HX)
    assert refused.status_code == 422 and "Choose a reason." in refused.text
    assert 'role="alert"' in refused.text and db.session.scalar(select(Flag.id)) is None


def test_the_author_is_refused_in_place(login, other_member, flagged_answer):
    refused = login(other_member).get(f"/p/{flagged_answer.id}/flag", headers=HX)
    assert refused.status_code == 403
    assert refused.text == ('<p class="refusal" role="alert">You are not allowed to do that.</p>')

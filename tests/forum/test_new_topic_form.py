"""The new-topic form (issue 17, Small things): sent empty, it names every missing field,
and its "kind" choices sit beside their labels."""

from __future__ import annotations

import re

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from app.extensions import db
from app.forum.models import Topic
from tests.support import form_submission

MISSING = {
    "en": ("Give your topic a title.", "Write something first."),
    "fr": ("Donnez un titre à votre sujet.", "Écrivez d\u2019abord quelque chose."),
}


def _topics() -> int:
    return db.session.scalar(select(func.count()).select_from(Topic))


@pytest.mark.parametrize("language", ["en", "fr"])
def test_an_empty_submit_names_every_missing_field(login, member, category, language) -> None:
    browser = login(member)
    headers = {"Accept-Language": language}
    form = browser.get("/new", headers=headers).get_data(as_text=True)
    url, fields = form_submission(form, "")
    response = browser.client.post(url or "/new", data=fields, headers=headers)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    title, body = MISSING[language]
    # Each message beside its own field, which is marked invalid.
    assert re.search(r'id="title"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="title"', page)
    assert re.search(r'id="body"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="body"', page)
    assert f'<p class="error" id="title-error">{escape(title)}</p>' in page
    assert f'<p class="error" id="body-error">{escape(body)}</p>' in page
    assert _topics() == 0


def test_a_missing_text_alone_is_reported_alone(login, member, category) -> None:
    browser = login(member)
    url, fields = form_submission(browser.get("/new").get_data(as_text=True), "", title="Noise")
    page = browser.client.post(url or "/new", data=fields).get_data(as_text=True)
    assert "Write something first." in page and "Give your topic a title." not in page
    # What was typed stays in the form.
    assert 'value="Noise"' in page


def test_the_kind_choices_are_labelled_radio_buttons(login, member, category) -> None:
    page = login(member).get("/new").get_data(as_text=True)
    kinds = re.findall(r'<label><input[^>]*name="kind"[^>]*> ([^<]+)</label>', page)
    assert kinds == ["Question", "Discussion"]

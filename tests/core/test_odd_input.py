"""Odd input is refused with a form error, a 404 or a 400, never a 500 (both databases).

PostgreSQL refuses NUL in text: before, a NUL typed in any field reached a query and the
request failed (then its error page too, on the aborted transaction).
"""

from __future__ import annotations

import inspect
import io
from pathlib import Path

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import func, select

from app.accounts.models import ApiToken, User
from app.core.forms import TribuneForm
from app.core.user_input import INT4_MAX, bounded_int, has_control_characters
from app.extensions import db
from app.forum.models import Post, Topic
from app.moderation.models import Flag, Sanction
from tests.support import button_submission, form_submission

REFUSED = "This text holds invisible control characters: remove them and retry."
APP = Path(__file__).resolve().parents[2] / "app"


@pytest.mark.parametrize(
    ("text", "one_line", "multi_line"),
    [
        ("plain text, accents é and emoji 🎉", False, False),
        ("a\x00b", True, True),
        ("bell\x07", True, True),
        ("\x1b[31m", True, True),
        ("del\x7f", True, True),
        ("c1\x85", True, True),
        ("lone \ud800 surrogate", True, True),
        ("tab\there", True, False),
        ("two\nlines\r\n", True, False),
    ],
)
def test_which_characters_are_refused(text, one_line, multi_line):
    assert has_control_characters(text) is one_line
    assert has_control_characters(text, multiline=True) is multi_line


@pytest.mark.parametrize(
    ("text", "expected"),
    [("42", 42), (" 7 ", 7), (str(INT4_MAX), INT4_MAX), (str(INT4_MAX + 1), None),
     ("9" * 30, None), ("0", None), ("-3", None), ("²", None), ("٣", None), ("1_000", None),
     ("", None), ("4x", None), (None, None), (12, 12), (True, None)],
)  # fmt: skip
def test_integers_from_text_stay_in_the_id_range(text, expected):
    assert bounded_int(text) == expected


def _form_classes(base: type) -> set[type]:
    found = set()
    for sub in base.__subclasses__():
        found |= {sub} | _form_classes(sub)
    return found


def test_every_form_of_the_app_is_a_tribune_form(app):
    forms = {c for c in _form_classes(FlaskForm) if c.__module__.startswith("app.")}
    assert len(forms) > 20  # the app's modules are imported by create_app
    assert {c for c in forms if not issubclass(c, TribuneForm)} == set()
    # And none is made from FlaskForm itself elsewhere (a bare FlaskForm() would skip it).
    users = [p for p in APP.rglob("*.py") if "FlaskForm" in p.read_text()]
    assert users == [Path(inspect.getfile(TribuneForm))]


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def submit(browser, page: str, target: str, **typed: str):
    """Open ``page`` and send its form posting to ``target`` ("button:URL" for a button with
    that formaction), with ``typed`` filled in, as the browser would."""
    html = browser.get(page).get_data(as_text=True)
    if target.startswith("button:"):
        url, data = button_submission(html, target.removeprefix("button:"))
    elif f'action="{target}"' in html:
        url, data = form_submission(html, target)
    else:  # a form without an action posts to its page
        url, data = target, form_submission(html, "")[1]
    data.update(typed)
    return browser.post(url, data=data)


@pytest.fixture
def world(app, login, client, member, other_member, moderator, staff, make_topic, make_answer):
    topic = make_topic(member)
    answer = make_answer(other_member, topic)
    return {
        "visitor": client,
        "member": login(member).client,
        "moderator": login(moderator).client,
        "staff": login(staff).client,
        "topic": topic.id,
        # The question's own post (its id is the topic's only where both counters agree).
        "question": db.session.scalar(
            select(Post.id).where(Post.topic_id == topic.id, Post.position == 0)
        ),
        "answer": answer.id,
        "other": other_member.username,
        "me": member.username,
    }


# name: (who, page, where its form posts, {field: text}, the table it would write to)
FORMS = {
    "login": ("visitor", "/login", "/login", {"login": "alice\x00", "password": "x"}, None),
    "reset": ("visitor", "/account/reset", "/account/reset", {"email": "a\x00@example.com"}, None),
    "register": ("visitor", "/register", "/register",
                 {"username": "zoe\x00", "email": "zoe@example.com",
                  "password": "a long passphrase", "password_confirm": "a long passphrase"},
                 User),
    "new topic": ("member", "/new", "/new", {"title": "Descaling\x00", "body": "It beeps."},
                  Topic),
    "new topic body": ("member", "/new", "/new", {"title": "Descaling", "body": "Beeps\x00"},
                       Topic),
    "reply": ("member", "/t/{topic}", "/t/{topic}/reply", {"body": "Try \x00 this."}, Post),
    "edit": ("member", "/p/{question}/edit", "/p/{question}/edit", {"body": "Edited\x00"}, None),
    "flag note": ("member", "/p/{answer}/flag", "/p/{answer}/flag",
                  {"reason": "other", "note": "Spam\x00"}, Flag),
    "bio": ("member", "/account/profile", "/account/profile", {"bio": "Hello\x01"}, None),
    "sanction reason": ("moderator", "/manage/members/{other}",
                        "button:/manage/members/{other}/warn", {"reason": "Rude\x00"}, Sanction),
    "retag reason": ("moderator", "/t/{topic}/manage", "/t/{topic}/manage/retag",
                     {"tags": "milk", "reason": "Tidy\x00"}, None),
    "duplicate original": ("moderator", "/t/{topic}/manage", "/t/{topic}/manage/duplicate",
                           {"original": "1\x00"}, None),
    "status reason": ("moderator", "/manage/ambassadors/u/{me}",
                      "/manage/ambassadors/u/{me}/status", {"reason": "Helps a lot\x00"}, None),
    "token name": ("staff", "/manage/tokens", "/manage/tokens", {"name": "CRM\x00"}, ApiToken),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(FORMS))
def test_a_control_character_in_a_text_field_is_a_form_error(app, world, name):
    who, page, target, typed, table = FORMS[name]
    before = _count(table) if table is not None else None
    answer = submit(world[who], page.format(**world), target.format(**world), **typed)
    assert answer.status_code == 422
    assert REFUSED in answer.get_data(as_text=True)
    assert table is None or _count(table) == before
    # Nothing with the character was stored where it could go (read back in Python: a NUL
    # in a LIKE pattern means something else to each database).
    stored = [
        *db.session.scalars(select(Post.body_source)),
        *db.session.scalars(select(Topic.title)),
        *(bio or "" for bio in db.session.scalars(select(User.bio))),
    ]
    assert not any(has_control_characters(text, multiline=True) for text in stored)


def test_the_refusal_is_in_french_for_french_readers(app, world):
    world["member"].environ_base["HTTP_ACCEPT_LANGUAGE"] = "fr"
    answer = submit(world["member"], "/new", "/new", title="Détartrage\x00", body="Il bipe.")
    assert answer.status_code == 422
    assert (
        "Ce texte contient des caractères de contrôle invisibles\u00a0: retirez-les et réessayez."
        in answer.get_data(as_text=True)
    )


def test_one_line_fields_refuse_tabs_and_newlines_text_areas_keep_them(app, world):
    refused = submit(world["member"], "/new", "/new", title="Two\nlines", body="Fine.")
    assert refused.status_code == 422 and REFUSED in refused.get_data(as_text=True)
    kept = submit(world["member"], "/new", "/new", title="Descaling, again",
                  body="Step one:\r\n\tunplug it.\nStep two: wait.")  # fmt: skip
    assert kept.status_code == 302
    body = db.session.scalar(select(Post.body_source).order_by(Post.id.desc()).limit(1))
    assert body == "Step one:\r\n\tunplug it.\nStep two: wait."


def test_a_file_sent_for_a_text_field_is_a_form_error(app, world):
    html = world["member"].get(f"/t/{world['topic']}").get_data(as_text=True)
    url, data = form_submission(html, f"/t/{world['topic']}/reply")
    before = _count(Post)
    data["body"] = (io.BytesIO(b"#!/bin/sh\nrm -rf /"), "answer.sh")
    answer = world["member"].post(url, data=data, content_type="multipart/form-data")
    assert answer.status_code == 422
    assert "This field takes text, not a file." in answer.get_data(as_text=True)
    assert _count(Post) == before


def test_a_json_body_is_not_taken_for_a_form(app, world):
    html = world["visitor"].get("/login").get_data(as_text=True)
    csrf = form_submission(html, "")[1]["csrf_token"]
    for body in ([1, 2], "text", {"login": {"nested": True}, "password": ["x"]}):
        answer = world["visitor"].post("/login", json=body, headers={"X-CSRFToken": csrf})
        assert answer.status_code == 422  # "This field is required.": no form data was sent


ODD_PATHS = [
    "/u/%00", "/u/alice%00", "/tags/%00", "/c/%00", "/c/help%01", "/u/a%7fb", "/c/%C2%85",
    "/t/1/%00slug", "/badges/%00", "/account/reset/%00", "/register/confirm/%00",
    "/manage/members/%00", "/manage/ambassadors/u/%1b",
]  # fmt: skip
ODD_QUERIES = [
    "/search?q=%00", "/search?q=descale&page=%00", "/?page=1%00", "/leaderboard?period=%7f",
    "/c/help?filter=%C2%9B", "/manage/log?actor=%00", "/manage/log?q=a%00b&type=post",
    "/manage/log?target=%00", "/manage/log.csv?action=%00", "/u/alice?x%00=1",
]  # fmt: skip


def test_a_path_with_control_characters_is_no_page(app, world, category):
    for who in ("visitor", "moderator"):
        for path in ODD_PATHS:
            answer = world[who].get(path)
            assert answer.status_code == 404, (who, path)
            assert "This page does not exist" in answer.get_data(as_text=True)


def test_a_query_argument_with_control_characters_is_a_bad_request(app, world, category):
    for query in ODD_QUERIES:
        answer = world["moderator"].get(query)
        answer.close()
        assert answer.status_code == 400, query


def test_query_arguments_keep_tabs_and_newlines(app, world, category):
    assert world["visitor"].get("/search?q=descale%09beeps%0A").status_code == 200
    assert world["moderator"].get("/manage/log?q=why%0D%0A").status_code == 200


def test_the_api_answers_a_bad_query_argument_in_json(app, client):
    from app.accounts import tokens
    from app.core.events import commit

    _, secret = tokens.create_token("CRM", created_by=None)
    commit()
    answer = client.get(
        "/api/v1/ambassadors?segment=%00", headers={"Authorization": f"Bearer {secret}"}
    )
    assert answer.status_code == 400 and "error" in answer.get_json()


def test_the_error_page_starts_from_a_clean_transaction(app, login, member):
    """A failed statement leaves the session's transaction aborted; the error page reads
    the member again (their name in the header), which failed too: a bare 500."""

    def failing_view() -> str:
        db.session.add(User(username=None, email="x@example.com"))  # NOT NULL
        db.session.flush()
        return "unreachable"

    app.add_url_rule("/_test/failing-flush", view_func=failing_view)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the error page answers
    answer = login(member).get("/_test/failing-flush")
    assert answer.status_code == 500
    page = answer.get_data(as_text=True)
    assert "Something went wrong on our side" in page and member.username in page


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_host_label_over_63_characters_is_a_bad_request(app, client, method):
    host = "a" * 64 + ".example"
    answer = client.open("/login", method=method, headers={"Host": host})
    assert answer.status_code == 400
    assert answer.get_data(as_text=True) == "This site does not answer to that address."
    assert client.get("/login", headers={"Host": "a" * 63 + ".example"}).status_code == 200


def test_a_number_past_the_integer_range_is_a_form_error(app, login, admin, other_member):
    browser = login(admin).client
    for huge in ("9" * 400, "2147483648", "-2147483649"):  # 400 digits: past a float too
        rules = submit(browser, "/admin/points", "/admin/points", answer_voted=huge)
        assert rules.status_code == 422, huge
        assert "This number is out of range." in rules.get_data(as_text=True)
        page = f"/manage/members/{other_member.username}"
        days = submit(browser, page, f"button:{page}/suspend", days=huge, reason="Spam")
        assert days.status_code == 422, huge
        assert "This number is out of range." in days.get_data(as_text=True)
    assert _count(Sanction) == 0

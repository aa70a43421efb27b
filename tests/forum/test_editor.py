"""The editor (issue 17): the preview beside the editor is the saved post's HTML, with and
without JavaScript; tag suggestions name only tags the member may see."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app import create_app
from app.core.events import commit
from app.extensions import db
from app.forum.categories import create_category
from app.forum.models import Post
from tests.conftest import LoggedIn
from tests.support import form_submission, htmx_submission, pressing

PREVIEW = "/editor/preview"
HTMX = {"HX-Request": "true"}
# Markdown that exercises the cooking: a mention of a real member and of nobody, emphasis,
# a table, code with a fake mention, a link, raw HTML and script that must not survive.
TRICKY = """# Descaling *at last*

Thanks @bruno, and not @nobody_here. See [the manual](https://example.com/m "Manual").

| step | what |
|:-----|-----:|
| 1 | `@bruno in code` |

<script>alert("x")</script> <img src=x onerror=alert(1)>
[click](javascript:alert(1))

1. one
2. two
"""


def _preview_fragment(browser, page_url: str, **typed: str):
    page = browser.get(page_url).get_data(as_text=True)
    url, fields = htmx_submission(page, PREVIEW, **typed)
    return browser.client.post(url, data=fields, headers={"HX-Request": "true"})


def _inner(fragment: str) -> str:
    found = re.search(r'<div class="preview-out body">(.*)</div>', fragment, re.DOTALL)
    assert found, fragment
    return found.group(1)


def test_the_preview_is_the_saved_posts_html(login, member, other_member, make_topic):
    browser = login(member)
    topic = make_topic(member)
    response = _preview_fragment(browser, f"/t/{topic.id}", body=TRICKY)
    assert response.status_code == 200
    previewed = _inner(response.get_data(as_text=True))

    page = browser.get(f"/t/{topic.id}").get_data(as_text=True)
    url, fields = form_submission(page, f"/t/{topic.id}/reply", body=TRICKY)
    assert browser.client.post(url, data=fields).status_code == 302
    saved = db.session.scalars(select(Post).where(Post.topic_id == topic.id, Post.position == 1))
    assert previewed == saved.one().body_html
    # What the tricky parts became: the mention linked, the rest harmless.
    assert '<a href="/u/bruno" class="mention"' in previewed
    assert "@nobody_here" in previewed and "/u/nobody_here" not in previewed
    assert "<script" not in previewed and "&lt;script&gt;" in previewed  # shown, not run
    assert "<img" not in previewed and 'href="javascript' not in previewed
    assert "<table>" in previewed


def test_the_new_topic_and_edit_pages_preview_through_the_same_endpoint(login, member, make_topic):
    browser = login(member)
    response = _preview_fragment(browser, "/new", body="**bold** @alice")
    assert response.status_code == 200
    assert '<strong>bold</strong> <a href="/u/alice" class="mention"' in response.get_data(
        as_text=True
    )
    topic = make_topic(member)
    opening = db.session.scalars(select(Post).where(Post.topic_id == topic.id)).first()
    response = _preview_fragment(browser, f"/p/{opening.id}/edit", body="_edited_")
    assert "<em>edited</em>" in response.get_data(as_text=True)


def test_an_imported_html_post_is_previewed_as_html(login, member, make_topic):
    topic = make_topic(member)
    opening = db.session.scalars(select(Post).where(Post.topic_id == topic.id)).first()
    opening.body_format = "html"
    commit()
    browser = login(member)
    response = _preview_fragment(
        browser, f"/p/{opening.id}/edit", body="<p>Hi <b>there</b><script>x()</script></p>"
    )
    inner = _inner(response.get_data(as_text=True))
    assert inner == "<p>Hi there</p>"  # the sanitizer's answer, as when it is saved


def test_an_empty_text_previews_as_nothing_yet(login, member):
    response = _preview_fragment(login(member), "/new", body="   ")
    assert response.status_code == 200
    assert "Nothing to preview yet." in response.get_data(as_text=True)


def test_the_preview_needs_the_csrf_token(login, member):
    browser = login(member)
    response = browser.client.post(PREVIEW, data={"body": "hello"}, headers=HTMX)
    assert response.status_code == 400
    # A refusal, which tribune.js places beside the Preview button.
    assert response.get_data(as_text=True).startswith('<p class="refusal" role="alert">Your form')


def test_a_visitor_gets_no_preview(client):
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(PREVIEW, data={"csrf_token": token, "body": "**hello**"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert b"<strong>hello</strong>" not in response.data


def test_previews_are_rate_limited_per_member(database_url, member):
    limited = create_app(
        "testing",
        {
            "DATABASE_URL": database_url,
            "RATELIMIT_ENABLED": True,
            "PREVIEW_LIMIT_PER_USER": "3/minute",
        },
    )
    with limited.app_context():
        browser = LoggedIn(limited, member)
        statuses = [browser.post(PREVIEW, data={"body": f"n{n}"}).status_code for n in range(4)]
        assert statuses == [200, 200, 200, 429]
        refused = browser.post(PREVIEW, data={"body": "again"}, headers=HTMX)
        assert refused.status_code == 429
        assert refused.get_data(as_text=True).startswith('<p class="refusal" role="alert">Too many')


@pytest.mark.parametrize("text", ["a\x00b", "bad \x1b[31m", "del \x7f"])
def test_control_characters_get_a_clear_4xx(login, member, text):
    response = _preview_fragment(login(member), "/new", body=text)
    assert response.status_code == 422
    assert "invisible control characters" in response.get_data(as_text=True)


def test_a_text_longer_than_a_post_gets_a_clear_413(app, login, member):
    limit = app.config["POST_MAX_LENGTH"]
    response = _preview_fragment(login(member), "/new", body="a" * (limit + 1))
    assert response.status_code == 413
    assert f"At most {limit} characters" in response.get_data(as_text=True)


def test_a_huge_body_is_refused_without_a_500(login, member):
    browser = login(member)
    response = browser.post(PREVIEW, data={"body": "é" * 600_000})
    assert response.status_code == 413


def test_the_preview_speaks_french(login, member):
    browser = login(member)
    page = browser.get("/new", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Aperçu" in page
    url, fields = htmx_submission(page, PREVIEW, body="a" * 40_000)
    response = browser.client.post(url, data=fields, headers={"Accept-Language": "fr"})
    assert "caractères" in response.get_data(as_text=True)


# Without JavaScript: the form's own Preview button.


def test_the_new_topic_preview_button_keeps_everything_typed(login, member, category):
    browser = login(member)
    page = browser.get("/new").get_data(as_text=True)
    url, fields = pressing(
        page,
        "",
        "preview",
        title="Grinder noise",
        body="It *squeaks* @alice",
        tags="grinder, noise",
    )
    response = browser.client.post(url or "/new", data=fields)
    assert response.status_code == 200
    shown = response.get_data(as_text=True)
    assert 'value="Grinder noise"' in shown and 'value="grinder, noise"' in shown
    assert re.search(r"<textarea[^>]*>\s*It \*squeaks\* @alice</textarea>", shown)
    assert '<p>It <em>squeaks</em> <a href="/u/alice" class="mention"' in shown
    assert db.session.scalars(select(Post)).first() is None  # nothing was published
    # Publish from the page the preview gave: the same submission token, published once.
    url, fields = form_submission(shown, "")
    assert browser.client.post(url or "/new", data=fields).status_code == 302
    assert len(db.session.scalars(select(Post)).all()) == 1


def test_the_answer_preview_button_keeps_the_text(login, member, make_topic):
    browser = login(member)
    topic = make_topic(member)
    page = browser.get(f"/t/{topic.id}").get_data(as_text=True)
    url, fields = pressing(page, f"/t/{topic.id}/reply", "preview", body="Try **vinegar**")
    response = browser.client.post(url, data=fields)
    assert response.status_code == 200
    shown = response.get_data(as_text=True)
    assert re.search(r"<textarea[^>]*>\s*Try \*\*vinegar\*\*</textarea>", shown)
    assert "<p>Try <strong>vinegar</strong></p>" in shown
    assert len(db.session.scalars(select(Post).where(Post.topic_id == topic.id)).all()) == 1
    url, fields = form_submission(shown, f"/t/{topic.id}/reply")
    assert browser.client.post(url, data=fields).status_code == 302
    assert len(db.session.scalars(select(Post).where(Post.topic_id == topic.id)).all()) == 2


def test_the_edit_preview_button_keeps_the_text_and_saves_nothing(login, member, make_topic):
    browser = login(member)
    topic = make_topic(member, body="Old text")
    opening = db.session.scalars(select(Post).where(Post.topic_id == topic.id)).first()
    page = browser.get(f"/p/{opening.id}/edit").get_data(as_text=True)
    url, fields = pressing(page, "", "preview", body="New *text*")
    response = browser.client.post(url or f"/p/{opening.id}/edit", data=fields)
    assert response.status_code == 200
    shown = response.get_data(as_text=True)
    assert "<p>New <em>text</em></p>" in shown and "New *text*</textarea>" in shown
    db.session.refresh(opening)
    assert opening.body_source == "Old text"


def test_a_too_long_no_js_preview_says_so_on_the_field(app, login, member, category):
    browser = login(member)
    page = browser.get("/new").get_data(as_text=True)
    body = "b" * (app.config["POST_MAX_LENGTH"] + 1)
    url, fields = pressing(page, "", "preview", title="T", body=body)
    response = browser.client.post(url or "/new", data=fields)
    assert response.status_code == 422
    assert 'id="body-error">At most' in response.get_data(as_text=True)


def test_a_saved_post_tells_the_browser_to_forget_its_draft(login, member, make_topic):
    browser = login(member)
    topic = make_topic(member)
    page = browser.get(f"/t/{topic.id}").get_data(as_text=True)
    assert f'data-draft="reply-{topic.id}" data-draft-owner="{member.id}"' in page
    url, fields = form_submission(page, f"/t/{topic.id}/reply", body="Saved answer")
    response = browser.client.post(url, data=fields)
    assert f"tribune_posted=reply-{topic.id};" in response.headers["Set-Cookie"]
    # A refused answer is not saved: nothing says to forget the draft.
    page = browser.get(f"/t/{topic.id}").get_data(as_text=True)
    url, fields = form_submission(page, f"/t/{topic.id}/reply", body=" ")
    refused = browser.client.post(url, data=fields)
    assert refused.status_code == 422
    assert "tribune_posted" not in refused.headers.get("Set-Cookie", "")


def test_editor_pages_load_the_editor_script_with_its_fingerprint(login, member, make_topic):
    browser = login(member)
    topic = make_topic(member)
    for url in ("/new", f"/t/{topic.id}"):
        page = browser.get(url).get_data(as_text=True)
        found = re.search(r'<script src="(/static/js/editor\.js\?v=[0-9a-f]{12})" defer>', page)
        assert found, url
        with browser.get(found.group(1)) as served:
            assert served.status_code == 200
    assert "editor.js" not in browser.get("/").get_data(as_text=True)


# Tag suggestions.


@pytest.fixture
def tagged(make_topic, make_user, category):
    author = make_user("tagger", role="moderator")  # writes in the lounge too
    lounge = create_category("Lounge", "lounge", "", required_capability="category.lounge")
    commit()
    make_topic(author, tags="espresso, grinder")
    make_topic(author, title="Second", tags="espresso, esp32")
    make_topic(author, title="Third", tags="espresso")
    make_topic(author, title="Secret", tags="esp-secret-launch", in_category=lounge)
    return lounge


def _suggested(browser, typed: str) -> list[tuple[str, str]]:
    response = browser.get("/editor/tags", query_string={"tags": typed})
    assert response.status_code == 200
    return re.findall(r'<option value="([^"]*)" label="([^"]*)">', response.get_data(as_text=True))


def test_tags_are_suggested_by_prefix_most_used_first(login, member, tagged):
    browser = login(member)
    assert _suggested(browser, "es") == [("espresso", "espresso (3)"), ("esp32", "esp32 (1)")]
    # Each option is the whole field, completed; tags already typed are not offered again.
    assert _suggested(browser, "espresso, gr") == [("espresso, grinder", "grinder (1)")]
    assert _suggested(browser, "espresso es") == [("espresso esp32", "esp32 (1)")]
    assert _suggested(browser, "") == [] and _suggested(browser, "%") == []


def test_tags_of_a_private_category_are_not_suggested_to_who_cannot_read_it(
    login, member, moderator, tagged
):
    assert "esp-secret-launch" not in dict(_suggested(login(member), "esp"))
    assert "esp-secret-launch" in dict(_suggested(login(moderator), "esp"))


def test_suggestions_are_at_most_eight(login, member, make_topic, make_user):
    author = make_user("many")
    for n in range(10):
        make_topic(author, title=f"T{n}", tags=f"tag{n}")
    assert len(_suggested(login(member), "tag")) == 8


def test_the_new_topic_and_retag_fields_ask_for_suggestions(login, member, moderator, make_topic):
    page = login(member).get("/new").get_data(as_text=True)
    tags = re.search(r'<input[^>]*id="tags"[^>]*>', page).group(0)
    assert 'list="tags-suggestions"' in tags and 'hx-get="/editor/tags"' in tags, tags
    assert '<datalist id="tags-suggestions"></datalist>' in page
    topic = make_topic(member)
    page = login(moderator).get(f"/t/{topic.id}/manage").get_data(as_text=True)
    tags = re.search(r'<input[^>]*id="retag-tags"[^>]*>', page).group(0)
    assert 'list="retag-tags-suggestions"' in tags and 'hx-get="/editor/tags"' in tags, tags
    assert '<datalist id="retag-tags-suggestions"></datalist>' in page


def test_visitors_get_no_suggestions(client, tagged):
    assert client.get("/editor/tags?tags=es").status_code == 302


# The preview reads the member (the session's row, with grants and unread count) and, when
# the text mentions anyone, the mentioned names: one statement each, however long the text.
# Suggestions read the member and one grouped SELECT of the matching tags.
@pytest.mark.parametrize(
    ("body", "statements"), [("plain *text* " * 200, 1), ("hi @bruno " * 50, 2)]
)
def test_the_preview_reads_a_fixed_number_of_statements(
    login, member, other_member, count_queries, body, statements
):
    browser = login(member)
    browser.get("/")  # the day's first request records the visit
    with count_queries() as counter:
        assert browser.post(PREVIEW, data={"body": body}).status_code == 200
    assert counter.count == statements, "\n".join(s[:150] for s in counter.statements)


def test_tag_suggestions_read_two_statements(login, member, tagged, count_queries):
    browser = login(member)
    browser.get("/")
    with count_queries() as counter:
        assert _suggested(browser, "es")
    assert counter.count == 2, "\n".join(s[:150] for s in counter.statements)

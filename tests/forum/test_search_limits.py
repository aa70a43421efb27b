"""Rate limits on search: the search page and the similar questions asked while typing."""

from __future__ import annotations

from app import create_app

HX = {"HX-Request": "true", "HX-Current-URL": "http://localhost/new"}


def _limited(database_url: str, **config: str):
    return create_app(
        "testing", {"DATABASE_URL": database_url, "RATELIMIT_ENABLED": True, **config}
    ).test_client()


def test_the_defaults_allow_normal_use():
    app = create_app("testing")
    assert app.config["SEARCH_LIMIT_PER_IP"] == "60/minute;600/hour"
    assert app.config["SEARCH_SIMILAR_LIMIT_PER_IP"] == "120/minute"


def test_too_many_searches_answer_a_page_that_says_so(database_url, member, make_topic):
    make_topic(member, title="Bean hopper", body="stuck beans")
    browser = _limited(database_url, SEARCH_LIMIT_PER_IP="2/minute")
    for _ in range(2):
        page = browser.get("/search?q=beans")
        assert page.status_code == 200 and "Bean hopper" in page.text
    refused = browser.get("/search?q=beans")
    assert refused.status_code == 429
    assert "<html" in refused.text and "Too many requests" in refused.text
    assert "You searched many times in a short while" in refused.text
    assert "Bean hopper" not in refused.text
    # Similar questions count apart: typing a title still works.
    assert browser.get("/search/similar?title=bean+hopper", headers=HX).status_code == 200


def test_too_many_similar_questions_answer_a_refusal_htmx_shows(database_url, member, make_topic):
    make_topic(member, title="Grinder noise", body="it squeals")
    browser = _limited(database_url, SEARCH_SIMILAR_LIMIT_PER_IP="3/minute")
    for _ in range(3):
        fragment = browser.get("/search/similar?title=grinder+noise", headers=HX)
        assert fragment.status_code == 200 and "grinder-noise" in fragment.text
    refused = browser.get("/search/similar?title=grinder+noise", headers=HX)
    assert refused.status_code == 429, refused.text
    # The refusal tribune.js places beside the title field (static/js/tribune.js).
    assert refused.text.startswith('<p class="refusal" role="alert">'), refused.text
    assert "Similar questions are paused for a moment" in refused.text
    assert "<html" not in refused.text and "grinder-noise" not in refused.text
    # The search page has a limit of its own.
    assert browser.get("/search?q=grinder").status_code == 200


def test_a_french_reader_is_told_in_french(database_url):
    browser = _limited(database_url, SEARCH_LIMIT_PER_IP="1/minute")
    french = {"Accept-Language": "fr"}
    assert browser.get("/search?q=café", headers=french).status_code == 200
    refused = browser.get("/search?q=café", headers=french)
    assert refused.status_code == 429
    assert "Vous avez cherché" in refused.text

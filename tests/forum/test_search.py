"""Search finds the same topics in the same order on SQLite (FTS5) and PostgreSQL: this
module runs on both (TEST_DATABASE_URL for PostgreSQL) and checks one expectation."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.core.clock import now_utc
from app.core.events import commit
from app.extensions import db
from app.forum import services
from app.forum.categories import create_category
from app.forum.deletion import delete_post
from app.forum.models import Post
from app.forum.search import SearchFilters, search_posts, search_topics, similar_questions
from app.forum.solutions import accept_answer
from app.forum.topic_merge import merge_topics, split_topic
from tests.support import form_submission


def ids(page):
    return [post.id for post, _topic in page.items]


def test_words_match_titles_and_bodies_regardless_of_case_and_accents(
    member, other_member, make_topic, make_answer
):
    descale = make_topic(member, title="Détartrer la machine", body="Elle fait du bruit")
    milk = make_topic(member, title="Milk frother", body="The CAFÉ crème is cold")
    answer = make_answer(other_member, descale, "Utilisez le programme de détartrage")
    opening_descale = db.session.query(Post).filter_by(topic_id=descale.id, position=0).one()
    opening_milk = db.session.query(Post).filter_by(topic_id=milk.id, position=0).one()

    assert ids(search_posts(None, "detartrer", page=1, per_page=20)) == [opening_descale.id]
    assert ids(search_posts(None, "cafe creme", page=1, per_page=20)) == [opening_milk.id]
    assert ids(search_posts(None, "PROGRAMME", page=1, per_page=20)) == [answer.id]
    assert ids(search_posts(None, "machine cold", page=1, per_page=20)) == []
    assert ids(search_posts(None, "   ", page=1, per_page=20)) == []


def test_edits_deletes_and_private_categories_are_respected(member, moderator, make_topic):
    topic = make_topic(member, title="Grinder", body="coarse setting")
    opening = db.session.query(Post).filter_by(topic_id=topic.id).one()
    services.edit_post(member, opening, body="fine setting")
    commit()
    assert ids(search_posts(None, "coarse", page=1, per_page=20)) == []
    assert ids(search_posts(None, "fine", page=1, per_page=20)) == [opening.id]

    lounge = create_category("Lounge", "lounge", required_capability="category.lounge")
    commit()
    secret = make_topic(moderator, title="Secret preview", body="new model", in_category=lounge)
    assert ids(search_posts(None, "preview", page=1, per_page=20)) == []
    assert len(ids(search_posts(moderator, "preview", page=1, per_page=20))) == 1

    delete_post(member, opening)
    commit()
    assert ids(search_posts(None, "fine", page=1, per_page=20)) == []
    assert secret.id


def test_search_punctuation_cannot_break_the_query(member, make_topic):
    make_topic(member, title="Quote test", body='say "hello" AND (NOT) * -x')
    for query in ['"', "AND OR NOT", "(*)", "hello)", "a:b", "'; DROP TABLE posts; --"]:
        search_posts(None, query, page=1, per_page=20)
    assert len(ids(search_posts(None, '"hello"', page=1, per_page=20))) == 1


def test_results_are_newest_first_and_paginated(member, make_topic):
    for n in range(3):
        make_topic(member, title=f"Espresso tip {n}", body="crema")
    first = search_posts(None, "crema", page=1, per_page=2)
    second = search_posts(None, "crema", page=2, per_page=2)
    assert first.has_next and not second.has_next
    titles = [topic.title for _post, topic in first.items + second.items]
    assert titles == ["Espresso tip 2", "Espresso tip 1", "Espresso tip 0"]


def test_search_page(client, member, make_topic):
    make_topic(member, title="Bean hopper", body="stuck beans")
    page = client.get("/search?q=beans")
    assert page.status_code == 200 and "Bean hopper" in page.text
    assert "Nothing matches" in client.get("/search?q=zebra").text


# -- relevance, grouping, snippets (issue 17) -------------------------------------------


@pytest.fixture
def lounge(app):
    created = create_category("Ambassadors lounge", "lounge", required_capability="category.lounge")
    commit()
    return created


@pytest.fixture
def pump_topics(member, other_member, make_topic, make_answer):
    """Topics about a pump, whose expected order is the same on both databases."""
    made = {}
    made["title, unsolved"] = make_topic(
        member, title="Pump noise", body="The pump hums loudly every morning"
    )
    solved = make_topic(member, title="Pump noise", body="The pump hums loudly every morning")
    answer = make_answer(other_member, solved, "Check the gasket seal")
    accept_answer(member, solved, answer)
    commit()
    made["title, solved"] = solved
    made["body, often"] = make_topic(
        member, title="Boiler question", body="pump pump pump and more pump"
    )
    made["body, once"] = make_topic(member, title="Steam wand", body="the pump is fine and quiet")
    replies = make_topic(member, title="Grinder jam", body="beans stuck")
    make_answer(other_member, replies, "a pump would not help here at all")
    make_answer(member, replies, "no pump in a grinder, none")
    made["replies"] = replies
    make_topic(member, title="Milk jug", body="nothing to see")  # matches nothing
    return made


# The order both databases give (run with TEST_DATABASE_URL for PostgreSQL): titles
# first, a solved question before an unsolved one of equal relevance, a topic whose
# replies match counted once, by its best reply.
EXPECTED_PUMP_ORDER = ["title, solved", "title, unsolved", "body, often", "replies", "body, once"]


def test_topics_are_ranked_by_relevance_once_each_the_same_on_both_databases(pump_topics):
    found = search_topics(None, "pump", page=1, per_page=20)
    by_id = {topic.id: name for name, topic in pump_topics.items()}
    assert [by_id[hit.topic.id] for hit in found.items] == EXPECTED_PUMP_ORDER
    assert found.found == 5 and not found.capped and not found.has_next


def test_grouped_results_page_by_topic(pump_topics):
    first = search_topics(None, "pump", page=1, per_page=2)
    second = search_topics(None, "pump", page=2, per_page=2)
    third = search_topics(None, "pump", page=3, per_page=2)
    by_id = {topic.id: name for name, topic in pump_topics.items()}
    pages = [[by_id[hit.topic.id] for hit in page.items] for page in (first, second, third)]
    assert pages == [EXPECTED_PUMP_ORDER[:2], EXPECTED_PUMP_ORDER[2:4], EXPECTED_PUMP_ORDER[4:]]
    assert first.has_next and second.has_next and not third.has_next
    assert search_topics(None, "pump", page=9_999, per_page=2).items == []


def test_snippets_mark_the_words_found_and_escape_the_rest(member, make_topic, client):
    make_topic(
        member,
        title="Pump <b>bold</b> title",
        body="Before <script>alert('x')</script> the **pump** & the Pümp " + "filler " * 80,
    )
    hit = search_topics(None, "pump", page=1, per_page=20).items[0]
    assert str(hit.title) == "<mark>Pump</mark> &lt;b&gt;bold&lt;/b&gt; title"
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in str(hit.snippet)
    assert "<script>" not in str(hit.snippet)
    assert "the <mark>pump</mark> &amp; the <mark>Pümp</mark>" in str(hit.snippet)
    assert str(hit.snippet).endswith("…") and len(str(hit.snippet)) < 400
    page = client.get("/search?q=pump").text
    assert "<script>alert" not in page and "<mark>pump</mark>" in page


def test_a_long_post_shows_the_text_around_its_first_match(member, make_topic):
    make_topic(member, title="Long one", body="lorem " * 200 + "the gasket leaks " + "ipsum " * 200)
    snippet = str(search_topics(None, "gasket", page=1, per_page=20).items[0].snippet)
    assert snippet.startswith("…") and snippet.endswith("…")
    assert "the <mark>gasket</mark> leaks" in snippet


def test_the_candidate_cap_bounds_the_ranking_and_the_page_says_so(app, member, make_topic, client):
    for n in range(4):
        make_topic(member, title=f"Crema {n}", body="crema crema" if n == 0 else "some crema")
    app.config["SEARCH_CANDIDATES"] = 3
    found = search_topics(None, "crema", page=1, per_page=20)
    # The three most recent matches are ranked; the oldest (and best) one is not reached.
    assert [hit.topic.title for hit in found.items] == ["Crema 3", "Crema 2", "Crema 1"]
    assert found.capped and found.found == 3
    assert "Add a word or a filter" in client.get("/search?q=crema").text
    app.config["SEARCH_CANDIDATES"] = 2_000
    found = search_topics(None, "crema", page=1, per_page=20)
    assert found.items[0].topic.title == "Crema 0" and not found.capped


# -- filters ------------------------------------------------------------------------


def _titles(page):
    return sorted(hit.topic.title for hit in page.items)


def test_filters_narrow_the_topics_found(member, other_member, make_topic, make_answer):
    beans = create_category("Beans", "beans")
    commit()
    solved = make_topic(member, title="Tamper size", body="which tamper", tags="tools")
    accept_answer(member, solved, make_answer(other_member, solved, "a 58 mm tamper"))
    commit()
    make_topic(other_member, title="Tamper in beans", body="tamper talk", in_category=beans)
    old = make_topic(member, title="Old tamper", body="tamper from long ago", kind="discussion")
    opening = db.session.scalar(select(Post).where(Post.topic_id == old.id))
    opening.created_at = now_utc() - timedelta(days=400)
    commit()

    def titles(**filters):
        return _titles(search_topics(None, "tamper", page=1, per_page=20,
                                     filters=SearchFilters(**filters)))  # fmt: skip

    everything = ["Old tamper", "Tamper in beans", "Tamper size"]
    assert titles() == everything
    assert titles(category="beans") == ["Tamper in beans"]
    assert titles(category="no-such-category") == []
    assert titles(tag="TOOLS") == ["Tamper size"]
    assert titles(solved="solved") == ["Tamper size"]
    assert titles(solved="unsolved") == ["Tamper in beans"]  # discussions are neither
    assert titles(author="Bruno") == ["Tamper in beans", "Tamper size"]  # the answer is his
    assert titles(author="nobody") == []
    assert titles(period="year") == ["Tamper in beans", "Tamper size"]
    assert titles(period="week", category="beans", author="bruno") == ["Tamper in beans"]


def test_the_search_form_sends_its_filters_and_the_pager_keeps_them(
    app, member, make_topic, client
):
    app.config["SEARCH_RESULTS_PER_PAGE"] = 1
    beans = create_category("Beans", "beans")
    commit()
    for n in range(2):
        make_topic(member, title=f"Roast {n}", body="roast level", in_category=beans)
    make_topic(member, title="Roast elsewhere", body="roast level")
    form = client.get("/search").text
    action, fields = form_submission(
        form, "/search", form_id="search-form", q="roast", category="beans", period="month"
    )
    assert set(fields) == {"q", "category", "tag", "solved", "author", "period"}
    page = client.get(action, query_string=fields).text
    assert "<mark>Roast</mark> 1" in page and "elsewhere" not in page
    assert 'value="beans" selected' in page and 'value="month" selected' in page
    next_link = re.search(r'rel="next" href="([^"]+)"', page)[1].replace("&amp;", "&")
    assert "category=beans" in next_link and "period=month" in next_link
    assert "<mark>Roast</mark> 0" in client.get(next_link).text


def test_unknown_filter_values_are_no_filter():
    filters = SearchFilters.from_args({"solved": "maybe", "period": "decade", "tag": " x "})
    assert filters == SearchFilters(tag="x")
    assert filters.as_args() == {"tag": "x"}


# -- odd input and statements -------------------------------------------------------


ODD_QUERIES = ['"', "'", '"unbalanced', "NEAR(a b)", "a NEAR b", "*", "espresso*", "-espresso",
               "a -b", "^start", "col:val", "search_title:pump", "{x y}: z", "AND OR NOT", "(",
               ")", "a+b", "\\", "%", "_", "é" * 300, "word " * 500, "日本語 テスト", "🙂",
               "'; DROP TABLE posts; --", "1e309", "NEAR/3", "+", ":A"]  # fmt: skip


@pytest.mark.parametrize("query", ODD_QUERIES)
def test_odd_queries_answer_a_page(client, member, make_topic, query):
    make_topic(member, title="Pump noise", body="espresso pump")
    for path in ("/search", "/search/similar"):
        response = client.get(path, query_string={"q": query, "title": query, "page": "1"})
        assert response.status_code == 200, (path, query)
    search_topics(None, query, page=1, per_page=20)
    similar_questions(None, query)


def test_odd_pages_and_control_characters_never_answer_5xx(client, member, make_topic):
    make_topic(member, title="Pump noise", body="espresso pump")
    assert client.get("/search?q=pump&page=10000").status_code == 200
    assert client.get("/search?q=pump&page=10001").status_code == 404
    assert client.get("/search?q=pump&page=99999999999999999999").status_code < 500
    assert client.get("/search?q=pump&page=-1").status_code == 404
    assert client.get("/search?q=pu%00mp").status_code == 400
    assert client.get("/search/similar?title=pu%00mp").status_code == 400
    assert client.get("/search?q=pump&author=%C3%A9%00").status_code == 400


# A visitor's search page: the search itself (candidates, ranking, the page's posts,
# topics and categories in one statement) and the categories of the filter.
SEARCH_PAGE_STATEMENTS = 2


def test_the_search_page_runs_a_fixed_number_of_statements(
    client, login, member, other_member, make_topic, make_answer, count_queries
):
    for n in range(12):
        topic = make_topic(member, title=f"Pump {n}", body="pump", tags="pumps")
        make_answer(other_member, topic, "the pump again")
    for browser, extra in ((client, 0), (login(member), 1)):  # a member: their own row
        browser.get("/search")  # the day's first request records the visit
        with count_queries() as counter:
            page = browser.get("/search?q=pump&category=help&solved=unsolved&period=year")
        assert page.status_code == 200 and page.text.count("<mark>") >= 12
        assert counter.count == SEARCH_PAGE_STATEMENTS + extra, "\n".join(
            s[:150] for s in counter.statements
        )


# -- similar questions while typing a title -------------------------------------------


def test_similar_questions_match_titles_of_questions_the_reader_may_read(
    client, login, member, moderator, make_topic, lounge
):
    make_topic(member, title="Grinder makes a loud noise", body="since Monday")
    make_topic(member, title="Descaling the grinder", body="how often")
    make_topic(member, title="Unrelated", body="grinder noise in the body only")
    make_topic(member, title="Grinder noise", kind="discussion")  # not a question
    make_topic(moderator, title="Secret grinder noise", body="x", in_category=lounge)
    titles = [hit.topic.title for hit in similar_questions(None, "My grinder is noisy, noise")]
    assert titles == ["Grinder makes a loud noise", "Descaling the grinder"]
    best = similar_questions(moderator, "grinder noise")[0]
    assert best.topic.title == "Secret grinder noise"
    assert similar_questions(None, "how do I the a") == []  # nothing but little words
    fragment = client.get("/search/similar?title=grinder+noise").text
    assert "<mark>Grinder</mark> makes a loud <mark>noise</mark>" in fragment
    assert "Secret" not in fragment and "<html" not in fragment
    assert login(moderator).get("/search/similar?title=grinder+noise").text.count("<li>") == 3
    assert client.get("/search/similar?title=").text.strip() == ""


def test_at_most_five_similar_questions(member, make_topic):
    for n in range(7):
        make_topic(member, title=f"Leaking boiler {n}")
    assert len(similar_questions(None, "leaking boiler")) == 5


def test_the_new_topic_form_asks_for_similar_questions_as_the_title_is_typed(login, member):
    page = login(member).get("/new").text
    title = re.search(r"<input[^>]*id=\"title\"[^>]*>", page)[0]
    assert 'hx-get="/search/similar"' in title
    assert 'hx-trigger="input changed delay:400ms"' in title
    assert 'hx-target="#similar-questions"' in title
    assert '<div id="similar-questions" class="similar-questions" aria-live="polite">' in page


# -- the title column follows edits, merges and splits --------------------------------


def _opening(topic):
    return db.session.scalar(select(Post).where(Post.topic_id == topic.id, Post.position == 0))


def test_the_title_weight_follows_title_edits_merges_and_splits(
    member, other_member, moderator, make_topic, make_answer
):
    renamed = make_topic(member, title="Boiler light", body="it blinks")
    services.edit_post(member, _opening(renamed), body="it blinks", title="Heater light")
    commit()
    assert _opening(renamed).search_title == "heater light"
    assert similar_questions(None, "boiler") == []
    assert [hit.topic.id for hit in similar_questions(None, "heater")] == [renamed.id]

    source = make_topic(member, title="Gasket worn", body="drips")
    target = make_topic(member, title="Leaks everywhere", body="water on the counter")
    merge_topics(moderator, source, target)
    commit()
    moved = db.session.get(Post, _moved_opening_id(target))
    assert moved.search_title == ""  # a reply now: its old title weighs no more
    assert similar_questions(None, "gasket") == []

    reply = make_answer(other_member, target, "Replace the pump seal")
    new = split_topic(moderator, target, [reply.id], title="Pump seal replacement")
    commit()
    assert _opening(new).search_title == "pump seal replacement"
    assert [hit.topic.id for hit in similar_questions(None, "seal replacement")] == [new.id]


def _moved_opening_id(target):
    """The post that opened the topic merged into ``target`` (found by its body)."""
    return db.session.scalar(
        select(Post.id).where(Post.topic_id == target.id, Post.body_source == "drips")
    )


def test_similar_questions_run_one_statement(client, member, make_topic, count_queries):
    for n in range(8):
        make_topic(member, title=f"Grinder noise {n}")
    client.get("/search")  # the day's first request records the visit
    with count_queries() as counter:
        fragment = client.get("/search/similar?title=grinder+noise")
    assert fragment.status_code == 200 and fragment.text.count("<li>") == 5
    assert counter.count == 1, "\n".join(s[:150] for s in counter.statements)

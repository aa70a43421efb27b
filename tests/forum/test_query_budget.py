"""The topic page runs a fixed number of SQL statements, however many answers it shows."""

import pytest

from app.core.events import commit
from app.forum import services, voting

# The topic's revision, visibility and the reader's follow (the caches' key); then, the
# first time a revision is seen, the topic with its opening post, its tags and a page of
# answers with their authors. A member adds their own row (grants and unread count in
# it) and their votes on the page. Seen again, visitors get the cached page and members
# the cached data, their votes read with the revision.
LOGGED_OUT_STATEMENTS = 4
LOGGED_OUT_CACHED_STATEMENTS = 1
LOGGED_IN_STATEMENTS = 6
LOGGED_IN_CACHED_STATEMENTS = 2


@pytest.fixture
def topic_with_answers(app, member, make_user, make_topic):
    # The buffered view-count write happens once per many views, not per page.
    app.config["VIEW_FLUSH_EVERY_VIEWS"] = 10_000
    app.config["VIEW_FLUSH_EVERY_SECONDS"] = 3600

    def build(answers: int):
        topic = make_topic(member, tags="espresso, latte")
        authors = [make_user() for _ in range(min(answers, 20))]
        for n in range(answers):
            post = services.reply(authors[n % len(authors)], topic, body=f"Answer **{n}**")
            if n % 3 == 0:
                voting.vote(member, post)
        commit()
        return f"/t/{topic.id}"

    return build


@pytest.mark.parametrize("answers", [10, 100])
def test_topic_page_statements_logged_out(client, count_queries, topic_with_answers, answers):
    url = topic_with_answers(answers)
    with count_queries() as counter:
        response = client.get(url)
    assert response.status_code == 200
    assert counter.count == LOGGED_OUT_STATEMENTS, "\n".join(s[:150] for s in counter.statements)
    with count_queries() as counter:
        again = client.get(url)
    assert again.text == response.text
    assert counter.count == LOGGED_OUT_CACHED_STATEMENTS


@pytest.mark.parametrize("answers", [10, 100])
def test_topic_page_statements_logged_in(login, member, count_queries, topic_with_answers, answers):
    url = topic_with_answers(answers)
    browser = login(member)
    browser.get("/")  # the day's first request records the visit; pages after it do not
    with count_queries() as counter:
        response = browser.get(url)
    assert response.status_code == 200
    assert counter.count == LOGGED_IN_STATEMENTS, "\n".join(s[:150] for s in counter.statements)
    with count_queries() as counter:
        assert browser.get(url).text.count('class="post') == min(answers, 50) + 1
    assert counter.count == LOGGED_IN_CACHED_STATEMENTS


# A list page reads the revisions of the categories it shows (on a category page, the
# category's row) and, when it is cached for them, nothing else; the first time, its
# topics with their tags, and on the home page the categories. A tag is read first.
@pytest.mark.parametrize(
    ("path", "first", "cached"), [("/", 4, 1), ("/c/help", 3, 1), ("/tags/latte", 4, 2)]
)
def test_list_page_statements(
    client, login, member, count_queries, topic_with_answers, path, first, cached
):
    topic_with_answers(3)
    for browser, extra in ((client, 0), (login(member), 1)):  # a member: their own row
        browser.get("/search")  # the day's first request records the visit
        with count_queries() as counter:
            response = browser.get(path)
        assert response.status_code == 200 and "How do I descale?" in response.text
        if browser is client:  # the member's parts are other parts: cached the same way
            assert counter.count == first, "\n".join(s[:150] for s in counter.statements)
        with count_queries() as counter:
            assert browser.get(path).text == response.text
        assert counter.count == cached + extra, "\n".join(s[:150] for s in counter.statements)

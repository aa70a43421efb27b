"""The topic page runs a fixed number of SQL statements, however many answers it shows."""

import pytest

from app.core.events import commit
from app.forum import services

LOGGED_OUT_STATEMENTS = 3  # topic + opening post, its tags, a page of answers with authors
LOGGED_IN_STATEMENTS = 6  # + the member (grants, unread count), their votes, their follow


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
                services.vote(member, post)
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


@pytest.mark.parametrize("answers", [10, 100])
def test_topic_page_statements_logged_in(login, member, count_queries, topic_with_answers, answers):
    url = topic_with_answers(answers)
    browser = login(member)
    browser.get("/")  # the day's first request records the visit; pages after it do not
    with count_queries() as counter:
        response = browser.get(url)
    assert response.status_code == 200
    assert counter.count == LOGGED_IN_STATEMENTS, "\n".join(s[:150] for s in counter.statements)

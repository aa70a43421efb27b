"""Search finds the same posts on SQLite (FTS5) and PostgreSQL: this module runs on both."""

from app.core.events import commit
from app.extensions import db
from app.forum import services
from app.forum.categories import create_category
from app.forum.deletion import delete_post
from app.forum.models import Post
from app.forum.search import search_posts


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

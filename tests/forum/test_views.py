import pytest

from app.accounts import sessions
from app.core.events import commit
from app.extensions import db
from app.forum import services, solutions, voting
from app.forum.categories import create_category
from app.forum.deletion import delete_post, restore_post
from app.forum.models import Post, Topic


def test_home_and_category_list_topics(client, member, make_topic, category):
    make_topic(member, title="Grinder makes noise")
    assert "Grinder makes noise" in client.get("/").text
    page = client.get(f"/c/{category.slug}")
    assert page.status_code == 200 and "Grinder makes noise" in page.text


def test_category_filters(client, member, other_member, make_topic, make_answer, category):
    answered = make_topic(member, title="Answered one")
    make_answer(other_member, answered)
    make_topic(member, title="Lonely one")
    solved = make_topic(member, title="Solved one")
    solutions.accept_answer(member, solved, make_answer(other_member, solved))
    commit()
    unanswered = client.get("/c/help?filter=unanswered").text
    assert "Lonely one" in unanswered and "Answered one" not in unanswered
    solved_page = client.get("/c/help?filter=solved").text
    assert "Solved one" in solved_page and "Lonely one" not in solved_page


def test_category_pagination(app, client, member, make_topic):
    app.config["TOPICS_PER_PAGE"] = 2
    for n in range(3):
        make_topic(member, title=f"Topic number {n}")
    first = client.get("/c/help").text
    second = client.get("/c/help?page=2").text
    assert first.count('class="title"') == 2 and 'rel="next"' in first
    assert second.count('class="title"') == 1 and 'rel="prev"' in second


def test_private_category_is_404_for_members(client, member, moderator, login):
    create_category("Lounge", "lounge", required_capability="category.lounge")
    commit()
    assert client.get("/c/lounge").status_code == 404
    assert login(member).get("/c/lounge").status_code == 404
    assert login(moderator).get("/c/lounge").status_code == 200


def test_ask_answer_vote_accept_through_pages(member, other_member, login, category):
    asker, helper = login(member), login(other_member)
    response = asker.post(
        "/new",
        data={"category": category.id, "kind": "question", "title": "Pump noise", "body": "Why?"},
    )
    assert response.status_code == 302
    topic = db.session.query(Topic).one()
    assert helper.post(f"/t/{topic.id}/reply", data={"body": "Prime the pump."}).status_code == 302
    answer = db.session.query(Post).filter_by(position=1).one()
    assert asker.post(f"/p/{answer.id}/vote").status_code == 302
    assert asker.post(f"/p/{answer.id}/accept").status_code == 302
    page = asker.get(f"/t/{topic.id}").text
    assert "Prime the pump." in page and "Unmark solution" in page
    db.session.refresh(answer)
    assert answer.vote_count == 1


def test_accepted_answer_is_shown_first(
    client, member, other_member, make_user, make_topic, make_answer
):
    topic = make_topic(member)
    popular = make_answer(other_member, topic, "Popular answer")
    accepted = make_answer(make_user("carl"), topic, "Accepted answer")
    voting.vote(make_user("dora"), popular)
    solutions.accept_answer(member, topic, accepted)
    commit()
    for order in ("helpful", "date"):
        page = client.get(f"/t/{topic.id}?order={order}").text
        assert page.index("Accepted answer") < page.index("Popular answer")


def test_answers_sort_by_helpfulness_or_date(
    client, member, other_member, make_user, make_topic, make_answer
):
    topic = make_topic(member)
    make_answer(other_member, topic, "Early answer")
    late = make_answer(make_user("carl"), topic, "Late answer")
    voting.vote(member, late)
    commit()
    helpful = client.get(f"/t/{topic.id}").text
    by_date = client.get(f"/t/{topic.id}?order=date").text
    assert helpful.index("Late answer") < helpful.index("Early answer")
    assert by_date.index("Early answer") < by_date.index("Late answer")


def test_script_in_posts_comes_out_inert(client, member, make_topic):
    topic = make_topic(member, title="<script>alert(1)</script>", body="<script>alert(2)</script>")
    page = client.get(f"/t/{topic.id}").text
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_oversized_body_is_a_form_error_and_keeps_the_text(member, login, make_topic):
    topic = make_topic(member)
    body = "word " * 6500
    response = login(member).post(f"/t/{topic.id}/reply", data={"body": body})
    assert response.status_code == 422
    assert "At most 32000 characters" in response.text
    assert body.strip() in response.text, "what the member wrote is not lost"
    assert db.session.query(Post).count() == 1


def test_editing_another_members_post_is_403(member, other_member, login, make_topic):
    topic = make_topic(member)
    opening = db.session.query(Post).filter_by(topic_id=topic.id).one()
    intruder = login(other_member)
    assert intruder.get(f"/p/{opening.id}/edit").status_code == 403
    assert intruder.post(f"/p/{opening.id}/edit", data={"body": "x"}).status_code == 403
    assert intruder.post(f"/p/{opening.id}/delete").status_code == 403


def test_edit_and_history_pages(member, login, make_topic, client):
    topic = make_topic(member, body="Version one")
    opening = db.session.query(Post).filter_by(topic_id=topic.id).one()
    response = login(member).post(
        f"/p/{opening.id}/edit",
        data={"title": topic.title, "body": "Version two", "reason": "clearer"},
    )
    assert response.status_code == 302
    history = client.get(f"/p/{opening.id}/history").text
    assert "Version one" in history and "Version two" in history and "clearer" in history


def test_locked_topic_page_offers_no_reply_form(client, member, other_member, login, make_topic):
    topic = make_topic(member)
    topic.locked = True
    commit()
    page = login(other_member).get(f"/t/{topic.id}").text
    assert "This topic is locked" in page and 'name="body"' not in page
    assert login(other_member).post(f"/t/{topic.id}/reply", data={"body": "hi"}).status_code == 403


def test_deleted_topic_is_404_for_members_visible_to_moderators(
    client, member, moderator, login, make_topic
):
    topic = make_topic(member)
    opening = db.session.query(Post).filter_by(topic_id=topic.id).one()
    delete_post(member, opening)
    commit()
    assert client.get(f"/t/{topic.id}").status_code == 404
    assert login(moderator).get(f"/t/{topic.id}").status_code == 200


def test_unknown_pages_are_404_not_500(client, member, login):
    assert client.get("/t/999").status_code == 404
    assert client.get("/c/nothing").status_code == 404
    assert client.get("/p/999").status_code == 404
    assert client.get("/c/help?page=-3").status_code == 404
    assert login(member).post("/p/999/vote").status_code == 404


def test_post_permalink_redirects_to_its_page(app, client, member, other_member, make_topic):
    app.config["POSTS_PER_PAGE"] = 2
    topic = make_topic(member)
    posts = [services.reply(other_member, topic, body=f"answer {n}") for n in range(3)]
    commit()
    response = client.get(f"/p/{posts[2].id}")
    assert response.status_code == 302
    assert "page=2" in response.location and f"#post-{posts[2].id}" in response.location


@pytest.mark.committed  # views are written on a connection of their own
def test_views_are_counted(app, client, member, make_topic):
    topic = make_topic(member)
    client.get(f"/t/{topic.id}")
    client.get(f"/t/{topic.id}")
    db.session.refresh(topic)
    assert topic.view_count == 2


@pytest.mark.committed  # views are written on a connection of their own
def test_views_are_buffered_not_written_per_request(app, client, member, make_topic):
    from app.forum.view_counter import views

    app.config["VIEW_FLUSH_EVERY_VIEWS"] = 3
    app.config["VIEW_FLUSH_EVERY_SECONDS"] = 3600
    topic = make_topic(member)
    client.get(f"/t/{topic.id}")
    client.get(f"/t/{topic.id}")
    db.session.refresh(topic)
    assert topic.view_count == 0
    client.get(f"/t/{topic.id}")
    db.session.refresh(topic)
    assert topic.view_count == 3
    assert views.flush() == 0


@pytest.mark.committed  # views are written on a connection of their own
def test_views_still_buffered_are_written_when_the_process_exits(app, client, member, make_topic):
    from app.forum.view_counter import flush_every_application

    app.config["VIEW_FLUSH_EVERY_VIEWS"] = 1000
    app.config["VIEW_FLUSH_EVERY_SECONDS"] = 3600
    topic = make_topic(member)
    client.get(f"/t/{topic.id}")
    client.get(f"/t/{topic.id}")
    flush_every_application()  # what the process's one exit handler does
    db.session.refresh(topic)
    assert topic.view_count == 2


def test_french_pages(client, member, make_topic):
    make_topic(member, title="Détartrage")
    page = client.get("/", headers={"Accept-Language": "fr-FR,fr;q=0.9"}).text
    assert 'lang="fr"' in page and "Catégories" in page and "Se connecter" in page


def test_tag_page_lists_tagged_topics(client, member, make_topic):
    make_topic(member, title="Frothing tips", tags="latte")
    make_topic(member, title="Grinder noise", tags="broyeur")
    page = client.get("/tags/latte")
    assert page.status_code == 200
    assert "Frothing tips" in page.text and "Grinder noise" not in page.text
    assert '<a class="tag" href="/tags/latte">latte</a>' in client.get("/").text
    assert client.get("/tags/unknown").status_code == 404


def test_forum_forms_without_csrf_are_400(app, member, make_topic):
    topic = make_topic(member)
    browser = app.test_client()
    sessions.start(member)
    commit()
    with browser.session_transaction() as session:
        session["_user_id"] = member.get_id()
    assert browser.post(f"/t/{topic.id}/reply", data={"body": "hi"}).status_code == 400
    assert browser.post("/new", data={"title": "x", "body": "y"}).status_code == 400
    assert db.session.query(Post).count() == 1


def test_huge_ids_and_pages_are_404_not_500(client, member, login):
    huge = "9" * 25
    for url in (f"/t/{huge}", f"/p/{huge}", f"/p/{huge}/history", f"/notifications/{huge}"):
        assert client.get(url).status_code == 404, url
    assert login(member).get(f"/notifications/?page={huge}").status_code == 404
    assert login(member).post(f"/p/{huge}/vote").status_code == 404


def test_category_counts_survive_deletes_inside_a_deleted_topic(
    member, other_member, moderator, make_topic, make_answer, category
):
    topic = make_topic(member)
    first = make_answer(other_member, topic)
    make_answer(other_member, topic)
    opening = db.session.query(Post).filter_by(topic_id=topic.id, position=0).one()
    delete_post(moderator, opening)
    commit()
    delete_post(moderator, first)
    commit()
    restore_post(moderator, opening)
    commit()
    db.session.refresh(category)
    db.session.refresh(topic)
    assert (category.topic_count, category.post_count, topic.reply_count) == (1, 2, 1)

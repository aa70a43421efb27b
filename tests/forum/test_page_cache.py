"""Visitors share cached topic pages; any change to the topic shows at once."""

from app.core.events import commit
from app.core.page_cache import ENTRY_BYTES, PageCache
from app.forum import services, solutions, topic_state, voting
from app.forum.categories import create_category
from app.forum.deletion import delete_post


def test_visitor_pages_carry_no_cookie_and_no_token(client, member, make_topic):
    topic = make_topic(member)
    response = client.get(f"/t/{topic.id}")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert "csrf_token" not in response.text


def test_changes_show_at_once_to_visitors(client, member, other_member, make_topic, make_answer):
    topic = make_topic(member)
    assert "Clean the wand" not in client.get(f"/t/{topic.id}").text
    answer = make_answer(other_member, topic, "Clean the wand")
    assert "Clean the wand" in client.get(f"/t/{topic.id}").text
    voting.vote(member, answer)
    commit()
    assert "1 helpful vote" in client.get(f"/t/{topic.id}").text
    services.edit_post(other_member, answer, body="Descale the wand")
    commit()
    assert "Descale the wand" in client.get(f"/t/{topic.id}").text


def test_cache_keys_include_language_and_query(client, member, make_topic):
    topic = make_topic(member)
    english = client.get(f"/t/{topic.id}").text
    french = client.get(f"/t/{topic.id}", headers={"Accept-Language": "fr"}).text
    assert 'lang="en"' in english and 'lang="fr"' in french


def test_flash_messages_are_never_cached(app, member, make_topic, login):
    topic = make_topic(member)
    browser = app.test_client()
    with browser.session_transaction() as session:
        session["_flashes"] = [("success", "You are logged out.")]
    assert "You are logged out." in browser.get(f"/t/{topic.id}").text
    assert "You are logged out." not in app.test_client().get(f"/t/{topic.id}").text


def test_members_are_not_served_the_visitor_copy(client, member, other_member, make_topic, login):
    topic = make_topic(member)
    client.get(f"/t/{topic.id}")
    page = login(other_member).get(f"/t/{topic.id}").text
    assert "Log out" in page and 'id="actions"' in page


def test_restricted_and_deleted_topics_stay_hidden(client, member, moderator, make_topic):
    lounge = create_category("Lounge", "lounge", required_capability="category.lounge")
    commit()
    secret = make_topic(moderator, title="Secret", in_category=lounge)
    assert client.get(f"/t/{secret.id}").status_code == 404


def test_language_links_for_visitors(client, member, make_topic):
    topic = make_topic(member)
    response = client.get(f"/language/fr?next=/t/{topic.id}")
    assert response.status_code == 302 and response.location.endswith(f"/t/{topic.id}")
    assert 'lang="fr"' in client.get(f"/t/{topic.id}").text
    assert client.get("/language/xx").status_code == 404
    assert client.get("/language/en?next=https://evil.example").location == "/"


def test_page_cache_is_bounded_in_bytes_and_expires():
    entry = 100 + ENTRY_BYTES  # what an entry of 100 bytes weighs, its key included
    cache = PageCache(max_bytes=2 * entry, ttl_seconds=60)
    cache.set("a", "A", 100)
    cache.set("b", "B", 100)
    cache.get("a")
    cache.set("c", "C", 100)
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == ("A", None, "C")
    assert cache.bytes == 2 * entry
    cache.set("big", "X", 10 * entry)  # larger than the whole bound: not kept
    assert cache.get("big") is None and cache.get("a") == "A"
    cache.set("d", "D", 100 + entry)  # room for it alone
    assert (cache.get("a"), cache.get("c"), cache.get("d")) == (None, None, "D")
    expired = PageCache(max_bytes=2 * entry, ttl_seconds=-1)
    expired.set("a", "A", 100)
    assert expired.get("a") is None
    kept = PageCache(max_bytes=2 * entry, ttl_seconds=-1)
    kept.set("a", "A", 100, ttl_seconds=60)  # an entry's own time-to-live
    assert kept.get("a") == "A"
    assert PageCache(max_bytes=0).get("a") is None


def test_members_sharing_a_cached_page_each_see_their_own_buttons(
    member, other_member, make_user, make_topic, make_answer, login
):
    topic = make_topic(member)
    mine = make_answer(other_member, topic, "Bruno's answer")
    theirs = make_answer(make_user("carla"), topic, "Carla's answer")
    voting.vote(other_member, theirs)
    commit()
    bruno, dora = login(other_member), login(make_user("dora"))
    as_dora = dora.get(f"/t/{topic.id}").text
    as_bruno = bruno.get(f"/t/{topic.id}").text
    assert f'formaction="/p/{mine.id}/edit"' not in as_dora
    assert f'href="/p/{mine.id}/edit"' in as_bruno, "his own answer: edit, no vote"
    assert f'formaction="/p/{mine.id}/vote"' in as_dora
    assert f'formaction="/p/{mine.id}/vote"' not in as_bruno
    assert f'formaction="/p/{theirs.id}/unvote"' in as_bruno, "his vote shows as cast"
    assert f'formaction="/p/{theirs.id}/vote"' in as_dora
    assert f'href="/p/{mine.id}/edit"' not in dora.get(f"/t/{topic.id}").text


def test_a_members_votes_show_on_each_page_as_the_page_changes(
    app, member, other_member, make_user, make_topic, make_answer, login
):
    """Votes are read with the revision for the posts the page last showed: they must
    still be this member's, on this page, after votes and new answers change it."""
    app.config["POSTS_PER_PAGE"] = 2
    topic = make_topic(member)
    first, second, third = (make_answer(make_user(), topic, f"Answer {n}") for n in range(3))
    bruno = login(other_member)
    page_two = f"/t/{topic.id}?order=date&page=2"
    for url in (f"/t/{topic.id}?order=date", page_two):
        bruno.get(url)  # seen once: the next views read votes with the revision
    assert bruno.post(f"/p/{third.id}/vote").status_code == 302
    for _ in range(2):
        shown = bruno.get(page_two).text
        assert f'formaction="/p/{third.id}/unvote"' in shown
        assert f'formaction="/p/{first.id}/' not in shown, "page 1's post is not on page 2"
        assert f'formaction="/p/{first.id}/vote"' in bruno.get(f"/t/{topic.id}?order=date").text
    dora = login(make_user("dora"))
    assert f'formaction="/p/{third.id}/vote"' in dora.get(page_two).text, "Bruno's vote only"
    fourth = make_answer(make_user(), topic, "Answer 3")  # page 2: the third and fourth
    assert bruno.post(f"/p/{fourth.id}/vote").status_code == 302
    shown = bruno.get(page_two).text
    assert f'formaction="/p/{third.id}/unvote"' in shown
    assert f'formaction="/p/{fourth.id}/unvote"' in shown, "a post the page did not show"
    assert bruno.post(f"/p/{third.id}/unvote").status_code == 302
    assert f'formaction="/p/{third.id}/vote"' in bruno.get(page_two).text
    assert f'formaction="/p/{second.id}/vote"' in bruno.get(f"/t/{topic.id}?order=date").text


def test_language_links_refuse_disguised_external_targets(client):
    for target in (
        "/%09/evil.example",
        "//evil.example",
        "/\\evil.example",
        "https://evil.example",
    ):
        response = client.get(f"/language/en?next={target}")
        assert response.location == "/", target


def test_cached_chrome_and_topic_header_follow_each_viewer(
    member, other_member, moderator, make_topic, login
):
    """The parts cached per language and member still show each viewer's own rights."""
    from app.core.notifications import notify

    topic = make_topic(member)
    url = f"/t/{topic.id}"
    bruno, claire = login(other_member), login(moderator)
    for _ in range(2):  # the second round is served from the cached parts
        as_bruno, as_claire = bruno.get(url).text, claire.get(url).text
        assert "Manage topic" not in as_bruno and ">Manage<" not in as_bruno
        assert "Manage topic" in as_claire and ">Manage<" in as_claire
        assert ">bruno</a>" in as_bruno and ">mod_claire</a>" in as_claire
        assert 'class="count"' not in as_bruno
    notify([other_member.id], "moderation.warned", "/", reason="test")
    commit()
    assert 'class="count">1</span>' in bruno.get(url).text
    assert "Stop following" not in bruno.get(url).text
    assert bruno.post(f"/t/{topic.id}/follow").status_code == 302
    assert "Stop following" in bruno.get(url).text


def test_two_browsers_of_one_member_each_get_their_own_csrf_token(
    app, member, other_member, make_topic, login
):
    import re

    topic = make_topic(member)
    tokens = []
    browsers = [login(other_member), login(other_member)]
    with browsers[1].client.session_transaction() as session:
        session["csrf_token"] = "another-browser"
    for browser in browsers:
        page = browser.get(f"/t/{topic.id}").text
        found = set(re.findall(r'name="csrf_token" value="([^"]+)"', page))
        assert len(found) == 1
        tokens.append(found.pop())
    assert tokens[0] != tokens[1]
    for browser, token in zip(browsers, tokens, strict=True):
        response = browser.client.post(f"/t/{topic.id}/follow", data={"csrf_token": token})
        assert response.status_code == 302


def test_topic_lists_show_each_change_at_once(
    client, member, other_member, moderator, make_topic, make_answer, category
):
    """Rows are rendered once per what they show: every change still shows at once."""
    from app.forum import topic_actions

    topic = make_topic(member, title="Grinder noise", tags="grinder")
    pages = ("/", f"/c/{category.slug}", "/tags/grinder")
    for page in pages:
        shown = client.get(page).text
        assert "Grinder noise" in shown and "<b>0</b>" in shown
    answer = make_answer(other_member, topic, "Check the burrs.")
    solutions.accept_answer(member, topic, answer)
    services.edit_post(member, topic_opening(topic), body="It squeaks.", title="Grinder squeak")
    topic_actions.pin_topic(moderator, topic)
    topic_actions.retag_topic(moderator, topic, "grinder, burrs")
    commit()
    for page in pages:
        shown = client.get(page).text
        assert "Grinder squeak" in shown and "Grinder noise" not in shown, page
        assert "<b>1</b>" in shown and "solved" in shown and "Pinned" in shown, page
        assert "/tags/burrs" in shown, page
        assert "(bruno)" in shown, "the latest poster"
    french = client.get(f"/c/{category.slug}", headers={"Accept-Language": "fr"}).text
    assert "Épinglé" in french


def topic_opening(topic):
    from app.extensions import db
    from app.forum.models import Post

    return db.session.query(Post).filter_by(topic_id=topic.id, position=0).one()


def test_moves_deletions_merges_and_hidden_topics_show_at_once_in_lists(
    client, member, other_member, moderator, make_topic, make_answer, category, login
):
    """Lists are cached per category revision: every change they show bumps it."""
    from app.forum import topic_actions, topic_merge

    kitchen = create_category("Kitchen", "kitchen")
    commit()
    wand = make_topic(member, title="Steam wand")
    froth = make_topic(other_member, title="Milk froth")
    make_answer(other_member, froth, "Use cold milk.")
    pages = ("/", f"/c/{category.slug}", "/c/kitchen")

    def shown(browser=client):
        return [browser.get(page).text for page in pages]

    shown()
    topic_actions.move_topic(moderator, wand, kitchen)
    commit()
    home, help_page, kitchen_page = shown()
    assert "Steam wand" not in help_page and "Steam wand" in kitchen_page
    assert home.count("1 topic") == 2, "both categories' counts"
    topic_actions.lock_topic(moderator, froth)
    commit()
    assert "Locked" in shown()[1]
    topic_state.hide_post(topic_opening(froth), "flags")
    commit()
    claire = login(moderator)
    shown(claire)
    assert "Milk froth" not in shown()[1], "hidden from members and visitors"
    assert "Milk froth" in shown(claire)[1], "moderators see it"
    topic_state.unhide_post(topic_opening(froth))
    commit()
    assert "Milk froth" in shown()[1]
    wand_opening = topic_opening(wand).id
    topic_merge.merge_topics(moderator, wand, froth)
    commit()
    home, help_page, kitchen_page = shown()
    assert "Steam wand" not in kitchen_page and "Steam wand" not in home
    assert "<b>2</b>" in help_page, "the merged topic's answers"
    answer = topic_merge.split_topic(moderator, froth, [wand_opening], title="Wand again")
    commit()
    assert "Wand again" in shown()[1]
    delete_post(moderator, topic_opening(answer))
    commit()
    assert "Wand again" not in shown()[1]
    create_category("Lounge", "lounge", required_capability="category.lounge")
    commit()
    assert "Lounge" in shown(claire)[0] and "Lounge" not in shown()[0]

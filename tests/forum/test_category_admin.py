"""/admin/categories: administrators create, edit, reorder, restrict and archive categories,
through the pages' own forms; every change is in the audit log."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.core.events import commit
from app.extensions import db
from app.forum import services as forum_services
from app.forum.categories import create_category
from app.forum.category_changes import set_archived
from app.forum.errors import ForumError
from app.forum.models import Category
from app.moderation.models import AuditEntry
from tests.support import at_once, form_submission

LIST = "/admin/categories/"
NEW = "/admin/categories/new"


def _audit(action: str) -> list[AuditEntry]:
    return list(
        db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        )
    )


def _order() -> list[str]:
    db.session.expire_all()
    return list(
        db.session.scalars(select(Category.slug).order_by(Category.position, Category.name))
    )


def _listed(page: str) -> list[str]:
    """The categories' addresses in the order the administrators' list shows them."""
    return re.findall(r"<small>/c/([a-z0-9-]+)</small>", page)


def _home_categories(page: str) -> str:
    """The home page's list of categories (its latest topics name theirs too)."""
    found = re.search(r'<section class="categories">.*?</section>', page, re.S)
    assert found is not None
    return found.group(0)


@pytest.fixture
def machines(category: Category) -> list[Category]:
    """Three categories in order: help (the fixture's), machines, milk."""
    made = [
        create_category("Machines", "machines", position=1),
        create_category("Milk", "milk", position=2),
    ]
    commit()
    return [category, *made]


def test_the_hub_links_the_list_which_shows_the_order_and_topic_counts(
    admin, login, machines, make_topic, member
):
    make_topic(member, in_category=machines[1])
    browser = login(admin)
    hub = browser.get("/admin/").text
    assert f'<a href="{LIST}">Categories</a>' in hub
    page = browser.get(LIST)
    assert page.status_code == 200
    assert _listed(page.text) == ["help", "machines", "milk"]
    row = re.search(rf'<tr id="category-{machines[1].id}".*?</tr>', page.text, re.S)
    assert row is not None and '<td data-label="Topics" class="num">1</td>' in row.group(0)


def test_an_administrator_creates_a_category_the_home_page_then_shows(admin, login, client):
    browser = login(admin)
    client.get("/")  # the home page is cached: the new category must show all the same
    url, data = form_submission(
        browser.get(NEW).text, NEW, name="Machines à café", description="Pods, filters, foam."
    )
    response = browser.post(url, data)
    assert response.status_code == 302 and response.headers["Location"].endswith(LIST)
    created = db.session.scalars(select(Category).filter_by(slug="machines-a-cafe")).one()
    assert (created.name, created.description, created.required_capability) == (
        "Machines à café", "Pods, filters, foam.", None,
    )  # fmt: skip
    assert "Machines à café" in client.get("/").text
    assert "Machines à café" in browser.get(LIST).text
    entry = _audit("category.create")[-1]
    assert (entry.actor_id, entry.target_type) == (admin.id, "category")
    assert entry.target_id == created.id
    assert entry.after["slug"] == "machines-a-cafe"


def test_a_restricted_category_is_shown_only_to_who_holds_the_capability(
    admin, login, member, moderator
):
    browser = login(admin)
    url, data = form_submission(
        browser.get(NEW).text, NEW, name="Team room", slug="team", required_capability="flag.review"
    )
    assert browser.post(url, data).status_code == 302
    assert "Team room" not in login(member).get("/").text
    assert "Team room" in login(moderator).get("/").text
    assert login(member).get("/c/team").status_code == 404


@pytest.mark.parametrize(
    ("typed", "field_error"),
    [
        ({"name": "Help"}, "Another category has this name."),
        ({"name": "Other help", "slug": "help"}, "This slug is taken."),
        ({"name": "Helpers", "slug": "Not a slug!"}, "Lowercase letters, digits and dashes only"),
        ({"name": "   "}, "Give the category a name."),
        ({"name": "x" * 81}, "At most 80 characters."),
        ({"name": "OK", "required_capability": "no.such"}, "Not a valid choice"),
    ],
)
def test_a_form_error_never_a_500(admin, login, category, typed, field_error):
    browser = login(admin)
    url, data = form_submission(browser.get(NEW).text, NEW, **typed)
    response = browser.post(url, data)
    assert response.status_code == 422
    assert field_error in response.text
    assert _order() == ["help"]


def test_editing_renames_restricts_and_is_audited(admin, login, machines, client):
    browser = login(admin)
    client.get("/c/machines")  # cached under its revision
    edit = f"/admin/categories/{machines[1].id}/edit"
    form = browser.get(edit).text
    assert 'value="machines"' in form
    url, data = form_submission(form, edit, name="Coffee machines", slug="coffee-machines")
    assert browser.post(url, data).status_code == 302
    assert client.get("/c/machines").status_code == 404
    assert "<h1>Coffee machines</h1>" in client.get("/c/coffee-machines").text
    entry = _audit("category.edit")[-1]
    assert entry.before == {"name": "Machines", "slug": "machines"}
    assert entry.after == {"name": "Coffee machines", "slug": "coffee-machines"}
    # Saving the form unchanged changes nothing and logs nothing.
    url, data = form_submission(browser.get(edit).text, edit)
    assert "Nothing changed." in browser.post(url, data, follow_redirects=True).text
    assert len(_audit("category.edit")) == 1
    # A slug another category holds: a form error.
    url, data = form_submission(browser.get(edit).text, edit, slug="milk")
    response = browser.post(url, data)
    assert response.status_code == 422 and "This slug is taken." in response.text


def test_moving_up_and_down_through_the_list_buttons(admin, login, machines, client):
    browser = login(admin)
    client.get("/")
    milk = machines[2]
    up = f"/admin/categories/{milk.id}/move/up"
    url, data = form_submission(browser.get(LIST).text, up)
    assert browser.post(url, data).status_code == 302
    assert _order() == ["help", "milk", "machines"]
    assert _listed(browser.get(LIST).text) == ["help", "milk", "machines"]
    home = client.get("/").text
    assert home.index("/c/milk") < home.index("/c/machines")
    # The same button again (the list it was on is gone): nothing moves.
    page = browser.post(url, data, follow_redirects=True).text
    assert "The order had changed meanwhile" in page
    assert _order() == ["help", "milk", "machines"]
    down = f"/admin/categories/{machines[0].id}/move/down"
    url, data = form_submission(browser.get(LIST).text, down)
    assert browser.post(url, data).status_code == 302
    assert _order() == ["milk", "help", "machines"]
    assert [e.after for e in _audit("category.move")] == [{"position": 1}, {"position": 1}]
    # The first has no Move up, the last no Move down.
    page = browser.get(LIST).text
    assert f"/admin/categories/{milk.id}/move/up" not in page
    assert f"/admin/categories/{machines[1].id}/move/down" not in page


def test_two_clicks_at_once_on_move_up_move_it_once(admin, login, machines):
    milk = machines[2]
    up = f"/admin/categories/{milk.id}/move/up"
    url, data = form_submission(login(admin).get(LIST).text, up)
    clicks = [login(admin) for _ in range(6)]
    statuses = at_once(6, lambda i: clicks[i].client.post(url, data=data).status_code)
    assert statuses == [302] * 6
    assert _order() == ["help", "milk", "machines"]
    positions = list(db.session.scalars(select(Category.position).order_by(Category.position)))
    assert positions == [0, 1, 2]
    assert len(_audit("category.move")) == 1


def test_different_moves_at_once_keep_a_consistent_order(admin, login, machines):
    page = login(admin).get(LIST).text
    moves = [
        form_submission(page, f"/admin/categories/{machines[2].id}/move/up"),
        form_submission(page, f"/admin/categories/{machines[0].id}/move/down"),
        form_submission(page, f"/admin/categories/{machines[1].id}/move/down"),
    ]
    clicks = [login(admin) for _ in moves]
    at_once(len(moves), lambda i: clicks[i].client.post(moves[i][0], data=moves[i][1]))
    db.session.expire_all()
    positions = sorted(db.session.scalars(select(Category.position)))
    assert positions == [0, 1, 2]
    assert sorted(_order()) == ["help", "machines", "milk"]


def test_two_creates_at_once_make_one_category(admin, login, category):
    url, data = form_submission(login(admin).get(NEW).text, NEW, name="Descaling")
    clicks = [login(admin) for _ in range(5)]
    statuses = at_once(5, lambda i: clicks[i].client.post(url, data=data).status_code)
    assert sorted(statuses) == [302] + [422] * 4
    assert _order() == ["help", "descaling"]
    assert len(_audit("category.create")) == 1


def test_an_archived_category_takes_no_topics_and_leaves_the_lists(
    admin, login, machines, member, make_topic
):
    topic = make_topic(member, in_category=machines[1], title="Grinder noise")
    browser = login(admin)
    archive = f"/admin/categories/{machines[1].id}/archive"
    url, data = form_submission(browser.get(LIST).text, archive)
    assert "archived: it takes no new topics" in browser.post(url, data, follow_redirects=True).text
    reader = login(member)
    assert "/c/machines" not in _home_categories(reader.get("/").text)
    new_topic = reader.get("/new").text
    assert ">Machines</option>" not in new_topic
    # Its page and topics stay readable by link.
    page = reader.get("/c/machines").text
    assert "This category is archived" in page and "Grinder noise" in page
    assert "New topic" not in page
    assert reader.get(f"/t/{topic.id}").status_code == 200
    db.session.expire_all()
    with pytest.raises(ForumError, match="archived"):
        forum_services.create_topic(
            member, db.session.get(Category, machines[1].id), title="More noise", body="Why?"
        )
    db.session.rollback()
    # Archiving twice (a double click) logs once; unarchiving brings it back.
    browser.post(url, data)
    assert len(_audit("category.archive")) == 1
    unarchive = f"/admin/categories/{machines[1].id}/unarchive"
    url, data = form_submission(browser.get(LIST).text, unarchive)
    assert "is back in the lists" in browser.post(url, data, follow_redirects=True).text
    assert "/c/machines" in _home_categories(reader.get("/").text)
    assert len(_audit("category.unarchive")) == 1


def test_a_topic_cannot_be_moved_into_an_archived_category(admin, login, machines, make_topic):
    topic = make_topic(admin)
    browser = login(admin)
    url, data = form_submission(
        browser.get(LIST).text, f"/admin/categories/{machines[2].id}/archive"
    )
    browser.post(url, data)
    page = browser.get(f"/t/{topic.id}/manage").text
    assert ">Milk</option>" not in page
    response = browser.post(
        f"/t/{topic.id}/manage/move", {"category": str(machines[2].id), "reason": ""}
    )
    assert response.status_code in (200, 422)
    db.session.expire_all()
    assert db.session.get(type(topic), topic.id).category_id == machines[0].id


def test_the_audit_log_names_the_changes_in_words(admin, login, machines):
    browser = login(admin)
    url, data = form_submission(
        browser.get(LIST).text, f"/admin/categories/{machines[1].id}/archive"
    )
    browser.post(url, data)
    assert "Category archived" in browser.get("/manage/log").text


@pytest.mark.parametrize("role", ["member", "moderator", "staff"])
def test_only_who_manages_categories_opens_the_pages(make_user, login, role, category):
    browser = login(make_user(f"cat_{role}", role=role))
    assert browser.get(LIST).status_code == 403
    assert browser.post(NEW, {"name": "Sneaky"}).status_code == 403
    assert browser.post(f"/admin/categories/{category.id}/archive").status_code == 403
    assert _order() == ["help"]


def test_an_unknown_category_is_404(admin, login):
    browser = login(admin)
    assert browser.get("/admin/categories/999999/edit").status_code == 404
    assert browser.post("/admin/categories/999999/archive").status_code == 404
    assert browser.post("/admin/categories/999999/move/up", {"seen_at": "0"}).status_code == 404


def test_the_pages_speak_french(make_user, login, machines):
    browser = login(make_user("admin_fr", role="admin", locale="fr"))
    page = browser.get(LIST).text
    assert "<h1>Catégories</h1>" in page and "Nouvelle catégorie" in page
    assert "Descendre" in page and "Archiver" in page
    form = browser.get(NEW).text
    assert "Qui peut la lire" in form and "Tout le monde" in form
    url, data = form_submission(form, NEW, name="Help")
    assert "Une autre catégorie porte ce nom." in browser.post(url, data).text
    assert "Catégories" in browser.get("/admin/").text


def test_the_list_runs_a_fixed_number_of_statements(admin, login, machines, count_queries):
    browser = login(admin)
    browser.get(LIST)
    with count_queries() as few:
        browser.get(LIST)
    for n in range(5):
        create_category(f"More {n}", f"more-{n}", position=10 + n)
    commit()
    with count_queries() as many:
        browser.get(LIST)
    assert many.count == few.count


def test_archiving_at_once_archives_and_logs_once(admin, login, machines):
    archive = f"/admin/categories/{machines[1].id}/archive"
    url, data = form_submission(login(admin).get(LIST).text, archive)
    clicks = [login(admin) for _ in range(6)]
    statuses = at_once(6, lambda i: clicks[i].client.post(url, data=data).status_code)
    assert statuses == [302] * 6
    assert len(_audit("category.archive")) == 1
    db.session.expire_all()
    assert db.session.get(Category, machines[1].id).archived_at is not None


def test_two_categories_renamed_to_one_address_at_once_is_a_form_error(admin, login, machines):
    edits = []
    for target in machines[1:]:
        edit = f"/admin/categories/{target.id}/edit"
        edits.append(form_submission(login(admin).get(edit).text, edit, slug="coffee"))
    clicks = [login(admin) for _ in edits]
    statuses = at_once(2, lambda i: clicks[i].client.post(edits[i][0], data=edits[i][1]))
    assert sorted(s.status_code for s in statuses) == [302, 422]
    assert "This slug is taken." in next(s.text for s in statuses if s.status_code == 422)
    assert _order().count("coffee") == 1


def test_editing_a_private_space_keeps_its_capability(admin, login):
    space = create_category("Preview club", "preview-club", required_capability="space.campaign.7")
    commit()
    browser = login(admin)
    edit = f"/admin/categories/{space.id}/edit"
    page = browser.get(edit).text
    assert '<option selected value="space.campaign.7">' in page
    url, data = form_submission(page, edit, description="For the preview's guests")
    assert browser.post(url, data).status_code == 302
    db.session.expire_all()
    kept = db.session.get(Category, space.id)
    assert (kept.required_capability, kept.description) == (
        "space.campaign.7", "For the preview's guests",
    )  # fmt: skip
    assert "space.campaign.7" in browser.get(LIST).text


def test_the_command_line_list_says_which_are_archived(app, admin, machines):
    set_archived(admin, machines[2], True)
    commit()
    listed = app.test_cli_runner().invoke(args=["categories", "list"]).output
    assert [line.endswith("(archived)") for line in listed.splitlines()] == [False, False, True]

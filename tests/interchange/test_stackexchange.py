"""`tribune import stackexchange DIR`: a dump-shaped fixture mapped into Tribune."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.accounts.models import User
from app.ambassadors.models import AmbassadorStatus, EngagementScore
from app.badges.models import LedgerEntry
from app.extensions import db
from app.forum.models import AnonymousVote, Category, Post, PostVote, Topic

DUMP = Path(__file__).parent / "stackexchange"


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def dump(tmp_path) -> Path:
    copy = tmp_path / "coffee.stackexchange.com"
    shutil.copytree(DUMP, copy)
    return copy


def run(app, dump: Path, *options: str):
    return app.test_cli_runner().invoke(args=["import", "stackexchange", str(dump), *options])


def topic_titled(title: str) -> Topic:
    return db.session.scalars(select(Topic).where(Topic.title == title)).one()


def posts_of(topic: Topic) -> list[Post]:
    return list(db.session.scalars(
        select(Post).where(Post.topic_id == topic.id).order_by(Post.position)
    ))  # fmt: skip


def member(name: str) -> User:
    return db.session.scalars(select(User).where(User.username == name)).one()


def test_a_dump_comes_in_with_its_history(app, dump, client):
    result = run(app, dump)
    # The answer whose question is not in the dump is skipped, not refused: exit 0.
    assert result.exit_code == 0, result.output
    assert "1 skipped: not in the dump" in result.output and "refused record" not in result.output
    assert "Badges.xml is not imported" in result.output

    # Members: every user, and one account for the posts of deleted ones; no password,
    # no address that can receive mail.
    assert count(User) == 5
    assert all(u.password_hash is None and u.email.endswith("@users.invalid")
               for u in db.session.scalars(select(User)))  # fmt: skip
    elodie = member("Elodie_Barista")
    assert elodie.created_at.isoformat() == "2015-01-27T20:10:01.533000+00:00"
    assert elodie.bio == "Roasting at home since 2010."
    assert [c.name for c in db.session.scalars(select(Category))] == ["coffee.stackexchange.com"]

    sour = topic_titled("Why is my espresso sour?")
    assert sour.kind == "question" and [t.name for t in sour.tags] == ["espresso", "extraction"]
    assert sour.created_at.isoformat() == "2015-01-28T09:00:00+00:00"
    assert topic_titled("Burr grinder for a beginner").locked  # closed on the site
    posts = posts_of(sour)
    # Answers and comments in time order; comments reply to the post they are on.
    assert [p.body_source[:24] for p in posts] == [
        "<p>My espresso tastes <s", "Which beans do you use?", "<p>Under-extraction: gri",
        "Finer worked for me, **t", "<p>Check your water temp", "Same here.",
    ]  # fmt: skip
    opening, beans, answer, thanks, water, same = posts
    assert "<script>" not in opening.body_html and "<strong>sour</strong>" in opening.body_html
    assert beans.reply_to_post_id == opening.id and thanks.reply_to_post_id == answer.id
    assert "<strong>thanks</strong>" in thanks.body_html
    assert water.author_id == same.author_id == member("former_member").id
    assert sour.accepted_post_id == answer.id and sour.reply_count == 5
    grinder_answer = posts_of(topic_titled("Burr grinder for a beginner"))[1]
    assert "javascript" not in grinder_answer.body_html

    # Up-votes count for the post and its author, at their dates, without voters.
    assert count(PostVote) == 0 and count(AnonymousVote) == 4
    assert (answer.vote_count, opening.vote_count, water.vote_count) == (2, 1, 0)
    assert "3 not taken" in result.output.replace("  ", " ").replace("  ", " ")
    votes = db.session.scalars(select(LedgerEntry).where(
        LedgerEntry.user_id == elodie.id, LedgerEntry.action == "answer_voted"
    ).order_by(LedgerEntry.created_at)).all()  # fmt: skip
    assert [(e.points, e.actor_id, e.created_at.date().isoformat()) for e in votes] == [
        (10, None, "2015-01-28"), (10, None, "2015-01-29"), (10, None, "2015-03-03"),
    ]  # fmt: skip
    db.session.expire_all()
    # Two answers and a comment (1 each), three votes (10 each), one solution (15), and
    # the first answers to two newcomers' first questions (Tom's: grinder42's comment came
    # first, but a comment is not an answer; grinder42 joined a month before his).
    assert member("Elodie_Barista").points == 3 + 30 + 15 + 5 + 5

    page = client.get(f"/t/{sour.id}").get_data(as_text=True)
    assert "Under-extraction" in page and "Which beans do you use?" in page


def test_a_category_per_most_used_tag(app, dump):
    run(app, dump, "--categories", "top-tags", "--top-tags", "1")
    assert [(c.name, c.slug) for c in db.session.scalars(select(Category).order_by(
        Category.position))] == [("grinder", "grinder"), ("Other topics", "other")]  # fmt: skip
    by_slug = {c.id: c.slug for c in db.session.scalars(select(Category))}
    assert by_slug[topic_titled("Burr grinder for a beginner").category_id] == "grinder"
    assert by_slug[topic_titled("Why is my espresso sour?").category_id] == "other"


def test_importing_a_dump_twice_changes_nothing(app, dump):
    run(app, dump)
    models = (User, Topic, Post, AnonymousVote, LedgerEntry)
    before = [count(m) for m in models]
    again = run(app, dump)
    assert [count(m) for m in models] == before
    assert "already in" in again.output


def test_xml_that_is_not_well_formed_is_reported_with_file_and_line(app, dump):
    posts = dump / "Posts.xml"
    lines = posts.read_text().splitlines()
    lines[3] = lines[3].replace("/>", ">")  # an unclosed row
    posts.write_text("\n".join(lines))
    result = run(app, dump)
    assert result.exit_code == 1
    assert f"{posts}:" in result.output and "not well-formed XML" in result.output


def test_entity_declarations_are_refused(app, dump):
    (dump / "Users.xml").write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE users [<!ENTITY lol "lol">]>\n'
        '<users><row Id="9" DisplayName="&lol;" CreationDate="2015-01-01T00:00:00" /></users>\n'
    )
    result = run(app, dump)
    assert result.exit_code == 1 and "entity declarations are refused" in result.output
    assert count(User) == 0


def test_a_folder_without_posts_is_not_a_dump(app, tmp_path):
    result = run(app, tmp_path)
    assert result.exit_code == 1 and "Posts.xml: missing" in result.output


def test_the_ambassador_job_sees_the_community_as_it_stood_on_a_date(app, dump):
    run(app, dump)
    runner = app.test_cli_runner()

    def ambassadors_on(day: str) -> set[str]:
        result = runner.invoke(args=["jobs", "run", "identify-ambassadors", "--as-of", day,
                                     "-o", "window_days=60"])  # fmt: skip
        assert result.exit_code == 0, result.output
        return set(db.session.scalars(
            select(User.username).join(AmbassadorStatus, AmbassadorStatus.user_id == User.id)
            .where(AmbassadorStatus.status == "ambassador")
        ))  # fmt: skip

    # On 2015-02-15 Élodie had written one answer: under the activity floor (3 posts).
    assert ambassadors_on("2015-02-15") == set()
    # By 2015-03-10 she had answered twice and commented: a comment is not a post, so
    # she is still under the floor of 3 posts; with a floor of 2 she is the top 1%.
    assert ambassadors_on("2015-03-10") == set()
    app.config["AMBASSADOR_MIN_POSTS"] = 2
    assert ambassadors_on("2015-03-11") == {"Elodie_Barista"}
    latest = db.session.scalars(select(EngagementScore).where(
        EngagementScore.user_id == member("Elodie_Barista").id
    ).order_by(EngagementScore.run_id.desc())).first()  # fmt: skip
    # Her three up-votes count, without voters, at the anonymous weight (0.5 each).
    assert latest is not None and latest.helpful_votes == 1.5

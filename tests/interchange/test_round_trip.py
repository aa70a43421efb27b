"""An export imported into an empty Tribune gives the same community."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from app.accounts.models import User
from app.ambassadors.models import AmbassadorStatus, ExternalSignal
from app.badges.history import rebuild_from_history
from app.badges.models import BadgeAward
from app.core.events import commit
from app.core.scheduler import run_job
from app.extensions import db
from app.forum import solutions, voting
from app.forum.deletion import delete_post
from app.forum.models import AnonymousVote, Post, Topic
from tests.conftest import empty_database


def snapshot() -> dict:
    """What the pages show, by names rather than ids."""
    users = {u.id: u for u in db.session.scalars(select(User))}
    topics = {}
    for topic in db.session.scalars(select(Topic)):
        posts = db.session.scalars(
            select(Post).where(Post.topic_id == topic.id).order_by(Post.position)
        ).all()
        accepted = next((p.body_source for p in posts if p.id == topic.accepted_post_id), None)
        topics[topic.title] = {
            "kind": topic.kind,
            "tags": [tag.name for tag in topic.tags],
            "posts": [
                (
                    users[p.author_id].username,
                    p.body_html,
                    p.body_format,
                    p.vote_count,
                    p.deleted_at is not None,
                )
                for p in posts
            ],
            "deleted": topic.deleted_at is not None,
            "accepted": accepted,
            "replies": topic.reply_count,
        }
    badges = defaultdict(set)
    for user_id, badge in db.session.execute(
        select(BadgeAward.user_id, BadgeAward.badge).where(BadgeAward.revoked_at.is_(None))
    ):
        badges[users[user_id].username].add(badge)
    ambassadors = {
        users[row].username
        for row in db.session.scalars(
            select(AmbassadorStatus.user_id).where(AmbassadorStatus.status == "ambassador")
        )
    }
    return {
        "members": {u.username: (u.email, u.role, u.created_at) for u in users.values()},
        "points": {u.username: u.points for u in users.values()},
        "topics": topics,
        "badges": dict(badges),
        "ambassadors": ambassadors,
        "signals": sorted(
            (users[s.user_id].username, s.kind, s.value)
            for s in db.session.scalars(select(ExternalSignal))
        ),
    }


def test_export_then_import_into_an_empty_tribune_gives_the_same_community(
    app, make_user, make_topic, make_answer, tmp_path
):
    ana, ben, cleo = make_user("ana"), make_user("ben"), make_user("cleo")
    question = make_topic(ana, title="Pump noise after descaling", tags="pump, descaling")
    first = make_answer(ben, question, body="Prime the pump: run hot water for 30 s.")
    make_answer(cleo, question, body="Mine did that too, it passes.")
    voting.vote(ana, first)
    voting.vote(cleo, first)
    solutions.accept_answer(ana, question, first)
    commit()
    # Deleted content goes out and comes back deleted; a vote without a voter counts.
    delete_post(cleo, make_answer(cleo, question, body="Sorry, wrong topic."))
    typo = make_topic(ana, title="Typo in my question")
    delete_post(ana, db.session.scalars(select(Post).where(Post.topic_id == typo.id)).one())
    db.session.add(AnonymousVote(post_id=first.id, created_at=first.created_at,
                                 source="old-site", source_key="v1"))  # fmt: skip
    first.vote_count += 1
    commit()
    rebuild_from_history()
    for n in range(2):  # ben passes the ambassadors' activity floor
        grinder = make_topic(cleo, title=f"Grinder question {n}")
        make_answer(ben, grinder, body=f"Clean the burrs, step {n}.")
    talk = make_topic(cleo, title="Best beans this month?", kind="discussion")
    make_answer(ana, talk, body="A washed Ethiopian, **floral**.")
    db.session.add(ExternalSignal(user_id=ben.id, kind="review", value=5,
                                  occurred_at=question.created_at, source="shop",
                                  dedupe_key="r-1"))  # fmt: skip
    commit()
    assert run_job("identify-ambassadors").outcome == "success"
    before = snapshot()
    assert before["ambassadors"] == {"ben"}

    runner = app.test_cli_runner()
    exported = runner.invoke(args=["export", "jsonl", str(tmp_path / "out")])
    assert exported.exit_code == 0, exported.output
    assert "password" not in (tmp_path / "out" / "members.jsonl").read_text()

    empty_database()
    imported = runner.invoke(args=["import", "jsonl", str(tmp_path / "out")])
    assert imported.exit_code == 0, imported.output
    assert run_job("identify-ambassadors").outcome == "success"
    after = snapshot()

    for part in ("members", "topics", "points", "badges", "ambassadors", "signals"):
        assert after[part] == before[part], part

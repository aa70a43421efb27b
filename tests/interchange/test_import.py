"""Importing an interchange folder: mapping, bad records, idempotence, resuming."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.accounts.models import User
from app.ambassadors.models import ExternalSignal
from app.badges.models import BadgeAward, LedgerEntry
from app.core.notifications import Notification
from app.extensions import db
from app.forum.models import AnonymousVote, Category, Post, PostVote, Topic
from app.interchange import bulk, cooking
from app.interchange import importer as importer_module
from app.interchange.importer import Importer

EXAMPLE = Path(__file__).parent / "example"


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def folder(tmp_path) -> Path:
    copy = tmp_path / "export"
    shutil.copytree(EXAMPLE, copy)
    return copy


def run(app, folder: Path):
    return app.test_cli_runner().invoke(args=["import", "jsonl", str(folder)])


def test_the_example_folder_comes_in_whole(app, folder, client):
    result = run(app, folder)
    assert result.exit_code == 0, result.output
    marie = db.session.scalars(select(User).where(User.email == "marie@example.com")).one()
    assert marie.username == "Marie_Dubois" and marie.password_hash is None
    assert marie.created_at.isoformat() == "2024-03-02T09:15:00+00:00"
    # "admin" is reserved and there was no email: a free name, an address that cannot receive.
    placeholder = db.session.scalars(select(User).where(User.email.like("imported+%"))).one()
    assert placeholder.username == "admin_1"
    assert placeholder.email.endswith("@users.invalid")
    assert db.session.scalars(select(User.external_customer_id).where(
        User.username == "tom_k")).one() == "CRM-1018"  # fmt: skip
    question = db.session.scalars(select(Topic).where(Topic.kind == "question")).one()
    assert question.reply_count == 2 and question.accepted_post_id is not None
    assert [tag.name for tag in question.tags] == ["descaling"]
    html_topic = db.session.scalars(select(Topic).where(Topic.kind == "discussion")).one()
    opening = db.session.scalars(select(Post).where(Post.topic_id == html_topic.id,
                                                    Post.position == 0)).one()  # fmt: skip
    assert "<strong>1:2</strong>" in opening.body_html and "script" not in opening.body_html
    assert count(PostVote) == 3
    # The vote without a voter counts for the answer and its author, under no member.
    members = len((folder / "members.jsonl").read_text().splitlines())
    assert count(AnonymousVote) == 1 and count(User) == members
    answer = db.session.scalars(select(Post).where(Post.body_source.like("Hold the power%"))).one()
    assert answer.vote_count == 3
    # The deleted reply is kept, deleted: not counted, not shown, worth no points.
    deleted = db.session.scalars(select(Post).where(Post.deleted_at.is_not(None))).one()
    assert deleted.body_source.startswith("Spam link")
    assert db.session.get(Category, question.category_id).post_count == 3
    # Points at their original dates, badges, signals; no notifications for old history.
    accepted_entry = db.session.scalars(
        select(LedgerEntry).where(LedgerEntry.action == "answer_accepted")
    ).one()
    assert accepted_entry.created_at.year == 2024
    # A badge brought from the source keeps its own date (the rebuild does not redate it).
    referrer = db.session.scalars(select(BadgeAward).where(BadgeAward.badge == "referrer")).one()
    assert referrer.awarded_at.isoformat() == "2024-07-01T00:00:00+00:00"
    assert db.session.scalars(select(ExternalSignal.value)).one() == 249.0
    assert not [n for n in db.session.scalars(select(Notification.kind)) if n.startswith("forum.")]
    page = client.get(f"/t/{question.id}").get_data(as_text=True)
    assert "Hold the power button" in page and "The descaling light stays on" in page
    assert "Spam link" not in page


def test_importing_twice_changes_nothing(app, folder):
    run(app, folder)
    before = [count(m) for m in (User, Topic, Post, PostVote, LedgerEntry, BadgeAward)]
    again = run(app, folder)
    assert again.exit_code == 0, again.output
    assert [count(m) for m in (User, Topic, Post, PostVote, LedgerEntry, BadgeAward)] == before
    assert "already in" in again.output


def _append(path: Path, *records: object) -> None:
    with path.open("a", encoding="utf-8") as stream:
        for record in records:
            stream.write((record if isinstance(record, str) else json.dumps(record)) + "\n")


def test_bad_records_are_reported_with_file_and_line_and_the_rest_goes_in(app, folder):
    _append(folder / "members.jsonl", "{not json", {"id": "20", "username": "late"})
    _append(
        folder / "topics.jsonl",
        {"id": "303", "category": "help", "author": "99", "title": "Unknown author",
         "body": "x", "created_at": "2024-06-05T00:00:00Z"},
        {"id": "304", "category": "help", "author": "17", "title": "Bad date",
         "body": "x", "created_at": "yesterday"},
        {"id": "305", "category": "help", "author": "17", "title": "Only a script",
         "body": "<script>x</script>", "format": "html", "created_at": "2024-06-05T00:00:00Z"},
    )  # fmt: skip
    _append(
        folder / "posts.jsonl",
        {"id": "9004", "topic": "399", "author": "17", "body": "Orphan",
         "created_at": "2024-06-05T00:00:00Z"},
    )  # fmt: skip
    _append(folder / "votes.jsonl", {"post": "9001", "created_at": "2024-06-05T00:00:00Z"})
    result = run(app, folder)
    assert result.exit_code == 1
    out = result.output
    assert f"{folder}/members.jsonl:4: not JSON" in out
    assert f"{folder}/members.jsonl:5: created_at: required" in out
    assert f"{folder}/topics.jsonl:3: author: '99' is not imported" in out
    assert f"{folder}/topics.jsonl:4: created_at: 'yesterday' is not an ISO date and time" in out
    assert f"{folder}/topics.jsonl:5: body: nothing left once cleaned" in out
    assert f"{folder}/posts.jsonl:5: topic: '399' is not imported" in out
    assert f"{folder}/votes.jsonl:5: id: required for a vote without a voter" in out
    assert count(Topic) == 2 and count(Post) == 6  # the good ones, nothing half-written


def test_a_run_stopped_halfway_finishes_without_duplicates(app, folder, monkeypatch):
    monkeypatch.setattr(importer_module, "BATCH", 1)
    calls = {"n": 0}
    posts = bulk.KINDS["posts"]

    def crash_on_second_post(importer, plans):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt("power cut")
        return posts.write(importer, plans)

    monkeypatch.setitem(bulk.KINDS, "posts", replace(posts, write=crash_on_second_post))
    with pytest.raises(KeyboardInterrupt):
        Importer.from_folder(folder).run()
    db.session.rollback()
    assert count(Post) == 2 + 1  # two opening posts and the first reply, committed
    monkeypatch.setitem(bulk.KINDS, "posts", posts)
    Importer.from_folder(folder).run()
    assert count(Post) == 6
    assert count(PostVote) == 3


def test_a_folder_without_a_manifest_is_refused(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["import", "jsonl", str(tmp_path)])
    assert result.exit_code == 1 and "manifest.json: missing" in result.output


def test_an_import_beside_deleted_topics_keeps_them_as_they_are(app, folder, member, make_topic):
    from app.core.events import commit
    from app.forum.deletion import delete_post

    gone = make_topic(member, title="Removed by its author")
    opening = db.session.scalars(select(Post).where(Post.topic_id == gone.id)).one()
    delete_post(member, opening)
    commit()
    assert run(app, folder).exit_code == 0
    kept = db.session.get(Topic, gone.id, populate_existing=True)
    assert kept.deleted_at is not None and kept.last_posted_at is not None


def test_a_conflict_the_checks_cannot_see_refuses_only_its_record(app, folder, make_user):
    # The brand's customer id is unique: a second member claiming it conflicts in the
    # database, after the batch was checked. The batch is then written record by record.
    make_user("already_here").external_customer_id = "CRM-1018"
    db.session.commit()
    result = run(app, folder)
    assert result.exit_code == 1
    assert f"{folder}/members.jsonl:2: conflicts with existing data" in result.output
    imported = db.session.scalars(select(User.username).where(User.email.like("%example%")))
    assert "Marie_Dubois" in set(imported)


def test_bodies_cooked_in_worker_processes_are_the_same(app):
    jobs = [
        (f"**Bold {n}** and a [link](https://example.com/{n})", "markdown", f"T{n}")
        for n in range(cooking.POOL_THRESHOLD * 2)
    ] + [("<p onclick=x>Hi</p>", "html", "")]
    with cooking.cooks(2) as cook_in_pool:
        pooled = cook_in_pool(jobs)
    assert pooled == cooking.in_process(jobs)
    assert pooled[0][0].startswith("<p><strong>Bold 0</strong>") and "onclick" not in pooled[-1][0]


def test_a_reply_to_a_refused_post_of_the_same_batch(app, folder):
    _append(
        folder / "posts.jsonl",
        {"id": "9100", "topic": "301", "author": "17", "body": "<script>only</script>",
         "format": "html", "created_at": "2024-06-05T00:00:00Z"},
        {"id": "9101", "topic": "301", "author": "18", "body": "Kept, as a reply to the topic.",
         "reply_to": "9100", "created_at": "2024-06-05T01:00:00Z"},
        {"id": "9102", "author": "18", "body": "A comment on the refused post: refused.",
         "reply_to": "9100", "created_at": "2024-06-05T02:00:00Z"},
    )  # fmt: skip
    result = run(app, folder)
    assert f"{folder}/posts.jsonl:5: body: nothing left once cleaned" in result.output
    assert f"{folder}/posts.jsonl:7: reply_to: that post was refused" in result.output
    kept = db.session.scalars(select(Post).where(Post.body_source.like("Kept,%"))).one()
    assert kept.reply_to_post_id is None

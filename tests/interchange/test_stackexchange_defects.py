"""Defects seen on real Stack Exchange dumps, each shown on a small dump of our own
(tests/interchange/stackexchange_defects: a Community account with posts, user 1 with a
real history, votes and comments on deleted posts, a tag wiki, a missing accepted answer)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select

from app.accounts.models import User
from app.ambassadors.models import EngagementScore
from app.badges.models import BadgeAward, LeaderboardEntry, LedgerEntry
from app.core.notifications import Notification
from app.core.permissions import SYSTEM_ROLE
from app.extensions import db
from app.forum.models import AnonymousVote, Post, Topic
from app.interchange.bulk import placeholder_email

DUMP = Path(__file__).parent / "stackexchange_defects"


@pytest.fixture
def dump(tmp_path) -> Path:
    copy = tmp_path / "kettles.stackexchange.com"
    shutil.copytree(DUMP, copy)
    return copy


def run(app, dump: Path, *options: str):
    return app.test_cli_runner().invoke(args=["import", "stackexchange", str(dump), *options])


def member(name: str) -> User:
    return db.session.scalars(select(User).where(User.username == name)).one()


def topic_titled(title: str) -> Topic:
    return db.session.scalars(select(Topic).where(Topic.title == title)).one()


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


# -- defect 1: user 1 is not merged into Community -----------------------------------


def test_placeholders_are_unique_per_source_id_whatever_its_sign():
    ids = ["-1", "1", "--1", "A", "a", "x" * 300, "x" * 301]
    emails = [placeholder_email("kettles", source_id) for source_id in ids]
    assert len(set(emails)) == len(ids)
    assert all(e.endswith("@users.invalid") and len(e) <= 254 for e in emails)
    # An id the address spells as it is keeps the address earlier imports gave it.
    assert placeholder_email("kettles", "1") == "imported+kettles-1@users.invalid"


def test_user_1_stays_its_own_member(app, dump):
    result = run(app, dump)
    assert result.exit_code == 0, result.output
    jeff, community = member("Jeff"), member("Community")
    assert jeff.id != community.id and jeff.email != community.email
    assert topic_titled("Descaling a kettle").author_id == jeff.id
    comment = db.session.scalars(select(Post).where(Post.body_source == "Thanks, that worked."))
    assert comment.one().author_id == jeff.id
    assert jeff.points > 0


# -- defect 2: Community is a system account -------------------------------------------


def test_community_keeps_its_posts_and_earns_nothing(app, dump):
    run(app, dump)
    community = member("Community")
    assert community.role == SYSTEM_ROLE and not community.active
    assert member("former_member").role == SYSTEM_ROLE
    # Its posts are there: the answer (with its vote) and the wiki question.
    assert topic_titled("Kettle list (wiki)").author_id == community.id
    answer = db.session.scalars(select(Post).where(Post.body_source.contains("citric"))).one()
    assert answer.author_id == community.id and answer.vote_count == 1
    # ... but no points, no badge, no leaderboard row, no engagement score.
    assert count(LedgerEntry, LedgerEntry.user_id == community.id) == 0
    assert community.points == 0
    assert count(BadgeAward, BadgeAward.user_id == community.id) == 0
    assert count(LeaderboardEntry, LeaderboardEntry.user_id == community.id) == 0
    assert count(BadgeAward, BadgeAward.user_id == member("Ana").id) > 0  # others do
    job = app.test_cli_runner().invoke(
        args=["jobs", "run", "identify-ambassadors", "--as-of", "2016-02-10"]
    )
    assert job.exit_code == 0, job.output
    scores = db.session.scalars(select(EngagementScore).where(
        EngagementScore.user_id == community.id)).all()  # fmt: skip
    assert all(not s.eligible and s.rank is None for s in scores)
    assert count(EngagementScore, EngagementScore.user_id == member("Ana").id) == 1


def test_a_system_account_holds_no_capability_and_cannot_log_in(app, dump):
    run(app, dump)
    community = member("Community")
    assert not community.is_active  # Flask-Login refuses it
    assert not any(community.can(c) for c in ("post.create", "post.vote", "topic.create"))


# -- defect 3: the import notifies no one ---------------------------------------------


def test_neither_the_import_nor_a_rebuild_notifies_anyone(app, dump):
    run(app, dump)
    assert count(BadgeAward) > 0  # badges were granted ...
    assert count(Notification) == 0  # ... and no one was told
    # A rebuild that grants them again (after they were lost) tells no one either.
    db.session.execute(delete(BadgeAward))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["points", "rebuild"])
    assert result.exit_code == 0, result.output
    assert count(BadgeAward) > 0 and count(Notification) == 0


# -- defect 4: badges are dated when the history earned them ---------------------------


def awarded(name: str) -> dict[str, str]:
    rows = db.session.execute(select(BadgeAward.badge, BadgeAward.awarded_at).where(
        BadgeAward.user_id == member(name).id))  # fmt: skip
    return {badge: at.isoformat()[:19] for badge, at in rows}


def test_badges_the_rebuild_grants_carry_the_date_that_earned_them(app, dump):
    run(app, dump)
    jeff, ana = awarded("Jeff"), awarded("Ana")
    assert jeff["curious"] == jeff["first-post"] == "2016-01-10T09:00:00"  # his question
    assert jeff["scholar"] == "2016-01-11T09:00:00"  # the answer he accepted
    assert ana["helping-hand"] == ana["solver"] == "2016-01-11T09:00:00"  # her answer
    # No date in the history for a bio: the sweep's own.
    assert jeff["autobiographer"][:4] != "2016"


def test_a_historical_ambassador_run_counts_the_badges_of_its_window(app, dump):
    run(app, dump)
    job = app.test_cli_runner().invoke(
        args=["jobs", "run", "identify-ambassadors", "--as-of", "2016-02-10"]
    )
    assert job.exit_code == 0, job.output
    score = db.session.scalars(select(EngagementScore).where(
        EngagementScore.user_id == member("Ana").id)).one()  # fmt: skip
    assert score.badges_earned >= 2  # helping-hand and solver, in January 2016


# -- defect 7: comments are comments -------------------------------------------------


def test_comments_are_comments_with_their_own_line_in_the_score(app, dump, login):
    run(app, dump)
    comments = db.session.scalars(select(Post).where(Post.is_comment.is_(True))).all()
    assert sorted(c.body_source for c in comments) == [
        "Steel lasts longer.",
        "Thanks, that worked.",
    ]
    job = app.test_cli_runner().invoke(
        args=["jobs", "run", "identify-ambassadors", "--as-of", "2016-02-10"]
    )
    assert job.exit_code == 0, job.output

    def score(name: str) -> EngagementScore:
        return db.session.scalars(select(EngagementScore).where(
            EngagementScore.user_id == member(name).id)).one()  # fmt: skip

    jeff, ana = score("Jeff"), score("Ana")
    # Jeff asked on the 10th and commented on the 11th: no answer, one comment, one
    # day active (a comment is not a day of activity).
    assert (jeff.answers, jeff.comments, jeff.topics_started, jeff.active_days) == (0, 1, 1, 1)
    # Ana answered once and commented, a day late, on Bo's question: the comment is not
    # an answer and did not rescue the question.
    assert (ana.answers, ana.comments, ana.active_days) == (1, 1, 1)
    assert ana.rescued_questions == 1  # her answer to Jeff's question, a day after it
    weight = app.config["AMBASSADOR_WEIGHTS"]["comments"]
    assert 0 < weight < app.config["AMBASSADOR_WEIGHTS"]["replies"]
    # Her page shows them on a line of their own.
    ana_member = member("Ana")
    page = login(ana_member).get("/me/ambassador").get_data(as_text=True)
    assert "Comments on posts" in page
    row = page.split("Comments on posts")[1].split("</tr>")[0]
    assert "\u00d70.25" in row and weight == 0.25


# -- defect 5: rows about deleted posts are skipped, not refused ----------------------


def test_rows_about_posts_not_in_the_dump_are_skipped_and_the_import_exits_0(app, dump):
    result = run(app, dump)
    assert result.exit_code == 0, result.output
    lines = {line.split()[0]: " ".join(line.split()) for line in result.output.splitlines()
             if line.startswith("  ")}  # fmt: skip
    # The answer to a deleted question and the comment on a deleted post; the comment on
    # the tag wiki is not taken (Tribune has no wikis).
    assert lines["posts"].endswith("0 refused 1 not taken 2 skipped: not in the dump")
    # Up-votes on a deleted post and on a deleted question; a down-vote and a vote on the
    # tag wiki are not taken.
    assert lines["votes"].endswith("0 refused 2 not taken 3 skipped: not in the dump")
    assert lines["accepted"].endswith("0 refused 1 skipped: not in the dump")
    assert count(AnonymousVote) == 3
    again = run(app, dump)
    assert again.exit_code == 0, again.output
    assert count(AnonymousVote) == 3


def test_real_refusals_exit_1_and_all_go_to_the_report_file(app, dump, tmp_path):
    rows = "".join(
        f'  <row Id="{900 + n}" PostId="11" Text="" CreationDate="2016-01-11T13:00:00.000"'
        f' UserId="2" />\n'
        for n in range(105)
    )
    comments = dump / "Comments.xml"
    comments.write_text(comments.read_text().replace("</comments>", rows + "</comments>"))
    report = tmp_path / "refused.txt"
    result = run(app, dump, "--report", str(report))
    assert result.exit_code == 1
    shown = [line for line in result.output.splitlines() if "Comments.xml:" in line]
    assert len(shown) == 100 and "... and 5 more" in result.output
    assert f"Every refused record (105) is listed in {report}." in result.output
    written = report.read_text().splitlines()
    assert len(written) == 105 and all("body: required" in line for line in written)
    assert written[0].startswith(f"{comments}:")


# -- defect 6: accepted answers are written a batch at a time --------------------------


def _solved_dump(folder: Path, questions: int) -> Path:
    folder.mkdir()
    (folder / "Users.xml").write_text(
        '<users>\n  <row Id="1" CreationDate="2016-01-01T00:00:00.000" DisplayName="Asker" />\n'
        '  <row Id="2" CreationDate="2016-01-01T00:00:00.000" DisplayName="Solver" />\n</users>\n'
    )
    rows = []
    for n in range(questions):
        q, a = 2 * n + 1, 2 * n + 2
        rows.append(f'  <row Id="{q}" PostTypeId="1" AcceptedAnswerId="{a}" OwnerUserId="1" '
                    f'CreationDate="2016-01-02T00:00:00.000" Title="Question {n}" '
                    f'Body="&lt;p&gt;Why {n}?&lt;/p&gt;" Tags="|kettle|" />')  # fmt: skip
        rows.append(f'  <row Id="{a}" PostTypeId="2" ParentId="{q}" OwnerUserId="2" '
                    f'CreationDate="2016-01-03T00:00:00.000" Body="Because." />')  # fmt: skip
    (folder / "Posts.xml").write_text("<posts>\n" + "\n".join(rows) + "\n</posts>\n")
    return folder


def _accepted_statements(app, count_queries, folder: Path) -> int:
    from app.interchange.importer import Importer
    from app.interchange.stackexchange import Dump

    importer = Importer(folder.name, Dump(folder).sources(), shared_post_ids=True)
    counted = 0
    for source in importer.sources:
        with count_queries() as counter:
            report = importer._import_file(source)
        assert not report.errors, report.errors
        if source.name == "accepted":
            assert report.imported == int(folder.name.split("-")[1])
            counted = counter.count
    return counted


def test_accepted_answers_cost_the_same_statements_for_5_or_60(app, tmp_path, count_queries):
    few = _accepted_statements(app, count_queries, _solved_dump(tmp_path / "few-5", 5))
    many = _accepted_statements(app, count_queries, _solved_dump(tmp_path / "many-60", 60))
    assert few == many
    solved = db.session.scalar(select(func.count()).where(Topic.accepted_post_id.is_not(None)))
    assert solved == 65


# -- defect 8: a rebuild with nothing to add notices it -------------------------------


def test_a_rebuild_with_nothing_to_add_notices_at_once(app, dump, count_queries):
    from app.badges.history import rebuild_from_history

    run(app, dump)
    entries = count(LedgerEntry)
    with count_queries() as counter:
        figures = rebuild_from_history()
    assert figures["unchanged"] == 1 and figures["entries"] == 0
    assert counter.count <= 3  # the fingerprint and the last rebuild's: no scan, no sweep
    result = app.test_cli_runner().invoke(args=["points", "rebuild"])
    assert "Nothing to add" in result.output and count(LedgerEntry) == entries
    # Something new (a lost ledger entry, a new post...): a full rebuild, which finds it.
    db.session.execute(delete(LedgerEntry).where(LedgerEntry.action == "reply_posted"))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["points", "rebuild"])
    assert "Recorded" in result.output and count(LedgerEntry) == entries
    # --force looks even when nothing changed.
    forced = app.test_cli_runner().invoke(args=["points", "rebuild", "--force"])
    assert "Recorded 0 ledger entries" in forced.output

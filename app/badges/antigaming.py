"""Nightly checks on voting: serial votes are reversed, voting rings are reported.

Detection is one grouped query each; only the flagged pairs (few) are handled one by one.
Both are idempotent: reversals and reports have unique keys.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from app.accounts.models import User
from app.badges import points
from app.badges.models import LedgerEntry, VotingReport
from app.core.clock import now_utc
from app.core.sql import insert_for
from app.extensions import db
from app.forum.models import Post, PostVote

VOTE_ACTIONS = ("answer_voted", "question_voted", "post_voted")


def _pairs(since: datetime, until: datetime, threshold: int, same_ip: bool) -> list[tuple]:
    count = func.count()
    query = (
        select(PostVote.user_id, Post.author_id, count, func.min(PostVote.created_at),
               func.max(PostVote.created_at))
        .join(Post, Post.id == PostVote.post_id)
        .where(PostVote.created_at > since, PostVote.created_at <= until)
        .group_by(PostVote.user_id, Post.author_id)
        .having(count >= threshold)
    )  # fmt: skip
    if same_ip:
        voter, author = aliased(User), aliased(User)
        query = (
            query.join(voter, voter.id == PostVote.user_id)
            .join(author, author.id == Post.author_id)
            .where(
                voter.registration_ip.is_not(None),
                voter.registration_ip == author.registration_ip,
            )
        )
    return [tuple(row) for row in db.session.execute(query).all()]


def _report(kind: str, key: str, voter: int, author: int, votes: int, reversed_points: int,
            start: datetime, end: datetime, details: dict) -> bool:  # fmt: skip
    statement = (
        insert_for(VotingReport)
        .values(
            kind=kind,
            voter_id=voter,
            author_id=author,
            votes=votes,
            points_reversed=reversed_points,
            window_start=start,
            window_end=end,
            details=details,
            report_key=key,
            created_at=now_utc(),
            status="open",
        )
        .on_conflict_do_nothing(index_elements=["report_key"])
    )
    return bool(db.session.execute(statement).rowcount)


def reverse_serial_votes(as_of: datetime | None = None) -> dict[str, int]:
    """Reverse the points of one voter's burst of votes for one author, and report the pair."""
    config = current_app.config
    until = as_of or now_utc()
    since = until - timedelta(hours=config["SERIAL_VOTES_WINDOW_HOURS"])
    figures = {"pairs": 0, "entries_reversed": 0, "points_reversed": 0, "reported": 0}
    for voter, author, votes, first, last in _pairs(
        since, until, config["SERIAL_VOTES_THRESHOLD"], same_ip=False
    ):
        entries = points.live_entries(
            and_(
                LedgerEntry.user_id == author,
                LedgerEntry.actor_id == voter,
                LedgerEntry.action.in_(VOTE_ACTIONS),
                LedgerEntry.created_at > since,
                LedgerEntry.created_at <= until,
            )
        )
        reversed_points = sum(e.points for e in entries)
        figures["entries_reversed"] += points.reverse_all(entries, "serial_voting", until)
        figures["points_reversed"] += reversed_points
        figures["pairs"] += 1
        key = f"serial:{voter}:{author}:{until.date().isoformat()}"
        details = {"threshold": config["SERIAL_VOTES_THRESHOLD"],
                   "window_hours": config["SERIAL_VOTES_WINDOW_HOURS"],
                   "entries": [e.id for e in entries]}  # fmt: skip
        figures["reported"] += _report(
            "serial", key, voter, author, votes, reversed_points, first, last, details
        )
    return figures


def report_voting_rings(as_of: datetime | None = None) -> dict[str, int]:
    """Report members who share a registration IP and vote for each other; punish nothing."""
    config = current_app.config
    until = as_of or now_utc()
    since = until - timedelta(days=config["RING_WINDOW_DAYS"])
    year, week, _ = until.isocalendar()
    figures = {"pairs": 0, "reported": 0}
    for voter, author, votes, first, last in _pairs(
        since, until, config["RING_VOTES_THRESHOLD"], same_ip=True
    ):
        figures["pairs"] += 1
        key = f"ring:{voter}:{author}:{year}-W{week:02d}"
        details = {"threshold": config["RING_VOTES_THRESHOLD"],
                   "window_days": config["RING_WINDOW_DAYS"]}  # fmt: skip
        figures["reported"] += _report("ring", key, voter, author, votes, 0, first, last, details)
    return figures

"""The ambassador data a CRM takes: member, email, segment, score, rank, breakdown, and
the member's converted referrals (their referral signals).

An imported member who has not been given a real address has no email here (not the
placeholder) and ``reachable`` false."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

from sqlalchemy import func, select

from app.accounts.addresses import is_placeholder, reachable_email
from app.accounts.models import User
from app.ambassadors.models import AmbassadorRun, EngagementScore, ExternalSignal, SegmentMember
from app.ambassadors.scoring import SIGNALS
from app.core import csvsafe
from app.extensions import db

COLUMNS = (
    "username",
    "email",
    "reachable",
    "customer_id",
    "segment",
    "score",
    "rank",
    "forum_score",
    "external_score",
    *SIGNALS,
    "converted_referrals",
)
STREAM_BATCH = 2000


def _converted_referrals() -> Any:
    """Every referral signal of the member, all time: the referral program's conversions
    (each one a signal, withdrawn if taken back) and any the brand imported."""
    return (
        select(func.count(ExternalSignal.id))
        .where(ExternalSignal.user_id == SegmentMember.user_id, ExternalSignal.kind == "referral")
        .scalar_subquery()
    )


def _query(run: AmbassadorRun, segment: str | None) -> Any:
    query = (
        select(
            User.username,
            User.email,
            User.external_customer_id,
            SegmentMember.segment,
            EngagementScore,
            _converted_referrals(),
        )
        .select_from(SegmentMember)
        .join(User, User.id == SegmentMember.user_id)
        .outerjoin(
            EngagementScore,
            (EngagementScore.run_id == SegmentMember.run_id)
            & (EngagementScore.user_id == SegmentMember.user_id),
        )
        .where(SegmentMember.run_id == run.id)
        .order_by(SegmentMember.segment, EngagementScore.rank, SegmentMember.user_id)
    )
    if segment:
        query = query.where(SegmentMember.segment == segment)
    return query


def _record(username: str, email: str, customer: str | None, segment: str, score: Any,
            referrals: int | None = 0) -> dict:  # fmt: skip
    figures = {name: round(float(getattr(score, name) or 0), 4) for name in SIGNALS}
    return {
        "username": username,
        # An imported member's placeholder is no address: empty, and said unreachable.
        "email": reachable_email(email),
        "reachable": not is_placeholder(email),
        "customer_id": customer,
        "segment": segment,
        "score": round(score.score, 4) if score else 0.0,
        "rank": score.rank if score else None,
        "forum_score": round(score.forum_score, 4) if score else 0.0,
        "external_score": round(score.external_score, 4) if score else 0.0,
        **(figures if score else dict.fromkeys(SIGNALS, 0.0)),
        "converted_referrals": int(referrals or 0),
    }


def members(run: AmbassadorRun, segment: str | None = None) -> Iterator[dict[str, Any]]:
    """Every segment member of a run, streamed (a segment can hold many thousands)."""
    result = db.session.execute(_query(run, segment).execution_options(yield_per=STREAM_BATCH))
    for row in result:
        yield _record(*row)


def page(run: AmbassadorRun, segment: str | None, number: int, size: int) -> tuple[list, bool]:
    """One page of members for the API, and whether there is another."""
    rows = db.session.execute(_query(run, segment).limit(size + 1).offset((number - 1) * size))
    records = [_record(*row) for row in rows]
    return records[:size], len(records) > size


def write_csv(stream: IO[str], run: AmbassadorRun, segment: str | None = None) -> None:
    """The CSV of ``members``, header first: what the command and the console's buttons write."""
    writer = csvsafe.DictWriter(stream, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(members(run, segment))


def csv_name(run: AmbassadorRun, segment: str | None) -> str:
    """The file name a download gets: the segment and the run's day."""
    return f"tribune-{segment or 'segments'}-{run.as_of:%Y-%m-%d}.csv"

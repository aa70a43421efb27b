"""How many ambassadors a community gets: the top share of the members who contributed
in the window, taken by the best ranked eligible members (issue 15)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.ambassadors import identification
from app.ambassadors.models import AmbassadorRun, AmbassadorStatus
from app.extensions import db


@pytest.mark.parametrize(
    ("contributors", "eligible", "seats"),
    [(0, 0, 0), (40, 0, 0), (1, 1, 1), (340, 60, 4), (650, 80, 7), (700, 3, 3), (100, 100, 1)],
)
def test_seats_follow_the_contributors_never_more_than_the_eligible(contributors, eligible, seats):
    assert identification.seat_count(contributors, eligible, 0.01) == seats


def test_the_seats_are_a_share_of_those_who_posted_not_of_the_eligible(
    app, community, run_identify
):
    app.config["AMBASSADOR_TOP_SHARE"] = 0.1
    best = [community.member(f"regular{n}", answers=4 + n, votes=1) for n in range(5)]
    for n in range(30):  # posted once: they count for the seats, cannot take one
        community.member(f"once{n}", answers=1)
    run_identify()
    run = db.session.scalars(select(AmbassadorRun)).one()
    # 35 contributors: 4 seats (the eligible share would have given 1 of 5).
    assert (run.params["contributors"], run.eligible_count, run.selected_count) == (35, 5, 4)
    chosen = set(db.session.scalars(select(AmbassadorStatus.user_id).where(
        AmbassadorStatus.status == "ambassador")))  # fmt: skip
    assert chosen == {m.id for m in best[1:]}  # the four best ranked regulars


def test_both_thresholds_are_configurable(app, community, run_identify):
    app.config["AMBASSADOR_TOP_SHARE"] = 0.1
    app.config["AMBASSADOR_CONTRIBUTOR_MIN_POSTS"] = 3  # seats from the eligible alone
    for n in range(5):
        community.member(f"regular{n}", answers=4 + n)
    for n in range(30):
        community.member(f"once{n}", answers=1)
    run_identify()
    run = db.session.scalars(select(AmbassadorRun)).one()
    assert (run.params["contributors"], run.selected_count) == (5, 1)

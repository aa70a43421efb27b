from datetime import timedelta

from app.badges import antigaming
from app.badges.models import LedgerEntry, VotingReport
from app.core.clock import now_utc
from app.core.events import commit
from app.extensions import db
from app.forum import voting


def test_serial_votes_are_reversed_reported_and_only_once(
    app, member, other_member, make_user, make_topic, make_answer, points_of
):
    app.config["SERIAL_VOTES_THRESHOLD"] = 3
    answers = [make_answer(other_member, make_topic(make_user())) for _ in range(3)]
    honest = make_answer(other_member, make_topic(make_user()))
    for answer in answers:
        voting.vote(member, answer)
        commit()
    voting.vote(make_user("fair"), honest)
    commit()
    before = points_of(other_member)

    figures = antigaming.reverse_serial_votes()
    assert figures == {"pairs": 1, "entries_reversed": 3, "points_reversed": 30, "reported": 1}
    assert points_of(other_member) == before - 30, "the honest vote keeps its points"
    report = db.session.query(VotingReport).one()
    assert (report.kind, report.voter_id, report.author_id, report.votes) == (
        "serial",
        member.id,
        other_member.id,
        3,
    )
    assert report.status == "open" and len(report.details["entries"]) == 3

    again = antigaming.reverse_serial_votes()
    assert again["entries_reversed"] == 0 and again["reported"] == 0
    assert points_of(other_member) == before - 30
    reasons = {
        e.reason for e in db.session.query(LedgerEntry).filter(LedgerEntry.reason.isnot(None))
    }
    assert reasons == {"serial_voting"}


def test_votes_outside_the_window_are_not_serial(
    app, member, other_member, make_user, make_topic, make_answer
):
    app.config["SERIAL_VOTES_THRESHOLD"] = 2
    for _ in range(2):
        voting.vote(member, make_answer(other_member, make_topic(make_user())))
        commit()
    later = now_utc() + timedelta(days=2)
    assert antigaming.reverse_serial_votes(later)["pairs"] == 0


def test_rings_between_accounts_sharing_an_ip_are_reported_not_punished(
    app, make_user, make_topic, make_answer, points_of
):
    app.config["RING_VOTES_THRESHOLD"] = 2
    app.config["SERIAL_VOTES_THRESHOLD"] = 99
    one = make_user("ring1", registration_ip="198.51.100.7")
    two = make_user("ring2", registration_ip="198.51.100.7")
    stranger = make_user("stranger", registration_ip="203.0.113.1")
    for _ in range(2):
        voting.vote(one, make_answer(two, make_topic(stranger)))
        commit()
        voting.vote(stranger, make_answer(one, make_topic(two)))
        commit()
    earned = points_of(two)
    figures = antigaming.report_voting_rings()
    assert figures == {"pairs": 1, "reported": 1}
    report = db.session.query(VotingReport).one()
    assert (report.kind, report.voter_id, report.author_id) == ("ring", one.id, two.id)
    assert points_of(two) == earned
    assert antigaming.report_voting_rings()["reported"] == 0

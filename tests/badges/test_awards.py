from datetime import date, timedelta

from sqlalchemy import select

from app.badges import awards
from app.badges.catalogue import BY_SLUG, RULES, TIERS
from app.badges.models import BadgeAward, MemberVisit
from app.core.events import commit
from app.core.notifications import Notification
from app.extensions import db
from app.forum import solutions, voting
from app.forum.deletion import delete_post


def held(user, include_revoked=False):
    query = select(BadgeAward.badge).where(BadgeAward.user_id == user.id)
    if not include_revoked:
        query = query.where(BadgeAward.revoked_at.is_(None))
    return sorted(db.session.scalars(query))


def test_catalogue_has_thirty_badges_in_three_tiers():
    assert len(RULES) >= 30
    assert {rule.tier for rule in RULES} == set(TIERS)
    assert len(BY_SLUG) == len(RULES), "slugs are unique"


def test_instant_badges_in_the_same_request(member, other_member, make_topic, login):
    topic = make_topic(member)
    assert held(member) == ["curious", "first-post"]
    response = login(other_member).post(f"/t/{topic.id}/reply", data={"body": "Try this"})
    assert response.status_code == 302
    assert held(other_member) == ["first-post", "helping-hand", "welcomer"]
    note = db.session.scalars(
        select(Notification).where(
            Notification.user_id == other_member.id, Notification.kind == "badges.awarded"
        )
    ).first()
    assert note.message.startswith("You earned the “") and note.url.startswith("/badges/")


def test_accepted_answer_and_vote_badges(member, other_member, make_user, make_topic, make_answer):
    topic = make_topic(member)
    answer = make_answer(other_member, topic)
    solutions.accept_answer(member, topic, answer)
    commit()
    assert "solver" in held(other_member) and "scholar" in held(member)
    voters = [make_user() for _ in range(5)]
    for voter in voters:
        voting.vote(voter, answer)
        commit()
    assert "nice-answer" in held(other_member)
    assert all("supporter" in held(voter) for voter in voters)
    award = db.session.scalar(select(BadgeAward).where(BadgeAward.badge == "nice-answer"))
    assert (award.post_id, award.figure) == (answer.id, 5), "the award records why"


def test_repeatable_badges_once_per_post_and_granting_is_idempotent(
    member, other_member, make_user, make_topic, make_answer
):
    voters = [make_user() for _ in range(5)]
    answers = []
    for n in range(2):
        answer = make_answer(other_member, make_topic(member, title=f"Question {n}"))
        answers.append(answer)
        for voter in voters:
            voting.vote(voter, answer)
            commit()
    assert held(other_member).count("nice-answer") == 2
    figures = awards.sweep()
    commit()
    assert figures["granted"] == 0, "the sweep finds nothing the instant checks missed"
    assert held(other_member).count("nice-answer") == 2


def test_sweep_backfills_and_category_expertise_is_revoked_when_the_score_falls(
    app, member, other_member, make_user, make_topic, make_answer, category
):
    app.config["CATEGORY_EXPERTISE"] = {"bronze": (2, 1), "silver": (100, 20), "gold": (400, 50)}
    answer = make_answer(other_member, make_topic(member))
    voters = [make_user(), make_user()]
    for voter in voters:
        voting.vote(voter, answer)
        commit()
    assert "category-expert-bronze" not in held(other_member), "swept, not instant"
    awards.sweep()
    commit()
    assert "category-expert-bronze" in held(other_member)
    award = db.session.scalar(
        select(BadgeAward).where(BadgeAward.badge == "category-expert-bronze")
    )
    assert (award.category_id, award.figure) == (category.id, 2)

    delete_post(other_member, answer)
    commit()
    figures = awards.sweep()
    commit()
    assert figures["revoked"] == 1
    assert "category-expert-bronze" not in held(other_member)
    assert "category-expert-bronze" in held(other_member, include_revoked=True), "kept as history"


def test_visiting_days_in_a_row(app, member):
    start = date(2026, 1, 1)
    days = [start + timedelta(days=n) for n in range(10)] + [start + timedelta(days=12)]
    db.session.add_all(MemberVisit(user_id=member.id, day=d) for d in days)
    commit()
    awards.sweep()
    commit()
    assert "regular-visitor" in held(member)
    assert "devoted" not in held(member)


def test_visits_are_recorded_once_a_day(member, login):
    browser = login(member)
    browser.get("/")
    browser.get("/")
    assert db.session.query(MemberVisit).filter_by(user_id=member.id).count() == 1


def test_slot_badges_are_granted_by_code_once(member):
    assert awards.grant(member.id, "ambassador", reason={"rank": 1}) is not None
    assert awards.grant(member.id, "ambassador") is None
    commit()
    assert held(member) == ["ambassador"]
    assert awards.revoke(member.id, "ambassador")
    commit()
    assert held(member) == []
    assert awards.grant(member.id, "ambassador") is not None, "can be earned again"


def test_flag_badges_from_moderation_totals(member):
    awards.after_flags_upheld(member.id, 4)
    assert held(member) == []
    awards.after_flags_upheld(member.id, 5)
    commit()
    assert held(member) == ["deputy"]


def test_badge_pages(client, member, make_topic):
    make_topic(member)
    index = client.get("/badges")
    assert index.status_code == 200
    assert "First post" in index.text and "Category expert (gold)" in index.text
    page = client.get("/badges/first-post")
    assert page.status_code == 200 and "alice" in page.text
    assert client.get("/badges/nonexistent").status_code == 404


def test_profile_shows_points_level_and_badges(client, member, make_topic):
    make_topic(member)
    page = client.get("/u/alice").text
    assert "Newcomer" in page and "2 points" in page and "First post" in page


def test_level_beside_author_names(client, member, make_topic):
    topic = make_topic(member)
    page = client.get(f"/t/{topic.id}").text
    assert 'class="level level-1"' in page


def test_only_the_first_request_of_the_day_writes(app, member, login, count_queries):
    browser = login(member)
    browser.get("/")
    # The same cookie again, as a browser that kept the old one (or a benchmark) sends.
    with count_queries() as counter:
        browser.get("/")
    writes = [s for s in counter.statements if s.split()[0] in ("INSERT", "UPDATE", "DELETE")]
    assert writes == []
    assert db.session.query(MemberVisit).filter_by(user_id=member.id).count() == 1


def test_badge_rarity_counts_holders_among_the_same_members(client, make_user):
    """Four members, one of them closed, and two staff: the badge held by two active
    members, a closed account and both staff is held by 2 of 3 members (66.7%)."""
    from app.badges.models import BadgeAward
    from app.extensions import db

    active = [make_user(f"member_{i}") for i in range(3)]
    closed = make_user("closed")
    closed.active = False
    staff = [make_user("staff1", role="staff"), make_user("cm1", role="moderator")]
    for user in (*active[:2], closed, *staff):
        db.session.add(BadgeAward(user_id=user.id, badge="supporter", award_key=f"t:{user.id}"))
    commit()
    index = client.get("/badges").get_data(as_text=True)
    row = index[index.index('href="/badges/supporter"') :].split("</tr>")[0]
    assert '<td data-label="Holders">2</td>' in row and "66.7%" in row, row

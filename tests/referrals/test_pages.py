"""The member's page /me/referrals, the profile section, staff's page and CSV, and the
converted referrals in the ambassadors' CRM export and API."""

from __future__ import annotations

import csv
import io

from app.accounts import tokens
from app.accounts.models import User
from app.core.events import commit
from app.extensions import db
from app.referrals import conversion
from app.referrals.codes import code_of

FR = {"Accept-Language": "fr"}


def converted(member, friend, refer) -> None:
    referral = refer(member, friend)
    assert conversion.convert(referral.id, "purchase") == "converted"
    commit()


def test_the_member_page_shows_link_code_qr_and_each_referral(login, member, make_user, refer):
    pending, counted = make_user("pendingfriend"), make_user("countedfriend")
    refer(member, pending)
    converted(member, counted, refer)
    page = login(member).get("/me/referrals")
    assert page.status_code == 200
    code = code_of(member.id)
    assert f"http://localhost/r/{code}" in page.text and code in page.text
    assert 'class="qr"><title>' in page.text and 'data-copy="referral-link"' in page.text
    assert "pendingfriend" in page.text and "Signed up, not yet counted" in page.text
    assert "countedfriend" in page.text and "Counted" in page.text
    assert "1 referral counted" in page.text and "25 points earned" in page.text
    french = login(member).get("/me/referrals", headers=FR)
    assert "Inviter des amis" in french.text and "Compté" in french.text


def test_the_member_page_needs_a_login(client):
    response = client.get("/me/referrals")
    assert response.status_code == 302 and "/login" in response.location


def test_the_profile_shows_the_link_to_everyone_and_the_page_to_its_owner(
    client, login, member, other_member
):
    code = code_of(member.id)
    public = client.get(f"/u/{member.username}")
    assert f"/r/{code}" in public.text and "/me/referrals" not in public.text
    own = login(member).get(f"/u/{member.username}")
    assert "/me/referrals" in own.text
    assert "Votre lien de parrainage" in login(member).get(f"/u/{member.username}", headers=FR).text


def test_a_logged_in_member_following_a_link_is_not_referred(login, member, other_member):
    logged = login(other_member)
    response = logged.get(f"/r/{code_of(member.id)}")
    assert response.status_code == 302 and response.location == "/"
    assert logged.client.get_cookie("tribune_referral") is None


def test_staff_see_the_funnel_top_referrers_and_refusals(login, staff, moderator, member, make_user,
                                                        refer, client):  # fmt: skip
    client.get(f"/r/{code_of(member.id)}")
    converted(member, make_user("countedfriend"), refer)
    refused = refer(member, make_user("toomany"))
    refused.state, refused.reason = "refused", "daily_cap"
    refused.decided_at = refused.created_at
    commit()
    page = login(staff).get("/staff/referrals")
    assert page.status_code == 200
    text = page.text
    assert "Visits through a link" in text and "Top referrers" in text
    assert member.username in text and "toomany" in text
    assert "Over the daily limit of the referrer" in text
    assert login(moderator).get("/staff/referrals?days=7").status_code == 200
    assert "Parrainages" in login(staff).get("/staff/referrals", headers=FR).text
    assert login(member).get("/staff/referrals").status_code == 403
    # An odd period falls back to the default one.
    assert login(staff).get("/staff/referrals?days=-1").status_code == 200


def test_the_csv_has_every_referral_of_the_period_and_keeps_formulas_as_text(
    login, staff, make_user, refer
):
    # Names checked at sign-up cannot start a formula; an imported community's may.
    referrer = User(username="=cmd", username_key="=cmd", email="cmd@example.com")
    db.session.add(referrer)
    commit()
    converted(referrer, make_user("friendly"), refer)
    with login(staff).get("/staff/referrals/referrals.csv?days=7") as response:
        assert response.status_code == 200 and response.mimetype == "text/csv"
        rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:3] == ["Referrer", "Friend", "State"]
    assert rows[1][0] == "'=cmd", "a name that could start a formula is kept as text"
    assert rows[1][1:3] == ["friendly", "Counted"]


def test_the_crm_export_and_api_carry_converted_referrals(app, client, community, run_identify,
                                                          refer):  # fmt: skip
    star = community.member("star", answers=5, accepted=3, votes=2)
    for n in range(6):
        community.member(answers=3 + n)
    for n in range(2):
        converted(star, community.user(f"brought{n}"), refer)
    run_identify()
    _, secret = tokens.create_token("CRM", created_by=None)
    commit()
    body = client.get(
        "/api/v1/ambassadors?segment=ambassador", headers={"Authorization": f"Bearer {secret}"}
    ).get_json()
    (record,) = body["members"]
    assert record["username"] == "star" and record["converted_referrals"] == 2
    result = app.test_cli_runner().invoke(args=["ambassadors", "export", "--format", "csv"])
    rows = {row["username"]: row for row in csv.DictReader(io.StringIO(result.output))}
    assert rows["star"]["converted_referrals"] == "2"


def test_both_members_are_told_in_their_language(login, member, make_user, refer):
    friend = make_user("friendly", locale="fr")
    converted(member, friend, refer)
    told = login(member).get("/notifications/").text
    assert "friendly, who joined through your link, took part: 25 points for you." in told
    french = login(friend).get("/notifications/", headers=FR).text
    assert "votre première contribution compte pour alice" in french


def test_the_pages_read_a_fixed_number_of_statements(login, member, staff, make_user, refer,
                                                      count_queries):  # fmt: skip
    owner, manager = login(member), login(staff)
    converted(member, make_user("firstfriend"), refer)
    owner.get("/me/referrals"), manager.get("/staff/referrals")  # warm: loader, frame
    with count_queries() as small_mine:
        assert owner.get("/me/referrals").status_code == 200
    with count_queries() as small_staff:
        assert manager.get("/staff/referrals").status_code == 200
    for n in range(4):
        converted(make_user(f"referrer{n}"), make_user(f"brought{n}"), refer)
        refer(member, make_user(f"pending{n}"))
    with count_queries() as larger_mine:
        assert owner.get("/me/referrals").status_code == 200
    with count_queries() as larger_staff:
        assert manager.get("/staff/referrals").status_code == 200
    assert small_mine.count == larger_mine.count <= 8, larger_mine.statements
    assert small_staff.count == larger_staff.count <= 5, larger_staff.statements

"""What members and managers read of a redemption: notifications in both languages, the
audit log in words; the verify registry belongs to its application."""

from __future__ import annotations

from flask import Flask

from app.badges.verify import ExtraVerification, extra_verifications, register_extra_verification
from app.core.events import commit
from app.rewards import fulfilment, redeeming


def test_each_step_is_a_notification_in_the_members_language(
    login, member, staff, points, make_reward
):
    points(member, 300)
    reward = make_reward(cost=100, title_en="Coffee mug", title_fr="Tasse à café")
    shipped = redeeming.redeem(member, reward.id)
    cancelled = redeeming.redeem(member, reward.id)
    commit()
    fulfilment.deliver(staff, shipped.id, "DHL 123")
    fulfilment.cancel(staff, cancelled.id, "Sold out")
    commit()
    alice = login(member)
    english = alice.get("/notifications/").text
    assert "Your reward is on its way: Coffee mug (DHL 123)" in english
    assert "Redemption cancelled, points refunded: Coffee mug" in english
    french = alice.get("/notifications/", headers={"Accept-Language": "fr"}).text
    assert "Votre récompense est en route : Tasse à café (DHL 123)" in french
    assert "Échange annulé, points remboursés : Tasse à café" in french


def test_the_audit_log_reads_the_steps_in_words(login, admin, member, staff, points, make_reward):
    points(member, 300)
    reward = make_reward(cost=100)
    redemption = redeeming.redeem(member, reward.id)
    commit()
    fulfilment.deliver(staff, redemption.id, "DHL 123")
    commit()
    page = login(admin).get("/manage/log").text
    assert "Redemption delivered" in page and "Reward redeemed" in page
    assert "Reward created" in page and f"/staff/rewards/{reward.id}/edit" in page
    assert '<span class="change-name">State</span> shipped' in page
    assert '<span class="change-name">Tracking note</span> DHL 123' in page
    french = login(admin).get("/manage/log", headers={"Accept-Language": "fr"}).text
    assert "Échange remis" in french
    assert '<span class="change-name">État</span> expédié' in french


def test_extra_verifications_belong_to_their_application(app):
    other = Flask("other")
    check = ExtraVerification("other", lambda: ["wrong"])
    register_extra_verification(other, check)
    assert [v.name for v in extra_verifications()] == ["rewards"]
    with other.app_context():
        assert extra_verifications() == [check]

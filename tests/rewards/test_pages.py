"""The rewards' pages, through their own forms: members redeem and follow; staff manage
the catalogue and work the queue; both languages."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from app.core.notifications import Notification
from app.extensions import db
from app.moderation.models import AuditEntry
from app.rewards.models import Redemption, Reward, RewardCode
from tests.support import form_submission

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def _redeem_through_the_pages(browser, reward_id):
    page = browser.get(f"/rewards/{reward_id}/redeem")
    assert page.status_code == 200
    url, data = form_submission(page.text, f"/rewards/{reward_id}/redeem")
    return browser.client.post(url, data=data)


def test_a_member_redeems_staff_ship_and_the_member_sees_it(
    login, member, staff, points, make_reward
):
    points(member, 250)
    reward = make_reward(cost=100, title_en="Coffee mug", title_fr="Tasse à café")
    alice = login(member)
    catalogue = alice.get("/rewards").text
    assert "Coffee mug" in catalogue and "250" in catalogue
    french = alice.get("/rewards", headers={"Accept-Language": "fr"}).text
    assert "Tasse à café" in french and "Solde disponible" in french

    response = _redeem_through_the_pages(alice, reward.id)
    assert response.status_code == 303 and response.headers["Location"].endswith("/me/rewards")
    history = alice.get("/me/rewards").text
    assert "Coffee mug" in history and "150" in history  # the balance left

    staff_browser = login(staff)
    queue = staff_browser.get("/staff/rewards/redemptions").text
    redemption = db.session.scalars(select(Redemption)).one()
    url, data = form_submission(queue, f"/staff/rewards/redemptions/{redemption.id}/deliver",
                                note="La Poste 6A123")  # fmt: skip
    assert staff_browser.client.post(url, data=data).status_code == 303

    db.session.expire_all()
    assert db.session.get(Redemption, redemption.id).state == "shipped"
    history = alice.get("/me/rewards").text
    assert "Shipped" in history and "La Poste 6A123" in history
    told = db.session.scalars(select(Notification.kind).where(Notification.user_id == member.id))
    assert list(told) == ["rewards.shipped"]
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"reward.create", "redemption.request", "redemption.deliver"} <= actions
    assert "Expédié" in alice.get("/me/rewards", headers={"Accept-Language": "fr"}).text


def test_shipping_needs_a_tracking_note(login, member, staff, points, make_reward):
    points(member, 100)
    reward = make_reward(cost=100)
    _redeem_through_the_pages(login(member), reward.id)
    redemption = db.session.scalars(select(Redemption)).one()
    staff_browser = login(staff)
    queue = staff_browser.get("/staff/rewards/redemptions").text
    url, data = form_submission(queue, f"/staff/rewards/redemptions/{redemption.id}/deliver")
    page = staff_browser.client.post(url, data=data, follow_redirects=True).text
    assert "Give a tracking note" in page
    db.session.expire_all()
    assert db.session.get(Redemption, redemption.id).state == "requested"


def test_cancelling_from_the_queue_refunds_and_tells_the_member(
    login, member, staff, points, make_reward
):
    points(member, 100)
    reward = make_reward(cost=100, stock=1)
    alice = login(member)
    _redeem_through_the_pages(alice, reward.id)
    redemption = db.session.scalars(select(Redemption)).one()
    staff_browser = login(staff)
    queue = staff_browser.get("/staff/rewards/redemptions").text
    url, data = form_submission(queue, f"/staff/rewards/redemptions/{redemption.id}/cancel",
                                reason="Broken in the warehouse")  # fmt: skip
    assert staff_browser.client.post(url, data=data).status_code == 303
    history = alice.get("/me/rewards").text
    assert "Cancelled, points refunded" in history and "Broken in the warehouse" in history
    assert db.session.get(Reward, reward.id).stock == 1
    kinds = db.session.scalars(select(Notification.kind).where(Notification.user_id == member.id))
    assert list(kinds) == ["rewards.cancelled"]


def test_a_member_not_eligible_sees_why_and_the_server_refuses(login, member, points, make_reward):
    points(member, 500)  # level 3
    reward = make_reward(cost=10, eligibility="min_level", eligibility_value="5")
    alice = login(member)
    catalogue = alice.get("/rewards").text
    assert "For members of level Guru and above." in catalogue
    assert f'href="/rewards/{reward.id}/redeem"' not in catalogue
    page = alice.get(f"/rewards/{reward.id}/redeem")
    assert "For members of level Guru and above." in page.text and "<form" not in page.text.split(
        "<main"
    )[-1].split("</main>")[0].replace('<form method="post" action="/language', "")
    response = alice.post(f"/rewards/{reward.id}/redeem", data={"submission": "x"})
    assert response.status_code == 303
    assert db.session.scalar(select(func.count(Redemption.id))) == 0


def test_a_double_click_on_redeem_redeems_once(login, member, points, make_reward):
    points(member, 1000)
    reward = make_reward(cost=10)
    alice = login(member)
    page = alice.get(f"/rewards/{reward.id}/redeem").text
    url, data = form_submission(page, f"/rewards/{reward.id}/redeem")
    assert alice.client.post(url, data=data).status_code == 303
    assert alice.client.post(url, data=data).status_code == 303
    assert db.session.scalar(select(func.count(Redemption.id))) == 1


def test_staff_add_a_reward_with_a_picture_in_both_languages(app, login, staff):
    browser = login(staff)
    page = browser.get("/staff/rewards/new")
    assert page.status_code == 200
    assert "Titre" in browser.get("/staff/rewards/new", headers={"Accept-Language": "fr"}).text
    url, data = form_submission(page.text, "/staff/rewards/new", title_en="Tote bag",
                                title_fr="Sac en toile", cost="300", stock="20",
                                eligibility="segment", segment="rising")  # fmt: skip
    refused = browser.client.post(url, data={**data, "picture_file": (io.BytesIO(SVG), "a.png")},
                                  content_type="multipart/form-data")  # fmt: skip
    assert refused.status_code == 422 and "Choose a PNG, JPEG, GIF or WebP picture." in refused.text
    assert db.session.scalar(select(func.count(Reward.id))) == 0

    page = browser.get("/staff/rewards/new")
    url, data = form_submission(page.text, "/staff/rewards/new", title_en="Tote bag",
                                title_fr="Sac en toile", cost="300", stock="20",
                                eligibility="segment", segment="rising")  # fmt: skip
    response = browser.client.post(url, data={**data, "picture_file": (io.BytesIO(PNG), "b.png")},
                                   content_type="multipart/form-data")  # fmt: skip
    assert response.status_code == 303
    reward = db.session.scalars(select(Reward)).one()
    assert (reward.title_fr, reward.cost, reward.stock) == ("Sac en toile", 300, 20)
    assert (reward.eligibility, reward.eligibility_value) == ("segment", "rising")
    picture = browser.get(f"/rewards/pictures/{reward.picture}")
    assert picture.status_code == 200 and picture.data == PNG
    assert picture.headers["Content-Type"] == "image/png"
    assert picture.headers["X-Content-Type-Options"] == "nosniff"
    assert browser.get("/rewards/pictures/../secret_key").status_code == 404


def test_a_picture_too_large_is_refused(app, login, staff):
    app.config["REWARD_PICTURE_MAX_BYTES"] = 50
    browser = login(staff)
    page = browser.get("/staff/rewards/new")
    url, data = form_submission(page.text, "/staff/rewards/new", title_en="Cap", cost="5")
    response = browser.client.post(url, data={**data, "picture_file": (io.BytesIO(PNG), "c.png")},
                                   content_type="multipart/form-data")  # fmt: skip
    assert response.status_code == 422 and "too large" in response.text


def test_codes_upload_refuses_duplicates_by_line(login, staff, make_reward):
    reward = make_reward(delivery="code")
    browser = login(staff)
    page = browser.get(f"/staff/rewards/{reward.id}/edit").text
    url, data = form_submission(page, f"/staff/rewards/{reward.id}/codes",
                                codes="A-1\nB-2\n\nA-1\nC-3\n")  # fmt: skip
    shown = browser.client.post(url, data=data, follow_redirects=True).text
    assert "3 codes added." in shown and "already earlier in the list: lines 4." in shown
    page = browser.get(f"/staff/rewards/{reward.id}/edit").text
    url, data = form_submission(page, f"/staff/rewards/{reward.id}/codes", codes="C-3\nD-4")
    shown = browser.client.post(url, data=data, follow_redirects=True).text
    assert "1 code added." in shown and "already uploaded: lines 1." in shown
    assert db.session.scalar(select(func.count(RewardCode.id))) == 4


def test_a_code_reward_hands_over_its_code(login, member, staff, points, make_reward):
    from app.rewards import catalog

    points(member, 100)
    reward = make_reward(cost=50, delivery="code")
    catalog.upload_codes(staff, reward.id, "SECRET-42\n")
    alice = login(member)
    _redeem_through_the_pages(alice, reward.id)
    assert "SECRET-42" not in alice.get("/me/rewards").text  # not until staff hand it over
    redemption = db.session.scalars(select(Redemption)).one()
    staff_browser = login(staff)
    queue = staff_browser.get("/staff/rewards/redemptions").text
    url, data = form_submission(queue, f"/staff/rewards/redemptions/{redemption.id}/deliver")
    staff_browser.client.post(url, data=data)
    assert "SECRET-42" in alice.get("/me/rewards").text


def test_members_cannot_open_the_staff_pages(login, member, make_reward):
    reward = make_reward()
    alice = login(member)
    for url in ("/staff/rewards", "/staff/rewards/new", f"/staff/rewards/{reward.id}/edit",
                "/staff/rewards/redemptions"):  # fmt: skip
        assert alice.get(url).status_code == 403


def test_the_pages_read_the_same_number_of_statements_however_many_rewards(
    login, member, staff, points, make_reward, count_queries
):
    points(member, 1000)
    first = make_reward(cost=10)
    alice, bea = login(member), login(staff)
    _redeem_through_the_pages(alice, first.id)
    pages = {alice: ("/rewards", "/me/rewards"), bea: ("/staff/rewards",
                                                     "/staff/rewards/redemptions")}  # fmt: skip
    counts = {}
    for browser, urls in pages.items():
        for url in urls:
            browser.get(url)
            with count_queries() as counter:
                assert browser.get(url).status_code == 200
            counts[url] = counter.count
    for n in range(4):
        reward = make_reward(cost=10, delivery="code" if n % 2 else "shipped", stock=5)
        if reward.delivery == "code":
            from app.rewards import catalog

            catalog.upload_codes(staff, reward.id, f"C{n}-1\nC{n}-2")
        _redeem_through_the_pages(alice, reward.id)
    for browser, urls in pages.items():
        for url in urls:
            with count_queries() as counter:
                assert browser.get(url).status_code == 200
            assert counter.count == counts[url], url

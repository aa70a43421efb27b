"""Badges earned in the lounge (expertise in a category, a voted answer) name neither
the category nor the topic on the badges pages and profiles."""

from __future__ import annotations

from app.badges.models import BadgeAward
from app.core.events import commit
from app.extensions import db
from app.forum.categories import create_category

SECRET = "Lounge preview of the Cafeo 900"


def test_badges_won_in_the_lounge_name_no_private_place(
    client, login, member, moderator, make_topic, make_answer
):
    lounge = create_category("Ambassadors lounge", "lounge", required_capability="category.lounge")
    commit()
    answer = make_answer(moderator, make_topic(moderator, title=SECRET, in_category=lounge))
    db.session.add_all([
        BadgeAward(user_id=moderator.id, badge="category-expert-bronze",
                   award_key=f"category-expert-bronze:{moderator.id}:{lounge.id}",
                   category_id=lounge.id, figure=20),
        BadgeAward(user_id=moderator.id, badge="nice-answer", post_id=answer.id, figure=5,
                   award_key=f"nice-answer:{moderator.id}:{answer.id}"),
    ])  # fmt: skip
    commit()
    for browser in (client, login(member)):
        for url in ("/badges", "/badges/category-expert-bronze", "/badges/nice-answer",
                    f"/u/{moderator.username}"):  # fmt: skip
            page = browser.get(url)
            assert page.status_code == 200, url
            assert url == "/badges" or moderator.username in page.text, url
            assert SECRET not in page.text and "lounge" not in page.text.lower(), url

"""A tour of every page type, shared by the browser tests that walk the whole site.

The phone-layout test (tests/e2e/test_phone_layout.py) and the accessibility test
(tests/e2e/test_accessibility.py) visit the same pages as the same people: one small
community (``build_community``), the page lists per role below, and one log-in helper.
A path may hold placeholders: ``TOPIC`` (the question's page), ``TOPIC_ID`` and
``CAMPAIGN_ID``, ``ANSWER_ID`` (the accepted answer, edited once) and ``OWN_POST_ID`` (the
member's reply in a discussion, flagged), filled in by ``Tour.resolve``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from playwright.sync_api import Page, expect

from app.accounts import services as account_services
from app.core.clock import now_utc
from app.core.events import commit
from app.core.scheduler import run_job
from app.extensions import db
from app.forum import services as forum_services
from app.forum import solutions, voting
from app.forum.models import Category
from app.invitations import campaigns
from app.moderation import services as moderation
from app.notification_mail import tokens as unsubscribe_tokens
from tests.e2e.conftest import CATEGORY_SLUG, PASSWORD, LiveServer

MEMBER = "member_mia"
HELPER = "a_rather_long_member_name_x"
MODERATOR, STAFF, ADMIN = "mod_moe", "staff_sam", "ada"
TAG = "descaling"

BROWSING = ["/", f"/c/{CATEGORY_SLUG}", "TOPIC", f"/tags/{TAG}", f"/search?q={TAG}",
            "/leaderboard", "/badges", "/badges/first-post", f"/u/{MEMBER}"]  # fmt: skip
# The last one: a notification mail's unsubscribe link (a member's token).
VISITOR_PAGES = [*BROWSING, "/login", "/register", "/account/reset",
                 "/notification-email/unsubscribe/UNSUBSCRIBE_TOKEN"]  # fmt: skip
MEMBER_PAGES = [*BROWSING, "/new", "/notifications/", "/me/ambassador", "/account/profile",
                "/account/password", "/invitations", "/p/ANSWER_ID/flag",
                "/p/OWN_POST_ID/edit", "/me/referrals", "/rewards", "/me/rewards"]  # fmt: skip
# Managers see the forum with their tools on it: the home, a topic, a profile.
MODERATOR_PAGES = ["/", "TOPIC", f"/u/{HELPER}", "/t/TOPIC_ID/manage", "/manage/queue",
                   "/manage/log", "/manage/first-posts", f"/manage/members/{MEMBER}",
                   "/manage/ambassadors", f"/manage/ambassadors/u/{HELPER}", "/manage/health",
                   "/admin/members", "/p/ANSWER_ID/history", "/p/ANSWER_ID/edit",
                   "/p/ANSWER_ID/delete"]  # fmt: skip
STAFF_PAGES = ["/", "TOPIC", "/staff/campaigns", "/staff/campaigns/new",
               "/staff/campaigns/new/event", "/staff/campaigns/CAMPAIGN_ID",
               "/staff/campaigns/CAMPAIGN_ID/edit", "/staff/campaigns/CAMPAIGN_ID/audience",
               "/staff/campaigns/CAMPAIGN_ID/people", "/staff/campaigns/CAMPAIGN_ID/results",
               "/manage/health", "/manage/tokens", "/staff/referrals", "/staff/rewards",
               "/staff/rewards/new", "/staff/rewards/redemptions"]  # fmt: skip
ADMIN_PAGES = ["TOPIC", "/admin/", "/admin/members", "/admin/roles", "/admin/categories/",
               "/admin/categories/new", "/admin/jobs/", "/admin/mail/", "/admin/points",
               "/admin/tokens/"]  # fmt: skip

EN_LOGIN = {"login": "Username or email", "password": "Password", "submit": "Log in"}
FR_LOGIN = {"login": "Pseudo ou e-mail", "password": "Mot de passe",
            "submit": "Se connecter"}  # fmt: skip


@dataclass(frozen=True)
class Tour:
    """The ids the page lists' placeholders stand for."""

    topic_id: int
    campaign_id: int
    answer_id: int
    own_post_id: int
    unsubscribe_token: str

    def resolve(self, path: str) -> str:
        """The path with its placeholders filled in."""
        if path == "TOPIC":
            return f"/t/{self.topic_id}"
        for placeholder, value in (
            ("TOPIC_ID", self.topic_id),
            ("CAMPAIGN_ID", self.campaign_id),
            ("ANSWER_ID", self.answer_id),
            ("OWN_POST_ID", self.own_post_id),
            ("UNSUBSCRIBE_TOKEN", self.unsubscribe_token),
        ):
            path = path.replace(placeholder, str(value))
        return path


def build_community(live: LiveServer) -> Tour:
    """A question with tags, answers (one accepted and edited, one voted, one hidden), a
    discussion with a flagged reply, a long name, a moderator, staff with a draft campaign,
    an administrator, one ambassador run and one community-health run."""
    with live.services():
        category = db.session.scalars(db.select(Category).filter_by(slug=CATEGORY_SLUG)).one()
        member = live.create_user(MEMBER)
        helper = live.create_user(HELPER)
        topic = forum_services.create_topic(
            member,
            category,
            title="The espresso machine blinks red after descaling, every single morning",
            body="I ran the descaling program twice.\n\n    a_long_line_of_code " + "x" * 120,
            tags=f"{TAG} espresso",
        )
        commit()
        answer = forum_services.reply(helper, topic, body="Hold the power button for ten seconds.")
        commit()
        people = {}
        for name, role in ((MODERATOR, "moderator"), (STAFF, "staff"), (ADMIN, "admin")):
            people[name] = account_services.create_user(
                name, f"{name}@example.com", PASSWORD, role=role
            )
            commit()
        other = forum_services.reply(people[MODERATOR], topic, body="Or unplug it for a minute.")
        commit()
        solutions.accept_answer(member, topic, answer)
        voting.vote(member, answer)
        voting.vote(helper, other)
        commit()
        discussion = forum_services.create_topic(
            helper, category, title="Your favourite cup", body="A flat white.", kind="discussion"
        )
        commit()
        own = forum_services.reply(member, discussion, body=f"A cortado, @{HELPER}.")
        commit()
        moderation.flag_post(helper, own, "off_topic")
        forum_services.edit_post(
            people[MODERATOR], answer, body="Hold the power button for ten seconds, then let go.",
            reason="Clearer steps",
        )  # fmt: skip
        rude = forum_services.reply(helper, topic, body="Just buy a new machine.")
        commit()
        moderation.hide_post(people[MODERATOR], rude, "Not helpful")
        commit()
        campaign = campaigns.create(
            people[STAFF], "event", title_en="Tasting night", title_fr="Soirée dégustation",
            place="Lyon", reply_deadline=now_utc() + timedelta(days=10),
        )  # fmt: skip
        commit()
        token = unsubscribe_tokens.make(member.id, ["answers", "mentions"])
        ids = Tour(topic.id, campaign.id, answer.id, own.id, token)
    for job in ("identify-ambassadors", "community-health"):
        with live.services():
            job_run = run_job(job)
            assert job_run.outcome == "success", (job, job_run.error)
    return ids


def log_in(page: Page, username: str, labels: dict[str, str] = EN_LOGIN) -> None:
    """Log in through the form; on a phone the member's name is behind the compact menu."""
    page.goto("/login")
    page.get_by_label(labels["login"]).fill(username)
    page.get_by_label(labels["password"], exact=True).fill(PASSWORD)
    page.get_by_role("button", name=labels["submit"]).click()
    expect(page.locator("header.site details.menu > ul")).to_contain_text(username)

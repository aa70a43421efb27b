"""Every managers' route, walked from the URL map, refuses whoever lacks its capability.

A new route under /manage, /admin, /api, /staff or a topic's /manage fails this test until it
is listed here with the capability that guards it, so none can be left open by mistake.
"""

from __future__ import annotations

import pytest

from app.core.permissions import ROLE_CAPABILITIES

# Endpoint -> the capability it needs ("topic.*": any of the topic-managing ones).
GUARDS = {
    "badges.point_rules": "settings.manage",
    **{
        f"reward_staff.{name}": "reward.manage"
        for name in (
            "index",
            "new",
            "edit",
            "archive",
            "unarchive",
            "upload_codes",
            "redemptions",
            "deliver",
            "cancel",
        )
    },
    **{
        f"category_admin.{name}": "category.manage"
        for name in ("index", "new", "edit", "move", "archive", "unarchive")
    },
    "ambassadors.console": "ambassador.view",
    "ambassadors.member": "ambassador.view",
    "ambassadors.export_segment": "ambassador.view",
    "ambassadors.set_status": "ambassador.manage",
    "moderation.first_posts": "post.review_first",
    "moderation.decide_first_post": "post.review_first",
    "moderation.log": "manage.access",
    "moderation.log_csv": "manage.access",
    "moderation.queue": "flag.review",
    "moderation.decide": "flag.review",
    "moderation.report_reviewed": "flag.review",
    "members.member": "user.suspend",
    "members.sanction": "user.suspend",
    "members.role": "user.roles",
    "insights.health": "health.view",
    "insights.health_csv": "health.view",
    "referrals_staff.overview": "referral.view",
    "referrals_staff.export": "referral.view",
    "directory.members": "user.suspend",
    "directory.members_csv": "user.suspend",
    "roles.roles": "user.roles",
    "members.email": "user.email",
    "mail.outbox": "mail.manage",
    "admin_hub.hub": "admin.access",
    "mail.retry_one": "mail.manage",
    "mail.retry_failed": "mail.manage",
    "jobs.overview": "jobs.run",
    "jobs.run_now": "jobs.run",
    "token_admin.index": "api.tokens",
    "token_admin.revoke": "api.tokens",
    "tokens.index": "api.tokens",
    "tokens.create": "api.tokens",
    "tokens.revoke": "api.tokens",
    "topic_admin.manage": "topic.*",
    "topic_admin.set_flag": "topic.*",
    "topic_admin.duplicate": "topic.*",
    "topic_admin.merge": "topic.*",
    "topic_admin.move": "topic.*",
    "topic_admin.retag": "topic.*",
    "topic_admin.split": "topic.*",
    **{
        f"staff.{name}": "campaign.send"
        for name in (
            "campaigns_list",
            "choose_kind",
            "new_campaign",
            "edit_campaign",
            "campaign",
            "schedule",
            "unschedule",
            "close",
            "remind",
            "cancel",
            "duplicate",
            "open_space",
            "close_space",
            "audience_page",
            "upload_list",
            "confirm_send",
            "send",
            "upload_codes",
            "add_question",
            "remove_question",
            "move_question",
        )
    },
    "staff_results.people": "campaign.send",
    "staff_results.people_csv": "campaign.send",
    "staff_results.checkin": "campaign.send",
    "staff_results.attend": "campaign.send",
    "staff_results.remove": "campaign.send",
    "staff_results.results_page": "campaign.send",
    "staff_results.results_csv": "campaign.send",
}
API = {"api.get_ambassadors", "api.post_signals"}
SAMPLE_VALUES = {
    "username": "alice",
    "kind": "warn",
    "decision": "approve",
    "action": "lock",
    "direction": "up",
}
TOPIC_CAPABILITIES = {"topic.move", "topic.retag", "topic.lock", "topic.pin",
                      "topic.close_duplicate", "topic.merge"}  # fmt: skip


def guarded_rules(app):
    for rule in app.url_map.iter_rules():
        path = rule.rule
        if path.startswith(("/manage", "/admin", "/api", "/staff")) or "/manage" in path:
            yield rule


def sample_url(rule) -> str:
    values = {name: SAMPLE_VALUES.get(name, 999_999) for name in rule.arguments}
    return rule.build(values, append_unknown=False)[1]


def methods(rule) -> list[str]:
    return sorted(rule.methods - {"HEAD", "OPTIONS"})


def allowed(role: str, capability: str) -> bool:
    held = ROLE_CAPABILITIES[role]
    if capability == "topic.*":
        return bool(held & TOPIC_CAPABILITIES)
    return capability in held


def test_every_guarded_route_is_listed(app):
    endpoints = {rule.endpoint for rule in guarded_rules(app)}
    unlisted = endpoints - set(GUARDS) - API
    assert not unlisted, f"say which capability guards {sorted(unlisted)} in GUARDS"
    assert not set(GUARDS) - endpoints, "GUARDS names routes that no longer exist"


@pytest.fixture
def no_csrf(app):
    # The access rules are under test here; CSRF has its own tests.
    app.config["WTF_CSRF_ENABLED"] = False


def test_anonymous_visitors_go_to_the_login_page_or_get_401(app, client, no_csrf):
    for rule in guarded_rules(app):
        for method in methods(rule):
            response = client.open(sample_url(rule), method=method)
            where = f"{method} {rule.rule}"
            if rule.endpoint in API:
                assert response.status_code == 401, where
            else:
                assert response.status_code == 302, where
                assert "/login" in response.location, where


@pytest.mark.parametrize("role", ["member", "staff", "moderator", "admin"])
def test_each_role_gets_exactly_what_its_capabilities_allow(app, make_user, login, role, no_csrf):
    make_user("alice")
    user = make_user(f"someone_{role}", role=role) if role != "member" else make_user("bob")
    browser = login(user).client
    for rule in guarded_rules(app):
        if rule.endpoint in API:
            continue
        for method in methods(rule):
            response = browser.open(sample_url(rule), method=method)
            response.close()  # as a WSGI server does (the CSV export holds a file)
            where = f"{role}: {method} {rule.rule} -> {response.status_code}"
            assert response.status_code < 500, where
            if allowed(role, GUARDS[rule.endpoint]):
                assert response.status_code not in (302, 401, 403) or (
                    response.status_code == 302 and "/login" not in response.location
                ), where
            else:
                assert response.status_code == 403, where


def test_helpers_without_campaign_send_get_403_on_the_staff_console(app, make_user, login, no_csrf):
    from app.ambassadors.services import SOURCE
    from app.core.events import commit
    from app.core.permissions import HELPER_CAPABILITIES, grant

    helper = make_user("helena")
    for capability in HELPER_CAPABILITIES:
        grant(helper.id, capability, SOURCE)
    commit()
    browser = login(helper).client
    for rule in guarded_rules(app):
        if not rule.rule.startswith("/staff"):
            continue
        for method in methods(rule):
            response = browser.open(sample_url(rule), method=method)
            assert response.status_code == 403, f"helper: {method} {rule.rule}"

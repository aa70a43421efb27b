"""Odd input on every form and JSON endpoint answers a 4xx or a page, never a 5xx.

Each POST endpoint of the URL map is sent the way a browser sends it: the page that offers
the form is opened as a role that may use it (the admin holds every capability; sign-up
and login pages as a visitor), the form it shows is read (tests/support.py), and its
fields are replaced by odd text (tests/fuzz.py) sent urlencoded, as multipart with a file
part, or as JSON. The JSON API gets nested, surrogate-laden and out-of-range signals, and
every GET page gets odd path parts and query arguments. Bounded: a few examples each,
derandomized (the same ones every run), on SQLite and on PostgreSQL.

A POST endpoint added to the app fails test_every_post_endpoint_is_fuzzed until it gets a
case below (or an excuse in EXCUSED, saying why).
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.ambassadors.models import SIGNAL_KINDS
from tests.fuzz import (
    JSON_SCALARS,
    JSON_VALUES,
    ODD_TEXT,
    World,
    build_world,
    deeply_nested,
    encoded,
    json_body,
    multipart,
    urlencoded,
)
from tests.support import post_submissions

EXAMPLES = int(os.environ.get("TRIBUNE_FUZZ_EXAMPLES", "8"))
BOUNDED = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

A, V, M = "admin", "visitor", "member"
DRAFT, SCHEDULED = "/staff/campaigns/{draft_campaign}", "/staff/campaigns/{scheduled_campaign}"
OPENED, CLOSED = "/staff/campaigns/{open_campaign}", "/staff/campaigns/{closed_campaign}"
CANCELLED, BUSY = "/staff/campaigns/{cancelled_campaign}", "/staff/campaigns/{sending_campaign}"
OFFER, SURVEY = "/staff/campaigns/{offer_campaign}", "/staff/campaigns/{survey_campaign}"
PREVIEW = "/staff/campaigns/{preview_campaign}"
INVITATION = "/invitations/{event_invitation}"
TOPIC_PAGE, MANAGE = "/t/{topic}", "/t/{topic}/manage"
PEOPLE = "/staff/campaigns/{campaign}/people"
PERSON = "/staff/campaigns/{campaign}/people/{invitation}"
# endpoint: (who, [(page that shows the form, where it posts), ...])
CASES: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "accounts.register": (V, [("/register", "/register")]),
    "accounts.confirm_registration": (V, [("/register/confirm/{pending}",) * 2]),
    "accounts.login": (V, [("/login", "/login")]),
    "accounts.reset_request": (V, [("/account/reset", "/account/reset")]),
    "accounts.reset_password": (V, [("/account/reset/{reset}",) * 2]),
    "i18n.set_language": (A, [("/", "/language")]),
    "accounts.logout": (A, [("/", "/logout")]),
    "accounts.logout_everywhere": (A, [("/account/profile", "/account/logout-everywhere")]),
    "accounts.change_password": (A, [("/account/password",) * 2]),
    "accounts.edit_profile": (A, [("/account/profile",) * 2]),
    "forum.new_topic": (A, [("/new", "/new")]),
    "forum.reply": (A, [(TOPIC_PAGE, "/t/{topic}/reply")]),
    "forum.edit": (A, [("/p/{accepted}/edit",) * 2, ("/p/{opening}/edit",) * 2]),
    "editor.preview": (A, [(page, "/editor/preview")  # htmx's hx-post on the Preview button
                           for page in ("/new", TOPIC_PAGE, "/p/{accepted}/edit")]),
    "forum.vote": (A, [(TOPIC_PAGE, "/p/{accepted}/vote")]),
    "forum.unvote": (A, [(TOPIC_PAGE, "/p/{voted}/unvote")]),
    "forum.accept": (A, [(TOPIC_PAGE, "/p/{voted}/accept")]),
    "forum.unaccept": (A, [(TOPIC_PAGE, "/p/{accepted}/unaccept")]),
    "forum.delete": (A, [("/p/{voted}/delete", "/p/{voted}/delete")]),
    "forum.restore": (A, [("/p/{deleted}/restore", "/p/{deleted}/restore")]),
    "forum.follow": (A, [(TOPIC_PAGE, "/t/{topic}/follow")]),
    "forum.unfollow": (A, [("/t/{other}", "/t/{other}/unfollow")]),
    "moderation.flag": (A, [("/p/{accepted}/flag",) * 2]),
    "topic_admin.move": (A, [(MANAGE, "/t/{topic}/manage/move")]),
    "topic_admin.retag": (A, [(MANAGE, "/t/{topic}/manage/retag")]),
    "topic_admin.duplicate": (A, [(MANAGE, "/t/{topic}/manage/duplicate")]),
    "topic_admin.merge": (A, [(MANAGE, "/t/{topic}/manage/merge")]),
    "topic_admin.split": (A, [(MANAGE, "/t/{topic}/manage/split")]),
    "topic_admin.set_flag": (A, [(MANAGE, "/t/{topic}/manage/lock"),
                                 (MANAGE, "/t/{topic}/manage/pin"),
                                 ("/t/{copy}/manage", "/t/{copy}/manage/reopen")]),
    "moderation.decide": (A, [("/manage/queue", f"/manage/queue/post/{{flagged}}/{decision}")
                              for decision in ("approve", "hide", "delete")]),
    "moderation.unhide": (A, [("/manage/queue", "/p/{hidden}/unhide?back=queue"),
                              ("/t/{other}", "/p/{hidden}/unhide")]),
    "moderation.report_reviewed": (A, [("/manage/queue",
                                        "/manage/queue/report/{report}/reviewed")]),
    "moderation.decide_first_post": (A, [("/manage/first-posts",
                                          f"/manage/first-posts/{{held}}/{decision}")
                                         for decision in ("approve", "reject")]),
    "members.sanction": (A, [("/manage/members/bruno", f"/manage/members/bruno/{kind}")
                             for kind in ("warn", "silence", "suspend")]
                         + [("/manage/members/carol", "/manage/members/carol/lift")]),
    "members.role": (A, [("/manage/members/bruno", "/manage/members/bruno/role")]),
    "members.email": (A, [("/manage/members/bruno", "/manage/members/bruno/email")]),
    "ambassadors.set_status": (A, [("/manage/ambassadors/u/alice",
                                    "/manage/ambassadors/u/alice/status")]),
    "tokens.create": (A, [("/manage/tokens", "/manage/tokens")]),
    "tokens.revoke": (A, [("/manage/tokens", "/manage/tokens/{token}/revoke")]),
    "badges.point_rules": (A, [("/admin/points", "/admin/points")]),
    "category_admin.new": (A, [("/admin/categories/new",) * 2]),
    "category_admin.edit": (A, [("/admin/categories/{recipes}/edit",) * 2]),
    "category_admin.move": (A, [("/admin/categories/", f"/admin/categories/{{recipes}}/move/{way}")
                                for way in ("up", "down")]),
    "category_admin.archive": (A, [("/admin/categories/", "/admin/categories/{recipes}/archive")]),
    "category_admin.unarchive": (A, [("/admin/categories/",
                                      "/admin/categories/{archived_category}/unarchive")]),
    "mail.retry_one": (A, [("/admin/mail/", "/admin/mail/{message}/retry")]),
    "mail.retry_failed": (A, [("/admin/mail/", "/admin/mail/retry-failed")]),
    "jobs.run_now": (A, [("/admin/jobs/", "/admin/jobs/prune-job-runs/run")]),
    "token_admin.revoke": (A, [("/admin/tokens/", "/admin/tokens/{token}/revoke")]),
    "notifications.read_all": (A, [("/notifications/", "/notifications/read?page=1")]),
    "notifications.read_one": (A, [("/notifications/",
                                    "/notifications/{notification}/read?page=1")]),
    "staff.new_campaign": (A, [(f"/staff/campaigns/new/{kind}",) * 2
                               for kind in ("event", "survey", "offer")]),
    "staff.edit_campaign": (A, [(f"{DRAFT}/edit",) * 2]),
    "staff.schedule": (A, [(DRAFT, f"{DRAFT}/schedule")]),
    "staff.unschedule": (A, [(SCHEDULED, f"{SCHEDULED}/unschedule")]),
    "staff.close": (A, [(OPENED, f"{OPENED}/close")]),
    "staff.remind": (A, [(OPENED, f"{OPENED}/remind")]),
    "staff.cancel": (A, [(page, f"{page}/cancel") for page in (DRAFT, SCHEDULED, BUSY, OPENED)]),
    "staff.duplicate": (A, [(page, f"{page}/duplicate") for page in (DRAFT, CLOSED, CANCELLED)]),
    "staff.audience_page": (A, [(f"{DRAFT}/audience",) * 2]),
    "staff.upload_list": (A, [(f"{DRAFT}/audience", f"{DRAFT}/audience/list")]),
    "staff.send": (A, [(f"{page}/send",) * 2 for page in (DRAFT, SCHEDULED)]),
    "staff.upload_codes": (A, [(OFFER, f"{OFFER}/codes")]),
    "staff.add_question": (A, [(SURVEY, f"{SURVEY}/questions")]),
    "staff.remove_question": (A, [(SURVEY, f"{SURVEY}/questions/{{question}}/remove")]),
    "staff.move_question": (A, [(SURVEY, f"{SURVEY}/questions/{{question}}/move")]),
    "staff.open_space": (A, [(PREVIEW, f"{PREVIEW}/space/open")]),
    "staff.close_space": (A, [(PREVIEW, f"{PREVIEW}/space/close")]),
    "staff_results.checkin": (A, [(PEOPLE, "/staff/campaigns/{campaign}/checkin")]),
    "staff_results.attend": (A, [(PEOPLE, PERSON + "/attend")]),
    "staff_results.remove": (A, [(PEOPLE, PERSON + "/remove")]),
    "invitations.answer": (M, [(INVITATION, INVITATION + "/accept"),
                               (INVITATION, INVITATION + "/decline"),
                               ("/invitations", INVITATION + "/decline")]),
    "invitations.survey": (M, [("/invitations/{survey_invitation}",
                                "/invitations/{survey_invitation}/survey")]),
    "invitations.settings": (A, [("/account/profile", "/invitations/settings")]),
    "invitations.reply_by_link": (V, [("/invitations/reply/{reply_token}/accept",) * 2,
                                      ("/invitations/reply/{reply_token}/decline",) * 2]),
    "invitations.unsubscribe": (V, [("/invitations/unsubscribe/{reply_token}",) * 2]),
    "rewards.redeem": (M, [("/rewards/{reward}/redeem",) * 2,
                           ("/rewards/{coded_reward}/redeem",) * 2]),
    "reward_staff.new": (A, [("/staff/rewards/new",) * 2]),
    "reward_staff.edit": (A, [("/staff/rewards/{reward}/edit",) * 2]),
    "reward_staff.archive": (A, [("/staff/rewards", "/staff/rewards/{coded_reward}/archive")]),
    "reward_staff.unarchive": (A, [("/staff/rewards",
                                    "/staff/rewards/{archived_reward}/unarchive")]),
    "reward_staff.upload_codes": (A, [("/staff/rewards/{coded_reward}/edit",
                                       "/staff/rewards/{coded_reward}/codes")]),
    "reward_staff.deliver": (A, [("/staff/rewards/redemptions",
                                  "/staff/rewards/redemptions/{redemption}/deliver")]),
    "reward_staff.cancel": (A, [("/staff/rewards/redemptions",
                                 "/staff/rewards/redemptions/{redemption}/cancel")]),
    "notification_mail.settings": (A, [("/account/profile", "/notification-email/settings")]),
    "notification_mail.unsubscribe": (V, [("/notification-email/unsubscribe/{mail_token}",) * 2]),
}  # fmt: skip
JSON_ENDPOINTS = {"api.post_signals"}  # test_the_signals_api_takes_any_json
EXCUSED: dict[str, str] = {}  # endpoint: why it is not fuzzed


@pytest.fixture
def world(app: Flask, make_user: Any, category: Any) -> World:
    return build_world(app, make_user, category)


def test_every_post_endpoint_is_fuzzed(app):
    posted = {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods}
    covered = set(CASES) | JSON_ENDPOINTS | set(EXCUSED)
    assert posted - covered == set(), "POST endpoints without a fuzz case: add them to CASES"
    assert covered - posted == set(), "fuzz cases for endpoints that no longer exist"


def _offered(world: World, who: str, page: str, target: str) -> list[tuple[str, list]]:
    response = world.browsers[who].get(page)
    assert response.status_code == 200, (page, response.status_code)
    found = [s for s in post_submissions(response.get_data(as_text=True), page) if s[0] == target]
    assert found, f"{page} offers no form posting to {target} (update CASES)"
    return found


@st.composite
def odd_fields(draw: Any, fields: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The form's fields, each kept, replaced, emptied, dropped or repeated; maybe more."""
    sent: list[tuple[str, str]] = []
    for name, value in fields:
        if name == "csrf_token":  # kept: past the CSRF check is where forms do their work
            sent.append((name, value))
            continue
        how = draw(st.sampled_from(("keep", "odd", "odd", "empty", "drop", "twice")))
        if how == "keep":
            sent.append((name, value))
        elif how == "odd":
            sent.append((name, draw(ODD_TEXT)))
        elif how == "empty":
            sent.append((name, ""))
        elif how == "twice":
            sent += [(name, draw(ODD_TEXT)), (name, draw(ODD_TEXT))]
    extra_names = st.sampled_from(("post_ids", "next", "status", "locale", "submission", "x"))
    sent += draw(st.lists(st.tuples(extra_names, ODD_TEXT), max_size=2))
    return sent


@pytest.mark.parametrize("endpoint", sorted(CASES))
def test_no_form_answers_5xx(world, endpoint):
    who, pages = CASES[endpoint]
    browser = world.browsers[who]
    offered = []
    for page, target in pages:
        offered += _offered(world, who, page.format(**world.ids), target.format(**world.ids))

    @BOUNDED
    @given(st.data())
    def send_odd(data: Any) -> None:
        url, fields = data.draw(st.sampled_from(offered))
        sent = data.draw(odd_fields(fields))
        how = data.draw(st.sampled_from(("urlencoded", "urlencoded", "multipart", "json")))
        csrf = dict(fields).get("csrf_token", "")
        named = [name for name, _ in sent if name != "csrf_token"]
        if how == "multipart" and named:
            as_file = data.draw(st.sampled_from(named))
            body, content_type = multipart(sent, as_file)
            response = browser.post(url, data=body, content_type=content_type)
        elif how == "json":
            response = browser.post(url, data=json_body(sent), content_type="application/json",
                                    headers={"X-CSRFToken": csrf})  # fmt: skip
        else:
            response = browser.post(url, data=urlencoded(sent),
                                    content_type="application/x-www-form-urlencoded")  # fmt: skip
        assert response.status_code < 500, (url, how, sent)

    send_odd()


DATES = ("2026-11-20", "0001-01-01T00:00:00+05:00", "0001-01-01", "9999-12-31T23:59:59-14:00",
         "2026-13-45", "1899-12-31")  # fmt: skip
SIGNAL = st.fixed_dictionaries(
    {},
    optional={
        "email": st.one_of(st.just("alice@example.com"), JSON_SCALARS),
        "customer_id": JSON_SCALARS,
        "kind": st.one_of(st.sampled_from(SIGNAL_KINDS), JSON_SCALARS),
        "value": JSON_SCALARS,
        "occurred_at": st.one_of(st.sampled_from(DATES), JSON_SCALARS),
        "source": st.one_of(st.just("shop"), JSON_SCALARS),
        "id": JSON_SCALARS,
    },
)
PAYLOADS = st.one_of(
    st.lists(st.one_of(SIGNAL, JSON_VALUES), max_size=4),
    st.fixed_dictionaries({"signals": st.lists(st.one_of(SIGNAL, JSON_VALUES), max_size=4)}),
    JSON_VALUES,
)


def test_the_signals_api_takes_any_json(world):
    client, secret = world.browsers["visitor"], world.api_secret
    headers = {"Authorization": f"Bearer {secret}"}

    @settings(BOUNDED, max_examples=EXAMPLES * 5)
    @given(
        st.one_of(
            PAYLOADS.map(lambda payload: json.dumps(payload).encode()),
            st.integers(min_value=2, max_value=200_000).map(deeply_nested),
            st.integers(min_value=2, max_value=50_000).map(lambda n: deeply_nested(n, "{")),
            st.just(b'{"signals": ' + deeply_nested(100_000) + b"}"),
            st.binary(max_size=40),
        )
    )
    def send(body: bytes) -> None:
        response = client.post(
            "/api/v1/signals", data=body, content_type="application/json", headers=headers
        )
        assert response.status_code < 500, body[:200]
        assert response.is_json

    send()


QUERY_NAMES = ("page", "per_page", "q", "segment", "filter", "order", "category", "period",
               "actor", "action", "type", "target", "next", "role", "level", "status",
               "sanction", "joined_from", "joined_to", "sort", "tag", "solved", "author",
               "title", "x")  # fmt: skip


def test_no_page_answers_5xx_to_odd_paths_and_query_arguments(app, world):
    rules = sorted(
        (rule for rule in app.url_map.iter_rules()
         if "GET" in rule.methods and rule.endpoint != "static"),
        key=lambda rule: rule.rule,
    )  # fmt: skip
    known = [str(v) for v in world.ids.values()] + ["alice", "help", "milk", "fr", "0"]
    part = st.one_of(st.sampled_from(known), ODD_TEXT.filter(lambda text: text != ""))

    @settings(BOUNDED, max_examples=EXAMPLES * 12)
    @given(
        st.sampled_from(rules),
        st.data(),
        st.lists(st.tuples(st.sampled_from(QUERY_NAMES), ODD_TEXT), max_size=3),
        st.sampled_from(("admin", "visitor")),
    )
    def visit(rule: Any, data: Any, query: list[tuple[str, str]], who: str) -> None:
        path = rule.rule
        for argument in rule.arguments:
            value = data.draw(part)
            path = path.replace(f"<int:{argument}>", encoded(value))
            path = path.replace(f"<{argument}>", encoded(value))
        if query:
            path += "?" + "&".join(f"{encoded(k)}={encoded(v)}" for k, v in query)
        headers = {"Authorization": f"Bearer {world.api_secret}"}
        response = world.browsers[who].get(path, headers=headers)
        response.close()  # the audit log's CSV is a file, closed with its response
        assert response.status_code < 500, path

    visit()

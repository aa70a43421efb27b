"""The account page's section, and the unsubscribe link of a mail received over SMTP."""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage
from urllib.parse import urlsplit

from itsdangerous import URLSafeSerializer

from app.core.events import commit
from app.notification_mail import tokens
from app.notification_mail.settings import modes_of, set_modes
from tests.notification_mail.conftest import BASE, answer, run
from tests.support import form_submission

DEFAULTS = {"answers": "immediate", "replies": "digest", "mentions": "immediate",
            "accepted": "immediate", "badges": "digest"}  # fmt: skip
SETTINGS = "/notification-email/settings"


def test_defaults_until_the_member_chooses(member):
    assert modes_of(member.id) == DEFAULTS


def test_the_account_page_form_as_the_browser_sends_it(member, login):
    browser = login(member)
    page = browser.get("/account/profile").get_data(as_text=True)
    assert 'id="notification-email"' in page
    url, data = form_submission(page, SETTINGS, replies="immediate", badges="none")
    assert data["answers"] == "immediate", "the page shows the member's current choice"
    response = browser.client.post(url, data=data)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/account/profile#notification-email")
    assert modes_of(member.id) == {**DEFAULTS, "replies": "immediate", "badges": "none"}
    page = browser.get("/account/profile").get_data(as_text=True)
    assert "Your notification email settings are saved." in page
    _url, shown = form_submission(page, SETTINGS)
    assert (shown["replies"], shown["badges"]) == ("immediate", "none"), "the saved choices"


def test_the_section_speaks_french(member, login):
    member.locale = "fr"
    commit()
    page = login(member).get("/account/profile").get_data(as_text=True)
    assert "Notifications par e-mail" in page
    assert "Les réponses à mes questions" in page and "Résumé quotidien" in page


def test_saving_needs_the_csrf_token_and_a_known_choice(member, login):
    browser = login(member)
    page = browser.get("/account/profile").get_data(as_text=True)
    url, data = form_submission(page, SETTINGS, answers="sometimes")
    browser.client.post(url, data=data)
    assert modes_of(member.id) == DEFAULTS
    url, data = form_submission(page, SETTINGS, answers="none")
    del data["csrf_token"]
    browser.client.post(url, data=data)
    assert modes_of(member.id) == DEFAULTS


def test_visitors_cannot_save_settings(client):
    response = client.post(SETTINGS, data={"answers": "none"})
    assert response.status_code in (302, 400)


def received(inbox) -> EmailMessage:
    [message] = inbox.messages
    email = message_from_bytes(message.as_bytes(), policy=policy.default)
    assert isinstance(email, EmailMessage)
    return email


def mail_one_answer(make_user, make_topic, inbox):
    asker, helper = make_user("asker"), make_user("helper")
    set_modes(asker.id, {"badges": "none"})
    set_modes(helper.id, {"badges": "none"})
    commit()
    answer(helper, make_topic(asker, title="Grinder jams"))
    assert run("mail-notifications", minutes=6)["mails"] == 1
    assert run("deliver-mail", minutes=7)["sent"] == 1
    return asker, received(inbox)


def test_the_unsubscribe_link_of_a_received_mail_confirms_then_stops_that_kind(
    app, make_user, make_topic, inbox
):
    asker, email = mail_one_answer(make_user, make_topic, inbox)
    assert email["To"] == asker.email
    assert email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    header = str(email["List-Unsubscribe"])
    assert header.startswith(f"<{BASE}/notification-email/unsubscribe/") and header.endswith(">")
    text = email.get_body(("plain",)).get_content()
    html = email.get_body(("html",)).get_content()
    assert "No more email for “Answers to my questions”:" in text
    link = header[1:-1]
    assert link in text and link in html, "the body's link for the mail's one kind"

    visitor = app.test_client()  # logged out: the token is the proof
    path = urlsplit(link).path
    page = visitor.get(path)
    assert page.status_code == 200
    assert modes_of(asker.id)["answers"] == "immediate", "opening the link changes nothing"
    html_page = page.get_data(as_text=True)
    assert "Answers to my questions" in html_page
    _url, data = form_submission(html_page, "")
    done = visitor.post(path, data=data)
    assert done.status_code == 200 and "You are unsubscribed" in done.get_data(as_text=True)
    assert modes_of(asker.id) == {**DEFAULTS, "answers": "none", "badges": "none"}


def test_one_click_post_without_cookie_or_csrf_unsubscribes(app, make_user, make_topic, inbox):
    asker, email = mail_one_answer(make_user, make_topic, inbox)
    path = urlsplit(str(email["List-Unsubscribe"])[1:-1]).path
    response = app.test_client().post(path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert modes_of(asker.id)["answers"] == "none"
    assert app.test_client().post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 200


def test_links_come_from_base_url_even_inside_a_request_for_another_host(app, member):
    with app.test_request_context("/", base_url="http://attacker.example"):
        link = tokens.unsubscribe_url(member.id, ["answers"])
    assert link.startswith(f"{BASE}/notification-email/unsubscribe/")


def test_bad_tokens_are_a_404_page_and_change_nothing(app, member):
    visitor = app.test_client()
    good = tokens.make(member.id, ["answers"])
    other_salt = URLSafeSerializer(app.secret_key, salt="something-else").dumps(
        [member.id, ["answers"]]
    )
    forged = URLSafeSerializer("not-our-key", salt="tribune.notification-mail.unsubscribe").dumps(
        [member.id, ["answers"]]
    )
    unknown_kind = tokens.make(member.id, ["no-such-kind"])
    gone = tokens.make(2**31 - 1, ["answers"])
    for token in (good[:-2] + "xx", other_salt, forged, unknown_kind, gone, "x" * 400, "\u00e9"):
        assert visitor.get(f"/notification-email/unsubscribe/{token}").status_code == 404
        assert visitor.post(f"/notification-email/unsubscribe/{token}").status_code == 404
    assert modes_of(member.id) == DEFAULTS


def test_a_token_only_names_its_own_kinds(app, member):
    token = tokens.make(member.id, ["mentions", "answers"])
    assert tokens.read(token) == (member.id, ["answers", "mentions"])
    app.test_client().post(f"/notification-email/unsubscribe/{token}")
    assert modes_of(member.id) == {**DEFAULTS, "answers": "none", "mentions": "none"}

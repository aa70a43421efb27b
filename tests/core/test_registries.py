"""What packages register (menu links, profile sections, notification kinds, event
handlers...) belongs to the application they registered with, not to the process."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select

from app import create_app
from app.accounts import services as account_services
from app.accounts.account_page import account_sections_for, register_account_section
from app.accounts.models import User
from app.accounts.profile import (
    card_sections_for,
    register_card_section,
    register_section,
    sections_for,
)
from app.core import events, templating
from app.core.event_payloads import RoleChanged
from app.core.notifications import (
    EmailKind,
    Notification,
    email_kinds,
    notify,
    register_email_kind,
    register_kind,
)
from app.core.templating import (
    author_extras,
    page_extras,
    post_trail_endpoint,
    register_author_decoration,
    register_nav_link,
)
from app.extensions import db
from app.moderation.models import AuditEntry


def _bare_app(like: Flask) -> Flask:
    """An application with none of the packages: only what the test registers."""
    bare = Flask("bare")
    bare.config.update(like.config)
    db.init_app(bare)
    templating.init_app(bare)
    return bare


def _audit_rows() -> int:
    return db.session.scalar(select(func.count(AuditEntry.id)))


def test_an_application_sees_only_its_own_registrations(app, member):
    bare = _bare_app(app)
    roles_heard = []
    register_nav_link(bare, 10, "bare.home", "Home")
    register_section(bare, 5, "bare/_section.html", lambda user: {})
    register_card_section(bare, 5, "bare/_card.html", lambda user: {})
    register_account_section(bare, 5, "bare/_account.html", lambda user: {})
    register_author_decoration(bare, "bare", lambda user: "<i>bare</i>")
    register_kind(bare, "bare.hello", lambda data: "Hello")
    register_email_kind(bare, EmailKind("hellos", ("bare.hello",), "Hellos", "digest"))
    events.handle_in_transaction(bare, RoleChanged, roles_heard.append)

    # The full application: its packages' registrations, none of the bare one's.
    with app.test_request_context():  # the sections read who looks
        templates = [template for template, _context in sections_for(member)]
    assert "forum/_profile_section.html" in templates
    assert "bare/_section.html" not in templates
    with app.test_request_context():
        on_card = [template for template, _context in card_sections_for(member)]
    assert on_card == ["badges/_card_section.html"]
    with app.test_request_context():
        settings = [template for template, _context in account_sections_for(member)]
    assert "invitations/member/_account_section.html" in settings
    assert "bare/_account.html" not in settings
    assert "badges.board" in page_extras(app).nav_links
    assert "bare.home" not in page_extras(app).nav_links
    assert "<i>bare</i>" not in author_extras(member)
    assert post_trail_endpoint() == "moderation.log"
    assert Notification(kind="bare.hello", data={}).message == "bare.hello"
    keys = [kind.key for kind in email_kinds()]
    assert keys == ["answers", "replies", "mentions", "accepted", "badges"]
    assert notify([member.id], "forum.reply", "/", actor="bruno", title="Descaling") == 1
    account_services.set_role(member, "staff")
    events.commit()
    assert roles_heard == [], "the bare application's handler never hears this one's events"
    assert _audit_rows() == 1, "moderation's handler writes the role change's audit row"

    # The bare application: only what was registered with it. (The member's id is read
    # first: the full application's session must not load it through the bare one.)
    member_id = member.id
    with bare.app_context():
        user = db.session.get(User, member_id)
        assert sections_for(user)[0][0] == "bare/_section.html" and len(sections_for(user)) == 1
        assert [template for template, _context in card_sections_for(user)] == ["bare/_card.html"]
        assert list(page_extras(bare).nav_links) == ["bare.home"]
        assert author_extras(user) == "<i>bare</i>"
        assert post_trail_endpoint() is None
        assert Notification(kind="bare.hello", data={}).message == "Hello"
        assert [kind.key for kind in email_kinds()] == ["hellos"]
        try:
            notify([user.id], "forum.reply", "/")
        except ValueError as error:
            assert "unregistered notification kind" in str(error)
        else:
            raise AssertionError("the forum's kinds are not the bare application's")
        account_services.set_role(user, "member")
        events.commit()
        assert [event.new_role for event in roles_heard] == ["member"]
        assert _audit_rows() == 1, "no moderation package here: no audit handler"
        db.session.remove()
        db.engine.dispose()


def test_two_full_applications_do_not_share_what_one_adds(app, database_url):
    other = create_app("testing", {"DATABASE_URL": database_url, "LANGUAGES": ["en"]})
    register_nav_link(other, 99, "accounts.login", "Only in the other one")
    register_kind(other, "other.kind", lambda data: "Other")
    assert "accounts.login" in page_extras(other).nav_links
    assert "accounts.login" not in page_extras(app).nav_links
    assert Notification(kind="other.kind", data={}).message == "other.kind"
    # Building an application again registers each of its packages' entries once.
    assert (
        page_extras(other).nav_links.keys() - {"accounts.login"}
        == page_extras(app).nav_links.keys()
    )
    assert (
        events.handlers(other).in_transaction.keys() == events.handlers(app).in_transaction.keys()
    )
    for event_type, handlers in events.handlers(other).in_transaction.items():
        assert handlers == events.handlers(app).in_transaction[event_type]
        assert handlers is not events.handlers(app).in_transaction[event_type]


def test_an_email_kind_needs_a_known_default(app):
    bare = _bare_app(app)
    try:
        register_email_kind(bare, EmailKind("hellos", ("bare.hello",), "Hellos", "hourly"))
    except ValueError as error:
        assert "default must be one of" in str(error)
    else:
        raise AssertionError("an unknown default mode was registered")

"""Imported members claim their accounts: an administrator sets their real address
(`tribune users set-emails FILE.csv`, or the member's moderation page), then the reset
link works. Before, the placeholder can receive nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.accounts.models import User
from app.core.mail import OutboxMessage
from app.extensions import db
from app.moderation.models import AuditEntry
from tests.support import form_submission

DUMP = Path(__file__).parent / "stackexchange_defects"


@pytest.fixture
def imported(app, tmp_path) -> None:
    folder = tmp_path / "kettles.stackexchange.com"
    shutil.copytree(DUMP, folder)
    result = app.test_cli_runner().invoke(args=["import", "stackexchange", str(folder)])
    assert result.exit_code == 0, result.output


def member(name: str) -> User:
    db.session.expire_all()
    return db.session.scalars(select(User).where(User.username == name)).one()


def mails_to(address: str) -> int:
    return db.session.scalar(
        select(func.count()).select_from(OutboxMessage).where(OutboxMessage.recipient == address)
    )


def ask_reset(client, address: str) -> None:
    page = client.get("/account/reset").get_data(as_text=True)
    _action, data = form_submission(page, "", email=address)  # the form posts to its page
    assert client.post("/account/reset", data=data).status_code == 302


def test_set_emails_from_a_csv_then_the_reset_link_works(app, imported, tmp_path, client):
    placeholder = member("Jeff").email
    ask_reset(client, placeholder)
    assert mails_to(placeholder) == 0  # a placeholder receives nothing
    csv_file = tmp_path / "emails.csv"
    csv_file.write_text(
        "source_id,email\n"
        "1,jeff@example.com\n"  # a source id of the import
        "Ana,Ana@Example.com\n"  # a username
        "999,nobody@example.com\n"  # no such member
        "3,not-an-address\n"
        "3,jeff@example.com\n"  # another member's address
        "3,someone@users.invalid\n"  # a placeholder
        "3\n"
    )
    result = app.test_cli_runner().invoke(args=["users", "set-emails", str(csv_file)])
    assert result.exit_code == 1
    out = result.output
    assert "2 addresses set, 0 unchanged, 5 lines refused." in out
    for line in (4, 5, 6, 7, 8):
        assert f"{csv_file}:{line}: " in out
    assert "no member with source id or username '999'" in out
    assert member("Jeff").email == "jeff@example.com"
    assert member("Ana").email == "ana@example.com"
    assert member("Bo_member").email.endswith("@users.invalid")
    audit = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "user.email")).all()
    assert len(audit) == 2
    # Now the reset form sends Jeff a link.
    ask_reset(client, "jeff@example.com")
    assert mails_to("jeff@example.com") == 1
    # Again: nothing changes.
    again = app.test_cli_runner().invoke(args=["users", "set-emails", str(csv_file)])
    assert "0 addresses set, 2 unchanged" in again.output


def test_an_administrator_sets_the_address_on_the_member_page(app, imported, login, admin,
                                                               moderator, client):  # fmt: skip
    url = "/manage/members/Bo_member"
    page = login(admin).get(url).get_data(as_text=True)
    assert "No address yet" in page
    action, data = form_submission(page, "/manage/members/Bo_member/email", email="bo@example.com",
                                   reason="asked by mail")  # fmt: skip
    done = login(admin).post(action, data)
    assert done.status_code == 302
    assert member("Bo_member").email == "bo@example.com"
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "user.email")).one()
    assert entry.actor_id == admin.id and entry.reason == "asked by mail"
    ask_reset(client, "bo@example.com")
    assert mails_to("bo@example.com") == 1
    # A bad address is refused on the page, with the form; moderators have no such form.
    action, data = form_submission(page, "/manage/members/Bo_member/email", email="nope")
    refused = login(admin).post(action, data)
    assert refused.status_code == 422 and "Enter a valid email address" in refused.get_data(
        as_text=True
    )
    taken = form_submission(page, "/manage/members/Bo_member/email", email=admin.email)
    assert login(admin).post(*taken).status_code == 422
    assert "/manage/members/Bo_member/email" not in login(moderator).get(url).get_data(as_text=True)
    theirs = {k: v for k, v in data.items() if k != "csrf_token"}  # their own session's
    assert login(moderator).post(action, theirs).status_code == 403


def test_one_address_given_to_two_members_at_once_goes_to_one(app, imported, login, admin):
    from tests.support import at_once

    browsers = [login(admin), login(admin)]
    names = ["Bo_member", "Ana"]

    def give(i: int):
        page = browsers[i].get(f"/manage/members/{names[i]}").get_data(as_text=True)
        action, data = form_submission(page, f"/manage/members/{names[i]}/email",
                                       email="shared@example.com")  # fmt: skip
        return browsers[i].client.post(action, data=data)

    answers = at_once(2, give)
    assert sorted(r.status_code for r in answers) == [302, 422], answers
    assert all("Another member already uses this address" in r.get_data(as_text=True)
               for r in answers if r.status_code == 422)  # fmt: skip
    holders = db.session.scalars(select(User).where(User.email == "shared@example.com")).all()
    assert len(holders) == 1

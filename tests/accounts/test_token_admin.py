"""/admin/tokens (issue 14): every API token, who it acts for, and revoking any, once."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.accounts import tokens
from app.accounts.models import ApiToken
from app.core.events import commit
from app.extensions import db
from app.moderation.models import AuditEntry
from tests.support import at_once, form_submission

PAGE = "/admin/tokens/"


def _make(name: str, owner=None) -> tuple[ApiToken, str]:
    token, secret = tokens.create_token(name, created_by=owner)
    commit()
    return token, secret


def _revocations() -> int:
    return db.session.scalar(
        select(func.count(AuditEntry.id)).where(AuditEntry.action == "api_token.revoke")
    )


def test_every_token_is_listed_with_its_owner_and_never_its_secret(app, make_user, login):
    staff = make_user("tok_staff", role="staff")
    crm, crm_secret = _make("CRM sync", staff)
    operator, operator_secret = _make("Nightly export")
    page = login(make_user(role="admin")).get(PAGE)
    assert page.status_code == 200
    assert "CRM sync" in page.text and "Nightly export" in page.text
    assert ">tok_staff</a> (Brand staff)" in page.text
    assert "the operator (command line)" in page.text
    assert f"<code>{crm.prefix}…</code>" in page.text
    for secret in (crm_secret, operator_secret):
        assert secret not in page.text and secret[len(crm.prefix) :] not in page.text
    assert crm.token_hash not in page.text and operator.token_hash not in page.text
    assert page.text.count("never") >= 2


def test_revoking_through_the_page_stops_the_token_and_is_audited(app, make_user, login):
    staff = make_user("tok_owner", role="staff")
    token, secret = _make("Reviews feed", staff)
    admin_user = make_user("tok_admin", role="admin")
    admin = login(admin_user)
    url, data = form_submission(admin.get(PAGE).text, f"/admin/tokens/{token.id}/revoke")
    page = admin.client.post(url, data=data, follow_redirects=True)
    assert "Token “Reviews feed” revoked: it no longer opens the API." in page.text
    assert "revoked on" in page.text
    assert f'action="/admin/tokens/{token.id}/revoke"' not in page.text
    db.session.expire_all()
    assert tokens.authenticate(secret) is None
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "api_token.revoke"))
    assert entry.actor_id == admin_user.id and entry.target_id == token.id
    # The same form sent again (a second tab) changes nothing more.
    again = admin.client.post(url, data=data, follow_redirects=True)
    assert "Token “Reviews feed” was already revoked." in again.text
    assert _revocations() == 1


def test_the_page_speaks_french(app, make_user, login):
    _make("Synchro CRM", make_user("tok_fr", role="staff"))
    admin = login(make_user(role="admin", locale="fr"))
    page = admin.get(PAGE).text
    assert "<h1>Jetons d\u2019API</h1>" in page and "Propriétaire" in page and "Révoquer" in page
    assert ">tok_fr</a> (Équipe de la marque)" in page and "jamais" in page


def test_odd_requests_change_nothing(app, make_user, login):
    token, _ = _make("Kept")
    admin = login(make_user(role="admin"))
    assert admin.post("/admin/tokens/999999999/revoke").status_code == 404
    assert admin.client.post(f"/admin/tokens/{token.id}/revoke").status_code == 400
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).revoked_at is None


@pytest.mark.parametrize("role", ["member", "moderator"])
def test_members_and_moderators_may_not_open_it(app, make_user, login, role):
    token, _ = _make("Kept")
    someone = login(make_user(role=role))
    assert someone.get(PAGE).status_code == 403
    assert someone.post(f"/admin/tokens/{token.id}/revoke").status_code == 403


def test_the_page_runs_as_many_statements_for_many_tokens_as_for_one(
    app, make_user, login, count_queries
):
    admin = login(make_user(role="admin"))
    _make("First", make_user(role="staff"))
    admin.get(PAGE)
    with count_queries() as one:
        admin.get(PAGE)
    for n in range(5):
        _make(f"Token {n}", make_user(role="staff") if n % 2 else None)
    with count_queries() as many:
        admin.get(PAGE)
    assert many.count == one.count <= 5, many.statements


def test_revoking_many_times_at_once_revokes_once(app, make_user, login):
    token, _ = _make("Raced", make_user(role="staff"))
    admin = make_user(role="admin")
    admins = [login(admin) for _ in range(6)]
    url, data = form_submission(admins[0].get(PAGE).text, f"/admin/tokens/{token.id}/revoke")
    statuses = at_once(6, lambda i: admins[i].client.post(url, data=data).status_code)
    assert statuses == [302] * 6
    assert _revocations() == 1

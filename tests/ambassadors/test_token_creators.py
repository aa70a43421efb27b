"""API tokens act with their creator's current capabilities; wrong tokens are limited."""

from __future__ import annotations

from sqlalchemy import delete, func, select

from app import create_app
from app.accounts import services as account_services
from app.accounts.models import ApiToken, User
from app.core import permissions
from app.core.events import commit
from app.extensions import db
from app.moderation import members


def token_made_by(login, creator) -> str:
    """A token made on /manage/tokens by ``creator``, as staff make them."""
    page = login(creator).post("/manage/tokens", {"name": "CRM sync"})
    assert page.status_code == 201
    return page.get_data(as_text=True).split('<code class="secret">')[1].split("</code>")[0]


def call(client, secret: str, path: str = "/api/v1/ambassadors"):
    return client.get(path, headers={"Authorization": f"Bearer {secret}"})


def assert_refused(response) -> None:
    assert response.status_code == 403
    assert response.get_json() == {
        "error": "the member who created this token may no longer use it"
    }


def test_a_token_stops_when_its_creator_is_demoted(client, login, staff, admin):
    secret = token_made_by(login, staff)
    assert call(client, secret).status_code == 200
    members.change_role(admin, staff, "member", "left the brand")
    commit()
    assert_refused(call(client, secret))
    assert_refused(
        client.post("/api/v1/signals", json=[], headers={"Authorization": f"Bearer {secret}"})
    )
    members.change_role(admin, staff, "staff", "came back")
    commit()
    assert call(client, secret).status_code == 200, "the creator's capabilities, as they are now"


def test_a_token_stops_while_its_creator_is_suspended(client, login, staff, admin):
    secret = token_made_by(login, staff)
    members.suspend(admin, staff, 3, "leaked customer data")
    commit()
    assert_refused(call(client, secret))
    members.lift(admin, staff)
    commit()
    assert call(client, secret).status_code == 200


def test_a_token_stops_when_its_creator_is_deactivated_or_removed(client, login, staff):
    secret = token_made_by(login, staff)
    staff.active = False
    commit()
    assert_refused(call(client, secret))
    db.session.execute(delete(User).where(User.id == staff.id))
    commit()
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 0
    assert call(client, secret).status_code == 401


def test_a_token_needs_what_each_endpoint_needs(client, login, member):
    """A member granted api.tokens alone may post signals, not read ambassadors' scores."""
    permissions.grant(member.id, "api.tokens", "crm-integration")
    commit()
    secret = token_made_by(login, member)
    signals = client.post("/api/v1/signals", json=[], headers={"Authorization": f"Bearer {secret}"})
    assert signals.status_code == 200
    assert_refused(call(client, secret))


def test_operator_tokens_from_the_command_line_keep_working(app, client):
    from app.accounts import tokens

    _, secret = tokens.create_token("CRM sync", created_by=None)
    commit()
    assert call(client, secret).status_code == 200


def test_wrong_tokens_are_limited_per_address(database_url, make_user):
    app = create_app(
        "testing",
        {
            "DATABASE_URL": database_url,
            "RATELIMIT_ENABLED": True,
            "API_TOKEN_FAILURES_PER_IP": "5/minute",
        },
    )
    with app.app_context():
        from app.accounts import tokens

        creator = account_services.create_user("staff_ann", "ann@example.com", None, role="staff")
        _, secret = tokens.create_token("CRM sync", created_by=creator)
        commit()
    client = app.test_client()
    for _ in range(10):  # right tokens do not count
        assert call(client, secret).status_code == 200
    statuses = [call(client, f"trb_guess{n}").status_code for n in range(6)]
    assert statuses == [401] * 5 + [429]
    blocked = call(client, "trb_guess-again")
    assert blocked.status_code == 429
    assert "error" in blocked.get_json()
    assert call(client, secret).status_code == 429, "the address waits, whatever it sends"
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    assert call(other, "trb_guess").status_code == 401, "another address has its own count"
    assert call(other, secret).status_code == 200

from datetime import timedelta

import pytest

from app.core import permissions
from app.core.clock import now_utc
from app.core.events import commit
from app.extensions import db


def test_roles_grant_their_capabilities(member, moderator, staff, admin):
    assert member.can("topic.create") and not member.can("topic.lock")
    assert moderator.can("topic.lock") and moderator.can("flag.review")
    assert staff.can("campaign.send") and not staff.can("topic.lock")
    assert all(admin.can(name) for name in permissions.CAPABILITIES)


def test_unknown_capability_is_a_programming_error(member):
    with pytest.raises(permissions.UnknownCapability):
        member.can("topic.fly")


def test_grant_with_source_and_expiry(member):
    permissions.grant(member.id, "post.edit_any", "ambassador", now_utc() + timedelta(days=1))
    commit()
    db.session.refresh(member)
    assert member.can("post.edit_any")

    permissions.grant(member.id, "post.edit_any", "ambassador", now_utc() - timedelta(seconds=1))
    commit()
    db.session.refresh(member)
    assert not member.can("post.edit_any"), "an expired grant gives nothing"


def test_revoke_removes_only_that_source(member):
    permissions.grant(member.id, "category.lounge", "ambassador")
    permissions.grant(member.id, "category.lounge", "manual")
    commit()
    assert permissions.revoke(member.id, "ambassador") == 1
    commit()
    db.session.refresh(member)
    assert member.can("category.lounge")
    permissions.revoke(member.id, "manual")
    commit()
    db.session.refresh(member)
    assert not member.can("category.lounge")


def test_grants_read_with_the_member_on_each_request(member, login):
    """The user loader reads active grants in the same statement as the member."""
    from app.accounts import load_user

    permissions.grant(member.id, "category.lounge", "ambassador")
    permissions.grant(member.id, "topic.move", "old", now_utc() - timedelta(days=1))
    commit()
    login(member)  # a login of the member's, whose id the loader is given
    loaded = load_user(member.get_id())
    assert loaded.granted_capabilities == frozenset({"category.lounge"})
    assert loaded.can("category.lounge") and not loaded.can("topic.move")

import pytest

from app.accounts import services
from app.accounts.services import AccountError
from app.core.events import commit


def test_create_user_normalizes_and_hashes(app):
    user = services.create_user("Alice_B", "Alice@Example.COM", "a-long-secret-phrase")
    commit()
    assert user.email == "alice@example.com"
    assert user.username_key == "alice_b"
    assert user.password_hash.startswith("scrypt:")
    assert "a-long-secret-phrase" not in user.password_hash


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short-pw", "at least 10"),
        ("password123", "too common"),
        ("azertyuiop", "too common"),
        ("aaaaaaaaaaaa", "too common"),
        ("frodo-the-brave-1", "must not contain"),
    ],
)
def test_weak_passwords_are_refused(app, password, reason):
    with pytest.raises(AccountError, match=reason) as caught:
        services.create_user("frodo", "frodo@example.com", password)
    assert caught.value.field == "password"


@pytest.mark.parametrize("username", ["ab", "has space", "-dash", "trailing.", "x" * 31, "admin"])
def test_bad_usernames_are_refused(app, username):
    with pytest.raises(AccountError) as caught:
        services.create_user(username, "u@example.com", "a-long-secret-phrase")
    assert caught.value.field == "username"


def test_username_and_email_are_unique_case_insensitively(member):
    with pytest.raises(AccountError, match="taken"):
        services.create_user("ALICE", "new@example.com", "a-long-secret-phrase")
    with pytest.raises(AccountError, match="already uses"):
        services.create_user("alicia", "ALICE@example.com", "a-long-secret-phrase")


def test_invalid_email_is_refused(app):
    with pytest.raises(AccountError) as caught:
        services.create_user("gina", "not-an-email", "a-long-secret-phrase")
    assert caught.value.field == "email"


def test_authenticate_by_username_or_email(member):
    from tests.conftest import PASSWORD

    assert services.authenticate("ALICE", PASSWORD).id == member.id
    assert services.authenticate("alice@example.com", PASSWORD).id == member.id
    with pytest.raises(AccountError, match="Wrong"):
        services.authenticate("alice", "wrong-password!")
    with pytest.raises(AccountError, match="Wrong"):
        services.authenticate("nobody", "wrong-password!")


def test_change_password_checks_current_and_bumps_session_version(member):
    from tests.conftest import PASSWORD

    with pytest.raises(AccountError) as caught:
        services.change_password(member, "not-my-password", "a-new-long-phrase")
    assert caught.value.field == "current_password"
    version = member.session_version
    services.change_password(member, PASSWORD, "a-new-long-phrase")
    commit()
    assert member.session_version == version + 1
    assert services.authenticate("alice", "a-new-long-phrase").id == member.id

from app.accounts import services


def test_users_create_with_password_on_stdin(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "users",
            "create",
            "manon",
            "--email",
            "manon@example.com",
            "--role",
            "moderator",
            "--password-stdin",
        ],
        input="a-long-secret-phrase\n",
    )
    assert result.exit_code == 0, result.output
    assert "Created moderator manon" in result.output
    user = services.get_by_username("manon")
    assert user.role == "moderator"
    assert services.authenticate("manon", "a-long-secret-phrase").id == user.id


def test_users_create_asks_for_the_password(app):
    result = app.test_cli_runner().invoke(
        args=["users", "create", "nina", "--email", "nina@example.com"],
        input="a-long-secret-phrase\na-long-secret-phrase\n",
    )
    assert result.exit_code == 0, result.output
    assert services.get_by_username("nina").role == "member"


def test_users_create_reports_the_bad_field(app, member):
    result = app.test_cli_runner().invoke(
        args=["users", "create", "alice", "--email", "x@example.com", "--password-stdin"],
        input="a-long-secret-phrase\n",
    )
    assert result.exit_code == 1
    assert "username: This username is taken." in result.output
    weak = app.test_cli_runner().invoke(
        args=["users", "create", "oscar", "--email", "o@example.com", "--password-stdin"],
        input="short\n",
    )
    assert weak.exit_code == 1 and "password:" in weak.output
    assert services.get_by_username("oscar") is None


def test_set_role(app, member):
    result = app.test_cli_runner().invoke(args=["users", "set-role", "alice", "staff"])
    assert result.exit_code == 0, result.output
    assert services.get_by_username("alice").role == "staff"
    unknown = app.test_cli_runner().invoke(args=["users", "set-role", "zed", "staff"])
    assert unknown.exit_code == 1 and "no member named" in unknown.output


def test_linking_a_member_to_a_customer_id(app, make_user):
    from app.accounts.models import User
    from app.extensions import db

    ana = make_user("ana")
    make_user("ben")
    runner = app.test_cli_runner()
    assert runner.invoke(args=["users", "link-customer", "ana", "CRM-1"]).exit_code == 0
    assert db.session.get(User, ana.id, populate_existing=True).external_customer_id == "CRM-1"
    taken = runner.invoke(args=["users", "link-customer", "ben", "CRM-1"])
    assert taken.exit_code == 1 and "customer_id: This customer id belongs to ana." in taken.output
    assert runner.invoke(args=["users", "link-customer", "nobody", "X"]).exit_code == 1
    assert runner.invoke(args=["users", "link-customer", "ana", "--clear"]).exit_code == 0
    assert db.session.get(User, ana.id, populate_existing=True).external_customer_id is None

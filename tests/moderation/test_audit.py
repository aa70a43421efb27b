"""Staff actions in packages below moderation reach the audit log through action_taken."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.moderation.models import AuditEntry


def entries():
    return db.session.execute(
        select(
            AuditEntry.action, AuditEntry.actor_id, AuditEntry.before, AuditEntry.after
        ).order_by(AuditEntry.id)
    ).all()


def test_api_tokens_created_and_revoked_are_logged(app, login, staff):
    browser = login(staff)
    browser.post("/manage/tokens", {"name": "CRM sync"})
    ((action, actor, _before, after),) = entries()
    assert (action, actor, after["name"]) == ("api_token.create", staff.id, "CRM sync")
    token_id = db.session.scalar(select(AuditEntry.target_id))
    browser.post(f"/manage/tokens/{token_id}/revoke")
    assert [row[0] for row in entries()] == ["api_token.create", "api_token.revoke"]
    runner = app.test_cli_runner()
    runner.invoke(args=["tokens", "create", "Shop"])
    assert entries()[-1][:2] == ("api_token.create", None)


def test_point_value_changes_are_logged_with_before_and_after(app, login, admin):
    from app.badges import points

    values = points.all_rules()
    form = dict(values, answer_voted=12)
    login(admin).post("/admin/points", {k: str(v) for k, v in form.items()})
    ((action, actor, before, after),) = entries()
    assert (action, actor) == ("settings.points", admin.id)
    assert before == {"answer_voted": values["answer_voted"]} and after == {"answer_voted": 12}

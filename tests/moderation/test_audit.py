"""Staff actions in packages below moderation reach the audit log through action_taken,
inside the transaction of the change: stored with it, or the change is not stored."""

from __future__ import annotations

import pytest
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


def _change_a_point_value(browser, to: int = 12):
    from app.badges import points

    form = dict(points.all_rules(), answer_voted=to)
    return browser.post("/admin/points", {k: str(v) for k, v in form.items()})


def test_a_listener_that_fails_after_the_commit_loses_no_audit_row(app, login, admin, caplog):
    from app.badges import points
    from app.core import events

    heard = []

    def broken(event):
        raise RuntimeError("a listener that is down")

    def after_it(event):
        heard.append(event.action)

    events.action_taken.connect(broken)
    events.action_taken.connect(after_it)
    try:
        page = _change_a_point_value(login(admin))
    finally:
        events.action_taken.disconnect(broken)
        events.action_taken.disconnect(after_it)
    assert page.status_code == 302, "the change is saved: no 500 for a listener after it"
    assert [row[:2] for row in entries()] == [("settings.points", admin.id)]
    assert points.all_rules()["answer_voted"] == 12
    assert heard == ["settings.points"], "the other listeners still run"
    assert "a listener that is down" in caplog.text


def test_a_change_whose_audit_row_cannot_be_written_is_not_stored(app, login, admin, monkeypatch):
    from app.badges import points
    from app.moderation import listeners

    before = points.all_rules()["answer_voted"]

    def broken(*args, **kwargs):
        raise RuntimeError("the audit log is unwritable")

    monkeypatch.setattr(listeners, "record_audit", broken)
    with pytest.raises(RuntimeError, match="unwritable"):
        _change_a_point_value(login(admin), to=before + 5)
    db.session.expire_all()
    assert entries() == []
    assert points.all_rules()["answer_voted"] == before

"""At once: two runs of the mail jobs (bypassing the job lease) mail each notification once;
double-clicked settings and one-click unsubscribes keep one row per member and kind."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.core.clock import now_utc
from app.core.events import commit
from app.core.mail import OutboxMessage
from app.extensions import db
from app.notification_mail import sending, tokens
from app.notification_mail.models import NotificationEmailSetting, NotificationMailing
from app.notification_mail.settings import modes_of, set_modes
from tests.notification_mail.conftest import answer
from tests.support import at_once, form_submission

RUNS = 4


@pytest.mark.committed
def test_concurrent_runs_send_each_members_mail_once(app, make_user, make_topic):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the row-level race is PostgreSQL's; SQLite has one writer at a time")
    helper = make_user("helper")
    askers = [make_user(f"asker{n}") for n in range(5)]
    for member in [helper, *askers]:
        set_modes(member.id, {"badges": "none"})
    commit()
    for asker in askers:
        topic = make_topic(asker, title=f"Question of {asker.username}")
        answer(helper, topic, body="First idea.")
        answer(helper, topic, body="Second idea.")
    as_of = now_utc() + timedelta(minutes=6)

    def one_run(_i: int) -> dict:
        with app.app_context():
            figures = sending.mail_notifications(as_of=as_of)
            db.session.commit()
            db.session.remove()
            return figures

    results = at_once(RUNS, one_run)
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert sum(r["mails"] for r in results) == len(askers)
    assert sum(r["notifications"] for r in results) == 2 * len(askers)
    recipients = list(db.session.scalars(select(OutboxMessage.recipient)))
    assert sorted(recipients) == sorted(a.email for a in askers), "one mail each"
    assert db.session.scalar(select(func.count()).select_from(NotificationMailing)) == 10


def test_saving_the_settings_ten_times_at_once_keeps_one_row_per_kind(member, login):
    page = login(member).get("/account/profile").get_data(as_text=True)
    url, data = form_submission(page, "/notification-email/settings", replies="immediate",
                                badges="none")  # fmt: skip
    browsers = [login(member) for _ in range(10)]
    statuses = at_once(10, lambda i: browsers[i].client.post(url, data=data).status_code)
    assert statuses == [303] * 10
    rows = db.session.execute(
        select(NotificationEmailSetting.kind, NotificationEmailSetting.mode).where(
            NotificationEmailSetting.user_id == member.id
        )
    ).all()
    assert sorted(rows) == [("badges", "none"), ("replies", "immediate")]


def test_one_click_unsubscribes_at_once_keep_one_row(app, member):
    path = f"/notification-email/unsubscribe/{tokens.make(member.id, ['answers', 'mentions'])}"
    clients = [app.test_client() for _ in range(10)]
    body = {"List-Unsubscribe": "One-Click"}
    statuses = at_once(10, lambda i: clients[i].post(path, data=body).status_code)
    assert statuses == [200] * 10
    assert modes_of(member.id)["answers"] == modes_of(member.id)["mentions"] == "none"
    count = select(func.count()).where(NotificationEmailSetting.user_id == member.id)
    assert db.session.scalar(count) == 2

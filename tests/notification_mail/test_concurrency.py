"""Two runs of the mail jobs at once (bypassing the job lease) mail each notification once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.core.clock import now_utc
from app.core.events import commit
from app.core.mail import OutboxMessage
from app.extensions import db
from app.notification_mail import sending
from app.notification_mail.models import NotificationMailing
from app.notification_mail.settings import set_modes
from tests.notification_mail.conftest import answer
from tests.support import at_once

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

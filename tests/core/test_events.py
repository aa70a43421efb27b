from app.accounts import services
from app.core import events
from app.extensions import db


def test_events_are_sent_after_commit_only(app):
    received = []

    def listener(sender, **payload):
        received.append(payload["username"])

    events.user_registered.connect(listener)
    try:
        services.create_user("carol", "carol@example.com", "a-long-secret-phrase")
        assert received == [], "nothing is sent before the commit"
        events.commit()
        assert received == ["carol"]

        services.create_user("dave", "dave@example.com", "a-long-secret-phrase")
        db.session.rollback()
        events.commit()
        assert received == ["carol"], "a rolled-back change sends nothing"
    finally:
        events.user_registered.disconnect(listener)

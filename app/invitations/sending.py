"""Sending a campaign: one invitation, notification and email per member, set-based.

``send()`` runs three INSERT ... SELECT statements in the caller's transaction:

1. invitations, from the audience's SELECT over ``users``, each with the SHA-256 of its
   reply token and its check-in code computed in SQL (tokens.py explains how);
   ``ON CONFLICT DO NOTHING`` on UNIQUE (campaign_id, user_id) makes a double click, two
   staff at once or a retry give one invitation per member;
2. the in-app notifications, from the invitations just made;
3. the outbox rows (app/core/mail.py) for the members who did not opt out of campaign
   email, their text and HTML filled per member by ``replace()`` in SQL from the
   campaign's email rendered once per language (emails.py), and their List-Unsubscribe
   headers by the same ``replace()`` (delivery.py). They are bulk mail of the batch
   "campaign:<id>": the ``deliver-mail`` job sends them after any transactional mail,
   paced by MAIL_RATE_PER_MINUTE, retried, never twice. An event's calendar file is
   stored once per language for the batch (calendar.py), not per email.

Nothing is loaded per member in Python. The campaign row is locked first (FOR UPDATE
on PostgreSQL; BEGIN IMMEDIATE on SQLite through ``savepoint()``) and its state checked
under the lock: a second send of the same campaign, concurrent or later, finds it open
and does nothing. The service never commits; callers use ``app.core.events.commit()``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Text, case, cast, exists, func, insert, literal, select

from app.accounts.models import User
from app.core.clock import now_utc
from app.core.events import queue_audit
from app.core.mail import BULK, QUEUED, OutboxMessage
from app.core.notifications import Notification
from app.core.sql import insert_for, savepoint
from app.core.types import UTCDateTime
from app.extensions import db
from app.invitations import delivery, emails
from app.invitations.audience import Criteria, conditions
from app.invitations.errors import CampaignError
from app.invitations.models import (
    DRAFT,
    INVITED,
    OPEN,
    SCHEDULED,
    Campaign,
    CampaignEmailOptOut,
    Invitation,
)
from app.invitations.tokens import (
    CHECKIN,
    REPLY,
    campaign_key,
    derive_sql,
    digest_sql,
)

INVITED_KIND = "invitations.invited"


@dataclass(frozen=True)
class SendResult:
    """What one call did: ``sent`` False when the campaign had already gone."""

    sent: bool
    invited: int = 0
    notified: int = 0
    emailed: int = 0


def lock(campaign_id: int) -> Campaign:
    """The campaign, read again under a row lock (call inside ``savepoint()``)."""
    campaign = db.session.scalar(
        select(Campaign)
        .where(Campaign.id == campaign_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if campaign is None:
        raise CampaignError(_l("This campaign does not exist."), 404)
    return campaign


def send(campaign_id: int, actor_id: int | None = None, at: datetime | None = None) -> SendResult:
    """Invite the campaign's audience; a no-op if it was sent already. The caller commits."""
    at = at or now_utc()
    with savepoint():
        campaign = lock(campaign_id)
        if campaign.state not in (DRAFT, SCHEDULED):
            return SendResult(sent=False)
        check_ready(campaign, at)
        campaign.sent_at = at  # before the emails: their calendar file's DTSTAMP
        criteria = Criteria.from_json(campaign.audience)
        invited = _insert_invitations(campaign, criteria, at)
        notified = _insert_notifications(campaign, at)
        emailed = insert_emails(campaign, at)
        campaign.state, campaign.sent_at, campaign.updated_at = OPEN, at, at
        campaign.invited_count, campaign.emailed_count = invited, emailed
    queue_audit(actor_id, "campaign.send", "campaign", campaign.id,
                after={"invited": invited, "emailed": emailed})  # fmt: skip
    return SendResult(sent=True, invited=invited, notified=notified, emailed=emailed)


def check_ready(campaign: Campaign, at: datetime) -> None:
    """Raise CampaignError, naming the field, unless the campaign can be sent at ``at``."""
    if not (campaign.title_en or campaign.title_fr):
        raise CampaignError(_l("Give the campaign a title before sending it."), field="title_en")
    if campaign.reply_deadline is None or campaign.reply_deadline <= at:
        raise CampaignError(
            _l("Set a reply deadline in the future before sending."), field="reply_deadline"
        )


def opted_out(user_id: Any) -> Any:
    return exists(select(CampaignEmailOptOut.user_id).where(CampaignEmailOptOut.user_id == user_id))


def _message_id(campaign_id: int, user_id: Any) -> Any:
    host = urlsplit(current_app.config["BASE_URL"]).hostname or "localhost"
    return literal(f"<campaign.{campaign_id}.") + cast(user_id, Text) + literal(f"@{host}>")


def _insert_invitations(campaign: Campaign, criteria: Criteria, at: datetime) -> int:
    key = campaign_key(campaign.token_salt)
    quiet = opted_out(User.id)
    source = select(
        literal(campaign.id),
        User.id,
        literal(INVITED),
        digest_sql(derive_sql(key, REPLY, User.id)),
        literal(campaign.reply_deadline, UTCDateTime()),
        derive_sql(key, CHECKIN, User.id),
        ~quiet,
        case((quiet, None), else_=_message_id(campaign.id, User.id)),
        literal(at, UTCDateTime()),
    ).where(*conditions(criteria, campaign.id, at))
    columns = ["campaign_id", "user_id", "state", "reply_token_hash", "token_expires_at",
               "checkin_code", "emailed", "email_message_id", "invited_at"]  # fmt: skip
    statement = insert_for(Invitation).from_select(columns, source).on_conflict_do_nothing()
    return db.session.execute(statement).rowcount or 0


def _insert_notifications(campaign: Campaign, at: datetime) -> int:
    data = {"campaign_id": campaign.id, "title_en": campaign.title_en,
            "title_fr": campaign.title_fr}  # fmt: skip
    source = select(
        Invitation.user_id,
        literal(INVITED_KIND),
        literal(data, JSON()),
        literal("/invitations/") + cast(Invitation.id, Text),
        literal(at, UTCDateTime()),
    ).where(Invitation.campaign_id == campaign.id, Invitation.invited_at == at)
    statement = insert(Notification).from_select(
        ["user_id", "kind", "data", "url", "created_at"], source
    )
    return db.session.execute(statement.execution_options(preserve_rowcount=True)).rowcount or 0


def _sent_now(at: datetime) -> list[Any]:
    return [Invitation.invited_at == at, Invitation.emailed.is_(True)]


def _by_language(language: Any, values: dict[str, str], default: str) -> Any:
    """CASE choosing the member's language's text (the default language's otherwise)."""
    whens = [(language == code, value) for code, value in values.items() if code != default]
    return case(*whens, else_=values[default]) if whens else literal(values[default])


def _fill(template: Any, name: Any, token: Any) -> Any:
    return func.replace(func.replace(template, emails.NAME, name), emails.TOKEN, token)


def insert_emails(
    campaign: Campaign,
    at: datetime,
    *,
    which: Any = None,
    message_id: Any = None,
    reminder: bool = False,
) -> int:
    """The outbox rows of the invitations ``which`` selects (default: those this send
    made, with an email); ``message_id`` None: each invitation's own."""
    config = current_app.config
    default = config["BABEL_DEFAULT_LOCALE"]
    languages = config["LANGUAGES"]
    letters = {code: emails.letter(campaign, code, reminder) for code in languages}
    key = campaign_key(campaign.token_salt)
    subjects = {code: " ".join(one.subject.split())[:300] for code, one in letters.items()}
    delivery.store_attachments(campaign, languages, at)
    # Each member's token once (an HMAC in SQL), used by the text, the HTML and the
    # headers: OFFSET 0 keeps PostgreSQL and SQLite from merging this subquery into the
    # outer SELECT, which would compute the token once per use.
    member = (
        select(
            (Invitation.email_message_id if message_id is None else message_id).label("mid"),
            User.email.label("email"),
            User.username.label("name"),
            func.coalesce(User.locale, default).label("language"),
            derive_sql(key, REPLY, User.id).label("token"),
        )
        .join(User, User.id == Invitation.user_id)
        .where(Invitation.campaign_id == campaign.id)
        .where(*(which if which is not None else _sent_now(at)))
        .offset(0)
        .subquery("member")
    )

    def filled(part: str) -> Any:
        texts = {code: getattr(one, part) for code, one in letters.items()}
        return _fill(_by_language(member.c.language, texts, default), member.c.name,
                     member.c.token)  # fmt: skip

    headers = func.replace(literal(delivery.headers_template()), emails.TOKEN, member.c.token)
    subject = _by_language(member.c.language, subjects, default)
    source = select(
        member.c.mid,
        member.c.email,
        func.replace(subject, emails.NAME, member.c.name),
        filled("text"),
        filled("html"),
        member.c.language,
        literal(BULK),
        literal(delivery.batch(campaign.id)),
        headers,
        literal(QUEUED),
        literal(0),
        literal(at, UTCDateTime()),
        literal(at, UTCDateTime()),
    )
    columns = ["message_id", "recipient", "subject", "text_body", "html_body", "language",
               "priority", "batch", "headers", "status", "attempts", "next_attempt_at",
               "created_at"]  # fmt: skip
    statement = insert(OutboxMessage).from_select(columns, source)
    return db.session.execute(statement.execution_options(preserve_rowcount=True)).rowcount or 0

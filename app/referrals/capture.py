"""Visits through a link, the first-touch cookie, and the referral recorded at sign-up.

A visit through /r/<code> leaves two cookies: the browser's visitor id (a random token,
kept a year) and the first touch (whose link, when, from which visitor), signed and
kept REFERRAL_WINDOW_DAYS; a later visit through another link does not replace it.
When the browser finishes a sign-up, accounts queues UserRegistered inside the
sign-up's transaction; our handler reads the first touch from the request and records
the referral in that same transaction: pending, or refused at once when it is the
referrer themselves (same mailbox, same registration address, same browser).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import Request, Response, after_this_request, current_app, has_request_context, request
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select

from app.accounts.models import User
from app.core.clock import now_utc
from app.core.event_payloads import UserRegistered
from app.core.sql import insert_for
from app.extensions import db
from app.referrals.codes import canonical_email, ensure_code, keyed_hash
from app.referrals.models import (
    PENDING,
    REFUSED,
    SAME_BROWSER,
    SAME_EMAIL,
    SAME_IP,
    Referral,
    ReferralBrowser,
    ReferralVisit,
)

FIRST_TOUCH_COOKIE = "tribune_referral"
VISITOR_COOKIE = "tribune_visitor"
VISITOR_DAYS = 365
_VISITOR_LENGTH = 43  # secrets.token_urlsafe(32)


@dataclass(frozen=True)
class FirstTouch:
    """The link a browser first came through, within the window."""

    referrer_id: int
    visitor_id: str
    visited_at: datetime


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def window() -> timedelta:
    return timedelta(days=int(current_app.config["REFERRAL_WINDOW_DAYS"]))


def visitor_id(req: Request) -> str | None:
    """The browser's visitor id, if its cookie is one we set."""
    raw = req.cookies.get(VISITOR_COOKIE, "")
    if len(raw) > 200:
        return None
    try:
        value = _serializer("referrals-visitor").loads(raw, max_age=VISITOR_DAYS * 86400)
    except BadSignature:
        return None
    return value if isinstance(value, str) and len(value) == _VISITOR_LENGTH else None


def new_visitor_id() -> str:
    return secrets.token_urlsafe(32)


def visitor_cookie(value: str) -> str:
    return _serializer("referrals-visitor").dumps(value)


def first_touch(req: Request) -> FirstTouch | None:
    """The first touch this browser carries, if it is ours and within the window."""
    raw = req.cookies.get(FIRST_TOUCH_COOKIE, "")
    if not raw or len(raw) > 400:
        return None
    try:
        data = _serializer("referrals-first-touch").loads(
            raw, max_age=int(window().total_seconds())
        )
        referrer_id, visitor, stamp = int(data["r"]), str(data["v"]), float(data["t"])
        visited_at = datetime.fromtimestamp(stamp, UTC)
    except (BadSignature, KeyError, TypeError, ValueError, OverflowError):
        return None
    return FirstTouch(referrer_id, visitor, visited_at)


def first_touch_cookie(touch: FirstTouch) -> str:
    return _serializer("referrals-first-touch").dumps(
        {"r": touch.referrer_id, "v": touch.visitor_id, "t": touch.visited_at.timestamp()}
    )


def record_visit(referrer_id: int, visitor: str, at: datetime | None = None) -> bool:
    """Count a browser's visit through a member's link, once per referrer; the caller
    commits. True if it is the first visit of this browser through this member's link."""
    statement = (
        insert_for(ReferralVisit)
        .values(referrer_id=referrer_id, visitor_hash=keyed_hash("visitor", visitor),
                visited_at=at or now_utc())
        .on_conflict_do_nothing(index_elements=["referrer_id", "visitor_hash"])
    )  # fmt: skip
    return bool(db.session.execute(statement).rowcount)


def remember_browser(user_id: int, visitor: str, at: datetime | None = None) -> None:
    """Note that the member uses this browser (a sign-up from it through their own link
    is theirs); the caller commits."""
    statement = (
        insert_for(ReferralBrowser)
        .values(user_id=user_id, visitor_hash=keyed_hash("visitor", visitor),
                seen_at=at or now_utc())
        .on_conflict_do_nothing(index_elements=["user_id", "visitor_hash"])
    )  # fmt: skip
    db.session.execute(statement)


def _self_referral(referrer: User, referred: User, touch: FirstTouch, ip: str | None) -> str | None:
    """Why this sign-up is the referrer themselves, or None."""
    if canonical_email(referrer.email) == canonical_email(referred.email):
        return SAME_EMAIL
    if ip and referrer.registration_ip and ip == referrer.registration_ip:
        return SAME_IP
    used = select(ReferralBrowser.user_id).where(
        ReferralBrowser.user_id == referrer.id,
        ReferralBrowser.visitor_hash == keyed_hash("visitor", touch.visitor_id),
    )
    if db.session.scalar(used) is not None:
        return SAME_BROWSER
    return None


def record_referral(referred_id: int, touch: FirstTouch, registration_ip: str | None,
                    at: datetime) -> Referral | None:  # fmt: skip
    """The referral of a new member who came through ``touch``; the caller commits.

    None when the link's member is gone or is the new member. A self-referral is kept,
    refused with its reason, for moderators."""
    if touch.referrer_id == referred_id or not touch.visited_at <= at:
        return None
    referrer = db.session.get(User, touch.referrer_id)
    referred = db.session.get(User, referred_id)
    if referrer is None or referred is None or not referrer.active:
        return None
    reason = _self_referral(referrer, referred, touch, registration_ip)
    referral = Referral(
        referrer_id=referrer.id,
        referred_id=referred.id,
        state=REFUSED if reason else PENDING,
        reason=reason,
        visited_at=touch.visited_at,
        created_at=at,
        ip_hash=keyed_hash("ip", registration_ip) if registration_ip else None,
        visitor_hash=keyed_hash("visitor", touch.visitor_id),
        decided_at=at if reason else None,
    )
    db.session.add(referral)
    db.session.flush()
    return referral


def on_registered(event: UserRegistered) -> None:
    """Every new member gets a code; one who came through a link, their referral."""
    ensure_code(event.user_id)
    if not has_request_context() or current_user.is_authenticated:
        # The command line has no browser; a member creating an account for someone
        # else (no such page yet) is not that person's sign-up.
        return
    touch = first_touch(request)
    if touch is None:
        return
    record_referral(event.user_id, touch, event.registration_ip, event.created_at)
    # The browser is the new member's now: their own link followed from it is theirs,
    # and the first touch is spent (a second sign-up from it is nobody's referral).
    remember_browser(event.user_id, touch.visitor_id, event.created_at)

    @after_this_request
    def _spend(response: Response) -> Response:
        response.delete_cookie(FIRST_TOUCH_COOKIE, httponly=True, samesite="Lax")
        return response

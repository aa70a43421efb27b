"""The members' side: the link /r/<code>, the page /me/referrals, the profile section."""

from __future__ import annotations

import io
from typing import Any

import segno
from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup

from app.accounts.models import User
from app.core.clock import now_utc
from app.core.events import commit
from app.core.places import place_url
from app.core.urls import external_url
from app.extensions import limiter
from app.referrals import capture, codes, labels, queries

blueprint = Blueprint("referrals", __name__)


def _cookie(response: Response, name: str, value: str, days: int) -> None:
    response.set_cookie(
        name, value, max_age=days * 86400, httponly=True, samesite="Lax",
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
    )  # fmt: skip


def _visitor() -> tuple[str, bool]:
    """This browser's visitor id, and whether it is new (its cookie to be set)."""
    known = capture.visitor_id(request)
    return (known, False) if known else (capture.new_visitor_id(), True)


@blueprint.get("/r/<code>")
@limiter.limit(lambda: current_app.config["REFERRAL_VISIT_LIMIT_PER_IP"])
def visit(code: str) -> Any:
    """A visit through a member's link: remembered (first touch), then on to sign up."""
    visitor, new = _visitor()
    if current_user.is_authenticated:
        # A member following a link (their own, most often): this browser is theirs.
        capture.remember_browser(current_user.id, visitor)
        commit()
        response = redirect(place_url("home"))
    else:
        response = redirect(url_for("accounts.register"))
        referrer_id = codes.referrer_for(code[:32])
        if referrer_id is not None:
            capture.record_visit(referrer_id, visitor)
            commit()
            if capture.first_touch(request) is None:  # the first link followed wins
                touch = capture.FirstTouch(referrer_id, visitor, now_utc())
                days = int(current_app.config["REFERRAL_WINDOW_DAYS"])
                _cookie(response, capture.FIRST_TOUCH_COOKIE, capture.first_touch_cookie(touch),
                        days)  # fmt: skip
    if new:
        _cookie(response, capture.VISITOR_COOKIE, capture.visitor_cookie(visitor),
                capture.VISITOR_DAYS)  # fmt: skip
    return response


def qr_svg(link: str) -> Markup:
    """The link as an inline SVG QR code (drawn here: nothing fetched)."""
    out = io.BytesIO()
    segno.make(link, error="m").save(
        out, kind="svg", xmldecl=False, svgns=True, scale=5, border=4, title=link,
        svgclass="qr", lineclass=None, omitsize=True, light="#fff",
    )  # fmt: skip
    return Markup(out.getvalue().decode())


@blueprint.get("/me/referrals")
@login_required
def mine() -> Any:
    """The member's link and code, and what each of their referrals became."""
    visitor, new = _visitor()
    code = codes.ensure_code(current_user.id)
    capture.remember_browser(current_user.id, visitor)
    commit()
    link = external_url("referrals.visit", code=code)
    response = Response(render_template(
        "referrals/mine.html", code=code, link=link, qr=qr_svg(link),
        summary=queries.for_member(current_user.id), labels=labels,
    ))  # fmt: skip
    if new:
        _cookie(response, capture.VISITOR_COOKIE, capture.visitor_cookie(visitor),
                capture.VISITOR_DAYS)  # fmt: skip
    return response


def profile_section(member: User) -> dict[str, Any]:
    """The member's link on their profile, for everyone to share; a way to get one."""
    code = codes.code_of(member.id)
    own = current_user.is_authenticated and current_user.id == member.id
    return {
        "link": external_url("referrals.visit", code=code) if code else None,
        "own": own,
    }

"""The links of campaign emails: answering an invitation, and unsubscribing.

Both work logged out: the link's token is the proof. Opening a link (GET) only shows a
confirmation page and changes nothing, because mail scanners open every link of an
email; the page's button (POST) acts. A link that does not work (malformed, unknown,
used, expired, another member's) answers a 4xx page saying which, never a 500. The
POSTs are rate-limited per address: guessing tokens is slowed down.
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from app.accounts.models import User
from app.core.events import commit
from app.core.forms import TribuneForm
from app.extensions import csrf, db, limiter
from app.invitations import lookups, member_pages, opt_outs, replies
from app.invitations.errors import CampaignError, ReplyError
from app.invitations.member_views import blueprint, language
from app.invitations.models import OPEN, Invitation
from app.invitations.tokens import is_well_formed

ANSWER = "<any(accept, decline):answer>"


def _limit() -> str:
    return current_app.config["CAMPAIGN_LINK_LIMIT_PER_IP"]


def _viewer() -> User | None:
    return current_user if current_user.is_authenticated else None


def _link_error(error: CampaignError) -> Any:
    page = render_template("invitations/member/link_error.html", message=str(error.message),
                           status=error.status)  # fmt: skip
    return page, error.status


def _confirmation(invitation: Invitation, answer: str, form: TribuneForm) -> Any:
    campaign = lookups.campaign_by_id(invitation.campaign_id)
    assert campaign is not None  # the invitation's foreign key
    if campaign.state != OPEN:  # said now rather than after the button
        return _link_error(ReplyError(_("This campaign no longer takes answers.")))
    member = lookups.member_by_id(invitation.user_id)
    lang = language()
    return render_template(
        "invitations/member/confirm_reply.html",
        answer=answer,
        form=form,
        campaign=campaign,
        title=member_pages.text(campaign, "title", lang),
        name=member.username if member else "",
    )


@blueprint.route(f"/reply/<token>/{ANSWER}", methods=["GET", "POST"])
@limiter.limit(_limit, methods=["POST"])
def reply_by_link(token: str, answer: str) -> Any:
    """The accept and decline links of the email."""
    form = TribuneForm()
    try:
        invitation = replies.check_token(token, _viewer())
        if not form.validate_on_submit():
            if request.method == "POST":
                abort(400)  # no or a stale CSRF token: the page's button sends one
            return _confirmation(invitation, answer, form)
        invitation = replies.reply_by_token(token, answer, _viewer())
    except CampaignError as error:
        db.session.rollback()
        return _link_error(error)
    state, position, invitation_id = (
        invitation.state, invitation.waitlist_position, invitation.id,
    )  # fmt: skip
    commit()
    return render_template("invitations/member/replied.html", state=state, position=position,
                           invitation_id=invitation_id)  # fmt: skip


def _unsubscribe_error() -> Any:
    message = _("This link does not match any invitation. You can stop campaign email on "
                "your account page.")  # fmt: skip
    page = render_template("invitations/member/link_error.html", message=message, status=404)
    return page, 404


@blueprint.get("/unsubscribe/<token>")
def unsubscribe_page(token: str) -> Any:
    """The email's unsubscribe link: a confirmation page (a scanner's GET changes nothing)."""
    known = is_well_formed(token) and lookups.invitation_id_by_token(token)
    if not known:
        return _unsubscribe_error()
    return render_template("invitations/member/unsubscribe.html", token=token)


# RFC 8058 one-click unsubscribe: a mail client POSTs "List-Unsubscribe=One-Click" to the
# List-Unsubscribe URL from its own servers, with no cookie and no page loaded first, so
# it cannot send a CSRF token. The token in the URL is the proof (it names one member,
# unguessable, rate-limited per address), and the one thing it can do is stop campaign
# email, which the member can undo on their account page: CSRF protection would add
# nothing here and break the standard. Only this endpoint is exempt.
@csrf.exempt
@blueprint.post("/unsubscribe/<token>")
@limiter.limit(_limit)
def unsubscribe(token: str) -> Any:
    user_id = opt_outs.unsubscribe_by_link(token)
    if user_id is None:
        db.session.rollback()
        return _unsubscribe_error()
    commit()
    return render_template("invitations/member/unsubscribed.html")

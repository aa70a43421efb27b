"""Notification mail's pages: the account page's settings, and the unsubscribe link.

The unsubscribe link works logged out: its token is the proof. Opening it (GET) only
shows a confirmation page, because mail scanners open every link of an email; the
page's button (POST) unsubscribes, and so does a mail client's RFC 8058 one-click POST
to the same address.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.accounts.models import User
from app.core.events import commit
from app.extensions import csrf, db, limiter
from app.notification_mail import forms, unsubscribing
from app.notification_mail.settings import modes_of, set_modes

blueprint = Blueprint("notification_mail", __name__, url_prefix="/notification-email")


def account_section(member: User) -> dict[str, Any]:
    """The settings' form for the account page, filled from the database (the account
    page's own form may be what was posted)."""
    return {"form": forms.settings_form(modes_of(member.id))}


@blueprint.post("/settings")
@login_required
def settings() -> Any:
    form = forms.settings_form()
    if not form.validate_on_submit():
        flash(_("Your notification email settings could not be saved. Try again."), "error")
        return redirect(url_for("accounts.edit_profile"), 303)
    set_modes(current_user.id, forms.chosen(form))
    commit()
    flash(_("Your notification email settings are saved."), "success")
    return redirect(url_for("accounts.edit_profile", _anchor="notification-email"), 303)


def _limit() -> str:
    return current_app.config["NOTIFICATION_MAIL_LINK_LIMIT_PER_IP"]


def _link_error() -> Any:
    page = render_template("notification_mail/link_error.html")
    return page, 404


@blueprint.get("/unsubscribe/<token>")
def unsubscribe_page(token: str) -> Any:
    """The mail's link: a confirmation page naming what stops (a GET changes nothing)."""
    found = unsubscribing.lookup(token)
    if found is None:
        return _link_error()
    return render_template("notification_mail/unsubscribe.html", labels=found.labels)


# RFC 8058 one-click unsubscribe: a mail client POSTs "List-Unsubscribe=One-Click" to the
# List-Unsubscribe URL from its own servers, with no cookie and no page loaded first, so
# it cannot send a CSRF token. The signed token in the URL is the proof (it names one
# member and the kinds of one mail, unforgeable, rate-limited per address), and the one
# thing it can do is stop those emails, which the member turns back on from the account
# page: CSRF protection would add nothing and break the standard. Only this endpoint is
# exempt; the account page's form keeps its CSRF token.
@csrf.exempt
@blueprint.post("/unsubscribe/<token>")
@limiter.limit(_limit)
def unsubscribe(token: str) -> Any:
    found = unsubscribing.unsubscribe(token)
    if found is None:
        db.session.rollback()
        return _link_error()
    commit()
    return render_template("notification_mail/unsubscribed.html", labels=found.labels)

"""Deleting or restoring a post from its page: someone else's asks for a reason first.

The topic page's Delete and Restore open this confirmation page: one's own post asks
no reason (with JavaScript, the post's Delete asks the browser's confirmation instead,
and posts at once: views.delete), someone else's asks for one.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import StringField
from wtforms.validators import Length, Optional

from app.core.events import commit
from app.core.forms import TribuneForm
from app.core.text import excerpt
from app.extensions import db
from app.forum.deletion import remove_or_restore
from app.forum.errors import ForumError
from app.forum.models import Post, Topic
from app.forum.pages import queries


class RemovalForm(TribuneForm):
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=300)])


def confirm(post: Post, topic: Topic, *, restore: bool, done_url: Any) -> Any:
    """GET: the confirmation page. POST: check the reason (someone else's post), apply."""
    others = post.author_id != current_user.id
    if (others or restore) and not current_user.can("post.delete_any"):
        abort(403)
    form = RemovalForm()
    if form.validate_on_submit():
        reason = (form.reason.data or "").strip()
        if others and not reason:
            form.reason.errors = [_("Say why: the author and the other moderators will read it.")]
        else:
            try:
                changed = remove_or_restore(current_user, post, restore=restore, reason=reason)
            except ForumError as error:
                db.session.rollback()
                if error.status in (403, 404):
                    abort(error.status)
                form.reason.errors = [str(error.message)]
            else:
                commit()
                if changed:
                    flash(_("Post restored.") if restore else _("Post deleted."), "success")
                return redirect(done_url(post, topic))
    code = 422 if form.errors else 200
    return render_template(
        "forum/remove.html",
        form=form,
        post=post,
        author=queries.author_of(post),
        excerpt=excerpt(post.body_html, 300),
        restore=restore,
        reason_required=others,
        own=not others and not restore,
    ), code

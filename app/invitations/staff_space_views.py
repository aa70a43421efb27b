"""A preview's or workshop's private space, opened and closed from the campaign's page.

The space itself (a category restricted to the campaign's capability, and who holds
it) is spaces.py; these are its two buttons. Both act once however often they are
pressed: opening again keeps the one category, closing again takes nothing more back.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.wrappers import Response

from app.core.permissions import requires
from app.invitations import spaces
from app.invitations.models import Campaign
from app.invitations.staff_views import blueprint, press_button


def _opened(campaign: Campaign) -> str:
    spaces.open_space(current_user, campaign)
    return _("The private space is open: members with a seat can read and write there.")


def _closed(campaign: Campaign) -> str:
    removed = spaces.close_space(current_user, campaign)
    return ngettext("Access ended for %(num)d member. Staff and moderators still read the space.",
                    "Access ended for %(num)d members. Staff and moderators still read the space.",
                    removed)  # fmt: skip


@blueprint.post("/campaigns/<int:campaign_id>/space/open")
@requires("campaign.send")
def open_space(campaign_id: int) -> Response:
    return press_button(campaign_id, _opened, "")


@blueprint.post("/campaigns/<int:campaign_id>/space/close")
@requires("campaign.send")
def close_space(campaign_id: int) -> Response:
    return press_button(campaign_id, _closed, "")

"""The demo's rewards catalogue: a few rewards of each kind, added by the demo's staff."""

from __future__ import annotations

from sqlalchemy import select

from app.accounts.models import User
from app.extensions import db
from app.rewards import catalog

APOSTROPHE = "\N{RIGHT SINGLE QUOTATION MARK}"  # French typography
_BASE = {"stock": None, "per_member_limit": None, "eligibility": "everyone",
         "eligibility_value": "", "delivery": "shipped"}  # fmt: skip
REWARDS = (
    {"title_en": "Caféo coffee mug", "title_fr": "Tasse Caféo", "cost": 150, "stock": 40,
     "description_en": "A stoneware mug with the Caféo logo.",
     "description_fr": "Une tasse en grès au logo Caféo."},
    {"title_en": "10% off your next order", "title_fr": "10 % sur votre prochaine commande",
     "cost": 200, "delivery": "code", "per_member_limit": 1,
     "description_en": "A code for the Caféo shop, handed over by the team.",
     "description_fr": f"Un code pour la boutique Caféo, remis par l{APOSTROPHE}équipe."},
    {"title_en": "Barista apron", "title_fr": "Tablier de barista", "cost": 400,
     "eligibility": "min_level", "eligibility_value": "3"},
    {"title_en": "Roastery tour", "title_fr": "Visite de la brûlerie", "cost": 800,
     "delivery": "event", "eligibility": "segment", "eligibility_value": "ambassador", "stock": 10},
)  # fmt: skip


def seed_rewards(staff_username: str = "demo-staff") -> int:
    """Add the demo rewards (and codes) as the demo's staff; the caller commits."""
    staff = db.session.scalar(select(User).where(User.username == staff_username))
    if staff is None:
        return 0
    for values in REWARDS:
        reward = catalog.create(staff, {**_BASE, **values}, levels=5)
        if reward.delivery == "code":
            catalog.upload_codes(staff, reward.id, "\n".join(f"CAFEO10-{n:04d}" for n in range(50)))
    return len(REWARDS)

from typing import Any

import pytest

from app.accounts.models import User
from app.extensions import db


@pytest.fixture
def points_of() -> Any:
    """A member's cached total, read fresh from the database."""

    def read(user: User) -> int:
        return db.session.scalar(db.select(User.points).where(User.id == user.id))

    return read

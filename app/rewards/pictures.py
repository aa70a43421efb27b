"""A reward's picture: an uploaded PNG, JPEG, GIF or WebP, checked by its content.

The file is stored under the instance folder (``reward-pictures/``), named by the
SHA-256 of its bytes and the extension of its real type, and served with that type and
``nosniff``: an SVG (which may carry script) or an HTML file renamed ``.png`` is refused,
whatever its name or the browser's claimed type says.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l

from app.rewards.errors import RewardError

FOLDER = "reward-pictures"
TYPES = {"png": "image/png", "jpg": "image/jpeg", "gif": "image/gif", "webp": "image/webp"}
NAME = re.compile(r"[0-9a-f]{64}\.(png|jpg|gif|webp)")


def kind_of(data: bytes) -> str | None:
    """The image type its first bytes say, or None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def folder() -> Path:
    return Path(current_app.instance_path) / FOLDER


def store(data: bytes) -> str:
    """Check and store the picture; returns its file name. Raises RewardError."""
    limit = int(current_app.config["REWARD_PICTURE_MAX_BYTES"])
    if len(data) > limit:
        raise RewardError(
            _l("This picture is too large (at most %(size)s kB).", size=limit // 1000),
            field="picture",
        )
    kind = kind_of(data)
    if kind is None:
        raise RewardError(_l("Choose a PNG, JPEG, GIF or WebP picture."), field="picture")
    name = f"{hashlib.sha256(data).hexdigest()}.{kind}"
    target = folder()
    target.mkdir(parents=True, exist_ok=True)
    path = target / name
    if not path.exists():
        partial = target / f".{name}.part"
        partial.write_bytes(data)
        partial.replace(path)  # never a half-written picture under its real name
    return name


def path_of(name: str) -> tuple[Path, str] | None:
    """The stored file and its type for a picture name, or None if it is not one."""
    if not NAME.fullmatch(name):
        return None
    path = folder() / name
    if not path.is_file():
        return None
    return path, TYPES[name.rsplit(".", 1)[1]]

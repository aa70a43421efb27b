"""What a request may carry: text without control characters, integers the database holds.

PostgreSQL refuses NUL in text (and a driver cannot encode a lone surrogate), SQLite
stores them and every later page shows them; other control characters are invisible,
reorder or hide text on screen, and have no place in a forum. So they are refused on
the way in, in one place each:

- form fields: ``app.core.forms.TribuneForm`` (a form error on the field);
- the URL path (``/u/<username>``, ``/tags/<name>``...): 404, there is no such page;
- query arguments (search, audit log filters, ``page``): 400.

Integers typed by members (a topic number, a post id, a page) go through
``bounded_int``: an id past PostgreSQL's ``integer`` is no row, not a driver error.
"""

from __future__ import annotations

import re

from flask import Flask, abort, request

INT4_MAX = 2**31 - 1  # PostgreSQL integer: every id column
BIGINT_MAX = 2**63 - 1  # PostgreSQL bigint

# C0 controls but tab, line feed and carriage return; DEL; C1 controls; lone surrogates
# (they only arrive through JSON escapes, and no encoder takes them).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# The same, and tab, line feed and carriage return: one-line text has no use for them.
_CONTROL_ONE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_INTEGER = re.compile(r"-?[0-9]{1,20}")


def has_control_characters(text: str, *, multiline: bool = False) -> bool:
    """Whether ``text`` holds a character Tribune refuses (``multiline``: tab and newlines are
    allowed)."""
    return (_CONTROL if multiline else _CONTROL_ONE_LINE).search(text) is not None


def bounded_int(text: object, low: int = 1, high: int = INT4_MAX) -> int | None:
    """``text`` as an integer from ``low`` to ``high``, or None.

    Only ASCII digits (an optional minus sign), unlike ``int()`` which also takes "٣",
    "1_000" or " 7 ", and unlike ``str.isdigit()`` which says yes to "²" that ``int()``
    then refuses.
    """
    if isinstance(text, int) and not isinstance(text, bool):
        value = text
    elif isinstance(text, str) and _INTEGER.fullmatch(text.strip()):
        value = int(text.strip())
    else:
        return None
    return value if low <= value <= high else None


def refuse_odd_requests() -> None:
    """A path with control characters is no page (404); such a query argument is a bad
    request (400). Runs before anything reads the request."""
    if has_control_characters(request.path):
        abort(404)
    for key, value in request.args.items(multi=True):
        if has_control_characters(key) or has_control_characters(value, multiline=True):
            abort(400)


def init_app(app: Flask) -> None:
    # First of all before_request functions: the limiter, CSRF and the visit counter
    # would otherwise read the request before it is checked.
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_odd_requests)

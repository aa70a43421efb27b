"""Parts of pages rendered once per key, with per-request holes.

A part is a template whose output depends on two things only: a *reader*, a frozen
value of what the part knows of its viewer (language, role, the capabilities that
change what it shows, and any other fact it reads), and *data* shared by every reader,
loaded under a data key (a revision, a page number). Its cache key is ``Part.key``:
(part, reader, data key), and nothing else. A part cannot show what its key does not
hold, because

- its template gets the reader, the data and its holes, never ``current_user``,
  ``request``, ``session``, ``g``, ``config`` or ``can()``: it runs in an environment of
  its own where an unknown name raises (``StrictUndefined``);
- ``reader.can(capability)`` raises unless the reader's class declares the capability
  (``CAPABILITIES``), and its answer is in the reader, hence in the key;
- it renders in the reader's language, whatever the request's.

What differs per request (CSRF tokens, a form's submission token, the unread count,
flash messages, a page's content inside the layout) goes through holes: the template
writes ``{{ hole("csrf") }}`` and the caller passes ``csrf=...``, a value or a function
called only when the part has that hole. A slot is a hole with a default: ``{% call
slot("footer", post.id) %}...{% endcall %}`` is kept as rendered, and a request may
replace it for some ids (``footer={"12": html}``).

Every part's entries share one cache per worker, bounded in bytes (PAGE_CACHE_BYTES;
0 keeps nothing, which is how tests render every part uncached to compare).
"""

from __future__ import annotations

import re
import secrets
import sys
from collections import Counter
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Self

from flask import Flask, current_app
from jinja2 import Environment, StrictUndefined
from markupsafe import Markup, escape

from app.core.i18n import in_language
from app.core.page_cache import PageCache
from app.core.templating import current_locale

# What a part's template may call besides the reader, its data and its holes: functions
# of their arguments (and of the language) only. Packages add theirs with add_global.
_GLOBALS = ("url_for", "place_url", "range", "dict", "namespace", "author_extras", "nav_links")
# The gettext callables: they read the catalogue of the language in_language() sets.
_GETTEXT = ("_", "gettext", "ngettext", "pgettext", "npgettext")


class UndeclaredCapability(LookupError):
    """A part asked its reader about a capability its reader class does not declare."""


class MissingHole(KeyError):
    """A cached part has a hole the request gave no value for."""


@dataclass(frozen=True)
class Reader:
    """What a cached part knows of its reader, and all it knows: part of its key.

    Subclasses add the facts their part reads (``@dataclass(frozen=True, kw_only=True)``,
    without defaults, so a fact cannot be left out) and list in CAPABILITIES the
    capabilities that change what the part shows.
    """

    locale: str
    role: str | None  # None: not logged in
    capabilities: frozenset[str]

    CAPABILITIES: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def of(cls, user: Any, **facts: Any) -> Self:
        """The reader ``user`` (None or anonymous: a visitor) in the request's language."""
        if user is None or not user.is_authenticated:
            return cls(current_locale(), None, frozenset(), **facts)
        held = frozenset(c for c in cls.CAPABILITIES if user.can(c))
        return cls(current_locale(), user.role, held, **facts)

    @property
    def member(self) -> bool:
        return self.role is not None

    def can(self, capability: str) -> bool:
        if capability not in self.CAPABILITIES:
            raise UndeclaredCapability(
                f"{type(self).__name__} does not declare {capability!r} in CAPABILITIES"
            )
        return capability in self.capabilities


@dataclass(frozen=True)
class Part:
    """A template rendered once per (reader, data key)."""

    name: str
    template: str
    reader: type[Reader]
    # Shows relative dates, view counts or levels, which change without a revision:
    # kept at most PAGE_CACHE_SECONDS. Other parts are kept until evicted.
    expires: bool = False

    def key(self, reader: Reader, data_key: Hashable) -> Hashable:
        """The one key of this part's entries: what it may show is in it."""
        return (self.name, reader, data_key)

    def render(
        self,
        reader: Reader,
        data_key: Hashable,
        data: Mapping[str, Any] | Callable[[], Mapping[str, Any]],
        /,
        **holes: Any,
    ) -> Html:
        """The part for ``reader``, its holes filled with ``holes``.

        ``data`` (or the function that loads it, called only when the part is not
        cached) must depend on nothing the key does not hold: ``data_key`` (a
        revision...) and the reader's facts (the lists a reader may read).
        """
        if type(reader) is not self.reader:
            raise TypeError(f"part {self.name!r} takes a {self.reader.__name__}")
        registry = parts()
        key = self.key(reader, data_key)
        rendered: Rendered | None = registry.cache.get(key)
        if rendered is None:
            registry.renders[self.name] += 1
            rendered = registry.render(self, reader, data() if callable(data) else data)
            ttl = current_app.config["PAGE_CACHE_SECONDS"] if self.expires else None
            registry.cache.set(key, rendered, rendered.size, ttl)
        return rendered.fill(holes)


class Html:
    """A filled part: UTF-8 chunks, joined once (``bytes()``) into the response.

    A page is a part in another's hole, and fifty posts are slots: joining each level
    into a string, then a Markup, then the response's bytes, copied the page five times.
    In a template it reads as Markup (``__html__``).
    """

    __slots__ = ("chunks",)

    def __init__(self, chunks: list[bytes | Html]) -> None:
        self.chunks = chunks

    def bytes(self) -> bytes:
        flat: list[bytes] = []
        _flatten(self.chunks, flat)
        return b"".join(flat)

    def __html__(self) -> Markup:
        return Markup(self.bytes().decode())

    __str__ = __html__


def _flatten(chunks: list[bytes | Html], into: list[bytes]) -> None:
    for chunk in chunks:
        if chunk.__class__ is Html:
            _flatten(chunk.chunks, into)  # type: ignore[union-attr]
        else:
            into.append(chunk)  # type: ignore[arg-type]


def _chunk(value: Any) -> bytes | Html:
    """A hole's value: a filled part as it is, text escaped, both in UTF-8."""
    if value.__class__ is Html:
        return value  # type: ignore[no-any-return]
    return escape(value).encode()


@dataclass(frozen=True, slots=True)
class Rendered:
    """A rendered part: literal text and slot defaults, and where each hole goes."""

    part: str
    pieces: tuple[bytes, ...]  # UTF-8
    holes: tuple[tuple[int, str], ...]  # (index in pieces, hole name)
    slots: dict[str, dict[str, int]]  # slot name -> slot id -> index in pieces
    size: int

    def fill(self, values: Mapping[str, Any]) -> Html:
        out: list[bytes | Html] = list(self.pieces)
        done: dict[str, bytes | Html] = {}
        for index, name in self.holes:
            value = done.get(name)
            if value is None:
                if name not in values:
                    raise MissingHole(f"part {self.part!r} needs a value for hole {name!r}")
                given = values[name]
                value = done[name] = _chunk(given() if callable(given) else given)
            out[index] = value
        for name, where in self.slots.items():
            for slot_id, html in (values.get(name) or {}).items():
                index = where.get(slot_id)
                if index is not None:
                    out[index] = _chunk(html)
        return Html(out)


class Parts:
    """One application's parts: their environment, their cache and what they rendered."""

    def __init__(self, app: Flask) -> None:
        # Markers no member's text can hold: escaped text has no "<", sanitized HTML no
        # comments, and the nonce is unknown outside this process.
        self.nonce = secrets.token_hex(4)
        self.markers = re.compile(
            rf"<!--{self.nonce}:(?:hole:(\w+)|slot:(\w+):([\w-]+)-->(.*?)<!--{self.nonce}:/slot)-->",
            re.DOTALL,
        )
        self.cache = PageCache(app.config["PAGE_CACHE_BYTES"])
        self.registered: dict[str, Part] = {}
        self.renders: Counter[str] = Counter()  # misses per part
        self.environment = _environment(app, self.nonce)

    def register(self, *new: Part) -> None:
        for part in new:
            if self.registered.setdefault(part.name, part) is not part:
                raise ValueError(f"two parts are named {part.name!r}")

    def render(self, part: Part, reader: Reader, data: Mapping[str, Any]) -> Rendered:
        if part.name not in self.registered:
            raise LookupError(f"part {part.name!r} is not registered (parts.register)")
        template = self.environment.get_template(part.template)
        with in_language(reader.locale):
            html = template.render(reader=reader, **data)
        return self.parse(part.name, html)

    def parse(self, name: str, html: str) -> Rendered:
        pieces: list[str] = []
        holes: list[tuple[int, str]] = []  # (index, name)
        slots: dict[str, dict[str, int]] = {}
        at = 0
        for match in self.markers.finditer(html):
            pieces.append(html[at : match.start()])
            hole, slot_name, slot_id, default = match.groups()
            if hole:
                holes.append((len(pieces), hole))
            else:
                slots.setdefault(slot_name, {})[slot_id] = len(pieces)
            pieces.append(default or "")
            at = match.end()
        pieces.append(html[at:])
        encoded = tuple(piece.encode() for piece in pieces)
        where = 100 * (len(holes) + sum(len(ids) for ids in slots.values()))
        size = sum(map(sys.getsizeof, encoded)) + where
        return Rendered(name, encoded, tuple(holes), slots, size)


def _environment(app: Flask, nonce: str) -> Environment:
    """The application's templates, filters and tests, with none of the request's globals."""
    env = app.jinja_env.overlay(undefined=StrictUndefined, cache_size=200)
    # overlay() shares its parent's globals: this one gets its own, chosen ones.
    env.globals = {name: app.jinja_env.globals[name] for name in (*_GLOBALS, *_GETTEXT)}

    def hole(name: str) -> Markup:
        return Markup(f"<!--{nonce}:hole:{name}-->")

    def slot(name: str, slot_id: object, caller: Callable[[], str]) -> Markup:
        return Markup(f"<!--{nonce}:slot:{name}:{slot_id}-->{caller()}<!--{nonce}:/slot-->")

    env.globals.update(hole=hole, slot=slot)
    return env


def parts(app: Flask | None = None) -> Parts:
    return (app or current_app).extensions["tribune.parts"]


def register(app: Flask, *new: Part) -> None:
    """Make parts renderable in ``app`` (each package registers its own in init_app)."""
    parts(app).register(*new)


def add_global(app: Flask, name: str, function: Callable[..., Any]) -> None:
    """A function part templates may call: its result must depend only on its arguments
    (and the language), since nothing else is in a part's key."""
    parts(app).environment.globals[name] = function


def init_app(app: Flask) -> None:
    app.extensions["tribune.parts"] = Parts(app)

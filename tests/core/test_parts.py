"""Parts rendered once per key: what a part can read, its holes, its language, its bytes."""

from __future__ import annotations

import tracemalloc
from dataclasses import dataclass

import pytest
from flask import Flask
from jinja2 import ChoiceLoader, DictLoader, UndefinedError
from markupsafe import Markup

from app.core import parts
from app.core.page_cache import ENTRY_BYTES

TEMPLATES = {
    "test/counted.html": (
        "{{ count() }}<i>{{ hole('token') }}|{{ hole('text') }}|{{ hole('html') }}</i>"
        "{% if reader.can('post.edit_any') %}edit{% endif %}"
    ),
    "test/typed.html": "{{ typed }}|{{ hole('token') }}",
    "test/language.html": "{{ _('Log in') }}|{{ reader.locale }}",
    "test/slots.html": (
        "{% for n in numbers %}{% call slot('row', n) %}<{{ n }}>{% endcall %}{% endfor %}"
        "{{ hole('token') }}"
    ),
    "test/nothing.html": "{{ value }}",
    "test/big.html": "{{ 'x' * length }}",
}


@dataclass(frozen=True)
class EditorReader(parts.Reader):
    CAPABILITIES = frozenset({"post.edit_any"})


@dataclass(frozen=True, kw_only=True)
class FollowerReader(parts.Reader):
    following: bool


COUNTED = parts.Part("test-counted", "test/counted.html", EditorReader)
TYPED = parts.Part("test-typed", "test/typed.html", EditorReader)
LANGUAGE = parts.Part("test-language", "test/language.html", EditorReader)
SLOTS = parts.Part("test-slots", "test/slots.html", FollowerReader)
NOTHING = parts.Part("test-nothing", "test/nothing.html", EditorReader)
BIG = parts.Part("test-big", "test/big.html", EditorReader)


def _with_test_parts(app: Flask) -> parts.Parts:
    registry = parts.parts(app)
    env = registry.environment
    env.loader = ChoiceLoader([DictLoader(TEMPLATES), env.loader])  # type: ignore[list-item]
    registry.register(COUNTED, TYPED, LANGUAGE, SLOTS, NOTHING, BIG)
    return registry


@pytest.fixture
def registry(app: Flask) -> parts.Parts:
    return _with_test_parts(app)


def reader(locale: str = "en", *capabilities: str) -> EditorReader:
    return EditorReader(locale, "member" if capabilities else None, frozenset(capabilities))


def test_a_part_is_rendered_once_per_key_and_its_holes_filled_each_time(app, registry):
    renders: list[int] = []

    def count() -> str:
        renders.append(1)
        return str(len(renders))

    def render(who: EditorReader, data_key: str, token: str, text="a<b", html="<b>x</b>") -> str:
        with app.test_request_context():
            return str(
                COUNTED.render(
                    who, data_key, {"count": count}, token=token, text=text, html=Markup(html)
                )
            )

    assert render(reader(), "k", "t1") == "1<i>t1|a&lt;b|<b>x</b></i>"
    assert render(reader(), "k", "t2", "c&d", "<em>y</em>") == "1<i>t2|c&amp;d|<em>y</em></i>"
    assert render(reader(), "other", "t3") == "2<i>t3|a&lt;b|<b>x</b></i>"
    editor = reader("en", "post.edit_any")
    assert render(editor, "k", "t4") == "3<i>t4|a&lt;b|<b>x</b></i>edit", "another reader"
    assert render(editor, "k", "t5").startswith("3<i>t5")
    assert registry.renders["test-counted"] == 3


def test_holes_are_computed_only_when_the_part_has_them(app, registry):
    asked: list[str] = []

    def token() -> str:
        asked.append("token")
        return "T"

    with app.test_request_context():
        page = str(TYPED.render(reader(), 1, {"typed": "x"}, token=token, unused=lambda: 1 / 0))
        assert page == "x|T" and asked == ["token"]
        with pytest.raises(parts.MissingHole, match="token"):
            TYPED.render(reader(), 1, {"typed": "x"})


def test_text_that_looks_like_a_hole_is_escaped_not_filled(app, registry):
    nonce = registry.nonce
    for typed in ("<!--hole:token-->", f"<!--{nonce}:hole:token-->"):
        with app.test_request_context():
            page = str(TYPED.render(reader(), typed, {"typed": typed}, token="secret"))
        assert page.count("secret") == 1 and "&lt;!--" in page


@pytest.mark.parametrize(
    "name", ["current_user", "request", "session", "g", "config", "csrf_token", "can"]
)
def test_a_part_cannot_read_the_request_or_the_member(app, registry, name):
    """A part sees its reader, its data and its holes: nothing its key does not hold."""
    template = registry.environment.from_string(f"{{{{ {name} }}}}")
    with app.test_request_context(), pytest.raises(UndefinedError, match=name):
        template.render(reader=reader())


def test_a_reader_answers_only_for_the_capabilities_its_class_declares(app, member):
    with app.test_request_context():
        assert EditorReader.of(member).can("post.edit_any") is False
        with pytest.raises(parts.UndeclaredCapability, match=r"post\.delete_any"):
            EditorReader.of(member).can("post.delete_any")
        assert EditorReader.of(None) == EditorReader("en", None, frozenset())
        with pytest.raises(TypeError):
            FollowerReader.of(member)  # a fact cannot be left out


def test_a_part_takes_only_its_own_kind_of_reader(app, registry):
    with app.test_request_context(), pytest.raises(TypeError, match="EditorReader"):
        TYPED.render(FollowerReader("en", None, frozenset(), following=True), 1, {"typed": ""})


def test_a_part_renders_in_its_readers_language_whatever_the_request(app, registry):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert str(LANGUAGE.render(reader("fr"), None, {})) == "Se connecter|fr"
        assert str(LANGUAGE.render(reader("en"), None, {})) == "Log in|en"
        from app.core.templating import current_locale

        assert current_locale() == "en", "the request's language is back"


def test_slots_keep_their_default_unless_the_request_replaces_them(app, registry):
    who = FollowerReader("en", None, frozenset(), following=False)
    with app.test_request_context():
        data = {"numbers": [1, 2, 3]}
        assert str(SLOTS.render(who, 1, data, token="t")) == "<1><2><3>t"
        page = SLOTS.render(who, 1, data, token="u", row={"2": Markup("<b>two</b>"), "9": "x"})
        assert str(page) == "<1><b>two</b><3>u"
        page = SLOTS.render(who, 1, data, token="v", row={"3": "<3>"})
        assert page.bytes() == b"<1><2>&lt;3&gt;v"
        inner = TYPED.render(reader(), 2, {"typed": "é"}, token="t")
        page = SLOTS.render(who, 1, data, token=inner, row={"1": inner})
        assert page.bytes() == "é|t<2><3>é|t".encode(), "a part in another's hole, as it is"
    assert registry.renders["test-slots"] == 1


def test_parts_must_be_registered_and_named_once(app, registry):
    unknown = parts.Part("test-unknown", "test/nothing.html", EditorReader)
    with app.test_request_context(), pytest.raises(LookupError, match="test-unknown"):
        unknown.render(reader(), 1, {"value": 1})
    with pytest.raises(ValueError, match="test-nothing"):
        registry.register(parts.Part("test-nothing", "test/typed.html", EditorReader))


def test_without_bytes_nothing_is_kept(database_url):
    from app import create_app

    app = create_app("testing", {"DATABASE_URL": database_url, "PAGE_CACHE_BYTES": 0})
    registry = _with_test_parts(app)
    with app.test_request_context():
        for value in ("a", "b"):
            assert str(NOTHING.render(reader(), 1, {"value": value})) == value
    assert registry.renders["test-nothing"] == 2 and len(registry.cache) == 0


def test_the_cache_holds_at_most_its_bound_in_bytes(database_url):
    """The bound is in real bytes: what the entries weigh is what the process holds."""
    from app import create_app

    bound = 2 * 1024 * 1024
    app = create_app("testing", {"DATABASE_URL": database_url, "PAGE_CACHE_BYTES": bound})
    registry = _with_test_parts(app)
    with app.test_request_context():
        BIG.render(reader(), -1, {"length": 10})  # the template compiled, outside the count
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            for n in range(400):  # 400 parts of 20 KB: four times the bound
                BIG.render(reader(), n, {"length": 20_000})
            held = tracemalloc.get_traced_memory()[0] - before
        finally:
            tracemalloc.stop()
    cache = registry.cache
    assert cache.bytes <= bound
    assert 80 <= len(cache) < 110, "about 2 MB of 20 KB entries"
    assert abs(held - cache.bytes) < 0.1 * bound, (held, cache.bytes)
    assert ENTRY_BYTES * len(cache) < 0.05 * bound


def test_a_part_that_expires_is_kept_at_most_page_cache_seconds(app, registry):
    expiring = parts.Part("test-expiring", "test/nothing.html", EditorReader, expires=True)
    registry.register(expiring)
    app.config["PAGE_CACHE_SECONDS"] = -1
    with app.test_request_context():
        assert str(expiring.render(reader(), 1, {"value": "a"})) == "a"
        assert str(expiring.render(reader(), 1, {"value": "b"})) == "b"
        assert str(NOTHING.render(reader(), 1, {"value": "a"})) == "a"
        assert str(NOTHING.render(reader(), 1, {"value": "b"})) == "a", "kept until evicted"

"""Markdown to sanitized HTML ("cooking"), done once when a post is written.

markdown-it-py in its safe preset (raw HTML is escaped, not passed) renders the
source; nh3 then keeps only an explicit allow-list of tags and attributes (no event
handler, styles reduced to text-align), links and images limited to http, https and
mailto, each link with rel="nofollow ugc" (no "noopener": that only matters with
target="_blank", which the allow-list leaves out).
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable, Iterable

import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline

ALLOWED_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "s", "del",
    "code", "pre", "blockquote", "ul", "ol", "li", "a", "img",
    "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "class"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    "th": {"style"},
    "td": {"style"},
    "code": {"class"},
}
# The one property a style may set (Markdown tables align their cells with it): anything
# else, such as position:fixed over the whole page, stays out of imported HTML.
STYLE_PROPERTIES = {"text-align"}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow ugc"

# A username: 3 to 30 characters, letters, digits, "_", "." and "-", not ending in "." or "-".
USERNAME_PATTERN = r"[A-Za-z0-9_][A-Za-z0-9_.-]{1,28}[A-Za-z0-9_]"
MENTION_RE = re.compile(rf"(?<![\w@/.])@({USERNAME_PATTERN})")
_MENTION_AT_START = re.compile(rf"@({USERNAME_PATTERN})")

MentionResolver = Callable[[Iterable[str]], dict[str, str]]
"""Takes the @names found in a text; returns {name as written: profile URL} for the real ones."""


def find_mentions(source: str) -> list[str]:
    """The @usernames written in a Markdown source, in order, without repeats."""
    seen: dict[str, None] = {}
    for match in MENTION_RE.finditer(source):
        seen.setdefault(match.group(1), None)
    return list(seen)


def _mention_rule(state: StateInline, silent: bool) -> bool:
    """Turn @name into a profile link when the render env names it as a real member."""
    pos = state.pos
    if state.src[pos] != "@":
        return False
    if pos > 0 and (state.src[pos - 1].isalnum() or state.src[pos - 1] in "_@/."):
        return False
    links: dict[str, str] = state.env.get("mentions", {})
    match = _MENTION_AT_START.match(state.src, pos)
    if match is None or match.group(1) not in links:
        return False
    if not silent:
        token = state.push("link_open", "a", 1)
        token.attrs = {"href": links[match.group(1)], "class": "mention"}
        text = state.push("text", "", 0)
        text.content = match.group(0)
        state.push("link_close", "a", -1)
    state.pos = match.end()
    return True


_markdown = MarkdownIt("js-default")
_markdown.inline.ruler.before("emphasis", "mention", _mention_rule)


def cook(source: str, resolve_mentions: MentionResolver | None = None) -> str:
    """Render Markdown to HTML that is safe to show as it is."""
    links = resolve_mentions(find_mentions(source)) if resolve_mentions else {}
    return clean_html(_markdown.render(source, {"mentions": links}))


def clean_html(source: str) -> str:
    """HTML from elsewhere (an import) through the same allow-list as cooked Markdown."""
    return nh3.clean(
        source,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        filter_style_properties=STYLE_PROPERTIES,
        link_rel=LINK_REL,
        strip_comments=True,
    )


def plain_text(cooked_html: str) -> str:
    """The visible text of cooked HTML, for excerpts."""
    text = nh3.clean(cooked_html.replace("</p>", "</p> ").replace("<br>", " "), tags=set())
    return " ".join(html.unescape(text).split())


def search_normal_form(text: str) -> str:
    """Lower case, accents removed, punctuation to spaces: what both search engines index.

    Normalising here, in Python, is what makes SQLite FTS5 and PostgreSQL full-text
    search find the same posts for the same words ("Cafe" finds "café").
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[\W_]+", " ", stripped).split())


def render_body(
    body: str,
    body_format: str,
    title: str = "",
    resolve_mentions: MentionResolver | None = None,
) -> tuple[str, str]:
    """A post's body as pages show it and as search indexes it: (safe HTML, search text).

    Markdown is cooked; an HTML body (imported) goes through the same sanitizer.
    """
    if body_format == "html":
        html = clean_html(body)
        words = plain_text(html)
    else:
        html, words = cook(body, resolve_mentions), body
    return html, search_normal_form(f"{title} {words}")


def excerpt(cooked_html: str, length: int = 200) -> str:
    text = plain_text(cooked_html)
    if len(text) <= length:
        return text
    return text[: length - 1].rsplit(" ", 1)[0] + "…"

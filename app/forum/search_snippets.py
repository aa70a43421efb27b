"""Snippets of search results: the text around the words found, the words marked.

Made in Python from the post's visible text, the same on both databases. Safe by
construction: every piece of the member's text is escaped, and only the ``<mark>``
elements Tribune adds are markup.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection

from markupsafe import Markup, escape

SNIPPET_LENGTH = 240
SCANNED = 20_000  # characters of a post looked at for its first match (a bound on work)
_WORD = re.compile(r"[^\W_]+")


def _normal(word: str) -> list[str]:
    """A word as search indexes it (core.text.search_normal_form), cheap for ASCII words."""
    folded = word.casefold()
    if folded.isascii():
        return [folded]
    decomposed = unicodedata.normalize("NFKD", folded)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _WORD.findall(stripped)


def _window(text: str, first: int, length: int) -> tuple[int, int]:
    """Where a snippet of about ``length`` characters around position ``first`` starts and ends."""
    if len(text) <= length:
        return 0, len(text)
    start = max(0, min(first - length // 3, len(text) - length))
    if start > 0:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < first else start
    end = min(len(text), start + length)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start else end
    return start, end


def highlight(text: str, terms: Collection[str], length: int | None = SNIPPET_LENGTH) -> Markup:
    """``text`` (or about ``length`` characters of it around the first word found), escaped,
    with every word of ``terms`` (in search normal form) inside ``<mark>``."""
    found = [m for m in _WORD.finditer(text, 0, SCANNED) if any(w in terms for w in _normal(m[0]))]
    start, end = 0, len(text)
    if length is not None:
        start, end = _window(text, found[0].start() if found else 0, length)
    pieces: list[Markup] = [Markup("…")] if start > 0 else []
    at = start
    for match in found:
        if match.start() < start or match.end() > end:
            continue
        pieces.append(escape(text[at : match.start()]))
        pieces.append(Markup("<mark>%s</mark>") % match[0])
        at = match.end()
    pieces.append(escape(text[at:end]))
    if end < len(text):
        pieces.append(Markup("…"))
    return Markup("").join(pieces)

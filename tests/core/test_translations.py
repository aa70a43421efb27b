"""The French catalogue is complete and every translation keeps its placeholders."""

import re
from pathlib import Path

from babel.messages.pofile import read_po

TRANSLATIONS = Path(__file__).resolve().parents[2] / "app" / "translations"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _catalog(locale: str):
    with open(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po", "rb") as po:
        return read_po(po, locale=locale)


def test_every_message_in_the_template_is_translated_in_french():
    with open(TRANSLATIONS / "messages.pot", "rb") as pot:
        template = read_po(pot)
    french = _catalog("fr")
    missing = []
    for message in template:
        if not message.id:
            continue
        translated = french.get(message.id, context=message.context)
        strings = translated.string if translated else None
        if not strings or (isinstance(strings, tuple) and not all(strings)):
            missing.append(message.id)
    assert missing == []


def test_french_translations_keep_the_placeholders():
    mismatched = []
    for message in _catalog("fr"):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = set().union(*(PLACEHOLDER.findall(i) for i in ids))
        for string in strings:
            # A singular French form may spell the number out instead of %(num)d.
            if set(PLACEHOLDER.findall(string)) - expected or (
                expected - {"num"} - set(PLACEHOLDER.findall(string))
            ):
                mismatched.append(message.id)
    assert mismatched == []

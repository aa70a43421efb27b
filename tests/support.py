"""Test helpers: a page's own forms as a browser would send them, and requests at once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict[str, Any]] = []
        self.buttons: list[dict[str, str]] = []
        self._textarea: tuple[dict[str, Any], str] | None = None
        self._select: tuple[dict[str, Any], str, list[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append({"id": a.get("id", ""), "action": a.get("action", ""),
                               "fields": [], "open": True})  # fmt: skip
            return
        current = next((f for f in reversed(self.forms) if f["open"]), None)
        if tag == "button":
            # Its form: the one it names (form="..."), else the one it stands in.
            self.buttons.append({**a, "_form": a.get("form") or (current or {}).get("id", ""),
                                 "_in": None if a.get("form") else current})  # fmt: skip
            if current is not None and not a.get("form"):
                current.setdefault("buttons", []).append(a)
        elif tag == "input" and current is not None and a.get("name"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            if a.get("type") not in ("submit", "file"):
                current["fields"].append((a["name"], a.get("value", "")))
        elif tag == "textarea" and current is not None:
            self._textarea = (current, a.get("name", ""))
        elif tag == "select" and current is not None:
            self._select = (current, a.get("name", ""), [])
        elif tag == "option" and self._select is not None:
            # The selected option, else the first, as a browser sends it.
            options = self._select[2]
            if "selected" in a:
                options.insert(0, a.get("value", ""))
            else:
                options.append(a.get("value", ""))

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            form, name = self._textarea
            form["fields"].append((name, data.lstrip("\n")))
            self._textarea = None

    def handle_endtag(self, tag: str) -> None:
        if tag == "select" and self._select is not None:
            form, name, options = self._select
            if options:
                form["fields"].append((name, options[0]))
            self._select = None
        if tag == "textarea" and self._textarea is not None:
            form, name = self._textarea
            form["fields"].append((name, ""))
            self._textarea = None
        if tag == "form":
            current = next((f for f in reversed(self.forms) if f["open"]), None)
            if current is not None:
                current["open"] = False


def button_submission(html: str, formaction: str) -> tuple[str, dict[str, str]]:
    """The URL and fields a browser sends when the button with this formaction is pressed."""
    parser = _Forms()
    parser.feed(html)
    for button in parser.buttons:
        if button.get("formaction") == formaction:
            form = button["_in"] or next(f for f in parser.forms if f["id"] == button["_form"])
            data = dict(form["fields"])
            if button.get("name"):
                data[button["name"]] = button.get("value", "")
            return formaction, data
    raise AssertionError(f"no button with formaction {formaction!r} on the page")


def form_submission(html: str, action: str, **typed: str) -> tuple[str, dict[str, str]]:
    """The fields a browser sends for the form posting to ``action``, with ``typed`` filled in."""
    parser = _Forms()
    parser.feed(html)
    for form in parser.forms:
        if form["action"] == action:
            data = dict(form["fields"])
            buttons = form.get("buttons", [])
            if buttons and buttons[0].get("name"):
                data[buttons[0]["name"]] = buttons[0].get("value", "")
            data.update(typed)
            return action, data
    raise AssertionError(f"no form posting to {action!r} on the page")


def at_once(count: int, action: Callable[[int], Any]) -> list[Any]:
    """Run ``action(i)`` in ``count`` threads released together; results or exceptions."""
    results: list[Any] = [None] * count
    start = threading.Barrier(count)

    def run(i: int) -> None:
        try:
            start.wait()
            results[i] = action(i)
        except BaseException as error:  # returned to the test, which asserts on it
            results[i] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results

"""Test helpers: a page's own forms as a browser would send them, and requests at once."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from typing import Any


class _Forms(HTMLParser):
    def __init__(self, check_all: bool = False) -> None:
        super().__init__(convert_charrefs=True)
        self.check_all = check_all  # every checkbox and radio as if ticked
        self.forms: list[dict[str, Any]] = []
        self.buttons: list[dict[str, str]] = []
        self._textarea: tuple[dict[str, Any], str] | None = None
        self._select: tuple[dict[str, Any], str, list[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append({"id": a.get("id", ""), "action": a.get("action", ""),
                               "method": a.get("method", "get").lower(),
                               "fields": [], "open": True})  # fmt: skip
            return
        current = next((f for f in reversed(self.forms) if f["open"]), None)
        if tag == "button":
            # A button's form= may name a form further down the page: resolved in parsed().
            self.buttons.append({**a, "_form": None if a.get("form") else current})
            if current is not None and not a.get("form"):
                current.setdefault("buttons", []).append(a)
        elif tag == "input" and current is not None and a.get("name"):
            unticked = a.get("type") in ("checkbox", "radio") and "checked" not in a
            if unticked and not self.check_all:
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


def parsed(html: str, check_all: bool = False) -> _Forms:
    """A page's forms and buttons, each button with the form it belongs to (its own, or the
    one its form= attribute names, wherever that form is on the page)."""
    parser = _Forms(check_all)
    parser.feed(html)
    parser.close()
    by_id = {form["id"]: form for form in parser.forms if form["id"]}
    for button in parser.buttons:
        if button.get("form"):
            button["_form"] = by_id.get(button["form"])
    return parser


def _no_twin(form: dict[str, Any], name: str) -> None:
    """A browser sends a field and a pressed button of the same name both, field first: the
    view reads the field's value, not the button's, so a page doing it is broken."""
    assert name not in {n for n, _v in form["fields"]}, (
        f"the form sends {name!r} twice (a field, then the pressed button): the view reads the "
        "first"
    )


def button_submission(html: str, formaction: str) -> tuple[str, dict[str, str]]:
    """The URL and fields a browser sends when the button with this formaction is pressed."""
    parser = parsed(html)
    for button in parser.buttons:
        if button.get("formaction") == formaction:
            form = button["_form"]
            assert form is not None, f"the button for {formaction!r} belongs to no form"
            data = dict(form["fields"])
            if button.get("name"):
                _no_twin(form, button["name"])
                data[button["name"]] = button.get("value", "")
            return formaction, data
    raise AssertionError(f"no button with formaction {formaction!r} on the page")


def form_submission(
    html: str, action: str, *, form_id: str | None = None, **typed: str
) -> tuple[str, dict[str, str]]:
    """The fields a browser sends for the form posting to ``action`` (the one with id
    ``form_id``, when the page has several), with ``typed`` filled in."""
    parser = parsed(html)
    for form in parser.forms:
        if form["action"] == action and form_id in (None, form["id"]):
            data = dict(form["fields"])
            buttons = form.get("buttons", [])
            if buttons and buttons[0].get("name"):
                _no_twin(form, buttons[0]["name"])
                data[buttons[0]["name"]] = buttons[0].get("value", "")
            data.update(typed)
            return action, data
    raise AssertionError(f"no form posting to {action!r} on the page")


def pressing(html: str, action: str, button: str, **typed: str) -> tuple[str, dict[str, str]]:
    """The fields a browser sends for the form posting to ``action`` when its button named
    ``button`` is pressed (not the first one), with ``typed`` filled in."""
    parser = parsed(html)
    for form in parser.forms:
        if form["action"] == action:
            pressed = [b for b in form.get("buttons", []) if b.get("name") == button]
            assert pressed, f"the form posting to {action!r} has no button named {button!r}"
            _no_twin(form, button)
            data = {**dict(form["fields"]), button: pressed[0].get("value", "")}
            data.update(typed)
            return action, data
    raise AssertionError(f"no form posting to {action!r} on the page")


def post_submissions(html: str, page_url: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """Every POST a page offers, as (url, fields) a browser sends: a form once per button of
    its own, and each button with a formaction. Checkboxes count as ticked."""
    parser = parsed(html, check_all=True)
    found = []
    for form in parser.forms:
        if form["method"] != "post":
            continue
        # A form sent by its own buttons (those with a formaction are counted below).
        for button in [b for b in form.get("buttons", []) if not b.get("formaction")]:
            fields = list(form["fields"])
            if button.get("name"):
                fields.append((button["name"], button.get("value", "")))
            found.append((form["action"] or page_url, fields))
    for button in parser.buttons:
        form = button["_form"]
        if button.get("formaction") and form is not None:
            fields = list(form["fields"])
            if button.get("name"):
                fields.append((button["name"], button.get("value", "")))
            found.append((button["formaction"], fields))
        if button.get("hx-post") and form is not None:
            # What htmx sends for a button with hx-post: its form's fields and its own.
            fields = list(form["fields"])
            if button.get("name"):
                fields.append((button["name"], button.get("value", "")))
            found.append((button["hx-post"], fields))
    return found


def htmx_submission(html: str, hx_post: str, **typed: str) -> tuple[str, dict[str, str]]:
    """The URL and fields htmx sends when the button with this hx-post is pressed."""
    parser = parsed(html)
    for button in parser.buttons:
        if button.get("hx-post") == hx_post:
            form = button["_form"]
            assert form is not None, f"the button for {hx_post!r} belongs to no form"
            data = dict(form["fields"])
            if button.get("name"):
                data[button["name"]] = button.get("value", "")
            data.update(typed)
            return hx_post, data
    raise AssertionError(f"no button with hx-post {hx_post!r} on the page")


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


def driver_error(dialect: str, kind: str = "disk_full") -> Exception:
    """The error the database driver raises when the disk is full (``kind="disk_full"``)
    or when it refuses a value (``kind="data"``), as the driver builds it."""
    if dialect == "postgresql":
        import psycopg

        if kind == "data":
            return psycopg.errors.CharacterNotInRepertoire("invalid byte sequence")
        return psycopg.errors.DiskFull("could not extend file: No space left on device")
    import sqlite3

    if kind == "data":
        return sqlite3.DataError("invalid byte sequence")
    return sqlite3.OperationalError("database or disk is full")


@contextmanager
def failing_statements(
    engine: Any, starts_with: str, kind: str = "disk_full"
) -> Iterator[list[str]]:
    """Statements starting with ``starts_with`` fail in the driver (see ``driver_error``).

    The failure is raised where the driver executes the statement, so SQLAlchemy wraps
    and handles it exactly as it would a real one. Yields the statements that failed.
    """
    from sqlalchemy import event

    failed: list[str] = []
    error = driver_error(engine.dialect.name, kind)

    def execute(cursor: Any, statement: str, parameters: Any, context: Any) -> None:
        if statement.lstrip().upper().startswith(starts_with.upper()):
            failed.append(statement)
            raise error

    event.listen(engine, "do_execute", execute)
    event.listen(engine, "do_executemany", execute)
    try:
        yield failed
    finally:
        event.remove(engine, "do_execute", execute)
        event.remove(engine, "do_executemany", execute)

"""Languages: the member's preference, then the browser's, then the default."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from babel import Locale
from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    g,
    has_request_context,
    redirect,
    request,
    session,
)
from flask_babel import Babel, force_locale, get_translations
from flask_login import current_user
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from app.core.events import commit
from app.core.urls import safe_path

blueprint = Blueprint("i18n", __name__)


def select_locale() -> Locale:
    return _parsed(_locale_code())


@lru_cache(maxsize=16)
def _parsed(code: str) -> Locale:
    # Flask-Babel parses what the selector returns on every request (a file system
    # check included) unless it is a Locale already; the codes are a short list.
    return Locale.parse(code)


def _locale_code() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    user = current_user._get_current_object() if current_user else None  # type: ignore[attr-defined]
    if user is not None and user.is_authenticated and user.locale in languages:
        return user.locale  # type: ignore[no-any-return]
    return browser_locale()


def browser_locale() -> str:
    """The language this browser chose (footer switch) or asks for, else the default.

    Needs no database, unlike the member's own preference: the page shown while the
    database is away speaks it.
    """
    languages = current_app.config["LANGUAGES"]
    if session.get("locale") in languages:
        return session["locale"]
    return (
        _best_match(request.headers.get("Accept-Language"), tuple(languages))
        or (current_app.config["BABEL_DEFAULT_LOCALE"])
    )


@lru_cache(maxsize=512)
def _best_match(accept_language: str | None, languages: tuple[str, ...]) -> str | None:
    # Parsed once per distinct header: browsers send a handful of values, every request.
    return parse_accept_header(accept_language, LanguageAccept).best_match(languages)


def _back(target: str | None) -> Any:
    return redirect(safe_path(target))


@blueprint.post("/language")
def set_language() -> Any:
    """Switch language from the footer form; kept on the account for members."""
    locale = request.form.get("locale", "")
    if locale in current_app.config["LANGUAGES"]:
        session["locale"] = locale
        if current_user.is_authenticated:
            current_user.locale = locale
            commit()
    return _back(request.form.get("next"))


@blueprint.get("/language/<locale>")
def choose_language(locale: str) -> Any:
    """Switch language by a link, for visitors: only this browser's session changes.

    Pages for visitors carry no form, hence no CSRF token and no session cookie,
    which is what lets them be cached and shared.
    """
    if locale not in current_app.config["LANGUAGES"]:
        abort(404)
    session["locale"] = locale
    return _back(request.args.get("next"))


def _translations() -> Any:
    """The request's catalogue, looked up once per request (templates ask dozens of times)."""
    translations = g.get("tribune_translations")
    if translations is None:
        translations = g.tribune_translations = get_translations()
    return translations


@contextmanager
def in_language(locale: str) -> Iterator[None]:
    """Render in ``locale``, whatever the request's language: Flask-Babel's lookups,
    the templates' catalogue and current_locale() follow it, and are restored after."""
    saved = {name: g.pop(name, None) for name in ("tribune_translations", "tribune_locale")}
    try:
        with force_locale(locale):
            g.tribune_translations = get_translations()
            g.tribune_locale = locale
            yield
    finally:
        for name, value in saved.items():
            g.pop(name, None)
            if value is not None:
                setattr(g, name, value)


def init_app(app: Flask, babel: Babel) -> None:
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(app.root_path + "/translations"),
    )
    # Flask-Babel's template callables find the catalogue through several context
    # lookups on every string; the same callables over a per-request lookup.
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
    )
    app.register_blueprint(blueprint)

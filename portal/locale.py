"""Which language a request is answered in."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app, g, has_app_context, has_request_context, request, session
from flask_babel import get_locale, get_translations
from flask_login import current_user
from wtforms import SelectChoice

from portal.config import LANGUAGES


def select_locale() -> str:
    """The user's saved choice, then Accept-Language, then the brand's default, then English."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # a job or a command: force_locale() says otherwise
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    if session.get("locale") in languages:  # chosen on the sign-in page, before signing in
        return session["locale"]
    if best := request.accept_languages.best_match(languages):
        return best
    brand = g.get("brand")
    if brand is not None and brand.default_locale in languages:
        return brand.default_locale
    return "en"


# Each language named in itself, for the switcher and the language fields.
LANGUAGE_NAMES = {"en": "English", "fr": "Français", "pt": "Português", "pl": "Polski"}
assert set(LANGUAGE_NAMES) == set(LANGUAGES)


def language_choices() -> list[SelectChoice]:
    """The portal's languages, each named in itself."""
    return [SelectChoice(code, name) for code, name in LANGUAGE_NAMES.items()]


def country_choices() -> list[SelectChoice]:
    """Every country, named in the reader's language and sorted that way."""
    territories = get_locale().territories
    codes = sorted(
        (code for code in territories if len(code) == 2 and code.isalpha()),
        key=lambda code: territories[code],
    )
    return [SelectChoice(code, territories[code]) for code in codes]


def catalog():
    """The translations of the request's language, found once per request and language.

    Flask-Babel finds them again on every call (context lookups, the locale made a string),
    and a list page translates a few hundred strings. Keyed by the locale object, so that
    force_locale (an email in its recipient's language) gets its own."""
    if not has_app_context():
        return get_translations()
    locale = get_locale()
    known = g.get("_catalog")
    if known is None or known[0] is not locale:
        known = g._catalog = (locale, get_translations())
    return known[1]


def install_template_gettext(app: Flask) -> None:
    """Templates translate through `catalog()` (Flask-Babel installs callables that look the
    catalog up again each time)."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: catalog().ugettext(s),
        ngettext=lambda s, p, n: catalog().ungettext(s, p, n),
        pgettext=lambda c, s: catalog().upgettext(c, s),
        npgettext=lambda c, s, p, n: catalog().unpgettext(c, s, p, n),
        newstyle=True,
    )


def local_today(now: datetime | None = None) -> date:
    """Today's date in the portal's time zone (PORTAL_TIMEZONE): the day a preferred date
    means, whoever reads it and wherever the worker runs."""
    zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "UTC")
    return (now or datetime.now(UTC)).astimezone(zone).date()

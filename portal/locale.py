"""Which language a request is answered in."""

from __future__ import annotations

from flask import current_app, g, has_request_context, request, session
from flask_babel import get_locale
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

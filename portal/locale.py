"""Which language a request is answered in."""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel import localedata
from flask import Flask, current_app, g, has_app_context, has_request_context, request, session
from flask_babel import get_locale, get_timezone, get_translations
from flask_login import current_user
from wtforms import SelectChoice

from portal.config import LANGUAGES


def select_locale() -> str:
    """The language of the request (`select_language`), in the brand's country's variant."""
    if not has_request_context():  # a job or a command: force_locale() says otherwise
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    brand = g.get("brand")
    return regional_locale(select_language(), brand.country_code if brand else None)


def select_language() -> str:
    """The user's saved choice, then the one made on the sign-in page; then, for a visitor of a
    brand's pages, the brand's language; else Accept-Language, the brand's default, English.

    A stranger on a French brand's login page reads French whatever the browser asks: the
    brand speaks to its visitors in its language until they choose another. An API call
    (a token, no visitor) is answered in the language of its Accept-Language."""
    languages = current_app.config["LANGUAGES"]
    signed_in = bool(current_user and current_user.is_authenticated)
    if signed_in and current_user.locale in languages:
        return current_user.locale
    if session.get("locale") in languages:  # chosen on the sign-in page, before signing in
        return session["locale"]
    brand = g.get("brand")
    brand_language = brand.default_locale if brand is not None else None
    visitor = not signed_in and "api_token" not in g
    if visitor and brand_language in languages:
        return brand_language
    if best := request.accept_languages.best_match(languages):
        return best
    if brand_language in languages:
        return brand_language
    return "en"


def regional_locale(language: str, country_code: str | None) -> str:
    """English as written in the brand's country (en_GB for a British brand: 1 Dec 2026, 24-hour
    clock), where Babel knows that variant; the other languages as they are."""
    if language == "en" and country_code:
        candidate = f"en_{country_code.upper()}"
        if candidate in _english_variants():
            return candidate
    return language


@lru_cache(maxsize=1)
def _english_variants() -> frozenset[str]:
    return frozenset(name for name in localedata.locale_identifiers() if name.startswith("en_"))


# Each language named in itself, for the switcher and the language fields.
LANGUAGE_NAMES = {"en": "English", "fr": "Français", "pt": "Português", "pl": "Polski"}
assert set(LANGUAGE_NAMES) == set(LANGUAGES)


def language_choices() -> list[SelectChoice]:
    """The portal's languages, each named in itself."""
    return [SelectChoice(code, name) for code, name in LANGUAGE_NAMES.items()]


# Two-letter codes of Babel's (CLDR's) territories that are no country of ISO 3166-1: unions,
# the UN, pseudo-locales, "unknown", and regions inside a country (Canary Islands, Ceuta…).
# Kosovo (XK, user-assigned) stays: it has its own phone numbers and addresses.
NOT_COUNTRIES = frozenset(
    {"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "ZZ"}
)


def is_country(code: str) -> bool:
    return len(code) == 2 and code.isalpha() and code.isupper() and code not in NOT_COUNTRIES


def country_choices() -> list[SelectChoice]:
    """Every country, named in the reader's language and sorted that way."""
    territories = get_locale().territories
    codes = sorted((code for code in territories if is_country(code)), key=territories.get)
    return [SelectChoice(code, territories[code]) for code in codes]


def catalog():
    """The translations of the request's language (see `_localization`)."""
    return _localization()[1] if has_app_context() else get_translations()


def locale_name() -> str:
    """The request's locale as a string ('pt_BR'), the key of what is formatted per locale."""
    return _localization()[2] if has_app_context() else str(get_locale())


def zone_name() -> str:
    return _localization()[3] if has_app_context() else str(get_timezone())


def _localization() -> tuple:
    """Flask-Babel's locale object, translations, locale and zone names for the context, found
    once per request and language.

    Flask-Babel finds each again on every call (three context lookups, the locale made a
    string), and a list page translates and formats a few hundred values. Known while the
    locale object Flask-Babel holds for the context stays the same, so that force_locale (an
    email in its recipient's language) gets its own."""
    context = g._get_current_object()  # one lookup through the proxy, not one per attribute
    known = getattr(context, "_localization", None)
    babel = getattr(context, "_flask_babel", None)  # Flask-Babel's state of this context
    if known is None or known[0] is not getattr(babel, "babel_locale", None):
        locale = get_locale()  # sets babel_locale when not yet chosen
        babel = context._flask_babel
        known = context._localization = (
            babel.babel_locale,
            get_translations(),
            str(locale),
            str(get_timezone()),
        )
    return known


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

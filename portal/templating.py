"""Jinja filters for the portal's own kinds of values."""

from __future__ import annotations

from functools import lru_cache

import flask_babel
import phonenumbers
from flask import Flask

from portal.locale import locale_name, zone_name


@lru_cache(maxsize=4096)  # 30 us a number, and a list page shows 25 of them
def phone_display(digits: str | None) -> str:
    """'48601234567' -> '+48 601 234 567'; stored numbers carry their country code."""
    if not digits:
        return ""
    try:
        number = phonenumbers.parse("+" + digits)
    except phonenumbers.NumberParseException:
        return digits
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def whatsapp_url(digits: str | None) -> str:
    return f"https://wa.me/{digits}" if digits else ""


def date_display(value, format: str | None = None) -> str:
    """Flask-Babel's `dateformat`, remembered per process: formatting a date costs ~50 us, a
    list page shows 25, and the same rows come back page after page."""
    return _date_display(value, format, locale_name(), zone_name())


@lru_cache(maxsize=8192)
def _date_display(value, format, locale: str, zone: str) -> str:
    return flask_babel.format_date(value, format)  # in the locale and zone of the key


def number_display(value) -> str:
    """Flask-Babel's `numberformat`, remembered per process for the counts a page repeats."""
    return _number_display(value, locale_name())


@lru_cache(maxsize=4096)
def _number_display(value, locale: str) -> str:
    return flask_babel.format_number(value)  # in the locale of the key


def register_filters(app: Flask) -> None:
    app.add_template_filter(date_display, "dateformat")  # in place of Flask-Babel's own
    app.add_template_filter(number_display, "numberformat")
    app.add_template_filter(phone_display, "phone")
    app.add_template_filter(whatsapp_url, "whatsapp_url")

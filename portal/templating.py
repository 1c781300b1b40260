"""Jinja filters for the portal's own kinds of values."""

from __future__ import annotations

from functools import lru_cache

import phonenumbers
from flask import Flask


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


def register_filters(app: Flask) -> None:
    app.add_template_filter(phone_display, "phone")
    app.add_template_filter(whatsapp_url, "whatsapp_url")

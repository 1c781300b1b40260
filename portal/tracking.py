"""The tracking-platform address of a brand, built from its URL template."""

from __future__ import annotations

import string
from urllib.parse import urlsplit

from flask_babel import gettext as _

# What a template may name. {country} is the client's country, lower case: tracking.{country}…
PLACEHOLDERS = ("country", "brand", "language")


class TemplateError(ValueError):
    pass


def placeholders_of(template: str) -> list[str]:
    try:
        return [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]
    except ValueError as error:  # a lone { or }
        raise TemplateError(
            _("Curly braces must surround a placeholder, as in {country}.")
        ) from error


def check_template(template: str) -> str:
    """A template whose placeholders are known and which renders to an https address."""
    template = (template or "").strip()
    if not template:
        raise TemplateError(_("Enter the address template of the tracking platform."))
    unknown = [name for name in placeholders_of(template) if name not in PLACEHOLDERS]
    if unknown:
        raise TemplateError(
            _(
                "Unknown placeholder {%(name)s}. Use %(allowed)s.",
                name=unknown[0],
                allowed=", ".join("{" + p + "}" for p in PLACEHOLDERS),
            )
        )
    sample = render(template, country="br", brand="brand", language="pt")
    parts = urlsplit(sample)
    if parts.scheme != "https" or not parts.netloc or " " in sample:
        raise TemplateError(_("The address must start with https:// and name a host."))
    return template


def render(template: str, **values: str) -> str:
    return template.format(**values)


def tracking_url(brand, *, country_code: str, language: str) -> str:
    """The address a client of `brand` uses, e.g. https://tracking.br.premium.example."""
    return render(
        brand.tracking_url_template,
        country=country_code.lower(),
        brand=brand.slug,
        language=language,
    )

"""The tracking-platform address of a brand, built from its URL template.

A template names placeholders in braces, `https://tracking.{country}.premium.example`. They are
replaced as plain text, never through str.format: a format spec, a conversion or an attribute
(`{country:>9999999}`, `{brand.__class__}`) is refused when the template is saved.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask_babel import gettext as _

# What a template may name. {country} is the client's country, lower case: tracking.{country}…
PLACEHOLDERS = ("country", "brand", "language")
# Values are short and made of host-name characters only, so they never change a URL's shape.
SAMPLE = {"country": "br", "brand": "brand", "language": "pt"}

_FIELD = re.compile(r"\{([^{}]*)\}")
_HOST_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_HOST = re.compile(rf"{_HOST_LABEL}(?:\.{_HOST_LABEL})+")
# RFC 3986's unreserved and reserved characters, and percent signs of escapes.
_URL_CHARACTERS = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")


class TemplateError(ValueError):
    pass


def placeholders_of(template: str) -> list[str]:
    """The names between braces; TemplateError for a lone brace or anything but a bare name."""
    if "{" in _FIELD.sub("", template) or "}" in _FIELD.sub("", template):
        raise TemplateError(_("Curly braces must surround a placeholder, as in {country}."))
    names = _FIELD.findall(template)
    for name in names:
        if name in PLACEHOLDERS:
            continue
        if re.match(r"\w*", name).group() in PLACEHOLDERS:  # {country:>99}, {brand.__class__}
            raise TemplateError(
                _("Write each placeholder without a format or conversion, as in {country}.")
            )
        raise TemplateError(
            _(
                "Unknown placeholder {%(name)s}. Use %(allowed)s.",
                name=name,
                allowed=", ".join("{" + p + "}" for p in PLACEHOLDERS),
            )
        )
    return names


def check_template(template: str) -> str:
    """A template whose placeholders are known and which renders to a plain https address."""
    template = (template or "").strip()
    if not template:
        raise TemplateError(_("Enter the address template of the tracking platform."))
    placeholders_of(template)
    check_address(render(template, **SAMPLE))
    return template


def check_address(url: str) -> None:
    """An https URL naming a host, with no user name or password and nothing to escape."""
    if not _URL_CHARACTERS.fullmatch(url):
        raise TemplateError(
            _("The address may contain only letters, digits and the signs of a web address.")
        )
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.netloc:
        raise TemplateError(_("The address must start with https:// and name a host."))
    if "@" in parts.netloc:
        raise TemplateError(_("The address cannot carry a user name or password before the host."))
    try:
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        raise TemplateError(_("The port after the host must be a number.")) from None
    if not _HOST.fullmatch(parts.hostname or ""):
        raise TemplateError(
            _("Name the host with letters, digits, dashes and dots, as in tracking.example.com.")
        )


def render(template: str, **values: str) -> str:
    """Each known placeholder replaced by its value; nothing else of the template changes."""
    return _FIELD.sub(lambda match: values.get(match.group(1), match.group(0)), template)


def tracking_url(brand, *, country_code: str, language: str) -> str:
    """The address a client of `brand` uses, e.g. https://tracking.br.premium.example."""
    return render(
        brand.tracking_url_template,
        country=country_code.lower(),
        brand=brand.slug,
        language=language,
    )

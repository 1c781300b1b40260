"""The header's links to the brand's sections: those the user may open, named in their language.

Every full page draws them. They depend only on the brand, the language and what the user may
do, so they are worked out once per process for each such combination (about ten url_for and
ten permission checks a page before), and each page only marks the one it is in.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

from flask import g, request, url_for
from flask_babel import lazy_gettext as _l

from portal.locale import locale_name
from portal.permissions import granted_permissions


class Link(NamedTuple):
    url: str
    label: str
    blueprints: tuple[str, ...]  # the page is in this section when its blueprint is one of them


# (the blueprints of the section, its page, the permission that opens it, its name)
SECTIONS = (
    (("dashboard",), "dashboard.index", "clients.view", _l("Dashboard")),
    (("clients",), "clients.index", "clients.view", _l("Clients")),
    (("brand_migration",), "brand_migration.index", "migrations.create", _l("Migrations")),
    ((), "brand_migration.transfers", "migrations.consent", _l("Incoming transfers")),
    (("outbox",), "outbox.index", "outbox.view", _l("Outbox")),
)
# Administration opens on the first of its pages the user may see.
ADMINISTRATION = (("admin", "api_pages"), _l("Administration"))
ADMINISTRATION_PAGES = (
    ("admin.users", "admin.users"),
    ("admin.groups", "admin.groups"),
    ("api_pages.api_tokens", "admin.api"),
    ("admin.brands", "brands.manage"),
)


def header_links() -> tuple[Link, ...]:
    """The links of the request's brand for the current user, in the request's language."""
    return _links(request.script_root, g.brand.slug, locale_name(), granted_permissions())


@lru_cache(maxsize=1024)
def _links(script_root: str, slug: str, locale: str, permissions: frozenset[str]):
    # Built in the request that first asks: its script root, brand and language are the key's.
    links = [
        Link(url_for(endpoint, brand_slug=slug), str(label), blueprints)
        for blueprints, endpoint, permission, label in SECTIONS
        if permission in permissions
    ]
    for endpoint, permission in ADMINISTRATION_PAGES:
        if permission in permissions:
            blueprints, label = ADMINISTRATION
            links.append(Link(url_for(endpoint, brand_slug=slug), str(label), blueprints))
            break
    return tuple(links)

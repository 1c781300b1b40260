"""The catalogue of permissions and the one decorator that checks them.

Every view declares what it needs with @permission_required("name") or @public; a test walks
the URL map and fails on a view with neither.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from flask import abort, g, request
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.extensions import db, login_manager
from portal.models import Brand, Membership, Role

PUBLIC = "public"
SIGNED_IN = "signed-in"  # any signed-in member of the brand, whatever their group
# Endpoints Flask itself provides, declared public here since they have no view of ours.
PUBLIC_ENDPOINTS = frozenset({"static", "api-docs.openapi_json"})


@dataclass(frozen=True)
class Permission:
    name: str
    label: str
    description: str
    platform_only: bool = False  # held by platform admins alone; no group can grant it


CATALOGUE: tuple[Permission, ...] = (
    Permission("clients.view", _l("View clients"), _l("Find clients and read their records.")),
    Permission("clients.edit", _l("Edit clients"), _l("Change the data of a client record.")),
    Permission(
        "clients.status",
        lazy_pgettext("permission", "Change status"),  # a name; the button is a verb
        _l("Set a client's status and payment situation."),
    ),
    Permission("clients.login", _l("Update client login"), _l("Change a client's login.")),
    Permission("clients.create", _l("Create clients"), _l("Add new clients to the brand.")),
    Permission("clients.delete", _l("Delete clients"), _l("Remove clients from the brand.")),
    Permission(
        "clients.export",
        _l("Export clients"),
        _l("Download the client list as a spreadsheet."),
    ),
    Permission(
        "clients.import",
        _l("Import clients"),
        _l("Create and update clients from a spreadsheet."),
    ),
    Permission(
        "migrations.create",
        _l("Migrate clients"),
        _l("Move clients to another brand."),
    ),
    Permission(
        "migrations.override",
        _l("Override contract check"),
        _l("Migrate a client under contract, with a reason."),
    ),
    Permission(
        "migrations.rollback",
        _l("Move clients back"),
        _l("Undo a migration."),
    ),
    Permission(
        "migrations.consent",
        _l("Answer incoming transfers"),
        _l("Accept or refuse clients transferred into the brand from another brand tree."),
    ),
    Permission("audit.view", _l("View history"), _l("Read the history of changes.")),
    Permission(
        "admin.users",
        _l("Manage staff users"),
        _l("Create, change and deactivate staff users of the brand."),
    ),
    Permission(
        "admin.groups",
        _l("Manage permission groups"),
        _l("Create and change the permission groups of staff and of clients."),
    ),
    Permission(
        "admin.api",
        _l("Manage API tokens"),
        _l("Create and revoke the brand's API tokens for its integrations."),
    ),
    Permission(
        "outbox.view",
        _l("See the outbox"),
        _l("Read the emails sent to clients and send a failed one again."),
    ),
    Permission(
        "brands.manage",
        _l("Manage brands"),
        _l("Create brands and sub-brands, and change their settings."),
        platform_only=True,
    ),
)
NAMES = frozenset(p.name for p in CATALOGUE)
# What a custom group may tick.
GRANTABLE = tuple(p for p in CATALOGUE if not p.platform_only)

_EVERYTHING_BUT_MIGRATION = frozenset(p.name for p in GRANTABLE) - {
    "migrations.create",
    "migrations.override",
    "migrations.rollback",
}
# The built-in groups of every brand. docs/permissions.md shows this table; a test compares.
ROLE_PERMISSIONS: dict[Role, frozenset[str]] = {
    Role.BRAND_ADMIN: frozenset(_EVERYTHING_BUT_MIGRATION),
    Role.RESELLER: frozenset(
        {
            "clients.view",
            "clients.edit",
            "clients.status",
            "clients.login",
            "clients.create",
            "clients.export",
            "clients.import",
            "audit.view",
        }
    ),
    Role.SUPPORT: frozenset({"clients.view", "audit.view"}),
}


def granted_permissions() -> frozenset[str]:
    """What the current user (or API token) may do in the brand of the request: worked out
    once for the request's token, user and membership (a record page asks some thirty times)."""
    context = g._get_current_object()  # one lookup through the proxy for all three
    token, membership = getattr(context, "api_token", None), getattr(context, "membership", None)
    user = current_user._get_current_object()
    key = (token, user, membership, getattr(membership, "group_id", None))  # a group changed
    known = getattr(context, "_granted_permissions", None)
    if known is None or known[0] != key:
        known = context._granted_permissions = (key, _permissions_of(token, user, membership))
    return known[1]


def _permissions_of(token, user, membership) -> frozenset[str]:
    if token is not None:  # an integration: its token's group, in the token's brand
        return group_permissions(token.group)
    if not user.is_authenticated:
        return frozenset()
    if user.is_platform_admin:
        return NAMES
    return group_permissions(membership.group) if membership else frozenset()


def group_permissions(group) -> frozenset[str]:
    """A built-in group's permissions come from the code; a custom group's from its ticks."""
    if group.builtin is not None:
        return ROLE_PERMISSIONS[group.builtin]
    return frozenset(group.permissions or ()) & {p.name for p in GRANTABLE}


def holds(user, brand, name: str) -> bool:
    """Whether `user` holds permission `name` in `brand` (not only the brand of the request)."""
    from portal.tenancy import membership_of

    if user.is_platform_admin:
        return True
    membership = membership_of(user, brand)
    return membership is not None and name in group_permissions(membership.group)


def brands_where(user, name: str, *, besides=None) -> list:
    """The active brands (other than `besides`) where `user` holds permission `name`, by name:
    every brand for a platform admin, else those of their active memberships that grant it.
    Two queries at most, however many brands there are."""
    open_brands = [Brand.active.is_(True)]
    if besides is not None:
        open_brands.append(Brand.id != besides.id)
    if user.is_platform_admin:
        return list(db.session.scalars(select(Brand).where(*open_brands).order_by(Brand.name)))
    memberships = db.session.scalars(
        select(Membership)
        .join(Brand, Brand.id == Membership.brand_id)
        .where(Membership.user_id == user.id, Membership.active.is_(True), *open_brands)
        .options(joinedload(Membership.group), joinedload(Membership.brand))
        .order_by(Brand.name)
    )
    return [m.brand for m in memberships if name in group_permissions(m.group)]


def can(name: str) -> bool:
    assert name in NAMES, f"unknown permission {name!r}"
    return name in granted_permissions()


def _sign_in_first():
    """The sign-in page; to htmx a bare 401 instead, which static/js/portal.js explains where
    the user acted (a fragment must never turn into the sign-in page: a session that ended
    while a record was open)."""
    if request.htmx:
        return "", 401
    return login_manager.unauthorized()


def permission_required(name: str):
    """Sign-in and the named permission in the request's brand; 403 when signed in without it."""
    assert name in NAMES, f"unknown permission {name!r}"

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return _sign_in_first()
            if not can(name):
                abort(403)
            return view(*args, **kwargs)

        wrapped.permission = name
        return wrapped

    return decorator


def signed_in(view):
    """Declares a view for every signed-in member (their own account, not the brand's data)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return _sign_in_first()
        return view(*args, **kwargs)

    wrapped.permission = SIGNED_IN
    return wrapped


def public(view):
    """Declares a view open to anyone (sign-in page, health check, static files)."""
    view.permission = PUBLIC
    return view

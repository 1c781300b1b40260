"""The brand of the request, membership checks and brand-scoped queries.

The brand is read once per request from the URL; a signed-in user who is not a member of it
(and not a platform admin) gets 404 for every URL of the brand, so nothing hints that an id
exists there.
"""

from __future__ import annotations

from flask import abort, g, request
from flask_login import current_user
from sqlalchemy import Select, bindparam, or_, select
from sqlalchemy.orm import joinedload

from portal.db import load_brand_into_scope, set_brand_scope, widen_brand_scope
from portal.extensions import db
from portal.models import Brand, Membership
from portal.models.brand import SLUG

_BRAND_BY_SLUG = select(Brand).where(Brand.slug == bindparam("slug"))

# Open to a browser signed in elsewhere: signing out works wherever one stands, and an emailed
# link works whoever else is signed in on the same computer.
OPEN_ENDPOINTS = frozenset({"auth.logout", "auth.open_link", "auth.link"})


def pull_brand(endpoint, values) -> None:
    """url_value_preprocessor: turn <brand_slug> into g.brand, 404 for an unknown slug."""
    g.brand = None
    g.membership = None
    if not values or "brand_slug" not in values:
        set_brand_scope(())  # outside every brand: no tenant row at all
        return
    slug = values.pop("brand_slug")
    # A slug that no brand could have never reaches the database (a NUL byte, 10 KB of text).
    # The second wall (PostgreSQL): the request's transactions see this brand's rows only.
    brand = load_brand_into_scope(_BRAND_BY_SLUG, {"slug": slug}) if SLUG.match(slug) else None
    if brand is None:
        set_brand_scope(())
        abort(404)
    g.brand = brand


def add_brand(endpoint, values) -> None:
    """url_defaults: url_for() fills in the brand of the request."""
    if "brand_slug" in values or g.get("brand") is None:
        return
    from flask import current_app

    if current_app.url_map.is_endpoint_expecting(endpoint, "brand_slug"):
        values["brand_slug"] = g.brand.slug


def check_membership() -> None:
    """before_request: a signed-in user outside the brand gets 404 for all of it."""
    brand = g.get("brand")
    if brand is None or not current_user.is_authenticated or request.endpoint in OPEN_ENDPOINTS:
        return
    g.membership = membership_of(current_user, brand)
    allowed = current_user.is_platform_admin or (g.membership is not None and brand.active)
    if not allowed:
        g.brand = None  # the 404 page must not show the brand either
        set_brand_scope(())
        abort(404)


def membership_of(user, brand: Brand) -> Membership | None:
    """The user's active membership of the brand."""
    return db.session.scalar(
        select(Membership)
        .where(
            Membership.user_id == user.id,
            Membership.brand_id == brand.id,
            Membership.active.is_(True),
        )
        .options(joinedload(Membership.group))
    )


def brands_of(user) -> list[Brand]:
    """Brands the user may enter, for the brand switcher: every brand for a platform admin."""
    query = select(Brand).where(Brand.active.is_(True)).order_by(Brand.name)
    if not user.is_platform_admin:
        query = query.join(Membership, Membership.brand_id == Brand.id).where(
            Membership.user_id == user.id, Membership.active.is_(True)
        )
    return list(db.session.scalars(query))


def scoped(model) -> Select:
    """SELECT of a tenant model limited to the brand of the request. All tenant reads use it."""
    brand = g.get("brand")
    assert brand is not None, "scoped() needs a brand in the request"
    # Most tenant rows have one brand; some (a migration) belong to the two brands they join.
    columns = getattr(model, "__tenant_columns__", ("brand_id",))
    return select(model).where(or_(*(getattr(model, column) == brand.id for column in columns)))


def get_or_404(model, object_id: int):
    """One tenant row by id, or 404 when it does not exist *in this brand*.

    A row of two brands (a migration, a bulk job) found from one of them is the business of
    both: the request's scope takes in the other brand, whose rows of it the page shows
    (the client now there, the emails sent from there) and its steps change."""
    obj = db.session.scalar(scoped(model).where(model.id == object_id))
    if obj is None:
        abort(404)
    columns = getattr(model, "__tenant_columns__", ())
    if columns:
        widen_brand_scope(*(getattr(obj, column) for column in columns))
    return obj

"""The brand of the request, membership checks and brand-scoped queries.

The brand is read once per request from the URL; a signed-in user who is not a member of it
(and not a platform admin) gets 404 for every URL of the brand, so nothing hints that an id
exists there.

A signed-in request reads its brand in the same statement as its session, its user and the
user's membership there (`session_and_brand`, called by the session's user loader): one
statement before the view, however the request is authorised. The statements are built once,
at import: building a SELECT costs more than running it.
"""

from __future__ import annotations

from flask import abort, current_app, g, request
from flask_login import current_user
from sqlalchemy import Select, and_, bindparam, func, or_, select
from sqlalchemy.orm import aliased, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from portal.db import (
    first_row_in_brand_scope,
    load_brand_into_scope,
    set_brand_scope,
    widen_brand_scope,
)
from portal.extensions import db
from portal.models import Brand, Membership, PermissionGroup, StaffSession, User
from portal.models.brand import SLUG

_BRAND_BY_SLUG = select(Brand).where(Brand.slug == bindparam("slug"))
_MEMBER_BRAND, _OTHER_MEMBERSHIP = aliased(Brand), aliased(Membership)
# How many brands the user works for: the header lists them only when there are several.
_BRANDS_OF_USER = (
    select(func.count())
    .select_from(_OTHER_MEMBERSHIP)
    .join(_MEMBER_BRAND, _MEMBER_BRAND.id == _OTHER_MEMBERSHIP.brand_id)
    .where(
        _OTHER_MEMBERSHIP.user_id == User.id,
        _OTHER_MEMBERSHIP.active.is_(True),
        _MEMBER_BRAND.active.is_(True),
    )
    .scalar_subquery()
)
# The session of the cookie and its user; for a brand's URL, the brand and the user's active
# membership there with its group (NULLs for a URL of no brand, an unknown slug, a non-member);
# the number of brands the user works for.
_SESSION_AND_BRAND = (
    select(StaffSession, User, Brand, Membership, PermissionGroup, _BRANDS_OF_USER)
    .join(User, User.id == StaffSession.user_id)
    .outerjoin(Brand, Brand.slug == bindparam("slug"))
    .outerjoin(
        Membership,
        and_(
            Membership.user_id == User.id,
            Membership.brand_id == Brand.id,
            Membership.active.is_(True),
        ),
    )
    .outerjoin(PermissionGroup, PermissionGroup.id == Membership.group_id)
    .where(StaffSession.key == bindparam("key"))
)

# Open to a browser signed in elsewhere: signing out works wherever one stands, and an emailed
# link works whoever else is signed in on the same computer.
OPEN_ENDPOINTS = frozenset(
    {
        "auth.logout",
        "auth.open_link",
        "auth.link",
        "brand_migration.consent_link",  # a client's link to agree to a transfer
        "brand_migration.consent_answer",
    }
)


def pull_brand(endpoint, values) -> None:
    """url_value_preprocessor: turn <brand_slug> into g.brand, 404 for an unknown slug."""
    g.brand = None
    g.membership = None
    g.brand_slug = None
    if not values or "brand_slug" not in values:
        set_brand_scope(())  # outside every brand: no tenant row at all
        return
    slug = values.pop("brand_slug")
    # A slug that no brand could have never reaches the database (a NUL byte, 10 KB of text).
    if not SLUG.match(slug):
        set_brand_scope(())
        abort(404)
    g.brand_slug = slug
    # Signed in, the user loader has just read the brand with the session (session_and_brand).
    # Either statement also sets the second wall (PostgreSQL): the request's transactions see
    # this brand's rows only.
    if not current_user.is_authenticated or g.brand is None:
        g.brand = load_brand_into_scope(_BRAND_BY_SLUG, {"slug": slug})
    if g.brand is None:
        abort(404)


def session_and_brand(key: str) -> StaffSession | None:
    """The staff session of `key`, with its user and, in the same statement, the brand of the
    URL (g.brand) and the user's active membership there (g.membership)."""
    parameters = {"key": key, "slug": g.get("brand_slug")}
    row = first_row_in_brand_scope(_SESSION_AND_BRAND, parameters, brand_position=2)
    if row is None:
        return None
    staff_session, user, brand, membership, group, brand_count = row
    g.member_brand_count = brand_count
    # Loaded: the relations must not read them again (nor lose them, held only weakly).
    set_committed_value(staff_session, "user", user)
    if membership is not None:
        set_committed_value(membership, "group", group)
    if brand is not None:
        g.brand, g.membership, g.membership_read_for = brand, membership, staff_session.user_id
    return staff_session


def add_brand(endpoint, values) -> None:
    """url_defaults: url_for() fills in the brand of the request."""
    if "brand_slug" in values:
        return
    brand = g.get("brand")
    if brand is not None and current_app.url_map.is_endpoint_expecting(endpoint, "brand_slug"):
        values["brand_slug"] = brand.slug


def check_membership() -> None:
    """before_request: a signed-in user outside the brand gets 404 for all of it."""
    brand = g.get("brand")
    if brand is None or not current_user.is_authenticated or request.endpoint in OPEN_ENDPOINTS:
        return
    if g.get("membership_read_for") != current_user.id:  # not read with the session
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


def switchable_brands(user) -> list[Brand]:
    """The brand switcher's brands: none for a user who works for one brand only (counted by
    the session's statement: most users, whose pages then run no query for it)."""
    if not user.is_authenticated:
        return []
    if not user.is_platform_admin and g.get("member_brand_count", 2) < 2:
        return []
    return brands_of(user)


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

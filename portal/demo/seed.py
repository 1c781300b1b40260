"""seed-demo: five brands, their staff and realistic clients; safe to run again.

Where the portal has a rule for what the demo creates, the demo calls it: brands through
`save_brand` (which gives each its built-in permission groups), client permission groups through
`save_client_group` and their mapping between brands through `map_client_group`, each with its
audit event. Staff accounts with the known demo password, their memberships and the clients go
through the documented bulk path, `bulk.py`. Each step is one transaction
(portal.db.transaction), as background work is; the rules only add and flush.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select

from portal.admin.rules import (
    ensure_builtin_groups,
    map_client_group,
    save_brand,
    save_client_group,
)
from portal.db import transaction
from portal.demo import bulk
from portal.demo.data import (
    CLIENT_GROUPS,
    DEMO_BRANDS,
    INHERITED_STAFF,
    MAPPED_CLIENT_GROUPS,
    PLATFORM_ADMIN,
)
from portal.demo.drafts import BrandPlan
from portal.extensions import db
from portal.models import Brand, ClientGroup, ClientGroupMapping, Role, User, utcnow


def seed_demo(
    password: str, clients_per_brand: int = 50, *, sizes: Mapping[str, int] | None = None
) -> dict[str, int]:
    """Idempotent demo data. Returns a summary, e.g. {"brands": 5, "users": 11, ...}.

    `sizes` gives some brands, by slug, another number of clients (bench/serve.py puts a
    million in one brand and leaves the others small)."""
    with transaction():
        brands = _ensure_brands()
    with transaction():
        managers, users_added = _ensure_staff(password, brands)
    with transaction():
        client_groups = _ensure_client_groups(brands)
    now = utcnow().replace(microsecond=0)
    plans = [
        BrandPlan(
            spec,
            brands[spec.slug].id,
            brands[spec.slug].country_code,
            brands[spec.slug].default_locale,
            managers[spec.slug],
            client_groups[spec.slug][0].id,  # new clients join the brand's first group
            now,
        )
        for spec in DEMO_BRANDS
    ]
    targets = {
        plan.spec.slug: (sizes or {}).get(plan.spec.slug, clients_per_brand) for plan in plans
    }
    counts = dict.fromkeys(bulk.COUNTED, 0)
    for target in sorted(set(targets.values())):  # commits batch by batch
        group = [plan for plan in plans if targets[plan.spec.slug] == target]
        for key, value in bulk.seed_clients(group, target).items():
            counts[key] += value
    summary = {"brands": len(brands), "users": 1 + 2 * len(brands), "users_added": users_added}
    return summary | counts


def _ensure_brands() -> dict[str, Brand]:
    """The demo brands, created through the portal's rule when missing; an existing one is
    left as its admins set it."""
    brands: dict[str, Brand] = {}
    for spec in DEMO_BRANDS:  # parents come first in DEMO_BRANDS
        brand = db.session.scalar(select(Brand).where(Brand.slug == spec.slug))
        if brand is None:
            brand = save_brand(
                None,
                {
                    "name": spec.name,
                    "slug": spec.slug,
                    "parent_id": brands[spec.parent].id if spec.parent else None,
                    "default_locale": spec.locale,
                    "country_code": spec.country,
                    "tracking_url_template": spec.tracking_url_template,
                    "theme_color": spec.theme_color,
                    "active": True,
                },
            )
        brands[spec.slug] = brand
    return brands


def _ensure_staff(password: str, brands: dict[str, Brand]) -> tuple[dict[str, list[int]], int]:
    """Users and memberships; returns {slug: [reseller id, admin id]} and how many were new."""
    created = 0

    def get_or_create(email: str, name: str, is_platform_admin: bool = False) -> User:
        nonlocal created
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            created += 1
            user = bulk.create_staff_with_known_password(
                email, name, password, is_platform_admin=is_platform_admin
            )
        return user

    get_or_create(*PLATFORM_ADMIN, is_platform_admin=True)
    users: dict[str, dict[Role, User]] = {}
    for spec in DEMO_BRANDS:
        users[spec.slug] = {
            Role.BRAND_ADMIN: get_or_create(f"admin@{spec.slug}.demo.test", spec.admin_name),
            Role.RESELLER: get_or_create(f"reseller@{spec.slug}.demo.test", spec.reseller_name),
        }
    for spec in DEMO_BRANDS:
        groups = ensure_builtin_groups(brands[spec.slug])  # a membership names a group
        for source in (spec.slug, INHERITED_STAFF.get(spec.slug)):
            for role, user in users.get(source, {}).items():
                bulk.add_membership(user, brands[spec.slug], groups[role])
    db.session.flush()
    managers = {
        slug: [by_role[Role.RESELLER].id, by_role[Role.BRAND_ADMIN].id]
        for slug, by_role in users.items()
    }
    return managers, created


def _ensure_client_groups(brands: dict[str, Brand]) -> dict[str, list[ClientGroup]]:
    """Two client groups per brand, in its language, clients without one in the first; and
    Northwind's groups mapped to Northwind Premium's (so the migration demo passes its group
    check). Returns each brand's groups."""
    groups: dict[str, list[ClientGroup]] = {}
    for slug, brand in brands.items():
        groups[slug] = [
            _ensure_client_group(brand, name, features)
            for name, features in CLIENT_GROUPS[brand.default_locale]
        ]
        bulk.assign_clients_without_group(brand, groups[slug][0])
    for source_slug, target_slug in MAPPED_CLIENT_GROUPS.items():
        target_brand = brands[target_slug]
        for source, target in zip(groups[source_slug], groups[target_slug], strict=True):
            mapped = db.session.scalar(
                select(ClientGroupMapping.id).where(
                    ClientGroupMapping.source_group_id == source.id,
                    ClientGroupMapping.target_brand_id == target_brand.id,
                )
            )
            if mapped is None:  # an admin's own mapping stays as it is
                map_client_group(source, target_brand, target)
    return groups


def _ensure_client_group(brand: Brand, name: str, features: tuple[str, ...]) -> ClientGroup:
    group = db.session.scalar(
        select(ClientGroup).where(ClientGroup.brand_id == brand.id, ClientGroup.name == name)
    )
    return group or save_client_group(brand, None, name, features)

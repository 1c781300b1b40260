"""Administration rules: permission groups, staff users, client groups, brands. No HTTP here."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlalchemy import func, select

from portal import audit, uploads
from portal.auth import links
from portal.auth.rules import end_all_sessions, normalize_email, revoke_links
from portal.db import widen_brand_scope
from portal.extensions import db
from portal.models import (
    AccountLink,
    Brand,
    Client,
    ClientGroup,
    ClientGroupMapping,
    Membership,
    OutboxEmail,
    PermissionGroup,
    Role,
    User,
    utcnow,
)
from portal.permissions import GRANTABLE, holds

BUILTIN_NAMES = {
    Role.BRAND_ADMIN: "Brand admin",
    Role.RESELLER: "Reseller",
    Role.SUPPORT: "Support (read-only)",
}


class AdminError(Exception):
    """A change the rules refuse; `message` says why, in the reader's language."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


# --- permission groups --------------------------------------------------------------------


def ensure_builtin_groups(brand: Brand) -> dict[Role, PermissionGroup]:
    """The built-in groups of a brand, created when missing (every brand has all three)."""
    existing = {
        group.builtin: group
        for group in db.session.scalars(
            select(PermissionGroup).where(
                PermissionGroup.brand_id == brand.id, PermissionGroup.builtin.is_not(None)
            )
        )
    }
    for role, name in BUILTIN_NAMES.items():
        if role not in existing:
            existing[role] = PermissionGroup(brand_id=brand.id, name=name, builtin=role)
            db.session.add(existing[role])
    db.session.flush()
    return existing


def _clean_permissions(names) -> list[str]:
    allowed = {p.name for p in GRANTABLE}
    return sorted(set(names or ()) & allowed)


def _name_taken(model, brand_id: int, name: str, exclude_id: int | None = None) -> bool:
    query = select(model.id).where(
        model.brand_id == brand_id, func.lower(model.name) == name.lower()
    )
    if exclude_id is not None:
        query = query.where(model.id != exclude_id)
    return db.session.scalar(query) is not None


def save_group(
    brand: Brand, group: PermissionGroup | None, name: str, permissions
) -> PermissionGroup:
    """Create a custom group, or rename and re-tick one. Built-in groups are fixed."""
    if group is not None and group.builtin is not None:
        raise AdminError(_l("Built-in groups cannot be changed."))
    ticked = _clean_permissions(permissions)
    return _save_ticked(
        PermissionGroup, "permissions", "permission_group", brand, group, name, ticked
    )


def _save_ticked(model, attribute: str, kind: str, brand: Brand, group, name: str, ticked):
    """Create or change a named set of ticks (a permission group, a client group), audited."""
    if _name_taken(model, brand.id, name, group.id if group else None):
        raise AdminError(_l("A group with this name already exists."))
    if group is None:
        group = model(brand_id=brand.id, name=name, **{attribute: ticked})
        db.session.add(group)
        db.session.flush()
        audit.record(
            f"{kind}.created", brand_id=brand.id, field=kind, new=name, note=", ".join(ticked)
        )
    else:
        audit.record(
            f"{kind}.changed",
            brand_id=brand.id,
            field=kind,
            old=f"{group.name}: {', '.join(getattr(group, attribute) or [])}",
            new=f"{name}: {', '.join(ticked)}",
        )
        group.name = name
        setattr(group, attribute, ticked)
    db.session.flush()
    return group


def delete_group(group: PermissionGroup) -> None:
    if group.builtin is not None:
        raise AdminError(_l("Built-in groups cannot be deleted."))
    members = db.session.scalar(
        select(func.count(Membership.id)).where(Membership.group_id == group.id)
    )
    if members:
        raise AdminError(
            lazy_ngettext(
                "This group is still given to %(num)s staff user: move them to another group "
                "first.",
                "This group is still given to %(num)s staff users: move them to another group "
                "first.",
                members,
            )
        )
    invited = db.session.scalar(
        links.live(select(func.count(AccountLink.id))).where(AccountLink.group_id == group.id)
    )
    if invited:
        raise AdminError(
            lazy_ngettext(
                "This group is offered in %(num)s open invitation: cancel it first.",
                "This group is offered in %(num)s open invitations: cancel them first.",
                invited,
            )
        )
    audit.record(
        "permission_group.deleted",
        brand_id=group.brand_id,
        field="permission_group",
        old=group.name,
    )
    db.session.delete(group)


# --- staff users --------------------------------------------------------------------------


def can_manage_account(actor: User, user: User) -> bool:
    """Whether `actor` may act on `user`'s account itself (send a password link, end its
    sessions): only when every brand the account is an active member of is one the actor
    administers. An account that also works for another brand, or a platform admin's, belongs
    to people the actor does not speak for."""
    if actor.is_platform_admin:
        return True
    if user.is_platform_admin:
        return False
    brands = db.session.scalars(
        select(Brand)
        .join(Membership, Membership.brand_id == Brand.id)
        .where(Membership.user_id == user.id, Membership.active.is_(True))
    )
    return all(holds(actor, brand, "admin.users") for brand in brands)


def invite_staff_user(
    brand: Brand, *, email: str, name: str, locale: str, group: PermissionGroup, actor: User
) -> OutboxEmail:
    """Invite a person to the brand by email: a new account, or an existing one.

    Nothing is granted until the holder accepts through the emailed link; a new account
    chooses its own password there. The caller learns nothing of whether the account existed.
    """
    email = normalize_email(email)
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        user = User(email=email, name=name, locale=locale, password_hash=None)
        db.session.add(user)
        db.session.flush()
    membership = db.session.scalar(
        select(Membership).where(Membership.user_id == user.id, Membership.brand_id == brand.id)
    )
    if membership is not None and membership.active:
        raise AdminError(_l("This person is already a member of this brand."))
    if membership is not None:
        raise AdminError(
            _l("This person was a member of this brand: reactivate them from their page.")
        )
    return links.invite(user, brand, group, created_by=actor)


def cancel_invitation(link: AccountLink) -> None:
    link.revoked_at = utcnow()
    audit.record(
        "member.invitation_cancelled",
        brand_id=link.brand_id,
        field="membership",
        old=link.user.email,
    )


def resend_invitation(link: AccountLink, actor: User) -> OutboxEmail:
    """A new link for the same person and group; the old one stops working."""
    return links.invite(link.user, link.brand, link.group, created_by=actor)


def change_member_group(membership: Membership, group: PermissionGroup) -> None:
    if group.brand_id != membership.brand_id:
        raise AdminError(_l("Choose a group of this brand."))
    if membership.group_id == group.id:
        return
    audit.record(
        "member.group",
        brand_id=membership.brand_id,
        field="membership",
        old=membership.group.name,
        new=group.name,
        note=membership.user.email,
    )
    membership.group_id = group.id


def deactivate_member(membership: Membership, *, actor: User) -> None:
    """The user leaves the brand at once (the membership check refuses their next request).
    When the account is wholly the actor's to manage, every session of it ends too."""
    if membership.user_id == actor.id:
        raise AdminError(_l("You cannot deactivate yourself."))
    user = membership.user
    whole_account = can_manage_account(actor, user)
    membership.active = False
    revoke_links(user.id, brand_id=membership.brand_id)
    if whole_account:
        end_all_sessions(user)
    audit.record(
        "member.deactivated",
        brand_id=membership.brand_id,
        field="membership",
        old=user.email,
    )


def reactivate_member(membership: Membership) -> None:
    membership.active = True
    audit.record(
        "member.reactivated",
        brand_id=membership.brand_id,
        field="membership",
        new=membership.user.email,
    )


def send_password_link(membership: Membership, *, actor: User) -> OutboxEmail:
    """Email the account holder a link to choose a new password; their current password keeps
    working until they do. Refused for an account the actor does not wholly manage."""
    if not can_manage_account(actor, membership.user):
        raise AccountNotManaged()
    return links.send_password_reset(membership.user, membership.brand, created_by=actor)


class AccountNotManaged(AdminError):
    """The account also belongs to a brand the actor does not administer."""

    def __init__(self):
        super().__init__(
            _l(
                "This account also belongs to other brands: only its holder, or a platform "
                "admin, can change it."
            )
        )


def record_refusal(membership: Membership, action: str, *, actor: User) -> None:
    """An attempt at an account the actor may not manage: on record, although the request
    that made it is refused (and rolled back)."""
    audit.record_refused(
        "member.refused",
        brand_id=membership.brand_id,
        field="membership",
        old=membership.user.email,
        note=action,
        actor_id=actor.id,
    )


# --- client permission groups -------------------------------------------------------------


def save_client_group(brand: Brand, group: ClientGroup | None, name: str, features) -> ClientGroup:
    from portal.admin.features import FEATURES

    ticked = sorted(set(features or ()) & set(FEATURES))
    return _save_ticked(ClientGroup, "features", "client_group", brand, group, name, ticked)


def delete_client_group(group: ClientGroup) -> None:
    clients = db.session.scalar(
        select(func.count(Client.id)).where(Client.client_group_id == group.id)
    )
    if clients:
        raise AdminError(
            lazy_ngettext(
                "%(num)s client is still in this group: give it another group first.",
                "%(num)s clients are still in this group: give them another group first.",
                clients,
            )
        )
    audit.record(
        "client_group.deleted", brand_id=group.brand_id, field="client_group", old=group.name
    )
    db.session.execute(
        ClientGroupMapping.__table__.delete().where(ClientGroupMapping.target_group_id == group.id)
    )
    db.session.delete(group)


def map_client_group(
    group: ClientGroup, target_brand: Brand, target_group: ClientGroup | None
) -> None:
    """Which group of `target_brand` this group's clients get when they migrate there."""
    if target_group is not None and target_group.brand_id != target_brand.id:
        raise AdminError(_l("Choose a group of the target brand."))
    mapping = db.session.scalar(
        select(ClientGroupMapping).where(
            ClientGroupMapping.source_group_id == group.id,
            ClientGroupMapping.target_brand_id == target_brand.id,
        )
    )
    old = mapping.target_group.name if mapping else None
    if target_group is None:
        if mapping is not None:
            db.session.delete(mapping)
    elif mapping is None:
        db.session.add(
            ClientGroupMapping(
                source_group_id=group.id,
                target_brand_id=target_brand.id,
                target_group_id=target_group.id,
            )
        )
    else:
        mapping.target_group_id = target_group.id
    audit.record(
        "client_group.mapped",
        brand_id=group.brand_id,
        field="client_group",
        old=old,
        new=target_group.name if target_group else None,
        note=f"{group.name} -> {target_brand.slug}",
    )


# --- brands -------------------------------------------------------------------------------

RESERVED_SLUGS = frozenset({"static", "health", "healthz", "admin", "api", "login", "logout"})


def brand_has_clients(brand: Brand) -> bool:
    widen_brand_scope(brand.id)  # a platform admin asks it of any brand, from any portal
    return (
        db.session.scalar(select(Client.id).where(Client.brand_id == brand.id).limit(1)) is not None
    )


def save_brand(brand: Brand | None, values: dict, logo: uploads.Upload | None = None) -> Brand:
    """Create a brand (with its built-in groups) or change one, with a new logo if given. The
    slug is fixed once clients exist: it is in every address the brand's staff and clients
    have saved."""
    if brand is not None:
        widen_brand_scope(brand.id)  # any brand, from any portal: its audit trail is its own
    slug = values["slug"]
    if slug in RESERVED_SLUGS:
        raise AdminError(_l("This address is reserved: choose another."))
    clash = db.session.scalar(select(Brand.id).where(Brand.slug == slug))
    if clash is not None and (brand is None or clash != brand.id):
        raise AdminError(_l("Another brand already uses this address."))
    if brand is not None and slug != brand.slug and brand_has_clients(brand):
        raise AdminError(_l("The address cannot change once the brand has clients."))
    parent_id = values.get("parent_id")
    if brand is not None and parent_id is not None and _descends_from(parent_id, brand.id):
        raise AdminError(_l("A brand cannot be a sub-brand of itself or of its sub-brands."))
    if brand is None:
        brand = Brand(**values)
        db.session.add(brand)
        db.session.flush()
        widen_brand_scope(brand.id)  # its audit trail starts here
        ensure_builtin_groups(brand)
        audit.record("brand.created", brand_id=brand.id, field="brand", new=slug)
    else:
        for key, value in values.items():
            old = getattr(brand, key)
            if old != value:
                audit.record(
                    "brand.changed", brand_id=brand.id, field=f"brand.{key}", old=old, new=value
                )
                setattr(brand, key, value)
    if logo is not None:
        old = brand.logo_name
        uploads.save(logo)
        uploads.discard(logo.directory, old)
        brand.logo_name = logo.stored_name
        audit.record(
            "brand.changed", brand_id=brand.id, field="brand.logo", old=old, new=logo.stored_name
        )
    db.session.flush()
    return brand


def _descends_from(candidate_id: int, ancestor_id: int) -> bool:
    """True when `candidate_id` is `ancestor_id` or one of its sub-brands (at any depth)."""
    seen = set()
    current = candidate_id
    while current is not None and current not in seen:
        if current == ancestor_id:
            return True
        seen.add(current)
        current = db.session.scalar(select(Brand.parent_id).where(Brand.id == current))
    return False

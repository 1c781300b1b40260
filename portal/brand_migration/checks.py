"""The checks a migration must pass before anything changes: a dry run the user can read."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from babel.lists import format_list
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from portal.db import widen_brand_scope
from portal.extensions import db
from portal.models import (
    WAITING_STATES,
    Brand,
    Client,
    ClientGroup,
    ClientGroupMapping,
    ClientStatus,
    Membership,
    Migration,
    PaymentStatus,
    User,
)
from portal.permissions import brands_where, holds

# key -> (label, where it is fixed: the record's field (portal.clients.fields) or its status
# form, or None). The label says what passing means; a check whose outcome needs more words
# (the contract's end) says it in its label instead (Check.label), any other in its detail.
CHECKS = {
    "address": (_l("Address, locality and sub-locality filled in"), "address.street"),
    "account_manager": (_l("Account manager chosen"), "account_manager_id"),
    "phone": (_l("Phone number stored as digits"), "phone"),
    "active": (_l("Status is Active"), "status"),
    "paid": (_l("Payment situation is Up to date"), "payment"),
    "no_open_migration": (_l("No other migration of this client is open"), None),
    "contract": (_l("Not under contract"), None),
    "authorised": (_l("You may migrate clients of both brands"), None),
    "target": (_l("Target brand active and different"), None),
    "user_id_free": (_l("The client's user ID is free in the target brand"), None),
    "client_group": (_l("Client permission group exists in the target brand"), "client_group_id"),
}
ADDRESS_PARTS = {
    "street": _l("street"),
    "locality": _l("locality"),
    "sub_locality": _l("sub-locality"),
}


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass
class Check:
    """One check's outcome; `Check(**stored)` reads one stored with a migration (as_dict)."""

    key: str
    ok: bool
    detail: str | None = None  # what exactly is wrong (or, passing, what was found)
    fix: str | None = None  # the field to fix, when not the check's usual one
    # The contract check of a client under contract: the last contract's end (stored as an
    # ISO date, so that each reader sees it in their own language, in the label).
    until: date | str | None = None

    def __post_init__(self):
        # Older migrations stored the contract's end as a sentence in their author's language
        # ("Under contract until 2028-06-08."): its date is read into `until`, which the
        # label says in the reader's language.
        if self.key == "contract" and self.until is None:
            if found := _ISO_DATE.search(self.detail or ""):
                self.until, self.detail = found.group(), None
        if isinstance(self.until, str):
            self.until = date.fromisoformat(self.until)

    @property
    def label(self) -> str:
        """What the outcome is, in the reader's language: the label never says the opposite
        of the mark beside it (a client under contract is never "Not under contract")."""
        if self.key == "contract" and self.until is not None:
            end = format_date(self.until)
            if self.ok:
                return _("Under contract until %(date)s: migrated by an override", date=end)
            return _("Under contract until %(date)s", date=end)
        entry = CHECKS.get(self.key)
        return str(entry[0]) if entry else self.key

    @property
    def fix_field(self) -> str | None:
        """The record field (or "status", "payment") that fixes a failing check."""
        entry = CHECKS.get(self.key)
        return self.fix or (entry[1] if entry else None)

    def as_dict(self) -> dict:
        stored = {"key": self.key, "ok": self.ok}
        stored |= {k: v for k, v in (("detail", self.detail), ("fix", self.fix)) if v is not None}
        if self.until is not None:
            stored["until"] = self.until.isoformat()
        return stored


def refusal_reason(checks) -> str:
    """What is wrong, in the words of each failing check's detail."""
    return " ".join(c.detail or c.label for c in checks if not c.ok)


def may_migrate(user: User, brand: Brand) -> bool:
    return holds(user, brand, "migrations.create")


def migration_targets(user: User, source: Brand) -> list[Brand]:
    """Active brands, other than `source`, that the user may migrate clients into."""
    return brands_where(user, "migrations.create", besides=source)


def offered_targets(user: User, source: Brand) -> list[Brand]:
    """The brands the migration page offers: those the user may migrate into, and also the
    other brands they work for and the source's family (parent, sub-brands, sister brands), so
    that a brand they may not migrate into is a failing check they can read, not a missing
    choice. One query."""
    if user.is_platform_admin:
        return migration_targets(user, source)
    family = [Brand.parent_id == source.id]
    if source.parent_id is not None:
        family += [Brand.id == source.parent_id, Brand.parent_id == source.parent_id]
    member_of = select(Membership.brand_id).where(
        Membership.user_id == user.id, Membership.active.is_(True)
    )
    return list(
        db.session.scalars(
            select(Brand)
            .where(
                Brand.active.is_(True),
                Brand.id != source.id,
                or_(Brand.id.in_(member_of), *family),
            )
            .order_by(Brand.name)
        )
    )


def may_override(user: User, brand: Brand) -> bool:
    return holds(user, brand, "migrations.override")


def target_group_for(client: Client, target: Brand, rollback_of=None) -> tuple[bool, int | None]:
    """(found, group id in the target) for the client's permission group: mapped, else by name.

    Moving back, the client gets again the group it had before the migration being undone.
    """
    if rollback_of is not None and rollback_of.source_brand_id == target.id:
        return True, rollback_of.source_client_group_id
    if client.client_group_id is None:
        return True, None
    mapped = db.session.scalar(
        select(ClientGroupMapping.target_group_id).where(
            ClientGroupMapping.source_group_id == client.client_group_id,
            ClientGroupMapping.target_brand_id == target.id,
        )
    )
    if mapped is not None:
        return True, mapped
    same_name = db.session.scalar(
        select(ClientGroup.id).where(
            ClientGroup.brand_id == target.id, ClientGroup.name == client.client_group.name
        )
    )
    return same_name is not None, same_name


def run_checks(
    client: Client,
    target: Brand,
    user: User,
    *,
    override_reason: str = "",
    today: date | None = None,
    memo: dict | None = None,
    rollback_of=None,
) -> list[Check]:
    """Every check with pass or fail; nothing changes.

    `memo` lets a bulk job look up once what is the same for every client (who may migrate
    between which brands, the user IDs taken in the target).
    """
    today = today or date.today()
    memo = {} if memo is None else memo
    # The checks read the target brand too: its user IDs, its client groups.
    widen_brand_scope(client.brand_id, target.id)

    def remembered(key, compute):
        if key not in memo:
            memo[key] = compute()
        return memo[key]

    def user_id_taken() -> bool:
        if target.id == client.brand_id:
            return False
        if "taken" in memo:
            return client.provider_user_id in memo["taken"][target.id]
        return (
            db.session.scalar(
                select(Client.id).where(
                    Client.brand_id == target.id, Client.provider_user_id == client.provider_user_id
                )
            )
            is not None
        )

    address = client.address
    missing = [part for part in ADDRESS_PARTS if address is None or not getattr(address, part)]
    contract_end = client.under_contract_until(today)
    overridden = bool(
        contract_end
        and override_reason.strip()
        and remembered(("override", client.brand_id), lambda: may_override(user, client.brand))
    )
    phone = client.phone or client.mobile
    not_allowed = remembered(
        ("authorised", client.brand_id, target.id),
        lambda: [b for b in (client.brand, target) if not may_migrate(user, b)],
    )
    found, _group = target_group_for(client, target, rollback_of)
    checks = [
        Check(
            "address",
            not missing,
            _l("Missing: %(parts)s.", parts=_list(ADDRESS_PARTS[part] for part in missing))
            if missing
            else None,
            fix=f"address.{missing[0]}" if missing else None,
        ),
        Check(
            "account_manager",
            client.account_manager_id is not None,
            None if client.account_manager_id else _l("No account manager is chosen."),
        ),
        Check(
            "phone",
            bool(phone) and phone.isdigit(),
            _l("No phone or mobile number.")
            if not phone
            else None
            if phone.isdigit()
            else _l("%(number)s has characters other than digits.", number=phone),
        ),
        Check(
            "active",
            client.status == ClientStatus.ACTIVE,
            None
            if client.status == ClientStatus.ACTIVE
            else _l("The status is %(status)s.", status=client.status.label),
        ),
        Check(
            "paid",
            client.payment_status == PaymentStatus.UP_TO_DATE,
            None
            if client.payment_status == PaymentStatus.UP_TO_DATE
            else _l("The payment situation is %(status)s.", status=client.payment_status.label),
        ),
        Check(
            "no_open_migration",
            (open_id := client.frozen_by_migration_id or waiting_migration(client)) is None,
            None
            if open_id is None
            else _l("Migration #%(id)s of this client is still open.", id=open_id),
        ),
        Check("contract", contract_end is None or overridden, until=contract_end),
        Check(
            "authorised",
            not not_allowed,
            _l(
                "You may not migrate clients of %(brands)s.",
                brands=_list(b.name for b in not_allowed),
            )
            if not_allowed
            else None,
        ),
        Check(
            "target",
            target.active and target.id != client.brand_id,
            _l("The client is already in %(brand)s.", brand=target.name)
            if target.id == client.brand_id
            else None
            if target.active
            else _l("%(brand)s is not active.", brand=target.name),
        ),
        Check(
            "user_id_free",
            not (taken := user_id_taken()),
            _l(
                "User ID %(id)s is already used in %(brand)s.",
                id=client.provider_user_id,
                brand=target.name,
            )
            if taken
            else None,
        ),
        Check(
            "client_group",
            found,
            None
            if found
            else _l(
                "No permission group of %(brand)s is mapped to %(group)s or has its name.",
                brand=target.name,
                group=client.client_group.name,
            ),
        ),
    ]
    for check in checks:  # stored with the migration: text, in the language of the reader now
        check.detail = str(check.detail) if check.detail is not None else None
    return checks


def waiting_migration(client: Client) -> int | None:
    """The client's migration scheduled or awaiting agreement (not frozen yet), if any."""
    return db.session.scalar(
        select(Migration.id)
        .where(Migration.client_id == client.id, Migration.state.in_(WAITING_STATES))
        .limit(1)
    )


def _list(words) -> str:
    """Words as a list in the reader's language ("a, b and c")."""
    return format_list([str(word) for word in words], locale=str(get_locale() or "en"))


def taken_user_ids(target: Brand) -> set[str]:
    """The user IDs already used in a brand, for a bulk job's checks."""
    widen_brand_scope(target.id)
    return set(
        db.session.scalars(select(Client.provider_user_id).where(Client.brand_id == target.id))
    )


def all_pass(checks: list[Check]) -> bool:
    return all(check.ok for check in checks)

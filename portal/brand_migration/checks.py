"""The checks a migration must pass before anything changes: a dry run the user can read."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.db import widen_brand_scope
from portal.extensions import db
from portal.models import (
    WAITING_STATES,
    Brand,
    Client,
    ClientGroup,
    ClientGroupMapping,
    ClientStatus,
    Migration,
    PaymentStatus,
    User,
)
from portal.permissions import brands_where, holds

# key -> (label, the record tab where it is fixed). The label says what passing means; a check
# whose outcome needs more words (the contract's end) says it in its label instead (Check.label).
CHECKS = {
    "address": (_l("Address, locality and sub-locality filled in"), "other"),
    "account_manager": (_l("Account manager chosen"), "personal"),
    "phone": (_l("Phone number stored as digits"), "personal"),
    "active": (_l("Status is Active"), "status"),
    "paid": (_l("Payment situation is Up to date"), "status"),
    "no_open_migration": (_l("No other migration of this client is open"), None),
    "contract": (_l("Not under contract"), "other"),
    "authorised": (_l("You may migrate clients of both brands"), None),
    "target": (_l("Target brand active and different"), None),
    "user_id_free": (_l("The client's user ID is free in the target brand"), "personal"),
    "client_group": (_l("Client permission group exists in the target brand"), None),
}


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass
class Check:
    """One check's outcome; `Check(**stored)` reads one stored with a migration (as_dict)."""

    key: str
    ok: bool
    # The contract check of a client under contract: the last contract's end (stored as an
    # ISO date, so that each reader sees it in their own language, in the label).
    until: date | str | None = None
    # Older migrations stored a sentence in their author's language with the date in ISO form
    # ("Under contract until 2028-06-08."): its date is read into `until`, and the label says
    # the rest; a check has no detail apart from its label any more.
    detail: str | None = None

    def __post_init__(self):
        if self.until is None and (found := _ISO_DATE.search(self.detail or "")):
            self.until = found.group()
        if isinstance(self.until, str):
            self.until = date.fromisoformat(self.until)
        self.detail = None

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
    def fix_tab(self) -> str | None:
        entry = CHECKS.get(self.key)
        return entry[1] if entry else None

    def as_dict(self) -> dict:
        stored = {"key": self.key, "ok": self.ok}
        if self.until is not None:
            stored["until"] = self.until.isoformat()
        return stored


def may_migrate(user: User, brand: Brand) -> bool:
    return holds(user, brand, "migrations.create")


def migration_targets(user: User, source: Brand) -> list[Brand]:
    """Active brands, other than `source`, that the user may migrate clients into."""
    return brands_where(user, "migrations.create", besides=source)


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
    contract_end = client.under_contract_until(today)
    overridden = bool(
        contract_end
        and override_reason.strip()
        and remembered(("override", client.brand_id), lambda: may_override(user, client.brand))
    )
    phone = client.phone or client.mobile
    checks = [
        Check(
            "address",
            bool(address and address.street and address.locality and address.sub_locality),
        ),
        Check("account_manager", client.account_manager_id is not None),
        Check("phone", bool(phone) and phone.isdigit()),
        Check("active", client.status == ClientStatus.ACTIVE),
        Check("paid", client.payment_status == PaymentStatus.UP_TO_DATE),
        Check(
            "no_open_migration",
            client.frozen_by_migration_id is None and not waiting_migration(client),
        ),
        Check("contract", contract_end is None or overridden, until=contract_end),
        Check(
            "authorised",
            remembered(
                ("authorised", client.brand_id, target.id),
                lambda: may_migrate(user, client.brand) and may_migrate(user, target),
            ),
        ),
        Check("target", target.active and target.id != client.brand_id),
        Check("user_id_free", not user_id_taken()),
        Check("client_group", target_group_for(client, target, rollback_of)[0]),
    ]
    return checks


def waiting_migration(client: Client) -> bool:
    """Whether the client has a migration scheduled or awaiting agreement (not frozen yet)."""
    return (
        db.session.scalar(
            select(Migration.id)
            .where(Migration.client_id == client.id, Migration.state.in_(WAITING_STATES))
            .limit(1)
        )
        is not None
    )


def taken_user_ids(target: Brand) -> set[str]:
    """The user IDs already used in a brand, for a bulk job's checks."""
    widen_brand_scope(target.id)
    return set(
        db.session.scalars(select(Client.provider_user_id).where(Client.brand_id == target.id))
    )


def all_pass(checks: list[Check]) -> bool:
    return all(check.ok for check in checks)

"""What may change on a client record, and how. Every change is audited and version-checked.

Rule functions take the client as loaded for the request and the version the user's form was
opened with; they refuse a stale save or a frozen record, write audit events and flush: the
request's unit of work commits (portal/db.py).
"""

from __future__ import annotations

import itertools
import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, update
from sqlalchemy.orm.exc import StaleDataError

from portal import audit, uploads
from portal.clients import files
from portal.clients.fields import FIELDS, audit_value
from portal.db import rollback
from portal.extensions import db
from portal.models import (
    Address,
    Asset,
    Brand,
    Client,
    ClientStatus,
    Contact,
    PaymentStatus,
    counters,
    utcnow,
)
from portal.passwords import hash_password
from portal.tenancy import scoped


class RecordError(Exception):
    """A change the rules refuse; `message` says why, in the reader's language."""

    message = _l("This change cannot be saved.")
    status = 422  # the HTTP status a view answers with: the input is refused

    def __init__(self, message=None):
        super().__init__(str(message or self.message))
        if message is not None:
            self.message = message


class StaleRecord(RecordError):
    status = 409  # a conflict with a newer copy
    message = _l(
        "Someone else changed this client while you were editing. "
        "The current data is shown: check it and try again."
    )


class FrozenRecord(RecordError):
    status = 409
    message = _l(
        "This client is being migrated to another brand: the record cannot change until the "
        "migration ends."
    )


def ensure_current(client: Client, expected_version: int | None) -> None:
    """Refuse any change while a migration runs, and a save from a copy older than the record."""
    if client.frozen_by_migration_id is not None:
        raise FrozenRecord()
    if expected_version is None or client.version != expected_version:
        raise StaleRecord()


def _flush() -> None:
    """Write the change now, so that a save racing another fails here, as a refusal."""
    try:
        db.session.flush()
    except StaleDataError:  # another save won the race between our read and our write
        rollback()
        raise StaleRecord() from None


def _touch(client: Client) -> None:
    """Mark the record changed, so its version moves even when only a related row did."""
    client.updated_at = utcnow()


def update_fields(client: Client, changes: dict, expected_version: int | None) -> list[str]:
    """Store registry fields (name -> parsed value); returns the names that really changed."""
    ensure_current(client, expected_version)
    changed = []
    for name, new in changes.items():
        field = FIELDS[name]
        old = field.get(client)
        if audit_value(old) == audit_value(new):
            continue
        field.set(client, new)
        audit.record(
            "client.updated",
            brand_id=client.brand_id,
            client_id=client.id,
            field=name,
            old=audit_value(old),
            new=audit_value(new),
        )
        changed.append(name)
    if "country_code" in changed and client.address is not None:
        client.address.country_code = client.country_code
    if changed:
        _touch(client)
        _flush()
    return changed


class ReasonRequired(RecordError):
    message = _l("Give a reason for cancelling or blocking the client.")


def set_status(
    client: Client, status: ClientStatus, reason: str, expected_version: int | None
) -> bool:
    """Active, Cancelled or Blocked; the last two need a reason, kept in the audit trail."""
    ensure_current(client, expected_version)
    reason = (reason or "").strip()
    if status != ClientStatus.ACTIVE and not reason:
        raise ReasonRequired()
    if client.status == status:
        return False
    audit.record(
        "client.status",
        brand_id=client.brand_id,
        client_id=client.id,
        field="status",
        old=client.status.value,
        new=status.value,
        note=reason[:500] or None,
    )
    client.status = status
    _touch(client)
    _flush()
    return True


def set_payment_status(
    client: Client, payment_status: PaymentStatus, expected_version: int | None
) -> bool:
    ensure_current(client, expected_version)
    if client.payment_status == payment_status:
        return False
    audit.record(
        "client.payment_status",
        brand_id=client.brand_id,
        client_id=client.id,
        field="payment_status",
        old=client.payment_status.value,
        new=payment_status.value,
    )
    client.payment_status = payment_status
    _touch(client)
    _flush()
    return True


def update_login(
    client: Client, login_email: str, password: str | None, expected_version: int | None
) -> list[str]:
    """The client's login is an email address; a new password is stored only as a hash."""
    ensure_current(client, expected_version)
    changed = []
    if login_email != client.login_email:
        audit.record(
            "client.updated",
            brand_id=client.brand_id,
            client_id=client.id,
            field="login_email",
            old=client.login_email or None,
            new=login_email,
        )
        client.login_email = login_email
        changed.append("login_email")
    if password:
        # The audit trail says that the password changed, never what it is.
        audit.record(
            "client.password", brand_id=client.brand_id, client_id=client.id, field="login_password"
        )
        client.login_password_hash = hash_password(password)
        changed.append("login_password")
    if changed:
        _touch(client)
        _flush()
    return changed


# --- the record's lists: contacts, business units, documents, contracts, cards --------------


def add_item(client: Client, collection, values: dict, expected_version: int | None, upload=None):
    """A new item in one of the record's lists, with its file (written once accepted)."""
    ensure_current(client, expected_version)
    if upload is not None:
        values = {**values, **files.columns(upload)}
    item = collection.model(**values)
    collection.items(client).append(item)
    audit.record(
        "item.added",
        brand_id=client.brand_id,
        client_id=client.id,
        field=collection.name,
        new=collection.describe(item),
    )
    _touch(client)
    _flush()
    if upload is not None:
        uploads.save(upload)
    return item


def update_item(
    client: Client, collection, item, values: dict, expected_version: int | None, upload=None
) -> None:
    """Change an item; a new file replaces the old one, which goes once this commits."""
    ensure_current(client, expected_version)
    replaced = None
    if upload is not None:
        replaced = item.stored_name
        values = {**values, **files.columns(upload)}
    before = collection.describe(item)
    changed = {k: v for k, v in values.items() if getattr(item, k) != v}
    if not changed:
        return
    for key, value in changed.items():
        setattr(item, key, value)
    audit.record(
        "item.changed",
        brand_id=client.brand_id,
        client_id=client.id,
        field=collection.name,
        old=before,
        new=collection.describe(item),
        note=", ".join(sorted(changed)),
    )
    _touch(client)
    _flush()
    if upload is not None:
        uploads.save(upload)
        files.discard(replaced)


def remove_item(client: Client, collection, item, expected_version: int | None) -> None:
    ensure_current(client, expected_version)
    audit.record(
        "item.removed",
        brand_id=client.brand_id,
        client_id=client.id,
        field=collection.name,
        old=collection.describe(item),
    )
    collection.items(client).remove(item)
    _touch(client)
    _flush()
    files.discard(getattr(item, "stored_name", None))  # after the commit: never a dangling row


# --- equipment ----------------------------------------------------------------------------


class AssetUnavailable(RecordError):
    status = 409
    message = _l("This device is no longer free: reload the page to see the current list.")


def _move_asset(asset: Asset, *, from_client: int | None, to_client: int | None) -> None:
    """Conditional on the device still being where the page saw it: two people racing for
    the same free device cannot both get it."""
    moved = db.session.execute(
        update(Asset)
        .where(
            Asset.id == asset.id,
            Asset.brand_id == asset.brand_id,
            Asset.client_id.is_(None) if from_client is None else Asset.client_id == from_client,
        )
        .values(client_id=to_client)
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        raise AssetUnavailable()
    counters.count_assets_moved(asset.brand_id, 1, assigned=to_client is not None)
    db.session.expire(asset, ["client_id"])


def assign_asset(client: Client, asset: Asset, expected_version: int | None) -> None:
    """Give the client a free device of its own brand."""
    ensure_current(client, expected_version)
    if asset.brand_id != client.brand_id:
        raise AssetUnavailable()
    _move_asset(asset, from_client=None, to_client=client.id)
    audit.record(
        "asset.assigned",
        brand_id=client.brand_id,
        client_id=client.id,
        field="assets",
        new=asset.serial,
    )
    _touch(client)
    _flush()


def unassign_asset(client: Client, asset: Asset, expected_version: int | None) -> None:
    ensure_current(client, expected_version)
    _move_asset(asset, from_client=client.id, to_client=None)
    audit.record(
        "asset.unassigned",
        brand_id=client.brand_id,
        client_id=client.id,
        field="assets",
        old=asset.serial,
    )
    _touch(client)
    _flush()


# --- creating and deleting ----------------------------------------------------------------


# A brand's user IDs are a prefix and a zero-padded number ("NW-000042"), as the tracking
# platform's provider numbers its accounts.
_USER_ID = re.compile(r"([A-Z][A-Z0-9]*-)(\d{1,12})")
USER_ID_DIGITS = 6


def new_provider_user_id(brand: Brand) -> str:
    """The brand's next user ID, in the pattern of its clients' IDs: after the highest number
    of the prefix its newest client's ID uses ("NW-000042" -> "NW-000043"). A brand without
    one starts its own from its slug ("north" -> "NO-000001")."""
    newest = db.session.scalars(
        scoped(Client).with_only_columns(Client.provider_user_id).order_by(Client.id.desc())
    )
    for known in itertools.islice(newest, 50):  # the newest that follows the pattern
        if found := _USER_ID.fullmatch(known):
            prefix, width = found.group(1), len(found.group(2))
            break
    else:
        letters = "".join(c for c in brand.slug.upper() if "A" <= c <= "Z") or "C"
        prefix, width = f"{letters[:2]}-", USER_ID_DIGITS
    same_shape = Client.provider_user_id.like(prefix + "_" * width)  # the prefix has no _ or %
    highest = db.session.scalar(
        scoped(Client).with_only_columns(func.max(Client.provider_user_id)).where(same_shape)
    )
    number = int(highest[len(prefix) :]) + 1 if highest and highest[len(prefix) :].isdigit() else 1
    while True:
        candidate = f"{prefix}{number:0{width}d}"
        taken = scoped(Client).where(Client.provider_user_id == candidate)
        if db.session.scalar(taken) is None:
            return candidate
        number += 1


def create_client(brand_id: int, values: dict, address: dict, contacts: list[dict]) -> Client:
    """A new client with its address and contacts, in one transaction."""
    client = Client(brand_id=brand_id, **values)
    client.address = Address(**address)
    client.contacts = [Contact(**contact) for contact in contacts]
    db.session.add(client)
    db.session.flush()
    audit.record("client.created", brand_id=brand_id, client_id=client.id, new=client.name)
    return client


def delete_client(client: Client, expected_version: int | None) -> None:
    """Unassign its devices, delete its contacts, units and other rows; the audit trail stays."""
    ensure_current(client, expected_version)
    stored = [d.stored_name for d in client.documents]
    freed = db.session.execute(
        update(Asset).where(Asset.client_id == client.id).values(client_id=None)
    ).rowcount
    counters.count_assets_moved(client.brand_id, freed, assigned=False)
    audit.record("client.deleted", brand_id=client.brand_id, client_id=client.id, old=client.name)
    db.session.delete(client)
    _flush()
    for name in stored:
        files.discard(name)

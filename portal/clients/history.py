"""A client's History tab: the audit trail, readable and in the reader's language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func
from sqlalchemy.orm import selectinload

from portal.clients.collections import COLLECTIONS
from portal.clients.fields import FIELDS
from portal.extensions import db
from portal.models import (
    AuditEvent,
    Client,
    ClientStatus,
    Migration,
    MigrationConsent,
    MigrationState,
    OutboxEmail,
    PaymentStatus,
)
from portal.tenancy import scoped

HISTORY_LIMIT = 500

# Fields changed by their own forms; the registries' fields and lists name themselves.
OTHER_FIELD_LABELS = {
    "status": _l("Status"),
    "payment_status": _l("Payment situation"),
    "login_email": _l("Login (email)"),
    "login_password": _l("Password"),
    "assets": _l("Equipment"),
    "migration": _l("Migration"),
    "consent": _l("Agreement"),
}

ACTION_LABELS = {
    "client.created": _l("Client created"),
    "client.deleted": _l("Client deleted"),
    "client.updated": _l("Changed"),
    "client.status": _l("Status changed"),
    "client.payment_status": _l("Payment situation changed"),
    "client.password": _l("Password changed"),
    "item.added": _l("Added"),
    "item.changed": _l("Changed"),
    "item.removed": _l("Removed"),
    "asset.assigned": _l("Device assigned"),
    "asset.unassigned": _l("Device unassigned"),
    "migration.refused": _l("Migration refused"),
    "migration.bulk": _l("Bulk migration started"),
    "migration.consent_accepted": _l("Transfer agreed"),
    "migration.consent_refused": _l("Transfer refused"),
}


def action_label(action: str) -> str:
    if action in ACTION_LABELS:
        return str(ACTION_LABELS[action])
    kind, _dot, state = action.partition(".")
    if kind == "migration" and state in {s.value for s in MigrationState}:
        return _("Migration: %(state)s", state=MigrationState(state).label)
    return action


_ENUM_FIELDS = {
    "status": ClientStatus,
    "payment_status": PaymentStatus,
    "migration": MigrationState,
}


@dataclass
class HistoryEntry:
    at: datetime
    actor: str | None
    action: str
    field: str | None
    old: str | None
    new: str | None
    note: str | None
    ip: str | None


def field_label(name: str | None) -> str | None:
    if name is None:
        return None
    entry = FIELDS.get(name) or COLLECTIONS.get(name)
    if entry is not None:
        return str(entry.label)
    return str(OTHER_FIELD_LABELS.get(name, name))


class _Readable:
    """Codes in the trail (enum values, ids) shown as the words the reader knows.

    Each choice field's words are looked up once per page, not once per event: the History
    runs the same queries for ten events or five hundred.
    """

    def __init__(self, client: Client):
        self.client = client
        self.labels: dict[str, dict] = {}

    def __call__(self, name: str | None, value: str | None) -> str | None:
        if value is None or name is None:
            return value
        if name == "consent":  # the party who agreed or refused a transfer
            return str(MigrationConsent.PARTIES.get(value, value))
        if name in _ENUM_FIELDS:
            try:
                return _ENUM_FIELDS[name](value).label
            except ValueError:
                return value
        field = FIELDS.get(name)
        if field is None or field.kind != "choice":
            return value
        if name not in self.labels:
            self.labels[name] = field.value_labels(self.client)
        return str(self.labels[name].get(value, value))


def _actor(event: AuditEvent) -> str | None:
    """Who made the change: a staff member, or an integration through its API token."""
    if event.actor is not None:
        return event.actor.name
    if event.api_token is not None:
        return _("API token “%(name)s”", name=event.api_token.name)
    return None


def history_of(client: Client, field: str | None = None) -> dict:
    """The newest events of the client first, optionally of one field, and the fields to filter."""
    base = scoped(AuditEvent).where(AuditEvent.client_id == client.id)
    fields = sorted(
        (
            name
            for name in db.session.scalars(base.with_only_columns(AuditEvent.field).distinct())
            if name
        ),
        key=lambda name: field_label(name),
    )
    query = base.order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
    if field:
        query = query.where(AuditEvent.field == field)
    events = db.session.scalars(
        query.limit(HISTORY_LIMIT).options(
            selectinload(AuditEvent.actor), selectinload(AuditEvent.api_token)
        )
    )
    readable = _Readable(client)
    entries = [
        HistoryEntry(
            at=event.created_at,
            actor=_actor(event),
            action=action_label(event.action),
            field=field_label(event.field),
            old=readable(event.field, event.old_value),
            new=readable(event.field, event.new_value),
            note=event.note,
            ip=event.ip,
        )
        for event in events
    ]
    return {
        "entries": entries,
        "fields": [(name, field_label(name)) for name in fields],
        "selected": field,
        "not_told": not_told(client),
    }


def not_told(client: Client) -> list[tuple[int, list[tuple[str, int]]]]:
    """(migration id, [(outbox status label, count)]) of the client's completed migrations into
    this brand whose emails have not all been delivered: the client does not know its new
    address yet. One query."""
    counts: dict[int, dict[str, int]] = {}
    rows = db.session.execute(
        scoped(Migration)
        .where(
            Migration.client_id == client.id,
            Migration.target_brand_id == client.brand_id,
            Migration.state == MigrationState.COMPLETED,
        )
        .join(OutboxEmail, OutboxEmail.migration_id == Migration.id)
        .where(OutboxEmail.brand_id == Migration.target_brand_id)
        .with_only_columns(Migration.id, OutboxEmail.status, func.count(OutboxEmail.id))
        .group_by(Migration.id, OutboxEmail.status)
    )
    for migration_id, status, count in rows:
        counts.setdefault(migration_id, {})[status] = count
    return [
        (
            migration_id,
            [
                (str(label), by_status[key])
                for key, label in OutboxEmail.STATUS_LABELS.items()
                if by_status.get(key)
            ],
        )
        for migration_id, by_status in sorted(counts.items(), reverse=True)
        if set(by_status) != {"sent"}
    ]

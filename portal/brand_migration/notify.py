"""Telling a migrated client its new tracking address, in its own language, through the outbox."""

from __future__ import annotations

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from portal.extensions import db
from portal.models import Client, Migration, OutboxEmail


def recipients_of(client: Client) -> list[str]:
    """The client's login address and its contacts that receive equipment notifications."""
    addresses = [client.login_email] + [c.email for c in client.contacts if c.notify_equipment]
    seen, unique = set(), []
    for address in addresses:
        key = (address or "").strip().lower()
        if key and key not in seen:
            seen.add(key)
            unique.append(address.strip())
    return unique


def migrations_with_emails(migration_ids: list[int]) -> set[int]:
    """The migrations whose emails are already in the outbox."""
    return set(
        db.session.scalars(
            select(OutboxEmail.migration_id).where(OutboxEmail.migration_id.in_(migration_ids))
        )
    )


def queue_migration_emails(migration: Migration, client: Client) -> list[OutboxEmail]:
    """The emails of a migration, in the client's language, added to the outbox."""
    with force_locale(client.locale):
        subject = _("Your tracking platform has a new address")
        body = render_template(
            "emails/migration.txt", client=client, migration=migration, brand=migration.target_brand
        )
    emails = [
        OutboxEmail(
            brand_id=migration.target_brand_id,
            migration_id=migration.id,
            recipient=recipient,
            locale=client.locale,
            subject=subject,
            body=body,
        )
        for recipient in recipients_of(client)
    ]
    db.session.add_all(emails)
    return emails

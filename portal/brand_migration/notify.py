"""Telling a migrated client its new tracking address, in its own language, through the outbox;
and whether it has been told.

Each recipient gets an email of their own, greeted by their own name: the client's login
address the client, each contact who receives equipment notifications by the contact's name.
The words follow the operators' own template: the subscription changed brand, the new address
(a link), nothing else changes for the client, login and password stay, whom to ask.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from flask import current_app, has_request_context, render_template, url_for
from flask_babel import force_locale, format_datetime
from flask_babel import gettext as _
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import (
    LINK_TOKEN,
    Brand,
    Client,
    Migration,
    MigrationConsent,
    MigrationState,
    OutboxEmail,
)
from portal.outbox import emails


def recipients_of(client: Client) -> list[tuple[str, str]]:
    """(address, name to greet) of the client's login and of its contacts that receive
    equipment notifications, each address once."""
    people = [(client.login_email, client.name)] + [
        (c.email, c.name or client.name) for c in client.contacts if c.notify_equipment
    ]
    seen, unique = set(), []
    for address, name in people:
        key = (address or "").strip().lower()
        if key and key not in seen:
            seen.add(key)
            unique.append((address.strip(), name))
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
    brand = migration.target_brand
    _sender, reply_to = emails.sender_of(brand)
    queued = []
    with force_locale(client.locale):
        subject = _("Your tracking platform has a new address")
        for address, name in recipients_of(client):
            context = {
                "name": name,
                "brand": brand,
                "url": migration.tracking_url,
                "reply_to": reply_to,
                "manager": client.account_manager,
                "locale": client.locale,
                "subject": subject,
            }
            queued.append(
                emails.queue(
                    recipient=address,
                    locale=client.locale,
                    subject=subject,
                    body=render_template("emails/migration.txt", **context),
                    html=render_template("emails/migration.html", **context),
                    brand_id=brand.id,
                    migration_id=migration.id,
                )
            )
    return queued


@dataclass
class Delivery:
    """Where a migration's emails stand in the outbox."""

    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def told(self) -> bool:
        """Every email delivered (a client with nobody to email counts as told: nothing waits)."""
        return self.counts.get("sent", 0) == self.total

    @property
    def stuck(self) -> int:
        """Emails that nothing will deliver by itself: someone should look."""
        return sum(self.counts.get(status, 0) for status in OutboxEmail.STUCK)

    def summary(self) -> list[tuple[str, int]]:
        """(status label, count) of each status present, in the outbox's order."""
        return [
            (str(label), self.counts[status])
            for status, label in OutboxEmail.STATUS_LABELS.items()
            if self.counts.get(status)
        ]


def deliveries(migrations: list[Migration]) -> dict[int, Delivery]:
    """Each completed migration's Delivery, in one query. Its emails are rows of its target
    brand: the caller has that brand in scope (a migration opened from either brand has)."""
    ids = [m.id for m in migrations if m.state == MigrationState.COMPLETED]
    result = {migration_id: Delivery() for migration_id in ids}
    if ids:
        rows = db.session.execute(
            select(OutboxEmail.migration_id, OutboxEmail.status, func.count(OutboxEmail.id))
            .join(Migration, Migration.id == OutboxEmail.migration_id)
            .where(
                OutboxEmail.migration_id.in_(ids),
                OutboxEmail.brand_id == Migration.target_brand_id,
            )
            .group_by(OutboxEmail.migration_id, OutboxEmail.status)
        )
        for migration_id, status, count in rows:
            result[migration_id].counts[status] = count
    return result


def untold_of_brand(brand: Brand, limit: int = 50) -> list[tuple[int, str, int]]:
    """(migration id, client name, emails stuck) of the brand's completed migrations whose
    emails failed or were interrupted: the alert of the migrations page."""
    return list(
        db.session.execute(
            select(Migration.id, Migration.client_name, func.count(OutboxEmail.id))
            .join(OutboxEmail, OutboxEmail.migration_id == Migration.id)
            .where(
                (Migration.source_brand_id == brand.id) | (Migration.target_brand_id == brand.id),
                Migration.state == MigrationState.COMPLETED,
                OutboxEmail.brand_id == Migration.target_brand_id,
                OutboxEmail.status.in_(OutboxEmail.STUCK),
            )
            .group_by(Migration.id, Migration.client_name)
            .order_by(Migration.id.desc())
            .limit(limit)
        ).all()
    )


def external_url(endpoint: str, **values) -> str:
    """An absolute address of the portal: the request's host, or outside a request (a bulk or
    scheduled job) PORTAL_URL's."""
    if has_request_context():
        return url_for(endpoint, _external=True, **values)
    base = urlsplit(current_app.config.get("PORTAL_URL") or "http://localhost")
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme
    )
    return adapter.build(endpoint, values, force_external=True)


def queue_consent_request(
    migration: Migration, client: Client, consent: MigrationConsent
) -> OutboxEmail | None:
    """Ask the client, by email in its language, to agree to a transfer to another brand
    tree: a single-use link (its token made at sending) to agree or refuse. None when the
    client has no address to ask at."""
    address = (client.login_email or client.email or "").strip()
    if not address:
        return None
    source, target = client.brand, migration.target_brand
    url = external_url("brand_migration.consent_link", brand_slug=source.slug, token=LINK_TOKEN)
    with force_locale(client.locale):
        subject = _("Do you agree to move your account to %(brand)s?", brand=target.name)
        context = {
            "name": client.name,
            "brand": source,
            "target": target,
            "url": url,
            "expires": format_datetime(migration.consent_expires_at, "long"),
            "reply_to": emails.sender_of(source)[1],
            "manager": client.account_manager,
            "locale": client.locale,
            "subject": subject,
        }
        return emails.queue(
            recipient=address,
            locale=client.locale,
            subject=subject,
            body=render_template("emails/consent_request.txt", **context),
            html=render_template("emails/consent_request.html", **context),
            brand_id=source.id,  # not the migration's emails: those tell the new address
            consent_id=consent.id,
        )

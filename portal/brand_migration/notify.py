"""Telling a migrated client its new tracking address, in its own language, through the outbox.

Every email is stored first; sending is a separate step, so a mail server that fails loses
nothing: the email stays in the outbox with its error and can be sent again.
"""

from __future__ import annotations

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_mailman import EmailMessage
from sqlalchemy import select

from portal.extensions import db, mail
from portal.models import Client, Migration, OutboxEmail, utcnow

MAX_ERROR = 500


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


def mail_configured() -> bool:
    config = current_app.config
    return bool(config.get("MAIL_SERVER") or config.get("MAIL_BACKEND"))


def send(email: OutboxEmail) -> bool:
    """Try to send one email; its status and error are recorded either way."""
    email.attempts += 1
    try:
        # The backend is looked up on every send, so a settings change needs no restart.
        connection = mail.get_connection(backend=current_app.config.get("MAIL_BACKEND"))
        EmailMessage(
            subject=email.subject, body=email.body, to=[email.recipient], connection=connection
        ).send()
    except Exception as error:  # noqa: BLE001 - any failure of the mail server is recorded
        email.status = "failed"
        email.last_error = f"{type(error).__name__}: {error}"[:MAX_ERROR]
        return False
    email.status, email.sent_at, email.last_error = "sent", utcnow(), None
    return True


def send_pending(*, migration_id: int | None = None, limit: int = 500) -> int:
    """Send what waits in the outbox (of one migration, or any). Without a mail server
    configured, the emails stay in the outbox, pending."""
    if not mail_configured():
        return 0
    query = select(OutboxEmail).where(OutboxEmail.status == "pending").order_by(OutboxEmail.id)
    if migration_id is not None:
        query = query.where(OutboxEmail.migration_id == migration_id)
    sent = 0
    for email in db.session.scalars(query.limit(limit)).all():
        sent += send(email)
        db.session.commit()
    return sent


def retry(email: OutboxEmail) -> bool:
    if email.status == "sent":
        return True
    if not mail_configured():
        return False
    ok = send(email)
    db.session.commit()
    return ok

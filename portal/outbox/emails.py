"""Queueing emails into the outbox and sending what waits there.

Every email is stored first; sending is a separate step, so a mail server that fails loses
nothing: the email stays in the outbox with its error and can be sent again. An email that
carries an account link gets a fresh token at the moment it is sent (see AccountLink): the
stored body never holds a working link.
"""

from __future__ import annotations

from flask import current_app
from flask_mailman import EmailMessage
from sqlalchemy import select

from portal.db import after_commit, transaction
from portal.extensions import db, mail
from portal.models import LINK_TOKEN, AccountLink, OutboxEmail, utcnow

MAX_ERROR = 500


def queue(
    *,
    recipient: str,
    locale: str,
    subject: str,
    body: str,
    brand_id: int | None,
    migration_id: int | None = None,
    account_link_id: int | None = None,
) -> OutboxEmail:
    """Store an email to send; it goes out with send_pending() once the change is committed."""
    email = OutboxEmail(
        recipient=recipient,
        locale=locale,
        subject=subject,
        body=body,
        brand_id=brand_id,
        migration_id=migration_id,
        account_link_id=account_link_id,
    )
    db.session.add(email)
    db.session.flush()  # its id, to send it by
    return email


def mail_configured() -> bool:
    config = current_app.config
    return bool(config.get("MAIL_SERVER") or config.get("MAIL_BACKEND"))


def send(email: OutboxEmail) -> bool:
    """Try to send one email; its status and error are recorded either way."""
    body = email.body
    if email.account_link_id is not None:
        link = db.session.get(AccountLink, email.account_link_id)
        if link is None or not link.is_live(utcnow()):
            # Used, replaced, revoked or expired since it was queued: a dead link helps nobody.
            email.status, email.last_error = "cancelled", None
            return False
        body = body.replace(LINK_TOKEN, link.new_token())
    email.attempts += 1
    try:
        # The backend is looked up on every send, so a settings change needs no restart.
        connection = mail.get_connection(backend=current_app.config.get("MAIL_BACKEND"))
        EmailMessage(
            subject=email.subject, body=body, to=[email.recipient], connection=connection
        ).send()
    except Exception as error:  # noqa: BLE001 - any failure of the mail server is recorded
        email.status = "failed"
        email.last_error = f"{type(error).__name__}: {error}"[:MAX_ERROR]
        return False
    email.status, email.sent_at, email.last_error = "sent", utcnow(), None
    return True


def send_after_commit(emails: list[OutboxEmail]) -> None:
    """Send these emails once the change that queued them has committed."""
    ids = [email.id for email in emails]
    after_commit(lambda: send_pending(ids=ids))


def send_pending(
    *, migration_id: int | None = None, ids: list[int] | None = None, limit: int = 500
) -> int:
    """Send what waits in the outbox (of one migration, some emails, or any). Without a mail
    server configured, the emails stay in the outbox, pending."""
    if not mail_configured():
        return 0
    query = select(OutboxEmail).where(OutboxEmail.status == "pending").order_by(OutboxEmail.id)
    if migration_id is not None:
        query = query.where(OutboxEmail.migration_id == migration_id)
    if ids is not None:
        query = query.where(OutboxEmail.id.in_(ids))
    sent = 0
    for email in db.session.scalars(query.limit(limit)).all():
        with transaction():  # each send on record before the next
            sent += send(email)
    return sent


def retry(email: OutboxEmail) -> bool:
    if email.status == "sent":
        return True
    if not mail_configured():
        return False
    return send(email)


def shown_body(email: OutboxEmail, hidden: str) -> str:
    """The body as the outbox pages show it: where a link's token goes, `hidden` instead."""
    return email.body.replace(LINK_TOKEN, hidden)

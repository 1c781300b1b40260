"""Queueing emails into the outbox and delivering what waits there.

Every email is stored first, with its plain-text and HTML parts, its sender and Reply-To;
sending is a separate step, so a mail server that fails loses nothing. Delivery:

- Right after the commit that queued them (`send_after_commit`), and by itself, periodically
  (`deliver_due`, in portal.jobs.PERIODIC: the worker's sweep or, embedded, the app's thread).
- A failed attempt is tried again after OUTBOX_RETRY_SECONDS, then twice as long each time,
  until OUTBOX_MAX_ATTEMPTS attempts have failed: then the email is "failed" and the migrations
  page raises an alert; a person may send it again from the outbox.
- Never twice: an email is claimed ("sending", with the time) by a conditional UPDATE committed
  before it goes out, so of several processes running the delivery at once exactly one sends
  it. The result is recorded in a transaction of its own afterwards.
- A claim whose process died mid-send (older than OUTBOX_CLAIM_SECONDS and never recorded)
  becomes "unsure": the server may have accepted it before the process died, so it is not sent
  again by itself — at most once, not at least once. The alert names it; a person who checked
  with the recipient sends it again by hand.

An email that carries a link (an account link, a client's link to agree to a transfer) gets a
fresh token in the transaction that claims it: the stored body never holds a working link.
"""

from __future__ import annotations

import smtplib
from datetime import datetime, timedelta
from email.headerregistry import Address
from email.utils import make_msgid, parseaddr

from flask import current_app
from flask_mailman import EmailMultiAlternatives
from flask_mailman.backends import smtp
from flask_mailman.utils import DNS_NAME
from sqlalchemy import or_, select, update

from portal.db import ALL_BRANDS, after_commit, set_brand_scope, transaction
from portal.extensions import db, mail
from portal.models import LINK_TOKEN, AccountLink, Brand, MigrationConsent, OutboxEmail, utcnow

MAX_ERROR = 500


# --- queueing -----------------------------------------------------------------------------


def queue(
    *,
    recipient: str,
    locale: str,
    subject: str,
    body: str,
    brand_id: int | None,
    html: str | None = None,
    migration_id: int | None = None,
    account_link_id: int | None = None,
    consent_id: int | None = None,
) -> OutboxEmail:
    """Store an email to send; it goes out with send_pending() once the change is committed."""
    sender, reply_to = sender_of(db.session.get(Brand, brand_id) if brand_id else None)
    email = OutboxEmail(
        recipient=recipient,
        locale=locale,
        subject=subject,
        body=body,
        html=html,
        sender=sender,
        reply_to=reply_to,
        brand_id=brand_id,
        migration_id=migration_id,
        account_link_id=account_link_id,
        consent_id=consent_id,
    )
    db.session.add(email)
    db.session.flush()  # its id, to send it by
    return email


def mail_domain() -> str:
    """The domain of Message-IDs and of the EHLO greeting: MAIL_DOMAIN, else the default
    sender's, else this machine's name."""
    return current_app.config.get("MAIL_DOMAIN") or DNS_NAME.get_fqdn()


def platform_sender() -> tuple[str, str]:
    """(name, address) of MAIL_DEFAULT_SENDER, which may be "Name <address>"."""
    name, address = parseaddr(current_app.config.get("MAIL_DEFAULT_SENDER") or "")
    return name, address or f"portal@{mail_domain()}"


def sender_of(brand: Brand | None) -> tuple[str, str | None]:
    """("Name <address>", Reply-To) of a brand's emails: the brand's own From name and address
    where set, else the brand's name at the platform's address; Reply-To its support address."""
    name, address = platform_sender()
    if brand is None:
        return str(Address(display_name=name, addr_spec=address)), None
    sender = Address(
        display_name=brand.mail_from_name or brand.name,
        addr_spec=brand.mail_from_address or address,
    )
    return str(sender), brand.support_email or None


def mail_configured() -> bool:
    config = current_app.config
    return bool(config.get("MAIL_SERVER") or config.get("MAIL_BACKEND"))


# --- delivering ---------------------------------------------------------------------------


def deliver_due(now: datetime | None = None, limit: int = 500) -> int:
    """Periodic: send every email whose time has come, first marking interrupted claims. Safe
    to run in several processes at once (each email is claimed before it goes out)."""
    set_brand_scope(ALL_BRANDS)  # the outbox of every brand
    if not mail_configured():
        return 0
    now = now or utcnow()
    with transaction():
        _mark_interrupted(now)
    return _deliver(_due_ids(now, limit=limit), now)


def send_after_commit(emails: list[OutboxEmail]) -> None:
    """Send these emails once the change that queued them has committed."""
    ids = [email.id for email in emails]
    after_commit(lambda: send_pending(ids=ids))


def send_pending(
    *, migration_id: int | None = None, ids: list[int] | None = None, limit: int = 500
) -> int:
    """Send what is due in the outbox (of one migration, or some emails), in the current brand
    scope. Without a mail server configured, the emails stay in the outbox, pending."""
    if not mail_configured():
        return 0
    now = utcnow()
    return _deliver(_due_ids(now, migration_id=migration_id, ids=ids, limit=limit), now)


def send_again(email: OutboxEmail) -> bool:
    """A person asks to send a waiting, failed or interrupted email now (after the request's
    commit). False when it cannot be: already sent, being sent, or its link is dead."""
    if email.status not in ("pending", "failed", "unsure"):
        return False
    email.status, email.next_attempt_at = "pending", None
    send_after_commit([email])
    return True


def _due(now: datetime):
    return (OutboxEmail.status == "pending") & or_(
        OutboxEmail.next_attempt_at.is_(None), OutboxEmail.next_attempt_at <= now
    )


def _due_ids(now, *, migration_id=None, ids=None, limit=500) -> list[int]:
    query = select(OutboxEmail.id).where(_due(now)).order_by(OutboxEmail.id).limit(limit)
    if migration_id is not None:
        query = query.where(OutboxEmail.migration_id == migration_id)
    if ids is not None:
        query = query.where(OutboxEmail.id.in_(ids))
    return list(db.session.scalars(query))


def _mark_interrupted(now: datetime) -> None:
    stale = now - timedelta(seconds=current_app.config["OUTBOX_CLAIM_SECONDS"])
    db.session.execute(
        update(OutboxEmail)
        .where(OutboxEmail.status == "sending", OutboxEmail.claimed_at < stale)
        .values(status="unsure")
        .execution_options(synchronize_session=False)
    )


def _deliver(ids: list[int], now: datetime) -> int:
    sent = 0
    for email_id in ids:
        claimed = _claim(email_id, now)
        if claimed is not None:
            sent += _send_claimed(*claimed, now=now)
    return sent


def _claim(email_id: int, now: datetime):
    """(email, body, html) of an email this process now owns, committed as "sending"; None
    when another process claimed it first, or its link no longer works."""
    with transaction():
        won = db.session.execute(
            update(OutboxEmail)
            .where(OutboxEmail.id == email_id, _due(now))
            .values(status="sending", claimed_at=now, attempts=OutboxEmail.attempts + 1)
            .execution_options(synchronize_session=False)
        ).rowcount
        if not won:
            return None
        email = db.session.get(OutboxEmail, email_id, populate_existing=True)
        token = _new_token(email, now)
        if token is False:  # used, replaced, revoked or expired since it was queued
            email.status, email.last_error, email.claimed_at = "cancelled", None, None
            return None
        body, html = email.body, email.html
        if token:
            body = body.replace(LINK_TOKEN, token)
            html = html.replace(LINK_TOKEN, token) if html else html
        # Read now: after the commit the object's attributes would be read again.
        claimed = _Claimed(email.id, email.attempts)
        message = _message(email, body, html)
    return claimed, message


class _Claimed:
    def __init__(self, email_id: int, attempts: int):
        self.id, self.attempts = email_id, attempts


def _new_token(email: OutboxEmail, now: datetime) -> str | bool | None:
    """A fresh token for the link the email carries (None: it carries none; False: dead)."""
    link = None
    if email.account_link_id is not None:
        link = db.session.get(AccountLink, email.account_link_id)
    elif email.consent_id is not None:
        link = db.session.get(MigrationConsent, email.consent_id)
    else:
        return None
    if link is None or not link.is_live(now):
        return False
    return link.new_token()


def _message(email: OutboxEmail, body: str, html: str | None) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=body,
        from_email=email.sender or sender_of(None)[0],
        to=[email.recipient],
        reply_to=[email.reply_to] if email.reply_to else None,
        headers={
            "Message-ID": make_msgid(domain=mail_domain()),
            "Content-Language": email.locale,
        },
    )
    if html:
        message.attach_alternative(html, "text/html")
    return message


def _send_claimed(claimed: _Claimed, message: EmailMultiAlternatives, *, now: datetime) -> bool:
    error = None
    try:
        # The backend is looked up on every send, so a settings change needs no restart.
        message.connection = mail.get_connection(backend=_backend())
        message.send()
    except Exception as failure:  # noqa: BLE001 - any failure of the mail server is recorded
        error = f"{type(failure).__name__}: {failure}"[:MAX_ERROR]
    with transaction():
        email = db.session.get(OutboxEmail, claimed.id, populate_existing=True)
        email.claimed_at = None
        if error is None:
            email.status, email.sent_at, email.last_error = "sent", utcnow(), None
            email.next_attempt_at = None
            return True
        email.last_error = error
        config = current_app.config
        if claimed.attempts >= config["OUTBOX_MAX_ATTEMPTS"]:
            email.status, email.next_attempt_at = "failed", None
        else:
            delay = config["OUTBOX_RETRY_SECONDS"] * 2 ** (claimed.attempts - 1)
            email.status, email.next_attempt_at = "pending", now + timedelta(seconds=delay)
    return False


def _backend() -> str | None:
    """MAIL_BACKEND, else SMTP that greets the server with the mail domain (EHLO)."""
    return current_app.config.get("MAIL_BACKEND") or "portal.outbox.emails"


class EmailBackend(smtp.EmailBackend):
    """Flask-Mailman's SMTP, saying EHLO with MAIL_DOMAIN rather than this machine's name
    (often "localhost" in a container, which some servers refuse)."""

    @property
    def connection_class(self):
        base = smtplib.SMTP_SSL if self.use_ssl else smtplib.SMTP
        name = mail_domain()

        def connect(host, port, **params):
            return base(host, port, **{**params, "local_hostname": name})

        return connect


def shown_body(email: OutboxEmail, hidden: str) -> str:
    """The body as the outbox pages show it: where a link's token goes, `hidden` instead."""
    return email.body.replace(LINK_TOKEN, hidden)

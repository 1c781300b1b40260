"""Stored outgoing emails (the outbox)."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as pgettext
from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.types import UTCDateTime, utcnow

# Where a link email's token goes: URL-safe, so the link around it is built by url_for.
LINK_TOKEN = "~token~"  # noqa: S105 - a placeholder, not a secret


class OutboxEmail(db.Model):
    """An outgoing email, stored before it is sent and kept with its status."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_status", "status", "id"),
        # What the periodic delivery picks up: waiting emails whose time has come.
        Index("ix_outbox_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    brand_id: Mapped[int | None] = mapped_column(index=True)
    migration_id: Mapped[int | None] = mapped_column(ForeignKey("migrations.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recipient: Mapped[str] = mapped_column(String(254))
    locale: Mapped[str] = mapped_column(String(5))
    subject: Mapped[str] = mapped_column(String(255))
    # A link email's body holds LINK_TOKEN where the token goes: the token is made at sending,
    # so the stored email never carries a working link.
    body: Mapped[str] = mapped_column(Text)
    html: Mapped[str | None] = mapped_column(Text)  # the HTML part, same words as `body`
    # "Name <address>" and the Reply-To, fixed when queued: the brand's or the platform's.
    sender: Mapped[str | None] = mapped_column(String(400))
    reply_to: Mapped[str | None] = mapped_column(String(254))
    account_link_id: Mapped[int | None] = mapped_column(
        ForeignKey("account_links.id", ondelete="SET NULL"), index=True
    )
    # A client's link to agree to a transfer: its token is made at sending, like an account link's.
    consent_id: Mapped[int | None] = mapped_column(
        ForeignKey("migration_consents.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(String(10), default="pending")  # a key of STATUS_LABELS
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Pending: not before this time (a retry's backoff). Sending: when it was claimed.
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    STATUS_LABELS = {
        "pending": _l("Waiting"),
        "sending": _l("Sending"),
        "sent": _l("Sent"),
        "failed": pgettext("email", "Failed"),
        # Its sender stopped in the middle: it may have arrived, so it is not sent again by
        # itself (outbox.emails.deliver_due); a person who checked may send it again.
        "unsure": _l("Interrupted while sending: it may have arrived"),
        "cancelled": _l("Not sent: the link it carried no longer works"),
    }
    # Not delivered, and nothing will deliver it by itself: someone should look.
    STUCK = ("failed", "unsure")

    @property
    def status_label(self) -> str:
        return str(self.STATUS_LABELS.get(self.status, self.status))

from __future__ import annotations

import secrets
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.brand import Brand
from portal.models.types import LabelledEnum, UTCDateTime, enum_column, utcnow
from portal.models.user import User, hash_token


class MigrationState(LabelledEnum):
    REQUESTED = "requested"
    MOVING = "moving"
    VERIFYING = "verifying"
    NOTIFYING = "notifying"
    COMPLETED = "completed"
    FAILED = "failed"
    ROLLED_BACK = "rolled_back"
    CANCELLED = "cancelled"
    # Waiting, before anything is frozen: for its preferred date, or for the target brand's
    # (and maybe the client's) agreement to a transfer from another brand tree.
    SCHEDULED = "scheduled"
    AWAITING_CONSENT = "awaiting_consent"
    REFUSED = "refused"  # consent refused, or the checks failed again at the preferred date
    EXPIRED = "expired"  # nobody agreed in time

    @classmethod
    def _labels(cls):
        return {
            cls.REQUESTED: _l("Requested"),
            cls.MOVING: _l("Moving"),
            cls.VERIFYING: _l("Verifying"),
            cls.NOTIFYING: _l("Notifying"),
            cls.COMPLETED: _l("Completed"),
            cls.FAILED: _l("Failed"),
            cls.ROLLED_BACK: _l("Moved back"),
            cls.CANCELLED: _l("Migration cancelled"),
            cls.SCHEDULED: _l("Scheduled"),
            cls.AWAITING_CONSENT: _l("Awaiting agreement"),
            cls.REFUSED: _l("Refused"),
            cls.EXPIRED: _l("Expired"),
        }


OPEN_STATES = (
    MigrationState.REQUESTED,
    MigrationState.MOVING,
    MigrationState.VERIFYING,
    MigrationState.NOTIFYING,
)
# Not started yet: the client is not frozen, and may be called off (portal.brand_migration.
# scheduling). A client has at most one migration open or waiting.
WAITING_STATES = (MigrationState.SCHEDULED, MigrationState.AWAITING_CONSENT)


class Migration(db.Model):
    """Moving one client from one brand to another: a state machine, one step at a time."""

    __tablename__ = "migrations"
    __table_args__ = (
        Index("ix_migrations_source", "source_brand_id", "state"),
        Index("ix_migrations_target", "target_brand_id", "state"),
        # The periodic run: what is due, by state and date.
        Index("ix_migrations_waiting", "state", "preferred_date"),
        # The sweep's question: open migrations whose runner's lease ran out (portal.jobs).
        Index("ix_migrations_lease", "state", "lease_until"),
    )
    # Tenancy: a migration belongs to both brands it joins (see tenancy.scoped).
    __tenant_columns__ = ("source_brand_id", "target_brand_id")

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int | None] = mapped_column(
        ForeignKey("clients.id", ondelete="SET NULL"), index=True
    )
    client_name: Mapped[str] = mapped_column(String(200))  # kept should the client go
    source_brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id"))
    target_brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id"))
    state: Mapped[MigrationState] = mapped_column(
        enum_column(MigrationState), default=MigrationState.REQUESTED
    )
    preferred_date: Mapped[date | None] = mapped_column(Date)
    override_reason: Mapped[str | None] = mapped_column(Text)
    rollback_of_id: Mapped[int | None] = mapped_column(ForeignKey("migrations.id"))
    rollback_of: Mapped[Migration | None] = relationship(remote_side=[id])
    bulk_job_id: Mapped[int | None] = mapped_column(ForeignKey("bulk_jobs.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    checks: Mapped[list] = mapped_column(JSON, default=list)  # the checks as they stood
    snapshot_before: Mapped[list | None] = mapped_column(JSON)
    snapshot_after: Mapped[list | None] = mapped_column(JSON)
    differences: Mapped[list | None] = mapped_column(JSON)
    source_client_group_id: Mapped[int | None] = mapped_column(ForeignKey("client_groups.id"))
    target_client_group_id: Mapped[int | None] = mapped_column(ForeignKey("client_groups.id"))
    tracking_url: Mapped[str | None] = mapped_column(String(255))
    # A transfer awaiting agreement ends as "expired" at this time (MIGRATION_CONSENT_DAYS).
    consent_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Who runs the steps, until when (portal.jobs leases): an open migration whose lease ran
    # out has lost its runner, and the sweep picks it up again.
    lease_owner: Mapped[str | None] = mapped_column(String(80))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    source_brand: Mapped[Brand] = relationship(foreign_keys=[source_brand_id])
    target_brand: Mapped[Brand] = relationship(foreign_keys=[target_brand_id])
    created_by: Mapped[User | None] = relationship()
    events: Mapped[list[MigrationEvent]] = relationship(
        order_by="MigrationEvent.id", cascade="all, delete-orphan"
    )
    consents: Mapped[list[MigrationConsent]] = relationship(
        order_by="MigrationConsent.id", cascade="all, delete-orphan", back_populates="migration"
    )

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def is_waiting(self) -> bool:
        return self.state in WAITING_STATES


class MigrationConsent(db.Model):
    """One party's agreement to a transfer between brand trees: the source brand (who started
    it), the target brand (its admin, in the portal) and, when the target brand asks for it,
    the client (by a single-use emailed link). Who, when and how are kept.

    A client's link is like an account link: only the token's hash is stored, and the token is
    made when the email is sent (outbox.emails.send), so neither the database nor the outbox
    holds a working link; it dies on use and at the migration's consent_expires_at.
    """

    __tablename__ = "migration_consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    migration_id: Mapped[int] = mapped_column(
        ForeignKey("migrations.id", ondelete="CASCADE"), index=True
    )
    party: Mapped[str] = mapped_column(String(10))  # a key of PARTIES
    decision: Mapped[str] = mapped_column(String(10), default="pending")  # a key of DECISIONS
    how: Mapped[str | None] = mapped_column(String(10))  # a key of HOW
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The person who answered by email (no account): the address the link was sent to.
    recipient: Mapped[str | None] = mapped_column(String(254))
    reason: Mapped[str | None] = mapped_column(Text)
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)  # sha256, hex
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    decided_by: Mapped[User | None] = relationship()
    migration: Mapped[Migration] = relationship(back_populates="consents")

    PARTIES = {"source": _l("Source brand"), "target": _l("Target brand"), "client": _l("Client")}
    DECISIONS = {
        "pending": _l("Waiting"),
        "accepted": _l("Agreed"),
        "refused": _l("Refused"),
        "expired": _l("No answer in time"),
    }
    HOW = {
        "started": _l("by starting the transfer"),
        "portal": _l("in the portal"),
        "email": _l("by the link emailed to them"),
    }

    def is_live(self, now: datetime) -> bool:
        """A client's link still works: not answered, not past its time, and the transfer
        still waits for agreement (not cancelled, refused or expired meanwhile)."""
        return (
            self.decision == "pending"
            and (self.expires_at is None or now < self.expires_at)
            and self.migration.state == MigrationState.AWAITING_CONSENT
        )

    def new_token(self) -> str:
        token = secrets.token_urlsafe(32)
        self.token_hash = hash_token(token)
        return token


class MigrationEvent(db.Model):
    """One transition of a migration: the timeline on its page."""

    __tablename__ = "migration_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    migration_id: Mapped[int] = mapped_column(
        ForeignKey("migrations.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    from_state: Mapped[MigrationState | None] = mapped_column(enum_column(MigrationState))
    to_state: Mapped[MigrationState] = mapped_column(enum_column(MigrationState))
    note: Mapped[str | None] = mapped_column(Text)

    actor: Mapped[User | None] = relationship()


class BulkJob(db.Model):
    """Many clients migrated to one target in the background, with progress and results."""

    __tablename__ = "bulk_jobs"
    __table_args__ = (Index("ix_bulk_jobs_unfinished", "finished_at", "lease_until"),)
    __tenant_columns__ = ("source_brand_id", "target_brand_id")

    id: Mapped[int] = mapped_column(primary_key=True)
    source_brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id"))
    target_brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    total: Mapped[int] = mapped_column(default=0)
    processed: Mapped[int] = mapped_column(default=0)  # items no longer pending
    lease_owner: Mapped[str | None] = mapped_column(String(80))  # as on Migration
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(Text)  # why its last run stopped, if it failed

    source_brand: Mapped[Brand] = relationship(foreign_keys=[source_brand_id])
    target_brand: Mapped[Brand] = relationship(foreign_keys=[target_brand_id])
    items: Mapped[list[BulkItem]] = relationship(order_by="BulkItem.id")


class BulkItem(db.Model):
    __tablename__ = "bulk_items"
    # "Is this client waiting in another job?" (bulk.create_job)
    __table_args__ = (Index("ix_bulk_items_client", "client_id", "result"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("bulk_jobs.id", ondelete="CASCADE"), index=True)
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id", ondelete="SET NULL"))
    client_name: Mapped[str] = mapped_column(String(200))
    result: Mapped[str] = mapped_column(String(20), default="pending")  # migrated, refused, failed
    message: Mapped[str | None] = mapped_column(Text)
    migration_id: Mapped[int | None] = mapped_column(ForeignKey("migrations.id"), index=True)

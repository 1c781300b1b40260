from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.brand import Brand
from portal.models.types import LabelledEnum, UTCDateTime, enum_column, utcnow
from portal.models.user import User


class MigrationState(LabelledEnum):
    REQUESTED = "requested"
    MOVING = "moving"
    VERIFYING = "verifying"
    NOTIFYING = "notifying"
    COMPLETED = "completed"
    FAILED = "failed"
    ROLLED_BACK = "rolled_back"
    CANCELLED = "cancelled"

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
        }


OPEN_STATES = (
    MigrationState.REQUESTED,
    MigrationState.MOVING,
    MigrationState.VERIFYING,
    MigrationState.NOTIFYING,
)


class Migration(db.Model):
    """Moving one client from one brand to another: a state machine, one step at a time."""

    __tablename__ = "migrations"
    __table_args__ = (
        Index("ix_migrations_source", "source_brand_id", "state"),
        Index("ix_migrations_target", "target_brand_id", "state"),
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

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


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

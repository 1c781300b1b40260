"""Clients imported from a spreadsheet: the file's rows, their check, and the job that applies
them (portal/clients/importing.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.types import UTCDateTime, utcnow
from portal.models.user import User


class ClientImport(db.Model):
    """One uploaded file: mapped, checked (the dry run), then imported in the background.

    state: "mapping" (uploaded), "checking" (the job gives each row its verdict), "checked"
    (the dry run's report), "running" (the job applies the accepted rows), "done". The job
    works a chunk of rows per transaction, under a lease."""

    __tablename__ = "client_imports"
    __table_args__ = (Index("ix_client_imports_brand", "brand_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    file_name: Mapped[str] = mapped_column(String(200))
    headers: Mapped[list] = mapped_column(JSON, default=list)  # the file's first row
    mapping: Mapped[list] = mapped_column(JSON, default=list)  # a column key (or "") per header
    locale: Mapped[str] = mapped_column(String(5), default="en")  # the job's messages
    state: Mapped[str] = mapped_column(String(10), default="mapping")
    total: Mapped[int] = mapped_column(default=0)
    accepted: Mapped[int] = mapped_column(default=0)  # rows to create or update
    processed: Mapped[int] = mapped_column(default=0)  # rows the job's step has handled
    # The job working on it, until when (a lease of portal.jobs): a second worker leaves it
    # alone; resume_stale() starts it again once the lease has run out.
    lease_owner: Mapped[str | None] = mapped_column(String(80))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_by: Mapped[User | None] = relationship()


class ClientImportRow(db.Model):
    """One row of the file: its cells, the dry run's verdict, then what the import did.

    verdict: "create", "update", "unchanged" or "refused" (with `errors`: [column key, message]
    pairs, in the language of whoever ran the check). state: "unchecked" until the dry run has
    seen the row; then "pending" until the job has imported it, "done" or "failed" (`errors`
    says why); rows not accepted are "skipped".
    """

    __tablename__ = "client_import_rows"
    __table_args__ = (Index("ix_client_import_rows_state", "import_id", "state", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("client_imports.id", ondelete="CASCADE"))
    line: Mapped[int]  # in the file, the headers being line 1
    cells: Mapped[list] = mapped_column(JSON)
    verdict: Mapped[str | None] = mapped_column(String(10))
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id", ondelete="SET NULL"))
    client_version: Mapped[int | None]  # as the check saw it: a later change makes it stale
    errors: Mapped[list] = mapped_column(JSON, default=list)
    state: Mapped[str] = mapped_column(String(10), default="skipped")


class ClientImportMapping(db.Model):
    """Which column a header of the brand's spreadsheets names, as last chosen."""

    __tablename__ = "client_import_mappings"

    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id"), primary_key=True)
    header: Mapped[str] = mapped_column(String(200), primary_key=True)  # folded
    column_key: Mapped[str] = mapped_column(String(40))  # "" to leave the column out

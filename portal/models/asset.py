from __future__ import annotations

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.client import Client
from portal.models.types import AssetStatus, enum_column


class Asset(db.Model):
    """A tracked device of a brand, assigned to at most one client."""

    __tablename__ = "assets"
    __table_args__ = (Index("ix_assets_brand_client", "brand_id", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # active_history: the old value is known when these change (portal/models/counters.py).
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id"), active_history=True)
    client_id: Mapped[int | None] = mapped_column(
        ForeignKey("clients.id"), index=True, active_history=True
    )
    serial: Mapped[str] = mapped_column(String(40), unique=True)  # IMEI or serial number
    name: Mapped[str] = mapped_column(String(120))
    status: Mapped[AssetStatus] = mapped_column(
        enum_column(AssetStatus), default=AssetStatus.ACTIVE
    )

    client: Mapped[Client | None] = relationship(back_populates="assets")

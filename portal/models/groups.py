from __future__ import annotations

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.brand import Brand
from portal.models.types import Role, enum_column


class PermissionGroup(db.Model):
    """A named set of portal permissions in one brand. Every membership names one.

    The built-in groups (Brand admin, Reseller, Support) exist in every brand; their permissions
    come from the code (portal/permissions.py) and cannot be edited or deleted.
    """

    __tablename__ = "permission_groups"
    __table_args__ = (
        UniqueConstraint("brand_id", "name"),
        UniqueConstraint("brand_id", "builtin"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id"))
    name: Mapped[str] = mapped_column(String(80))
    builtin: Mapped[Role | None] = mapped_column(enum_column(Role))
    # Custom groups only: the permission names ticked, a subset of the catalogue.
    permissions: Mapped[list[str]] = mapped_column(JSON, default=list)

    brand: Mapped[Brand] = relationship()

    @property
    def label(self) -> str:
        """The name to show: a built-in group's in the reader's language, whatever the stored
        name (stored in English), a custom group's as its admin wrote it."""
        return self.builtin.label if self.builtin else self.name


class ClientGroup(db.Model):
    """What a client may use in the tracking platform (live map, reports, API access…)."""

    __tablename__ = "client_groups"
    __table_args__ = (UniqueConstraint("brand_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id"))
    name: Mapped[str] = mapped_column(String(80))
    features: Mapped[list[str]] = mapped_column(JSON, default=list)

    brand: Mapped[Brand] = relationship()


class ClientGroupMapping(db.Model):
    """Which client group of another brand a group becomes when its clients migrate there."""

    __tablename__ = "client_group_mappings"
    __table_args__ = (UniqueConstraint("source_group_id", "target_brand_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_group_id: Mapped[int] = mapped_column(ForeignKey("client_groups.id", ondelete="CASCADE"))
    target_brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id"))
    target_group_id: Mapped[int] = mapped_column(ForeignKey("client_groups.id", ondelete="CASCADE"))

    target_group: Mapped[ClientGroup] = relationship(foreign_keys=[target_group_id])

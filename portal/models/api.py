"""API tokens: how an integration (billing, tracking) acts inside one brand."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.brand import Brand
from portal.models.groups import PermissionGroup
from portal.models.types import UTCDateTime, utcnow
from portal.models.user import User, hash_token

# What a secret starts with, so scanners and people recognise one.
TOKEN_PREFIX = "ptk_"  # noqa: S105 - a prefix, not a secret


class ApiToken(db.Model):
    """A named secret of one brand, scoped by one of its permission groups.

    The secret is shown once, when made; only its sha256 is kept, with its first characters
    so people can tell their tokens apart.
    """

    __tablename__ = "api_tokens"
    __table_args__ = (Index("ix_api_tokens_brand", "brand_id", "revoked_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id"))
    name: Mapped[str] = mapped_column(String(80))
    group_id: Mapped[int] = mapped_column(ForeignKey("permission_groups.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    shown_prefix: Mapped[str] = mapped_column(String(12))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    brand: Mapped[Brand] = relationship()
    group: Mapped[PermissionGroup] = relationship()
    created_by: Mapped[User | None] = relationship()

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def new_secret(self) -> str:
        """The secret to show once; the token keeps only its hash."""
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        self.token_hash = hash_token(secret)
        self.shown_prefix = secret[: len(TOKEN_PREFIX) + 6]
        return secret

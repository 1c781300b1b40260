"""Rate-limit hits, for the throttle store every worker shares when there is no Redis."""

from __future__ import annotations

from sqlalchemy import Float, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db


class RateLimitHit(db.Model):
    """One counted event (a failed sign-in) under a limit's key, until it expires."""

    __tablename__ = "rate_limit_hits"
    __table_args__ = (Index("ix_rate_limit_hits_key", "key", "expires_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(255))
    # Seconds since the epoch, as the `limits` library counts time.
    at: Mapped[float] = mapped_column(Float)
    expires_at: Mapped[float] = mapped_column(Float, index=True)

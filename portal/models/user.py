from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.brand import Brand
from portal.models.groups import PermissionGroup
from portal.models.types import LinkPurpose, UTCDateTime, enum_column, utcnow


class User(UserMixin, db.Model):
    """A staff member who signs in to the portal."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-case
    # None until the holder chooses a password through an emailed link (nobody else ever does).
    password_hash: Mapped[str | None] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(120))
    locale: Mapped[str | None] = mapped_column(String(5))
    active: Mapped[bool] = mapped_column(default=True)
    is_platform_admin: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    # The server-side session this request was authenticated with (set by the user loader).
    staff_session = None  # type: StaffSession | None

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str:
        # Flask-Login keeps this in the cookie: the key of the server-side session, never the
        # user id, so ending the session row ends the cookie too.
        assert self.staff_session is not None, "log in through auth.rules.start_session"
        return self.staff_session.key

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class StaffSession(db.Model):
    """A signed-in browser. Revoking the row signs that browser out, whatever its cookie says."""

    __tablename__ = "staff_sessions"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(255))

    user: Mapped[User] = relationship()


class Membership(db.Model):
    """A staff user's place in one brand, with the permission group that applies there."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "brand_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id"), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("permission_groups.id"), index=True)
    # A brand admin deactivates a user in their brand only; the account stays for other brands.
    active: Mapped[bool] = mapped_column(default=True)

    user: Mapped[User] = relationship(back_populates="memberships")
    brand: Mapped[Brand] = relationship()
    group: Mapped[PermissionGroup] = relationship()


class AccountLink(db.Model):
    """A single-use, expiring link emailed to an account holder: to join a brand (and, for a new
    account, choose its first password) or to choose a new password.

    Only a hash of the token is stored, and the token itself is made when the email is sent, so
    neither the database nor the outbox can give anyone the link. A link dies on use, on a newer
    link of the same kind, on deactivation and at `expires_at`.
    """

    __tablename__ = "account_links"
    __table_args__ = (Index("ix_account_links_user", "user_id", "purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)  # sha256, hex
    purpose: Mapped[LinkPurpose] = mapped_column(enum_column(LinkPurpose))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # The portal the link opens; for an invitation, the brand joined and the group given there.
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id"), index=True)
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("permission_groups.id", ondelete="CASCADE")
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    brand: Mapped[Brand] = relationship()
    group: Mapped[PermissionGroup | None] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])

    def is_live(self, now: datetime) -> bool:
        return self.used_at is None and self.revoked_at is None and now < self.expires_at

    def new_token(self) -> str:
        """A fresh token for the link (any earlier one stops working); only its hash is kept."""
        token = secrets.token_urlsafe(32)
        self.token_hash = hash_token(token)
        return token


def hash_token(token: str) -> str:
    # A token has 256 random bits: a fast hash is enough, nobody can guess what to hash.
    return hashlib.sha256(token.encode()).hexdigest()

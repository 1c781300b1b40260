"""Signing in and out, server-side sessions, language choice. No HTTP here; the request's
unit of work commits what these functions change."""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import current_app, has_request_context, request
from sqlalchemy import select, update

from portal import audit
from portal.extensions import db
from portal.models import AccountLink, Brand, LinkPurpose, StaffSession, User, utcnow
from portal.passwords import hash_password, verify_password
from portal.tenancy import membership_of, session_and_brand

# last_seen_at is written at most this often, so browsing does not write on every request.
_SEEN_GRANULARITY = timedelta(minutes=1)


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def authenticate(email: str, password: str, brand: Brand) -> User | None:
    """The user when the password is right and the user may enter this brand, else None.

    Every failure looks the same to the caller, so nobody learns which emails exist.
    """
    user = db.session.scalar(select(User).where(User.email == normalize_email(email)))
    password_ok = verify_password(user.password_hash if user else None, password)
    if user is None or not password_ok or not user.active:
        return None
    if user.is_platform_admin or membership_of(user, brand) is not None:
        return user
    return None


def start_session(user: User, brand: Brand) -> StaffSession:
    staff_session = StaffSession(
        key=secrets.token_urlsafe(32),
        user_id=user.id,
        ip=request.remote_addr if has_request_context() else None,
        user_agent=(request.user_agent.string[:255] if has_request_context() else None),
    )
    db.session.add(staff_session)
    user.staff_session = staff_session
    audit.record("auth.login", brand_id=brand.id, actor_id=user.id)
    db.session.flush()
    return staff_session


def load_session_user(key: str) -> User | None:
    """Flask-Login's user loader: the cookie names a server-side session, which must be live.

    The same statement reads the brand of the URL and the user's membership there."""
    staff_session = session_and_brand(key)
    if staff_session is None or staff_session.revoked_at is not None:
        return None
    user = staff_session.user
    now = utcnow()
    config = current_app.config
    expired = (
        now - staff_session.last_seen_at > config["SESSION_IDLE_TIMEOUT"]
        or now - staff_session.created_at > config["SESSION_ABSOLUTE_TIMEOUT"]
    )
    if expired or not user.active:
        staff_session.revoked_at = now
        return None
    if now - staff_session.last_seen_at > _SEEN_GRANULARITY:
        staff_session.last_seen_at = now
    user.staff_session = staff_session
    return user


def end_session(user: User, brand: Brand | None) -> None:
    """Sign out: this browser's session ends on the server, so a replayed cookie is refused."""
    if user.staff_session is not None:
        user.staff_session.revoked_at = utcnow()
    audit.record("auth.logout", brand_id=brand.id if brand else None, actor_id=user.id)


def end_all_sessions(user: User) -> None:
    """Every signed-in browser of the user is signed out at its next request."""
    db.session.execute(
        update(StaffSession)
        .where(StaffSession.user_id == user.id, StaffSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def change_password(user: User, new_password: str) -> None:
    """A new password ends every session of the user, this one included, and every password
    link still out."""
    user.password_hash = hash_password(new_password)
    end_all_sessions(user)
    revoke_links(user.id, purpose=LinkPurpose.PASSWORD_RESET)
    audit.record("user.password_changed", actor_id=user.id)


def revoke_links(user_id: int, *, purpose: LinkPurpose | None = None, brand_id: int | None = None):
    """Every live account link of the user (of one kind, of one brand) stops working now."""
    query = update(AccountLink).where(
        AccountLink.user_id == user_id,
        AccountLink.used_at.is_(None),
        AccountLink.revoked_at.is_(None),
    )
    if purpose is not None:
        query = query.where(AccountLink.purpose == purpose)
    if brand_id is not None:
        query = query.where(AccountLink.brand_id == brand_id)
    db.session.execute(
        query.values(revoked_at=utcnow()).execution_options(synchronize_session="fetch")
    )


def deactivate_user(user: User) -> None:
    """A deactivated user is signed out everywhere at once, and their links stop working."""
    old = user.active
    user.active = False
    end_all_sessions(user)
    revoke_links(user.id)
    audit.record("user.deactivated", field="active", old=old, new=False)


def set_locale(user: User, locale: str) -> None:
    old = user.locale
    if old == locale:
        return
    user.locale = locale
    audit.record("user.locale", field="locale", old=old, new=locale, actor_id=user.id)

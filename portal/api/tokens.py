"""API tokens: made, named, scoped and revoked by a brand admin; found by their secret."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal import audit
from portal.extensions import db
from portal.models import ApiToken, Brand, PermissionGroup, User, utcnow
from portal.models.user import hash_token

# last_used_at is written at most this often: using a token does not write on every call.
_USE_GRANULARITY = timedelta(minutes=1)


def create(brand: Brand, name: str, group: PermissionGroup, *, actor: User) -> tuple[ApiToken, str]:
    """A new token and its secret, which the caller shows once and never again."""
    assert group.brand_id == brand.id
    token = ApiToken(brand_id=brand.id, name=name, group_id=group.id, created_by_id=actor.id)
    secret = token.new_secret()
    db.session.add(token)
    db.session.flush()
    audit.record(
        "api_token.created", brand_id=brand.id, field="api_token", new=name, note=group.name
    )
    return token, secret


def revoke(token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record(
            "api_token.revoked", brand_id=token.brand_id, field="api_token", old=token.name
        )


def find(secret: str | None) -> ApiToken | None:
    """The live token of an active brand that a secret opens, else None."""
    if not secret or len(secret) > 200:
        return None
    token = db.session.scalar(
        select(ApiToken)
        .join(Brand, Brand.id == ApiToken.brand_id)
        .where(
            ApiToken.token_hash == hash_token(secret),
            ApiToken.revoked_at.is_(None),
            Brand.active.is_(True),
        )
    )
    if token is not None:
        now = utcnow()
        if token.last_used_at is None or now - token.last_used_at > _USE_GRANULARITY:
            token.last_used_at = now
    return token

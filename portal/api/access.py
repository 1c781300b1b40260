"""Who calls the API: a bearer token, which brings its brand and its permission group.

A token acts inside its one brand only: `g.brand` is the token's, so every tenant query goes
through `tenancy.scoped()` exactly as for the pages, and another brand's ids are 404. Session
cookies never authenticate an API call (the API is exempt from CSRF for that reason).
"""

from __future__ import annotations

from functools import wraps

from flask import abort, current_app, g, request
from flask_babel import gettext as _

from portal.api import tokens
from portal.db import set_brand_scope
from portal.extensions import limiter
from portal.models.user import hash_token
from portal.permissions import NAMES, group_permissions


def bearer_secret() -> str | None:
    scheme, _space, secret = request.headers.get("Authorization", "").partition(" ")
    return secret.strip() if scheme.lower() == "bearer" else None


def rate_limit_key() -> str:
    """Calls are counted per token (by its secret's hash: no database before the limit)."""
    return "api:" + hash_token(bearer_secret() or request.remote_addr or "")[:32]


def limit_per_token(blueprint):
    """API_RATE_LIMIT calls per token, shared by every API blueprint; over it, 429 with
    Retry-After."""
    limiter.shared_limit(
        lambda: current_app.config["API_RATE_LIMIT"], scope="api", key_func=rate_limit_key
    )(blueprint)
    return blueprint


def token_required(permission: str):
    """The token must be live and its group must grant `permission` (401 / 403 otherwise)."""
    assert permission in NAMES, f"unknown permission {permission!r}"

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            token = tokens.find(bearer_secret())
            if token is None:
                abort(401, description=_("Send a valid API token: Authorization: Bearer <token>."))
            g.api_token, g.brand, g.membership = token, token.brand, None
            set_brand_scope((token.brand_id,))  # the second wall: this brand's rows only
            if permission not in group_permissions(token.group):
                abort(403)
            return view(*args, **kwargs)

        wrapped.permission = permission
        return wrapped

    return decorator

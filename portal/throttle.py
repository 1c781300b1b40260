"""A rate-limit store in the database, for Flask-Limiter when there is no Redis.

Every worker and every instance of the portal shares the database, so failed sign-ins are
counted together however many processes serve (with one store per process, four gunicorn
workers let four times the limit through). With REDIS_URL, Redis is the store instead.

It speaks the `limits` library's storage interface (moving window, which the portal uses, and
fixed window), under the URI scheme `database://`. Hits are written on a connection of their
own, committed at once, so a request that is rolled back still counts as a failure.
"""

from __future__ import annotations

import time

from flask import Flask, request
from limits.storage import MovingWindowSupport, Storage
from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.exc import SQLAlchemyError

from portal.extensions import db, limiter
from portal.models import RateLimitHit

hits = RateLimitHit.__table__

# The only rate-limited requests: the sign-in's posts and the API's calls. A limit declared
# anywhere else must be named here too (tests/test_auth.py compares).
LIMITED_ENDPOINTS = frozenset({"auth.login"})  # their POSTs
LIMITED_BLUEPRINTS = frozenset({"api_clients", "api_migrations"})


@limiter.request_filter
def not_limited() -> bool:
    """Flask-Limiter's request filter: True for a request no limit applies to."""
    if request.blueprint in LIMITED_BLUEPRINTS:
        return False
    return request.method != "POST" or request.endpoint not in LIMITED_ENDPOINTS


def confine_limiter(app: Flask) -> None:
    """Flask-Limiter hooks into every request of the app (a check before, headers after, its
    context at teardown): moved to the blueprints that hold limits, the other requests skip its
    bookkeeping altogether. Called once every blueprint is registered."""

    def is_limiters(hook) -> bool:
        bound_to = getattr(hook, "__self__", None)
        partial_of = getattr(hook, "args", (None,))[:1]
        return bound_to is limiter or partial_of == (limiter,)

    for hooks in (app.before_request_funcs, app.after_request_funcs, app.teardown_request_funcs):
        moved = [hook for hook in hooks.get(None, []) if is_limiters(hook)]
        if not moved:
            continue
        hooks[None] = [hook for hook in hooks[None] if not is_limiters(hook)]
        for blueprint in LIMITED_BLUEPRINTS | {e.partition(".")[0] for e in LIMITED_ENDPOINTS}:
            hooks.setdefault(blueprint, []).extend(moved)


class DatabaseStorage(Storage, MovingWindowSupport):
    STORAGE_SCHEME = ["database"]

    @property
    def base_exceptions(self):
        return SQLAlchemyError

    def _begin(self, key: str):
        """A transaction of its own, serialised per key (SQLite serialises every writer)."""
        connection = db.engine.connect()
        transaction = connection.begin()
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key})
        # Expired hits of every key go as they are passed: the table holds the live ones only.
        connection.execute(delete(hits).where(hits.c.expires_at <= time.time()))
        return connection, transaction

    def _live(self, connection, key: str, since: float):
        return connection.execute(
            select(func.min(hits.c.at), func.count()).where(
                hits.c.key == key, hits.c.at > since, hits.c.expires_at > time.time()
            )
        ).one()

    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        if amount > limit:
            return False
        connection, transaction = self._begin(key)
        try:
            now = time.time()
            _, count = self._live(connection, key, now - expiry)
            if count + amount > limit:
                transaction.rollback()
                return False
            row = {"key": key, "at": now, "expires_at": now + expiry}
            connection.execute(insert(hits), [row] * amount)
            transaction.commit()
            return True
        finally:
            connection.close()

    def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        now = time.time()
        with db.engine.connect() as connection:
            oldest, count = self._live(connection, key, now - expiry)
        return (oldest if oldest is not None else now), count

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Fixed window: the window opens with the key's first live hit."""
        connection, transaction = self._begin(key)
        try:
            now = time.time()
            opened = connection.scalar(select(func.min(hits.c.expires_at)).where(hits.c.key == key))
            row = {"key": key, "at": now, "expires_at": opened or now + expiry}
            connection.execute(insert(hits), [row] * amount)
            count = connection.scalar(select(func.count()).where(hits.c.key == key))
            transaction.commit()
            return count
        finally:
            connection.close()

    def get(self, key: str) -> int:
        with db.engine.connect() as connection:
            return self._live(connection, key, 0)[1]

    def get_expiry(self, key: str) -> float:
        with db.engine.connect() as connection:
            expiry = connection.scalar(
                select(func.min(hits.c.expires_at)).where(
                    hits.c.key == key, hits.c.expires_at > time.time()
                )
            )
        return expiry if expiry is not None else time.time()

    def check(self) -> bool:
        with db.engine.connect() as connection:
            connection.execute(select(1))
        return True

    def reset(self) -> int | None:
        with db.engine.begin() as connection:
            return connection.execute(delete(hits)).rowcount

    def clear(self, key: str) -> None:
        with db.engine.begin() as connection:
            connection.execute(delete(hits).where(hits.c.key == key))

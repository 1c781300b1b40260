"""Password hashing with argon2id.

argon2-cffi's defaults are RFC 9106's second recommended profile (64 MiB, 3 passes). Tests turn
the cost down through ARGON2_MEMORY_COST / ARGON2_TIME_COST; production keeps the defaults.
"""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context


@cache
def _hasher_for(time_cost: int | None, memory_cost: int | None) -> PasswordHasher:
    params = {}
    if time_cost:
        params["time_cost"] = time_cost
    if memory_cost:
        params["memory_cost"] = memory_cost
    return PasswordHasher(**params)


def _hasher() -> PasswordHasher:
    config = current_app.config if has_app_context() else {}
    return _hasher_for(config.get("ARGON2_TIME_COST"), config.get("ARGON2_MEMORY_COST"))


@cache
def _dummy_hash(hasher: PasswordHasher) -> str:
    return hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when the password matches. An unknown account costs as much time as a known one."""
    hasher = _hasher()
    try:
        matched = hasher.verify(password_hash or _dummy_hash(hasher), password)
    except (VerificationError, InvalidHashError):
        return False
    return matched and password_hash is not None

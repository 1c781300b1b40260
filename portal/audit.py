"""Writing audit events. Callers add them in the same transaction as the change they record."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import g, has_request_context, request
from flask_login import current_user
from sqlalchemy import insert

from portal.db import separate_transaction
from portal.extensions import db
from portal.models import AuditEvent, utcnow


@contextmanager
def acting_for(user_id: int | None) -> Iterator[None]:
    """Background work done for someone (an import they started): the events it writes name
    them, as a request of theirs would."""
    previous = g.get("_audit_actor_id")
    g._audit_actor_id = user_id
    try:
        yield
    finally:
        g._audit_actor_id = previous


def _event(
    action: str,
    *,
    brand_id: int | None = None,
    client_id: int | None = None,
    field: str | None = None,
    old: object = None,
    new: object = None,
    note: str | None = None,
    actor_id: int | None = None,
) -> dict:
    api_token = g.get("api_token") if has_request_context() else None
    if actor_id is None and api_token is None and has_request_context():
        actor_id = current_user.id if current_user.is_authenticated else None
    if actor_id is None:
        actor_id = g.get("_audit_actor_id")
    return {
        "api_token_id": api_token.id if api_token is not None else None,
        "action": action,
        "brand_id": brand_id,
        "client_id": client_id,
        "field": field,
        "old_value": None if old is None else str(old),
        "new_value": None if new is None else str(new),
        "note": note,
        "actor_id": actor_id,
        "ip": request.remote_addr if has_request_context() else None,
    }


def record(action: str, **details) -> AuditEvent:
    """An event of the change being made: it commits, or rolls back, with that change."""
    event = AuditEvent(**_event(action, **details))
    db.session.add(event)
    return event


def record_refused(action: str, **details) -> None:
    """An attempt the rules refused: kept on its own connection, committed at once, since the
    request that made it is rolled back. Written before the request changes anything."""
    with separate_transaction() as connection:
        connection.execute(
            insert(AuditEvent), [{**_event(action, **details), "created_at": utcnow()}]
        )

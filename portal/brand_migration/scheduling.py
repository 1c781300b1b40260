"""Migrations that wait: for their preferred date, or for agreement to a transfer.

A migration with a future preferred date is opened "scheduled" (rules.first_state): checked
when it is asked for, not frozen, cancellable until its day. On that day (the portal's time
zone, PORTAL_TIMEZONE) `run_due` — one of portal.jobs.PERIODIC, run by the worker's sweep or,
embedded, the app's thread — checks it again, as the person who asked for it, and runs it, or
marks it refused with the checks that failed. It also ends transfers whose agreement did not
come in time (consent.expire). Safe in several processes at once: each migration is claimed
by a conditional UPDATE (it locks the row; the loser finds the state changed and skips it).
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from portal.brand_migration import rules
from portal.brand_migration.checks import all_pass, run_checks
from portal.db import ALL_BRANDS, set_brand_scope, transaction, widen_brand_scope
from portal.extensions import db
from portal.locale import local_today
from portal.models import Brand, Client, Migration, MigrationState, utcnow
from portal.outbox import emails

S = MigrationState
log = logging.getLogger(__name__)


def begin(migration: Migration, actor_id: int | None, note: str | None = None) -> bool:
    """A waiting migration starts now: checked again; if every check passes the client is
    frozen and the migration requested (its steps run after the commit), else it is refused
    with the checks as they stand. In the caller's transaction."""
    widen_brand_scope(migration.source_brand_id, migration.target_brand_id)
    client = db.session.get(Client, migration.client_id) if migration.client_id else None
    target = db.session.get(Brand, migration.target_brand_id)
    user = migration.created_by
    waiting = migration.state
    checks = []
    if client is not None and user is not None and client.brand_id == migration.source_brand_id:
        # Out of the waiting states first, so that its own checks do not count it as another.
        migration.state = S.REQUESTED
        db.session.flush()
        checks = run_checks(client, target, user, override_reason=migration.override_reason or "")
        migration.state = waiting
        migration.checks = [check.as_dict() for check in checks]
    if checks and all_pass(checks):
        rules._transition(migration, S.REQUESTED, actor_id, note=note)
        client.frozen_by_migration_id = migration.id
        return True
    failed = ", ".join(c.key for c in checks if not c.ok) or "client"
    rules._transition(migration, S.REFUSED, actor_id, note=failed)
    rules.settle_bulk_items([migration])
    return False


def run_due(now: datetime | None = None) -> int:
    """Periodic: expire transfers nobody agreed to in time, then begin and run every scheduled
    migration whose day has come. Returns how many were begun."""
    set_brand_scope(ALL_BRANDS)  # the migrations of every brand
    now = now or utcnow()
    expired = db.session.scalars(
        select(Migration.id).where(
            Migration.state == S.AWAITING_CONSENT, Migration.consent_expires_at <= now
        )
    ).all()
    for migration_id in expired:
        with transaction():
            if (migration := _claim(migration_id, S.AWAITING_CONSENT)) is not None:
                expire(migration)
    due = db.session.scalars(
        select(Migration.id)
        .where(Migration.state == S.SCHEDULED, Migration.preferred_date <= local_today(now))
        .order_by(Migration.preferred_date, Migration.id)
    ).all()
    db.session.rollback()  # nothing read needs keeping; each migration is its own transaction
    begun = 0
    for migration_id in due:
        try:
            with transaction():
                migration = _claim(migration_id, S.SCHEDULED)
                started = migration is not None and begin(migration, None, note="preferred date")
        except StaleDataError:  # the client changed at that very moment: the next sweep tries
            log.info("scheduled migration %s: the client changed meanwhile", migration_id)
            continue
        if started:
            begun += 1
            rules.advance([migration])
            emails.send_pending(migration_id=migration_id)
    return begun


def expire(migration: Migration) -> None:
    """A transfer nobody agreed to in time ends: the client was never frozen, nothing moved;
    a client's link still out dies with it (its consent is no longer pending)."""
    for consent in migration.consents:
        if consent.decision == "pending":
            consent.decision = "expired"
    rules._transition(migration, S.EXPIRED, None)
    rules.settle_bulk_items([migration])


def _claim(migration_id: int, state: MigrationState) -> Migration | None:
    """The migration, locked for this transaction, if it is still in `state`."""
    won = db.session.execute(
        update(Migration)
        .where(Migration.id == migration_id, Migration.state == state)
        .values(state=state)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not won:
        return None
    return db.session.get(Migration, migration_id, populate_existing=True)


def coming_up(query, limit: int = 50) -> list[Migration]:
    """The migrations of `query` (scoped) that wait, soonest first: the migrations page."""
    return list(
        db.session.scalars(
            query.where(Migration.state.in_((S.SCHEDULED, S.AWAITING_CONSENT)))
            .order_by(Migration.preferred_date.is_(None), Migration.preferred_date, Migration.id)
            .limit(limit)
            .options(selectinload(Migration.target_brand))
        )
    )

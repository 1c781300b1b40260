"""The migration state machine. Each step is one transaction and can be run again safely.

    requested -> moving -> verifying -> notifying -> completed
                                  \\-> failed            (and: cancelled, rolled back)

Steps take a list of migrations in the same state, so one client and ten thousand take the
same path: a bulk job advances a chunk of migrations with one transaction per step. Starting,
cancelling and moving back belong to the request that asks (its unit of work commits them);
the steps run after that commit, each in its own transaction (portal.db.transaction).

Whoever runs the steps holds each migration's lease (portal.jobs), renewed in every step: an
open migration whose runner died is found by the sweep (resume_stopped_migrations) once its
lease runs out, and finished. A migration that ends settles its bulk item, if it has one, in
the same transaction, whoever ran it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from flask import current_app
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, literal, select, update
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from portal import audit, jobs
from portal.brand_migration import notify
from portal.brand_migration.checks import (
    Check,
    all_pass,
    refusal_reason,
    run_checks,
    target_group_for,
)
from portal.db import after_commit, rollback, transaction, widen_brand_scope
from portal.extensions import db
from portal.locale import local_today
from portal.models import (
    OPEN_STATES,
    WAITING_STATES,
    Asset,
    Brand,
    BulkItem,
    BulkJob,
    Client,
    Migration,
    MigrationConsent,
    MigrationEvent,
    MigrationState,
    User,
    counters,
    utcnow,
)
from portal.outbox import emails
from portal.tracking import tracking_url

S = MigrationState


class MigrationRefused(Exception):
    def __init__(self, message, checks=None):
        super().__init__(str(message))
        self.message = message
        self.checks = checks or []


def _transition(
    migration: Migration, to_state: MigrationState, actor_id: int | None, note: str | None = None
) -> None:
    # Added to the session, not to migration.events: appending would load the whole timeline.
    db.session.add(
        MigrationEvent(
            migration_id=migration.id,
            from_state=migration.state,
            to_state=to_state,
            actor_id=actor_id,
            note=note,
        )
    )
    audit.record(
        f"migration.{to_state.value}",
        brand_id=migration.source_brand_id,
        client_id=migration.client_id,
        field="migration",
        old=migration.state.value if migration.state else None,
        new=to_state.value,
        note=note,
        actor_id=actor_id,
    )
    migration.state = to_state


# --- starting -----------------------------------------------------------------------------


def start(
    client: Client,
    target: Brand,
    user: User,
    *,
    preferred_date: date | None = None,
    override_reason: str = "",
    rollback_of: Migration | None = None,
) -> Migration:
    """Check, then open the migration and freeze the client. Refused checks change nothing,
    but the refusal is in the client's History. A future preferred date, or a transfer that
    needs agreement, opens it waiting instead (first_state), the client not frozen."""
    if preferred_date is not None and preferred_date < local_today():
        raise MigrationRefused(PAST_DATE)
    try:
        started, refused = start_many(
            [client],
            target,
            user,
            preferred_date=preferred_date,
            override_reason=override_reason,
            rollback_of=rollback_of,
        )
        db.session.flush()
    except StaleDataError:  # the record changed (or another migration froze it) meanwhile
        rollback()
        raise MigrationRefused(
            _l("Someone changed this client at the same moment: check it again.")
        ) from None
    if refused:
        raise MigrationRefused(
            _l("The migration cannot start: some checks failed."), refused[client.id]
        )
    return started[0]


def start_many(
    clients: list[Client],
    target: Brand,
    user: User,
    *,
    preferred_date: date | None = None,
    override_reason: str = "",
    rollback_of: Migration | None = None,
    bulk_job_id: int | None = None,
    memo: dict | None = None,
    owner: str | None = None,
) -> tuple[list[Migration], dict[int, list]]:
    """start() for many clients, in the caller's transaction: (started, refused checks).

    With `owner`, the new migrations' leases are that runner's (a bulk job's, which runs their
    steps next); without, the first runner to claim them runs them (the request that started
    one, after its commit)."""
    started, refused = [], {}
    lease_until = jobs.lease_expiry() if owner else None
    reason = override_reason.strip() or None
    for client in clients:
        checks = run_checks(
            client,
            target,
            user,
            override_reason=override_reason,
            memo=memo,
            rollback_of=rollback_of,
        )
        if not all_pass(checks):
            audit.record(
                "migration.refused",
                brand_id=client.brand_id,
                client_id=client.id,
                field="migration",
                new=target.slug,
                actor_id=user.id,
                note=", ".join(c.key for c in checks if not c.ok),
            )
            refused[client.id] = checks
            continue
        state = first_state(client.brand, target, preferred_date, rollback_of)
        migration = Migration(
            client_id=client.id,
            client_name=client.name,
            source_brand_id=client.brand_id,
            target_brand_id=target.id,
            state=state,
            preferred_date=preferred_date,
            override_reason=reason,
            rollback_of=rollback_of,
            bulk_job_id=bulk_job_id,
            created_by_id=user.id,
            checks=[c.as_dict() for c in checks],
            source_client_group_id=client.client_group_id,
            # The runner runs only what starts now; a waiting one is claimed when it starts.
            lease_owner=owner if state == S.REQUESTED else None,
            lease_until=lease_until if state == S.REQUESTED else None,
        )
        # A new object's list: appending loads nothing.
        migration.events.append(MigrationEvent(to_state=state, actor_id=user.id, note=reason))
        db.session.add(migration)
        audit.record(
            f"migration.{state.value}",
            brand_id=client.brand_id,
            client_id=client.id,
            field="migration",
            new=target.slug,
            note=reason,
            actor_id=user.id,
        )
        started.append((client, migration))
    db.session.flush()  # one flush gives every migration its id
    for client, migration in started:
        if migration.state == S.REQUESTED:
            client.frozen_by_migration_id = migration.id
        elif migration.state == S.AWAITING_CONSENT:
            ask_for_consent(migration, client, user)
    return [migration for _, migration in started], refused


PAST_DATE = _l("The preferred date has passed: choose today or a later date.")


def first_state(source: Brand, target: Brand, preferred_date, rollback_of) -> MigrationState:
    """Where a new migration starts: awaiting agreement when it leaves its brand tree (a brand
    and its sub-brands agree among themselves; moving back was agreed already), scheduled
    when its preferred date is still to come, else requested (it runs at once)."""
    if rollback_of is None and needs_agreement(source, target):
        return S.AWAITING_CONSENT
    if preferred_date is not None and preferred_date > local_today():
        return S.SCHEDULED
    return S.REQUESTED


def needs_agreement(source: Brand, target: Brand) -> bool:
    """A transfer out of the source's brand tree waits for the target brand's agreement."""
    return source.tree_root_id() != target.tree_root_id()


def ask_for_consent(migration: Migration, client: Client, user: User) -> None:
    """The source brand agreed by starting the transfer; the target brand's admins are asked
    in the portal and, when the target brand requires it, the client by email."""
    now = utcnow()
    days = current_app.config["MIGRATION_CONSENT_DAYS"]
    migration.consent_expires_at = now + timedelta(days=days)
    source = MigrationConsent(
        migration_id=migration.id,
        party="source",
        decision="accepted",
        how="started",
        decided_at=now,
        decided_by_id=user.id,
    )
    db.session.add_all([source, MigrationConsent(migration_id=migration.id, party="target")])
    if migration.target_brand.transfer_needs_client_consent:
        asked = MigrationConsent(
            migration_id=migration.id, party="client", expires_at=migration.consent_expires_at
        )
        db.session.add(asked)
        db.session.flush()
        queued = notify.queue_consent_request(migration, client, asked)
        if queued is not None:
            asked.recipient = queued.recipient
            emails.send_after_commit([queued])


# --- the steps ----------------------------------------------------------------------------


def _snapshot(client_ids: list[int]) -> dict[int, list]:
    """Each client's devices: id, serial, status, brand."""
    shots: dict[int, list] = {cid: [] for cid in client_ids}
    rows = db.session.execute(
        select(Asset.client_id, Asset.id, Asset.serial, Asset.status, Asset.brand_id)
        .where(Asset.client_id.in_(client_ids))
        .order_by(Asset.id)
    )
    for client_id, asset_id, serial, status, brand_id in rows:
        shots[client_id].append([asset_id, serial, status.value, brand_id])
    return shots


def begin_move(migrations: list[Migration], actor_id: int | None) -> None:
    """requested -> moving: the snapshot of the devices before anything moves."""
    shots = _snapshot([m.client_id for m in migrations])
    with db.session.no_autoflush:
        for migration in migrations:
            migration.snapshot_before = shots[migration.client_id]
            _transition(migration, S.MOVING, actor_id)


def move(migrations: list[Migration], actor_id: int | None) -> None:
    """moving -> verifying: the client, its devices and everything it owns change brand in one
    transaction (contacts, documents, business units hang from the client and go with it)."""
    clients = _clients_of(migrations)
    with db.session.no_autoflush:
        _move_clients(migrations, clients, actor_id)
    by_brands: dict[tuple[int, int], list[int]] = {}
    for migration in migrations:
        brands = (migration.source_brand_id, migration.target_brand_id)
        by_brands.setdefault(brands, []).append(migration.client_id)
    for (source_id, target_id), client_ids in by_brands.items():
        moved = db.session.execute(
            update(Asset)
            .where(Asset.client_id.in_(client_ids))
            .values(brand_id=target_id)
            .execution_options(synchronize_session=False)
        ).rowcount
        # Assigned devices, in their client's brand (assign_asset sees to that).
        counters.count(source_id, counters.assets_key(True), -moved)
        counters.count(target_id, counters.assets_key(True), moved)


def _move_clients(
    migrations: list[Migration], clients: dict[int, Client], actor_id: int | None
) -> None:
    groups: dict[tuple, int | None] = {}  # the same group maps the same way for every client
    for migration in migrations:
        client = clients[migration.client_id]
        target = migration.target_brand
        key = (client.client_group_id, target.id, migration.rollback_of_id)
        if key not in groups:
            groups[key] = target_group_for(client, target, migration.rollback_of)[1]
        migration.target_client_group_id = groups[key]
        migration.tracking_url = tracking_url(
            target, country_code=client.country_code, language=client.locale
        )
        client.brand_id = target.id
        client.client_group_id = groups[key]
        _transition(migration, S.VERIFYING, actor_id)


def verify(migrations: list[Migration], actor_id: int | None) -> None:
    """verifying -> notifying, or failed: every device still there with the same status, in
    the target brand; the client there too, with its permission group mapped."""
    clients = _clients_of(migrations)
    shots = _snapshot([m.client_id for m in migrations])
    with db.session.no_autoflush:
        _verify_each(migrations, clients, shots, actor_id)


def _verify_each(migrations, clients, shots, actor_id) -> None:
    for migration in migrations:
        client = clients[migration.client_id]
        after = shots[migration.client_id]
        migration.snapshot_after = after
        differences = compare(migration.snapshot_before or [], after, migration.target_brand_id)
        if client.brand_id != migration.target_brand_id:
            differences.append(
                {
                    "what": "client_brand",
                    "before": migration.source_brand_id,
                    "after": client.brand_id,
                }
            )
        if client.client_group_id != migration.target_client_group_id:
            differences.append(
                {
                    "what": "client_group",
                    "before": migration.target_client_group_id,
                    "after": client.client_group_id,
                }
            )
        migration.differences = differences
        if differences:
            _transition(migration, S.FAILED, actor_id, note=f"{len(differences)} differences")
            _release(client)
        else:
            _transition(migration, S.NOTIFYING, actor_id)
    settle_bulk_items([m for m in migrations if m.state == S.FAILED])


def compare(before: list, after: list, target_brand_id: int) -> list[dict]:
    """What differs between two snapshots of a client's devices."""
    old = {row[0]: row for row in before}
    new = {row[0]: row for row in after}
    differences = []
    for asset_id in sorted(old.keys() - new.keys()):
        differences.append({"what": "missing", "asset": old[asset_id][1]})
    for asset_id in sorted(new.keys() - old.keys()):
        differences.append({"what": "unexpected", "asset": new[asset_id][1]})
    for asset_id in sorted(old.keys() & new.keys()):
        if old[asset_id][2] != new[asset_id][2]:
            differences.append(
                {
                    "what": "status",
                    "asset": old[asset_id][1],
                    "before": old[asset_id][2],
                    "after": new[asset_id][2],
                }
            )
        if new[asset_id][3] != target_brand_id:
            differences.append({"what": "asset_brand", "asset": new[asset_id][1]})
    return differences


def notify_client(migrations: list[Migration], actor_id: int | None) -> None:
    """notifying -> completed: the emails go to the outbox in the same transaction."""
    clients = _clients_of(migrations)
    queued = notify.migrations_with_emails([m.id for m in migrations])
    with db.session.no_autoflush:
        for migration in migrations:
            client = clients[migration.client_id]
            if migration.id not in queued:  # this step ran before a crash: no second email
                notify.queue_migration_emails(migration, client)
            _transition(migration, S.COMPLETED, actor_id)
            _release(client)
    settle_bulk_items(migrations)


def _release(client: Client) -> None:
    client.frozen_by_migration_id = None


def _clients_of(migrations: list[Migration]) -> dict[int, Client]:
    ids = [m.client_id for m in migrations]
    clients = db.session.scalars(
        select(Client)
        .where(Client.id.in_(ids))
        .options(selectinload(Client.contacts), selectinload(Client.client_group))
        .execution_options(populate_existing=True)  # what the database says, not a cache
    )
    return {client.id: client for client in clients}


STEPS: dict[MigrationState, Callable[[list[Migration], int | None], None]] = {
    S.REQUESTED: begin_move,
    S.MOVING: move,
    S.VERIFYING: verify,
    S.NOTIFYING: notify_client,
}


def advance(
    migrations: list[Migration],
    actor_id: int | None = None,
    *,
    owner: str | None = None,
    keep_alive: Callable[[], None] | None = None,
) -> None:
    """Run every open migration to its end, one step (one transaction) at a time. Safe to call
    again after a crash at any point: each step starts from the state the last commit left.

    Only migrations whose lease `owner` holds or can take are run (another runner's are left
    to it); each step renews the leases first, and drops a migration whose lease was lost.
    `keep_alive` runs in each step's transaction too (a bulk job renews its own lease)."""
    # Each step reads and writes rows of both brands of each migration (the client moves).
    widen_brand_scope(*{b for m in migrations for b in (m.source_brand_id, m.target_brand_id)})
    owner = owner or jobs.new_owner()
    session = db.session()
    # These objects are ours for the run: re-reading each one after every commit would cost
    # a query per migration per step. The steps re-read clients and devices themselves.
    keep, session.expire_on_commit = session.expire_on_commit, False
    try:
        with transaction():
            claimed = jobs.claim(Migration, [m.id for m in migrations if m.is_open], owner)
        pending = _as_stored([m for m in migrations if m.id in claimed])
        while pending:
            state = pending[0].state
            with transaction():
                if keep_alive is not None:
                    keep_alive()
                held = jobs.renew(Migration, [m.id for m in pending], owner)
                pending = [m for m in pending if m.id in held]
                step = [m for m in pending if m.state == state]
                if step:
                    STEPS[state](step, actor_id)
            pending = [m for m in pending if m.is_open]
        with transaction():
            jobs.release(Migration, claimed, owner)
    finally:
        session.expire_on_commit = keep


def _as_stored(migrations: list[Migration]) -> list[Migration]:
    """The same objects, as the database has them now (a runner before this one may have moved
    them on), the open ones."""
    if not migrations:
        return []
    db.session.scalars(
        select(Migration)
        .where(Migration.id.in_([m.id for m in migrations]))
        .execution_options(populate_existing=True)
    ).all()
    return [m for m in migrations if m.is_open]


# A bulk item's result by its migration's state. "waiting": handed over to the agreement of
# the target brand (or to a date); the item settles again when the migration ends.
BULK_RESULTS = (
    ("migrated", {S.COMPLETED, S.ROLLED_BACK}),
    ("failed", {S.FAILED, S.CANCELLED}),
    ("refused", {S.REFUSED, S.EXPIRED}),
    ("waiting", set(WAITING_STATES)),
)


def settle_bulk_items(migrations: list[Migration]) -> None:
    """The bulk items of migrations that ended, or that now wait, get their result and why,
    and their jobs their counts (in the transaction of the step that settled them)."""
    settled = [m for m in migrations if m.bulk_job_id is not None and not m.is_open]
    if not settled:
        return
    for result, states in BULK_RESULTS:
        by_message: dict[str | None, list[int]] = {}
        for migration in settled:
            if migration.state in states:
                by_message.setdefault(_bulk_item_message(migration), []).append(migration.id)
        for message, ids in by_message.items():
            db.session.execute(
                update(BulkItem)
                .where(BulkItem.migration_id.in_(ids), BulkItem.result.in_(("pending", "waiting")))
                .values(result=result, message=message)
                .execution_options(synchronize_session=False)
            )
    count_bulk_jobs({m.bulk_job_id for m in settled})


def _bulk_item_message(migration: Migration) -> str | None:
    """Why a bulk item was refused after it started, in its job's language (a waiting item's
    page says why it waits, in the reader's)."""
    if migration.state not in (S.REFUSED, S.EXPIRED):
        return None
    creator = migration.created_by
    with force_locale((creator and creator.locale) or migration.source_brand.default_locale):
        if migration.state == S.EXPIRED:
            return gettext("Nobody agreed to the transfer in time.")
        refusal = next((c for c in migration.consents if c.decision == "refused"), None)
        if refusal is not None:
            return refusal.reason or gettext("The transfer was refused.")
        checks = [Check(**stored) for stored in migration.checks or []]
        return refusal_reason(checks) or gettext("The checks failed again.")


def count_bulk_jobs(job_ids) -> None:
    """A job's processed count from its items, and its end once none is pending."""
    if not job_ids:
        return

    def items(*conditions):
        return (
            select(func.count(BulkItem.id))
            .where(BulkItem.job_id == BulkJob.id, *conditions)
            .scalar_subquery()
        )

    db.session.execute(
        update(BulkJob)
        .where(BulkJob.id.in_(list(job_ids)))
        .values(
            processed=items(BulkItem.result != "pending"),
            finished_at=case(
                (
                    BulkJob.finished_at.is_(None) & (items(BulkItem.result == "pending") == 0),
                    literal(utcnow(), BulkJob.finished_at.type),
                ),
                else_=BulkJob.finished_at,
            ),
        )
        .execution_options(synchronize_session=False)
    )


def resume_stopped_migrations(limit: int = 500) -> int:
    """Periodic (portal.jobs.PERIODIC): finish the open migrations whose runner died (their
    lease ran out). How many it took."""
    migrations = db.session.scalars(
        select(Migration)
        .where(Migration.state.in_(OPEN_STATES), jobs.expired(Migration))
        .order_by(Migration.id)
        .limit(limit)
    ).all()
    if not migrations:
        return 0
    advance(migrations, None)
    for migration in migrations:
        emails.send_pending(migration_id=migration.id)
    return len(migrations)


def continue_many(migration_ids: list[int], actor_id: int | None) -> None:
    """A background job: run these migrations on (the ones nobody else runs)."""
    migrations = db.session.scalars(
        select(Migration).where(Migration.id.in_(migration_ids)).order_by(Migration.id)
    ).all()
    advance(migrations, actor_id)
    for migration in migrations:
        emails.send_pending(migration_id=migration.id)


def continue_migration(migration: Migration, actor_id: int | None) -> None:
    advance([migration], actor_id)
    emails.send_pending(migration_id=migration.id)


def continue_after_commit(migration: Migration, actor_id: int | None) -> None:
    """Run the migration's steps once the request that started or resumed it has committed
    (unless a live runner holds its lease: that one carries on)."""
    migration_id = migration.id
    after_commit(lambda: continue_migration(db.session.get(Migration, migration_id), actor_id))


def is_running(migration: Migration) -> bool:
    """Open, and a runner holds its lease (it carries on by itself)."""
    return (
        migration.is_open
        and migration.lease_until is not None
        and migration.lease_until >= utcnow()
    )


def cancel(migration: Migration, actor_id: int | None) -> None:
    """A migration that has not moved anything yet (or still waits) can be called off."""
    if migration.state != S.REQUESTED and not migration.is_waiting:
        raise MigrationRefused(_l("Only a migration that has not started moving can be cancelled."))
    client = db.session.get(Client, migration.client_id)
    _transition(migration, S.CANCELLED, actor_id)
    if client is not None and client.frozen_by_migration_id == migration.id:
        _release(client)
    settle_bulk_items([migration])


def move_back(migration: Migration, user: User) -> Migration:
    """A new migration to the brand the client came from, through the same checks and steps."""
    if migration.state not in (S.COMPLETED, S.FAILED) or migration.client_id is None:
        raise MigrationRefused(_l("Only a completed or failed migration can be moved back."))
    client = db.session.get(Client, migration.client_id)
    source = db.session.get(Brand, migration.source_brand_id)
    if client.brand_id == source.id:
        raise MigrationRefused(_l("The client is already in %(brand)s.", brand=source.name))
    back = start(
        client, source, user, rollback_of=migration, override_reason=migration.override_reason or ""
    )
    _transition(migration, S.ROLLED_BACK, user.id, note=f"#{back.id}")
    continue_after_commit(back, user.id)
    return back

"""Migrating many clients to one target in the background: refused clients never stop others."""

from __future__ import annotations

from flask_babel import force_locale
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal import audit
from portal.brand_migration import rules
from portal.brand_migration.checks import taken_user_ids
from portal.db import transaction, widen_brand_scope
from portal.extensions import db
from portal.models import (
    Brand,
    BulkItem,
    BulkJob,
    Client,
    Migration,
    MigrationState,
    User,
    utcnow,
)
from portal.outbox import emails

CHUNK = 250  # clients per transaction of each step


def create_job(source: Brand, target: Brand, user: User, client_ids) -> BulkJob:
    """The job and one item per client of the source brand; nothing moves yet."""
    # The job, started from here, will move clients into the target (portal.jobs).
    widen_brand_scope(source.id, target.id)
    wanted = set(client_ids)
    clients = db.session.execute(
        select(Client.id, Client.name).where(Client.brand_id == source.id)
    ).all()
    job = BulkJob(source_brand_id=source.id, target_brand_id=target.id, created_by_id=user.id)
    db.session.add(job)
    db.session.flush()
    items = [
        {"job_id": job.id, "client_id": cid, "client_name": name, "result": "pending"}
        for cid, name in clients
        if cid in wanted
    ]
    if items:
        db.session.execute(BulkItem.__table__.insert(), items)
    job.total = len(items)
    audit.record(
        "migration.bulk",
        brand_id=source.id,
        field="migration",
        new=target.slug,
        note=str(job.total),
        actor_id=user.id,
    )
    return job


def run_job(job_id: int) -> None:
    """Process the job's pending items, a chunk at a time. Running it again resumes it."""
    job = db.session.get(BulkJob, job_id)
    user = db.session.get(User, job.created_by_id)
    target = db.session.get(Brand, job.target_brand_id)
    memo = {"taken": {target.id: taken_user_ids(target)}}
    with force_locale(user.locale or target.default_locale):
        _finish_started(job, user)
        while items := db.session.scalars(
            select(BulkItem)
            .where(BulkItem.job_id == job.id, BulkItem.result == "pending")
            .order_by(BulkItem.id)
            .limit(CHUNK)
        ).all():
            _run_chunk(job, items, user, target, memo)
    with transaction():
        job.finished_at = utcnow()
    emails.send_pending()


def _run_chunk(job: BulkJob, items: list[BulkItem], user: User, target: Brand, memo: dict) -> None:
    with transaction():  # the started migrations, and the refusals, are on record
        _start_chunk(job, items, user, target, memo)
    _finish_started(job, user)
    with transaction():
        job.processed = db.session.scalar(
            select(func.count(BulkItem.id)).where(
                BulkItem.job_id == job.id, BulkItem.result != "pending"
            )
        )


def _start_chunk(job, items, user, target, memo) -> None:
    clients = {
        c.id: c
        for c in db.session.scalars(
            select(Client)
            .where(Client.id.in_([i.client_id for i in items]))
            .options(
                selectinload(Client.address),
                selectinload(Client.contracts),
                selectinload(Client.client_group),
                selectinload(Client.brand),
            )
        )
    }
    candidates = []
    for item in items:
        client = clients.get(item.client_id)
        if client is None or client.brand_id != job.source_brand_id:
            item.result, item.message = "refused", None
        else:
            candidates.append(client)
    started, refused = rules.start_many(candidates, target, user, bulk_job_id=job.id, memo=memo)
    by_client = {m.client_id: m for m in started}
    for item in items:
        if item.client_id in refused:
            item.result = "refused"
            item.message = "; ".join(c.label for c in refused[item.client_id] if not c.ok)
        elif item.client_id in by_client:
            item.migration_id = by_client[item.client_id].id
            memo["taken"][target.id].add(clients[item.client_id].provider_user_id)


def _finish_started(job: BulkJob, user: User) -> None:
    """Run the job's started migrations to their end (after a crash too) and note results."""
    items = db.session.scalars(
        select(BulkItem).where(
            BulkItem.job_id == job.id,
            BulkItem.result == "pending",
            BulkItem.migration_id.is_not(None),
        )
    ).all()
    if not items:
        return
    migrations = db.session.scalars(
        select(Migration).where(Migration.id.in_([i.migration_id for i in items]))
    ).all()
    rules.advance(migrations, user.id)
    states = {m.id: m.state for m in migrations}
    with transaction():
        for item in items:
            completed = states[item.migration_id] == MigrationState.COMPLETED
            item.result = "migrated" if completed else "failed"

"""Migrating many clients to one target in the background: refused clients never stop others.

A job is a row with one item per client. Its runner holds the job's lease (portal.jobs) and
renews it in every transaction; each chunk of items is started in one transaction (the
migrations opened, the refusals written), then the chunk's migrations are run to their end
(rules.advance, which settles each item as its migration ends). A runner that dies leaves the
lease to run out: the sweep (resume_stopped_jobs), an operator's Resume or `flask jobs resume`
claims it again and the new runner carries on where the last commit left it, so every item is
processed once. The counts are the items' own: processed = migrated + refused + failed +
waiting (for a target brand's agreement); the job ends when nothing is left pending.
"""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from portal import audit, jobs
from portal.brand_migration import rules
from portal.brand_migration.checks import refusal_reason, taken_user_ids
from portal.db import transaction, widen_brand_scope
from portal.extensions import db
from portal.models import (
    Brand,
    BulkItem,
    BulkJob,
    Client,
    Migration,
    User,
    utcnow,
)
from portal.outbox import emails

CHUNK = 250  # clients per transaction of each step
MAX_ERROR = 500
# An item's result once processed (pending before): "waiting" hands the client over to the
# agreement of a target brand in another brand tree; it settles again when that ends.
RESULTS = {
    "migrated": _l("Migrated"),
    "refused": _l("Refused"),
    "failed": _l("Failed"),
    "waiting": _l("Waiting for agreement"),
}


def create_job(source: Brand, target: Brand, user: User, client_ids) -> BulkJob:
    """The job and one item per client of the source brand; nothing moves yet. A client that
    waits in another unfinished job is refused here, with that job's number."""
    # The job, started from here, will move clients into the target (portal.jobs).
    widen_brand_scope(source.id, target.id)
    clients = clients_in(source, client_ids)
    busy = _waiting_elsewhere([cid for cid, _name in clients])
    job = BulkJob(
        source_brand_id=source.id,
        target_brand_id=target.id,
        created_by_id=user.id,
        # Its runner, once enqueued: the sweep leaves it alone meanwhile.
        lease_owner=jobs.new_owner(),
        lease_until=jobs.lease_expiry(),
    )
    db.session.add(job)
    db.session.flush()
    with force_locale(user.locale or source.default_locale):
        items = [
            {
                "job_id": job.id,
                "client_id": cid,
                "client_name": name,
                "result": "refused" if cid in busy else "pending",
                "message": _("Already waiting in bulk migration #%(id)s.", id=busy[cid])
                if cid in busy
                else None,
            }
            for cid, name in clients
        ]
    if items:
        db.session.execute(BulkItem.__table__.insert(), items)
    job.total = len(items)
    job.processed = len(busy)
    audit.record(
        "migration.bulk",
        brand_id=source.id,
        field="migration",
        new=target.slug,
        note=str(job.total),
        actor_id=user.id,
    )
    return job


def clients_in(source: Brand, client_ids) -> list[tuple[int, str]]:
    """(id, name) of those clients that are the source brand's: an id of another brand, or
    of nobody, is no part of a job."""
    wanted = set(client_ids)
    clients = db.session.execute(
        select(Client.id, Client.name).where(Client.brand_id == source.id)
    ).all()
    return [(cid, name) for cid, name in clients if cid in wanted]


def _waiting_elsewhere(client_ids: list[int]) -> dict[int, int]:
    """Client id -> the unfinished job where the client still waits, for these clients."""
    busy: dict[int, int] = {}
    for start in range(0, len(client_ids), 5000):  # within every database's parameter limit
        busy.update(
            db.session.execute(
                select(BulkItem.client_id, func.min(BulkItem.job_id))
                .join(BulkJob, BulkJob.id == BulkItem.job_id)
                .where(
                    BulkItem.client_id.in_(client_ids[start : start + 5000]),
                    BulkItem.result == "pending",
                    BulkJob.finished_at.is_(None),
                )
                .group_by(BulkItem.client_id)
            ).all()
        )
    return busy


def enqueue_run(job: BulkJob) -> None:
    """Run the job in the background as the runner holding its lease (after the commit)."""
    jobs.enqueue(
        "portal.brand_migration.bulk:run_job",
        job.id,
        job.lease_owner,
        scope=(job.source_brand_id, job.target_brand_id),
    )


def run_job(job_id: int, owner: str | None = None) -> bool:
    """Process the job's items to the end, as `owner` (a new runner by default). Running it
    again resumes it; False when another runner holds its lease."""
    owner = owner or jobs.new_owner()
    with transaction():
        if not jobs.claim(BulkJob, [job_id], owner):
            return False
    job = db.session.get(BulkJob, job_id)
    widen_brand_scope(job.source_brand_id, job.target_brand_id)
    user = db.session.get(User, job.created_by_id)
    target = db.session.get(Brand, job.target_brand_id)

    def keep_alive() -> None:  # in every transaction of this run
        if not jobs.renew(BulkJob, [job_id], owner):
            raise jobs.LeaseLost(job_id)

    try:
        with force_locale(user.locale or target.default_locale):
            _finish_started(job, user, owner, keep_alive)  # after a crash: what it had started
            memo = {"taken": {target.id: taken_user_ids(target)}}
            while _start_chunk(job, user, target, memo, owner, keep_alive):
                _finish_started(job, user, owner, keep_alive)
        with transaction():
            keep_alive()
            rules.count_bulk_jobs([job_id])
            db.session.refresh(job)
            if job.finished_at is not None:
                job.error = None
            jobs.release(BulkJob, [job_id], owner)
    except jobs.LeaseLost:
        return False
    except Exception as error:
        _note_error(job_id, owner, error)
        raise
    emails.send_pending()
    return True


def _note_error(job_id: int, owner: str, error: Exception) -> None:
    """What stopped the run, on the job's page; the lease is left to run out, so the sweep
    tries again later (not at once, should the error repeat)."""
    with transaction():
        job = db.session.get(BulkJob, job_id)
        if job is not None and job.lease_owner == owner:
            job.error = f"{type(error).__name__}: {error}"[:MAX_ERROR]


def _start_chunk(job, user, target, memo, owner, keep_alive) -> bool:
    """Start the next chunk of waiting items, in one transaction; False when none is left.

    A client that another job or person froze meanwhile makes the flush stale: the chunk is
    rolled back and checked again, and that client is refused as already in a migration."""
    for _attempt in range(3):
        try:
            with transaction():
                keep_alive()
                items = db.session.scalars(
                    select(BulkItem)
                    .where(
                        BulkItem.job_id == job.id,
                        BulkItem.result == "pending",
                        BulkItem.migration_id.is_(None),
                    )
                    .order_by(BulkItem.id)
                    .limit(CHUNK)
                ).all()
                if not items:
                    return False
                taken = _start_items(job, items, user, target, memo, owner)
                rules.count_bulk_jobs([job.id])
        except StaleDataError:
            continue
        memo["taken"][target.id].update(taken)  # only once they are on record
        return True
    raise RuntimeError(f"bulk job {job.id}: its clients kept changing while it started them")


def _start_items(job, items, user, target, memo, owner) -> set[str]:
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
            .execution_options(populate_existing=True)  # as stored, after a stale attempt too
        )
    }
    candidates = []
    for item in items:
        client = clients.get(item.client_id)
        if client is None:
            item.result, item.message = "refused", _("The client was deleted.")
        elif client.brand_id != job.source_brand_id:
            item.result = "refused"
            item.message = _("The client is no longer in %(brand)s.", brand=job.source_brand.name)
        else:
            candidates.append(client)
    started, refused = rules.start_many(
        candidates, target, user, bulk_job_id=job.id, memo=memo, owner=owner
    )
    by_client = {m.client_id: m for m in started}
    for item in items:
        if item.client_id in refused:
            item.result = "refused"
            item.message = refusal_reason(refused[item.client_id])
        elif item.client_id in by_client:
            item.migration_id = by_client[item.client_id].id
    return {clients[m.client_id].provider_user_id for m in started}


def _finish_started(job: BulkJob, user: User, owner: str, keep_alive) -> None:
    """Run the job's started migrations to their end (after a crash too); each settles its
    item as it ends. One already ended (continued by someone else) settles its item here."""
    migrations = db.session.scalars(
        select(Migration)
        .join(BulkItem, BulkItem.migration_id == Migration.id)
        .where(BulkItem.job_id == job.id, BulkItem.result == "pending")
        .order_by(Migration.id)
    ).all()
    if not migrations:
        return
    rules.advance(migrations, user.id, owner=owner, keep_alive=keep_alive)
    with transaction():
        keep_alive()
        rules.settle_bulk_items([m for m in migrations if not m.is_open])


def resume_stopped_jobs(limit: int = 20) -> int:
    """Periodic (portal.jobs.PERIODIC): every unfinished job whose runner died (its lease ran
    out) is claimed by a new runner and run in the background. How many."""
    stopped = db.session.scalars(
        select(BulkJob)
        .where(BulkJob.finished_at.is_(None), jobs.expired(BulkJob))
        .order_by(BulkJob.id)
        .limit(limit)
    ).all()
    resumed = 0
    for job in stopped:
        owner = jobs.new_owner()
        with transaction():
            claimed = jobs.claim(BulkJob, [job.id], owner)
        if claimed:
            db.session.refresh(job)
            enqueue_run(job)
            resumed += 1
    return resumed


def resume(job: BulkJob) -> bool:
    """An operator's Resume, in the request: the job is claimed for a new runner, which starts
    after the commit. False when a live runner holds it (nothing to resume)."""
    owner = jobs.new_owner()
    if not jobs.claim(BulkJob, [job.id], owner):
        return False
    job.lease_owner = owner
    job.error = None
    return True


def is_stopped(job: BulkJob) -> bool:
    """Unfinished, and nobody runs it (its lease ran out)."""
    return job.finished_at is None and (job.lease_until is None or job.lease_until < utcnow())


def counts(job: BulkJob) -> dict[str, int]:
    """The job's items by result, pending included: one query."""
    found = dict(
        db.session.execute(
            select(BulkItem.result, func.count(BulkItem.id))
            .where(BulkItem.job_id == job.id)
            .group_by(BulkItem.result)
        ).all()
    )
    found = {result: found.get(result, 0) for result in (*RESULTS, "pending")}
    found["processed"] = sum(found[result] for result in RESULTS)
    return found

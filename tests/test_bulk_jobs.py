"""Bulk jobs that cannot be stranded: leases, the sweep, Resume, overlapping jobs.

A crash is simulated deterministically: from the Nth commit of the background work on, every
commit raises (the process is dead: nothing more reaches the database). The lease then runs
out (its heartbeat is moved into the past, not waited for), and the job is picked up again.
"""

from datetime import timedelta

import pytest
from flask import has_request_context
from sqlalchemy import func, select, update

from portal import db as unit_of_work
from portal import jobs
from portal.brand_migration import bulk, rules
from portal.extensions import db
from portal.models import (
    AuditEvent,
    Brand,
    BulkItem,
    BulkJob,
    Client,
    Migration,
    MigrationEvent,
    MigrationState,
    OutboxEmail,
    PaymentStatus,
    User,
    utcnow,
)
from tests.conftest import login, make_brand, make_client, make_user

ELIGIBLE = 5
CHUNK = 2


class Killed(Exception):
    """The process died here: this commit and every later one never happen."""


@pytest.fixture
def fleet(app, monkeypatch):
    monkeypatch.setattr(bulk, "CHUNK", CHUNK)  # several chunks, so crashes fall between them
    with app.app_context():
        north = make_brand("north")
        premium = make_brand("premium", parent_id=north.id)
        admin = make_user("root@platform.test", None, is_platform_admin=True)
        eligible = [
            make_client(
                north,
                name=f"Fleet {i}",
                account_manager_id=admin.id,
                login_email=f"fleet{i}@example.test",
            ).id
            for i in range(ELIGIBLE)
        ]
        late = make_client(
            north,
            name="Late Payer",
            account_manager_id=admin.id,
            payment_status=PaymentStatus.DELINQUENT,
        ).id
        return {
            "north": north.id,
            "premium": premium.id,
            "admin": admin.id,
            "eligible": eligible,
            "late": late,
            "all": [*eligible, late],
        }


def kill_at(monkeypatch, n: int) -> dict:
    """From the nth commit of background work (not of a request) on, the process is dead."""
    real = unit_of_work.commit
    state = {"commits": 0}

    def commit():
        if not has_request_context():
            state["commits"] += 1
            if state["commits"] >= n:
                raise Killed(f"killed at commit {state['commits']}")
        real()

    monkeypatch.setattr(unit_of_work, "commit", commit)
    state["undo"] = lambda: monkeypatch.setattr(unit_of_work, "commit", real)
    return state


def expire_leases() -> None:
    """The dead runner's heartbeat is older than the lease: as if LEASE_SECONDS had passed."""
    past = utcnow() - timedelta(seconds=1)
    for model in (BulkJob, Migration):
        db.session.execute(
            update(model).where(model.lease_owner.is_not(None)).values(lease_until=past)
        )
    db.session.commit()


def new_job(fleet) -> int:
    job = bulk.create_job(
        db.session.get(Brand, fleet["north"]),
        db.session.get(Brand, fleet["premium"]),
        db.session.get(User, fleet["admin"]),
        fleet["all"],
    )
    db.session.commit()
    return job.id


def assert_finished_exactly_once(fleet, job_id: int) -> None:
    """Every client migrated or refused, none frozen, each migrated once, the counts right."""
    db.session.expire_all()
    job = db.session.get(BulkJob, job_id)
    results = dict(
        db.session.execute(
            select(BulkItem.client_id, BulkItem.result).where(BulkItem.job_id == job_id)
        ).all()
    )
    assert results == {**dict.fromkeys(fleet["eligible"], "migrated"), fleet["late"]: "refused"}
    assert job.finished_at is not None and job.processed == job.total == len(fleet["all"])
    counts = bulk.counts(job)
    assert counts["processed"] == counts["migrated"] + counts["refused"] + counts["failed"]
    assert (counts["migrated"], counts["refused"], counts["pending"]) == (ELIGIBLE, 1, 0)
    clients = db.session.scalars(select(Client).where(Client.id.in_(fleet["all"]))).all()
    assert all(c.frozen_by_migration_id is None for c in clients)
    assert {c.id for c in clients if c.brand_id == fleet["premium"]} == set(fleet["eligible"])
    # Once each: one migration per client, one of each transition, one email per recipient.
    mine = select(Migration.id).where(Migration.client_id.in_(fleet["all"]))
    per_client = dict(
        db.session.execute(
            select(Migration.client_id, func.count(Migration.id))
            .where(Migration.id.in_(mine))
            .group_by(Migration.client_id)
        ).all()
    )
    assert per_client == dict.fromkeys(fleet["eligible"], 1)
    events = select(func.count(MigrationEvent.id)).where(MigrationEvent.migration_id.in_(mine))
    assert db.session.scalar(events) == 5 * ELIGIBLE
    assert db.session.scalar(
        select(func.count(AuditEvent.id)).where(
            AuditEvent.action == "migration.requested", AuditEvent.client_id.in_(fleet["all"])
        )
    ) == len(fleet["eligible"])
    recipients = db.session.execute(
        select(OutboxEmail.migration_id, OutboxEmail.recipient).where(
            OutboxEmail.migration_id.in_(mine)
        )
    ).all()
    assert len(recipients) == len(set(recipients)) == ELIGIBLE
    assert (
        db.session.scalar(
            select(func.count(Migration.id)).where(
                Migration.state.in_(
                    [s for s in MigrationState if s not in (MigrationState.COMPLETED,)]
                )
            )
        )
        == 0
    )


def commits_of_a_whole_run(app, fleet, monkeypatch) -> int:
    with app.app_context():
        job_id = new_job(fleet)
        state = kill_at(monkeypatch, 10_000)
        bulk.run_job(job_id, db.session.get(BulkJob, job_id).lease_owner)
        state["undo"]()
        return state["commits"]


# Every crash point of the run: before its 1st commit, between each pair, before its last
# (27 commits: the claim; per chunk the start, the migrations' claim, four steps, their
# release and the items' results; the end; the emails).
CRASH_POINTS = range(1, 28)


@pytest.mark.parametrize("crash_at", CRASH_POINTS)
def test_a_crash_anywhere_then_the_sweep_finishes_the_job(app, fleet, monkeypatch, crash_at):
    with app.app_context():
        job_id = new_job(fleet)
        owner = db.session.get(BulkJob, job_id).lease_owner
        state = kill_at(monkeypatch, crash_at)
        try:
            bulk.run_job(job_id, owner)
        except Killed:
            pass
        state["undo"]()
        assert state["commits"] >= crash_at  # it died there (a try to note the error too)
        db.session.remove()
    with app.app_context():
        # Until the lease runs out, the sweep leaves the job to its (dead) runner.
        jobs.run_periodic(app)
        assert db.session.get(BulkJob, job_id).lease_owner == owner
        expire_leases()
        jobs.run_periodic(app)  # what the next worker start, or the periodic sweep, runs
        assert_finished_exactly_once(fleet, job_id)


def test_the_crash_points_cover_the_whole_run(app, fleet, monkeypatch):
    assert commits_of_a_whole_run(app, fleet, monkeypatch) == CRASH_POINTS.stop - 1


@pytest.mark.parametrize("crash_at", [2, 5, 9])
def test_a_crash_then_resume_on_the_jobs_page(app, client, fleet, monkeypatch, crash_at):
    with app.app_context():
        job_id = new_job(fleet)
        state = kill_at(monkeypatch, crash_at)
        with pytest.raises(Killed):
            bulk.run_job(job_id, db.session.get(BulkJob, job_id).lease_owner)
        state["undo"]()
        db.session.remove()
    login(client, "north", "root@platform.test")
    page = client.get(f"/north/migrations/bulk/{job_id}").text
    assert "Stopped" not in page  # the lease still runs: its runner may be alive
    with app.app_context():
        expire_leases()
    page = client.get(f"/north/migrations/bulk/{job_id}").text
    assert "Stopped: nothing is running this job now" in page and ">Resume</button>" in page
    assert f"bulk/{job_id}/resume" in page
    client.post(f"/north/migrations/bulk/{job_id}/resume")
    with app.app_context():
        assert_finished_exactly_once(fleet, job_id)
    page = " ".join(client.get(f"/north/migrations/bulk/{job_id}").text.split())
    assert f"{len(fleet['all'])} of {len(fleet['all'])} processed" in page
    assert f"{ELIGIBLE} migrated · 1 refused · 0 failed" in page
    assert "Finished." in page and "Resume" not in page


def test_a_crash_then_the_command_line(app, fleet, monkeypatch):
    with app.app_context():
        job_id = new_job(fleet)
        state = kill_at(monkeypatch, 4)
        with pytest.raises(Killed):
            bulk.run_job(job_id, db.session.get(BulkJob, job_id).lease_owner)
        state["undo"]()
        db.session.remove()
    runner = app.test_cli_runner()
    listed = runner.invoke(args=["jobs", "list"])
    assert f"bulk job {job_id}: " in listed.output and "run by " in listed.output
    busy = runner.invoke(args=["jobs", "resume", str(job_id)])
    assert "another runner holds it" in busy.output  # alive, for all we know
    with app.app_context():
        expire_leases()
    assert "stopped" in runner.invoke(args=["jobs", "list"]).output
    done = runner.invoke(args=["jobs", "resume", str(job_id)])
    assert f"bulk job {job_id}: finished." in done.output, done.output
    with app.app_context():
        assert_finished_exactly_once(fleet, job_id)
    assert "Nothing unfinished." in runner.invoke(args=["jobs", "list"]).output


def test_a_job_error_is_shown_and_the_job_still_finishes(app, client, fleet, monkeypatch):
    real = rules.STEPS[MigrationState.MOVING]

    def broken(migrations, actor_id):
        raise RuntimeError("the device service did not answer")

    monkeypatch.setitem(rules.STEPS, MigrationState.MOVING, broken)
    with app.app_context():
        job_id = new_job(fleet)
        with pytest.raises(RuntimeError):
            bulk.run_job(job_id, db.session.get(BulkJob, job_id).lease_owner)
        db.session.remove()
    login(client, "north", "root@platform.test")
    page = client.get(f"/north/migrations/bulk/{job_id}").text
    assert "Last error: RuntimeError: the device service did not answer" in page
    monkeypatch.setitem(rules.STEPS, MigrationState.MOVING, real)
    with app.app_context():
        expire_leases()
        jobs.run_periodic(app)
        assert_finished_exactly_once(fleet, job_id)
        assert db.session.get(BulkJob, job_id).error is None


def test_a_bulk_item_completes_when_its_migration_is_continued_by_hand(app, client, fleet):
    with app.app_context():
        job_id = new_job(fleet)
        # The runner started the first chunk, then died before running any step.
        job = db.session.get(BulkJob, job_id)
        owner = job.lease_owner
        bulk._start_chunk(
            job,
            db.session.get(User, fleet["admin"]),
            db.session.get(Brand, fleet["premium"]),
            {"taken": {fleet["premium"]: set()}},
            owner,
            lambda: None,
        )
        expire_leases()
        migration_id = db.session.scalar(select(Migration.id).order_by(Migration.id))
    login(client, "north", "root@platform.test")
    client.post(f"/north/migrations/{migration_id}/continue")
    with app.app_context():
        item = db.session.scalar(select(BulkItem).where(BulkItem.migration_id == migration_id))
        assert item.result == "migrated"
        assert db.session.get(BulkJob, job_id).processed == 1
        jobs.run_periodic(app)
        assert_finished_exactly_once(fleet, job_id)


def test_a_single_migration_whose_runner_died_is_finished_by_the_sweep(app, fleet):
    with app.app_context():
        client = db.session.get(Client, fleet["eligible"][0])
        migration = rules.start(
            client, db.session.get(Brand, fleet["premium"]), db.session.get(User, fleet["admin"])
        )
        db.session.commit()
        owner = jobs.new_owner()
        with unit_of_work.transaction():
            jobs.claim(Migration, [migration.id], owner)
        with unit_of_work.transaction():
            rules.begin_move([migration], None)  # one step, then the runner dies
        migration_id = migration.id
        db.session.remove()
    with app.app_context():
        jobs.run_periodic(app)
        assert db.session.get(Migration, migration_id).state == MigrationState.MOVING
        expire_leases()
        jobs.run_periodic(app)
        done = db.session.get(Migration, migration_id)
        assert done.state == MigrationState.COMPLETED and done.lease_owner is None
        assert db.session.get(Client, fleet["eligible"][0]).frozen_by_migration_id is None


def test_continue_all_on_the_migrations_page(app, client, fleet):
    with app.app_context():
        admin = db.session.get(User, fleet["admin"])
        premium = db.session.get(Brand, fleet["premium"])
        ids = []
        for client_id in fleet["eligible"][:3]:
            ids.append(rules.start(db.session.get(Client, client_id), premium, admin).id)
            db.session.commit()  # started, never run: the request died before its steps
    login(client, "north", "root@platform.test")
    page = client.get("/north/migrations").text
    assert "3 unfinished migrations are not running." in page and "Continue all" in page
    client.post("/north/migrations/continue-all")
    with app.app_context():
        states = db.session.scalars(select(Migration.state).where(Migration.id.in_(ids))).all()
        assert states == [MigrationState.COMPLETED] * 3
    assert "Continue all" not in client.get("/north/migrations").text


# --- overlapping jobs ---------------------------------------------------------------------


def test_a_client_in_an_open_job_is_refused_by_a_second_with_the_reason(app, client, fleet):
    with app.app_context():
        first = new_job(fleet)
        north = db.session.get(Brand, fleet["north"])
        extra = make_client(north, name="Only Second", account_manager_id=fleet["admin"]).id
        second = bulk.create_job(
            north,
            db.session.get(Brand, fleet["premium"]),
            db.session.get(User, fleet["admin"]),
            [*fleet["eligible"][:2], extra],
        )
        db.session.commit()
        second_id = second.id
        # The second runs first: the clients the first still waits for are not its.
        assert bulk.run_job(second_id, second.lease_owner)
        assert bulk.run_job(first, db.session.get(BulkJob, first).lease_owner)
        assert_finished_exactly_once(fleet, first)
        results = dict(
            db.session.execute(
                select(BulkItem.client_id, BulkItem.result).where(BulkItem.job_id == second_id)
            ).all()
        )
        assert results == {
            fleet["eligible"][0]: "refused",
            fleet["eligible"][1]: "refused",
            extra: "migrated",
        }
    login(client, "north", "root@platform.test")
    page = " ".join(client.get(f"/north/migrations/bulk/{second_id}").text.split())
    assert f"Already waiting in bulk migration #{first}." in page
    assert "3 of 3 processed" in page and "1 migrated · 2 refused · 0 failed" in page


def test_a_client_frozen_meanwhile_is_refused_not_a_crash(app, fleet, monkeypatch):
    """Two jobs (or a job and a person) reach the same client at once: this job read the
    client before the other froze it, so its save is stale; the chunk is checked again and
    that client refused as already in a migration (StaleDataError killed the job before)."""
    from sqlalchemy.orm.attributes import set_committed_value

    real_start_many = rules.start_many
    raced = []

    def read_before_the_other_froze_it(clients, target, user, **kwargs):
        for client in clients:
            if client.id == fleet["eligible"][0] and not raced:
                raced.append(client.frozen_by_migration_id)
                set_committed_value(client, "frozen_by_migration_id", None)
                set_committed_value(client, "version", client.version - 1)
        return real_start_many(clients, target, user, **kwargs)

    with app.app_context():
        other = rules.start(
            db.session.get(Client, fleet["eligible"][0]),
            db.session.get(Brand, fleet["premium"]),
            db.session.get(User, fleet["admin"]),
        )
        db.session.commit()
        other_id = other.id
        job_id = new_job(fleet)
        monkeypatch.setattr(rules, "start_many", read_before_the_other_froze_it)
        assert bulk.run_job(job_id, db.session.get(BulkJob, job_id).lease_owner)
        assert raced == [other_id]
        item = db.session.scalar(select(BulkItem).where(BulkItem.client_id == fleet["eligible"][0]))
        assert item.result == "refused" and item.migration_id is None
        assert item.message == f"Migration #{other_id} of this client is still open."
        job = db.session.get(BulkJob, job_id)
        counts = bulk.counts(job)
        assert job.finished_at is not None and job.error is None
        assert (counts["migrated"], counts["refused"], counts["processed"]) == (
            ELIGIBLE - 1,
            2,
            len(fleet["all"]),
        )


# --- the web process's own sweep (no Redis) -----------------------------------------------


def test_embedded_the_thread_of_the_next_app_start_finishes_the_job(
    app_config, app, fleet, monkeypatch
):
    """A web process with no Redis: the job runs in a thread, the process dies mid-job; the
    next process's sweep thread (started with its first request) finishes it by itself."""
    from portal import create_app

    with app.app_context():
        job_id = new_job(fleet)
        owner = db.session.get(BulkJob, job_id).lease_owner
    config = app_config | {"JOBS_INLINE": False, "SWEEP_SECONDS": 0.05}
    first = create_app(config)
    state = kill_at(monkeypatch, 6)
    with first.app_context():
        bulk_job = db.session.get(BulkJob, job_id)
        bulk.enqueue_run(bulk_job)  # in a thread of this process
    wait_for_job_threads()
    assert state["commits"] >= 6  # it died
    state["undo"]()
    with app.app_context():
        assert db.session.get(BulkJob, job_id).finished_at is None
        assert db.session.get(BulkJob, job_id).lease_owner == owner
        expire_leases()
    second = create_app(config | {"PERIODIC_THREAD": True})
    try:
        second.test_client().get("/healthz")  # its first request starts the sweep
        wait_until(lambda: finished(second, job_id))
        wait_for_job_threads()
    finally:
        jobs.stop_periodic_thread()
    with app.app_context():
        assert_finished_exactly_once(fleet, job_id)
    for one in (first, second):
        with one.app_context():
            db.engine.dispose()


def finished(app, job_id) -> bool:
    with app.app_context():
        return db.session.get(BulkJob, job_id).finished_at is not None


def wait_until(condition, seconds: float = 20) -> None:
    import time

    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "not done in time"
        time.sleep(0.02)


def wait_for_job_threads() -> None:
    import threading

    for thread in threading.enumerate():
        if thread.name.startswith("portal-job"):
            thread.join(20)

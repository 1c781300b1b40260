"""The same code paths on the real services CI provides: Redis for throttling and for jobs.

Skipped where no Redis answers at REDIS_TEST_URL (default redis://127.0.0.1:6379/15).
"""

import os

import pytest
from sqlalchemy import select

from portal import create_app
from portal.extensions import db
from portal.models import Brand, BulkItem, Client, Role
from tests.conftest import login, make_brand, make_client, make_user

REDIS_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")


def _redis():
    try:
        from redis import Redis

        connection = Redis.from_url(REDIS_URL, socket_connect_timeout=1)
        connection.ping()
        return connection
    except Exception:  # noqa: BLE001 - any failure means: no Redis here
        return None


@pytest.fixture
def redis_db():
    connection = _redis()
    if connection is None:
        pytest.skip("no Redis at " + REDIS_URL)
    connection.flushdb()
    yield connection
    connection.flushdb()
    connection.close()


def test_failed_sign_ins_are_counted_across_workers(app_config, redis_db, app):
    """Two app processes share the count through Redis, as two gunicorn workers would."""
    config = app_config | {"RATELIMIT_STORAGE_URI": REDIS_URL}
    first, second = create_app(config), create_app(config)
    with first.app_context():
        brand = make_brand("acme")
        make_user("reseller@acme.test", brand, Role.RESELLER)
    for worker in (first, second, first, second, first):
        login(worker.test_client(), "acme", "reseller@acme.test", "wrong")
    response = login(second.test_client(), "acme", "reseller@acme.test")
    assert response.status_code == 429
    for worker in (first, second):
        with worker.app_context():
            db.engine.dispose()


def test_a_bulk_job_runs_on_an_rq_worker(app_config, redis_db, app, monkeypatch):
    from rq import Queue, SimpleWorker

    monkeypatch.setenv("DATABASE_URL", app_config["SQLALCHEMY_DATABASE_URI"])
    monkeypatch.setenv("SECRET_KEY", "test-secret")
    config = app_config | {"JOBS_INLINE": False, "REDIS_URL": REDIS_URL}
    web = create_app(config)
    with web.app_context():
        north = make_brand("north")
        make_brand("premium", parent_id=north.id)  # one brand tree: nobody else must agree
        manager = make_user("root@platform.test", None, is_platform_admin=True)
        ids = [
            make_client(north, name=f"Queued {i}", account_manager_id=manager.id).id
            for i in range(3)
        ]
    http = web.test_client()
    login(http, "north", "root@platform.test")
    with web.app_context():
        premium_id = db.session.scalar(select(Brand.id).where(Brand.slug == "premium"))
    response = http.post(
        "/north/migrations/bulk",
        data={"target": premium_id, "client_ids": [str(i) for i in ids], "confirmed": "1"},
    )
    assert response.status_code == 302
    with web.app_context():
        assert db.session.scalar(select(BulkItem.result).limit(1)) == "pending"  # queued only
    SimpleWorker([Queue("portal", connection=redis_db)], connection=redis_db).work(burst=True)
    with web.app_context():
        results = db.session.scalars(select(BulkItem.result)).all()
        moved = db.session.scalars(select(Client.brand_id).where(Client.id.in_(ids))).all()
        db.session.remove()  # the session gives its connection back before the pool closes
        db.engine.dispose()
    assert results == ["migrated"] * 3
    assert set(moved) == {premium_id}


@pytest.mark.parametrize("crash_at", [1, 4, 9, 15])
def test_a_bulk_job_whose_rq_worker_died_is_finished_by_the_next_worker(
    app_config, redis_db, app, monkeypatch, crash_at
):
    """kill -9 of the worker mid-job (RQ files the job as failed, abandoned): the next worker's
    start sweeps, finds the job's lease run out, and finishes every item once."""
    from rq import Queue, SimpleWorker

    from portal import jobs
    from portal.models import BulkJob, Migration
    from tests.test_bulk_jobs import expire_leases, kill_at

    monkeypatch.setenv("DATABASE_URL", app_config["SQLALCHEMY_DATABASE_URI"])
    monkeypatch.setenv("SECRET_KEY", "test-secret")
    monkeypatch.setattr("portal.brand_migration.bulk.CHUNK", 2)
    config = app_config | {"JOBS_INLINE": False, "REDIS_URL": REDIS_URL}
    web = create_app(config)
    with web.app_context():
        north = make_brand("north")
        make_brand("premium", parent_id=north.id)  # one brand tree: no agreement needed
        manager = make_user("root@platform.test", None, is_platform_admin=True)
        ids = [
            make_client(north, name=f"Queued {i}", account_manager_id=manager.id).id
            for i in range(5)
        ]
        premium_id = db.session.scalar(select(Brand.id).where(Brand.slug == "premium"))
    http = web.test_client()
    login(http, "north", "root@platform.test")
    http.post(
        "/north/migrations/bulk",
        data={"target": premium_id, "client_ids": [str(i) for i in ids], "confirmed": "1"},
    )
    state = kill_at(monkeypatch, crash_at)
    queue = Queue("portal", connection=redis_db)
    SimpleWorker([queue], connection=redis_db).work(burst=True)
    assert queue.failed_job_registry.count == 1  # the worker "died" inside the job
    assert state["commits"] >= crash_at
    state["undo"]()
    with web.app_context():
        assert db.session.scalar(select(BulkJob.finished_at)) is None
        expire_leases()
        jobs.work(web, burst=True)  # a worker starting: it sweeps, then runs what is queued
        results = db.session.scalars(select(BulkItem.result)).all()
        moved = db.session.scalars(select(Client.brand_id).where(Client.id.in_(ids))).all()
        frozen = db.session.scalars(select(Client.frozen_by_migration_id)).all()
        migrations = db.session.scalar(select(db.func.count(Migration.id)))
        job = db.session.scalar(select(BulkJob))
        finished, processed = job.finished_at, job.processed
        db.session.remove()
        db.engine.dispose()
    assert results == ["migrated"] * 5 and set(moved) == {premium_id}
    assert frozen == [None] * 5 and migrations == 5
    assert finished is not None and processed == 5

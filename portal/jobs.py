"""Background work: jobs, leases, and the one periodic sweep.

Jobs. `enqueue` runs a function on RQ when REDIS_URL is set, else in a thread of this process;
the function runs inside an app context, in the brand scope of the code that enqueued it
(portal.db: on PostgreSQL a job touches the rows of those brands only).

Leases. Work that must finish (a bulk job, a migration) holds a lease in its own row: who runs
it (`lease_owner`, a runner id of host, process and a random part) and until when
(`lease_until`). The runner renews it in every step's transaction and stops, that step rolled
back, as soon as the lease is no longer its own; so two runners never do the same step, and
work whose runner died (a killed server or worker) is free again once its lease runs out.
Claiming is one UPDATE … WHERE the lease is free or expired: on PostgreSQL the row lock makes
a second claimer wait, then find the lease taken; SQLite writes one at a time.

The sweep. PERIODIC is the single list of plain functions run every SWEEP_SECONDS: by the RQ
worker (`flask --app wsgi worker`), and without Redis by one daemon thread of each web process
(started with its first request, or by gunicorn when a worker starts). Several processes may
run them at once, so each takes what it works on through a lease or another claim in the
database. They run in the all-brands scope: they look for work of every brand.
"""

from __future__ import annotations

import os
import secrets
import socket
import threading
from datetime import timedelta

from flask import Flask, current_app
from sqlalchemy import or_, update

from portal.db import ALL_BRANDS, brand_scope, set_brand_scope
from portal.extensions import db
from portal.models import utcnow

# Every function run by the sweep, as "module:function", each safe to run in several processes
# at once. Add new periodic work here (and nowhere else).
PERIODIC = (
    "portal.brand_migration.bulk:resume_stopped_jobs",
    "portal.brand_migration.rules:resume_stopped_migrations",
    "portal.brand_migration.scheduling:run_due",
    "portal.outbox.emails:deliver_due",
    "portal.clients.importing:resume_stale",
)


class LeaseLost(Exception):
    """Another runner holds the lease now: this one stops, its current step rolled back."""


# --- jobs ---------------------------------------------------------------------------------


def enqueue(function_path: str, *args, scope=None) -> None:
    """Run `module:function(*args)` in the background, in `scope` (default: the current one)."""
    app = current_app._get_current_object()
    scope = brand_scope() if scope is None else scope
    if app.config.get("JOBS_INLINE"):
        _call(function_path, *args)
    elif app.config.get("REDIS_URL"):
        from redis import Redis
        from rq import Queue

        queue = Queue("portal", connection=Redis.from_url(app.config["REDIS_URL"]))
        queue.enqueue(
            "portal.jobs.run_in_app",
            args=(function_path, *args),
            kwargs={"scope": scope},
            job_timeout=3600,
        )
    else:
        threading.Thread(
            target=_run_in_thread,
            args=(app, scope, function_path, *args),
            name=f"portal-job {function_path}",
            daemon=True,
        ).start()


def _call(function_path: str, *args) -> None:
    module_name, name = function_path.split(":")
    module = __import__(module_name, fromlist=[name])
    getattr(module, name)(*args)


def _run_with_app(app, scope, function_path: str, *args) -> None:
    with app.app_context():
        set_brand_scope(scope)
        try:
            _call(function_path, *args)
        except Exception:
            app.logger.exception("background job %s%r failed", function_path, args)
            raise


def _run_in_thread(app, scope, function_path: str, *args) -> None:
    try:
        _run_with_app(app, scope, function_path, *args)
    except Exception:  # noqa: BLE001, S110 - logged above; what it leaves, the sweep picks up
        pass


def run_in_app(function_path: str, *args, scope=()) -> None:
    """The RQ worker's entry point: a fresh app around the job, its connections closed after."""
    from portal import create_app

    app = create_app()
    try:
        _run_with_app(app, scope, function_path, *args)
    finally:
        with app.app_context():
            db.engine.dispose()


# --- leases -------------------------------------------------------------------------------


def new_owner() -> str:
    """A runner's id: which machine and process (for an operator reading `jobs list`), and a
    random part, since one process runs several runners (threads, the sweep)."""
    return f"{socket.gethostname()[:50]}:{os.getpid()}:{secrets.token_hex(6)}"


def lease_expiry():
    return utcnow() + timedelta(seconds=current_app.config["LEASE_SECONDS"])


def claim(model, ids, owner: str) -> set[int]:
    """Take the lease of these rows where it is free, expired or already `owner`'s; the ids
    now held. In the caller's transaction (commit it before working)."""
    return _lease_update(model, ids, owner, or_(_free(model), model.lease_owner == owner))


def renew(model, ids, owner: str) -> set[int]:
    """Extend `owner`'s leases of these rows, in the transaction of the step about to run; the
    ids still held (a lease another runner took is lost)."""
    return _lease_update(model, ids, owner, model.lease_owner == owner)


def release(model, ids, owner: str) -> None:
    """Give up `owner`'s leases of these rows (the work is done, or left to another)."""
    if ids:
        db.session.execute(
            update(model)
            .where(model.id.in_(list(ids)), model.lease_owner == owner)
            .values(lease_owner=None, lease_until=None)
            .execution_options(synchronize_session=False)
        )


def expired(model):
    """The condition of rows nobody runs: no lease, or one that ran out."""
    return _free(model)


def _free(model):
    return or_(model.lease_until.is_(None), model.lease_until < utcnow())


def _lease_update(model, ids, owner: str, condition) -> set[int]:
    ids = list(ids)
    if not ids:
        return set()
    rows = db.session.execute(
        update(model)
        .where(model.id.in_(ids), condition)
        .values(lease_owner=owner, lease_until=lease_expiry())
        .returning(model.id)
        .execution_options(synchronize_session=False)
    )
    return {row[0] for row in rows}


# --- the sweep ----------------------------------------------------------------------------


def run_periodic(app: Flask) -> None:
    """Each PERIODIC function once, each in an app context of its own, over every brand; one
    that fails is logged and the others still run."""
    for function_path in PERIODIC:
        with app.app_context():
            set_brand_scope(ALL_BRANDS)
            try:
                _call(function_path)
            except Exception:  # noqa: BLE001 - the sweep goes on; the next round tries again
                app.logger.exception("periodic %s failed", function_path)
            finally:
                db.session.remove()


_started_in: set[int] = set()  # the processes (ids) whose periodic thread runs
_start_lock = threading.Lock()
_stop = threading.Event()


def start_periodic_thread(app: Flask) -> bool:
    """The sweep's daemon thread, once per process (a forked gunicorn worker starts its own);
    False when this process has it already."""
    with _start_lock:
        if os.getpid() in _started_in:
            return False
        _started_in.add(os.getpid())
        _stop.clear()
    threading.Thread(target=periodic_loop, args=(app,), name="portal-periodic", daemon=True).start()
    return True


def stop_periodic_thread() -> None:
    """Stop this process's sweep thread after its current round (a worker stopping, tests)."""
    with _start_lock:
        _stop.set()
        _started_in.discard(os.getpid())


def periodic_loop(app: Flask) -> None:
    """Sweep at once (work stranded by the last run is picked up at start), then every
    SWEEP_SECONDS, until stopped."""
    stop = _stop
    while not stop.is_set():
        run_periodic(app)
        stop.wait(app.config["SWEEP_SECONDS"])


def init_app(app: Flask) -> None:
    """Without Redis, the web process sweeps: its first request starts the thread (gunicorn
    starts it as each worker boots, gunicorn.conf.py). PERIODIC_THREAD None means so (not
    under TESTING); True or False decides. Processes that serve no request (a CLI command,
    the reloader's watcher, an RQ job's own app) start none."""
    wanted = app.config.get("PERIODIC_THREAD")
    if wanted is None:
        wanted = not app.config.get("REDIS_URL") and not app.config.get("TESTING")
    app.extensions["portal.periodic_thread"] = bool(wanted)
    if not wanted:
        return

    @app.before_request
    def _start_the_sweep() -> None:
        if os.getpid() not in _started_in:
            start_periodic_thread(app)


def start_if_wanted(app: Flask) -> bool:
    """The sweep's thread for a process about to serve (gunicorn's post_worker_init)."""
    return app.extensions.get("portal.periodic_thread", False) and start_periodic_thread(app)


def work(app: Flask, *, burst: bool = False) -> None:
    """The RQ worker with the sweep: jobs in this process (RQ's SimpleWorker, no fork, so the
    sweep's thread is safe beside it) and PERIODIC at start, then every SWEEP_SECONDS. `burst`:
    one sweep, then what is queued, then stop."""
    from redis import Redis
    from rq import SimpleWorker

    if burst:
        run_periodic(app)
    else:
        start_periodic_thread(app)
    try:
        connection = Redis.from_url(app.config["REDIS_URL"])
        SimpleWorker(["portal"], connection=connection).work(burst=burst)
    finally:
        if not burst:
            stop_periodic_thread()

"""Background jobs: RQ on Redis when REDIS_URL is set, else a thread of this process.

The job functions are the same either way; they run inside an app context, in the brand scope
of the code that enqueued them (portal.db: on PostgreSQL a job touches the rows of those brands
only; a bulk migration's request has its source and its target in scope).
"""

from __future__ import annotations

import threading

from flask import current_app

from portal.db import brand_scope, set_brand_scope


def enqueue(function_path: str, *args) -> None:
    """Run `module:function(*args)` in the background."""
    app = current_app._get_current_object()
    scope = brand_scope()
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
            target=_run_with_app, args=(app, scope, function_path, *args), daemon=True
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


def run_in_app(function_path: str, *args, scope=()) -> None:
    """The RQ worker's entry point: a fresh app around the job, its connections closed after."""
    from portal import create_app
    from portal.extensions import db

    app = create_app()
    try:
        _run_with_app(app, scope, function_path, *args)
    finally:
        with app.app_context():
            db.engine.dispose()


# Run every sweep, maybe in several processes at once: each claims its work in the database.
PERIODIC = ("portal.outbox.emails:deliver_due", "portal.brand_migration.scheduling:run_due")

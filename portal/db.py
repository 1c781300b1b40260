"""The unit of work: one transaction per request, one transaction helper for background work.

A request is one transaction. Rule functions add and flush, never commit; the request commits
once, after a successful response (status below 400), and rolls back after an error response
or an exception — in one place, `finish_request`. What may only happen once the change is
durable (sending its emails, removing the file it replaced, running a migration's steps) is
registered with `after_commit`; what must be undone if the change is not (a file just
written) with `on_rollback`.

Background work — a migration step, a bulk chunk, an outbox send — opens its own transaction
per step with `transaction()`, the same helper everywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from flask import Flask, g, has_request_context

from portal.extensions import db

_AFTER_COMMIT = "portal.after_commit"
_ON_ROLLBACK = "portal.on_rollback"


def after_commit(callback: Callable[[], object]) -> None:
    """Run `callback` once the current transaction has committed (never if it rolls back)."""
    db.session.info.setdefault(_AFTER_COMMIT, []).append(callback)


def on_rollback(callback: Callable[[], object]) -> None:
    """Run `callback` if the current transaction rolls back (never if it commits)."""
    db.session.info.setdefault(_ON_ROLLBACK, []).append(callback)


def commit() -> None:
    """Commit, then run what waited for the commit (each callback may open transactions)."""
    session = db.session
    session.commit()
    session.info.pop(_ON_ROLLBACK, None)
    for callback in session.info.pop(_AFTER_COMMIT, []):
        callback()


def rollback() -> None:
    """Roll back, then undo what the transaction did outside the database."""
    session = db.session
    session.rollback()
    session.info.pop(_AFTER_COMMIT, None)
    for callback in reversed(session.info.pop(_ON_ROLLBACK, [])):
        callback()


@contextmanager
def transaction() -> Iterator[None]:
    """One step of background work: commit at the end, roll back on an exception.

    Not for a request's own changes: those commit with the request. Inside a request it runs
    only after the request's commit (from an after_commit callback).
    """
    assert not (has_request_context() and g.get("_unit_of_work_open")), (
        "a request's changes commit with the request: use after_commit for work after it"
    )
    try:
        yield
        commit()
    except BaseException:
        rollback()
        raise


def finish_request(response):
    """after_request, the last to run: commit a successful response, roll back any other."""
    g._unit_of_work_open = False
    if response.status_code < 400:
        commit()
    else:
        rollback()
    return response


def _open_unit_of_work() -> None:
    g._unit_of_work_open = True


def _discard_on_teardown(error) -> None:
    """An exception that no handler turned into a response: nothing of it is kept."""
    if error is not None:
        rollback()


def init_app(app: Flask) -> None:
    # Registered first, so it runs last: Flask runs after_request functions in reverse order,
    # and every other hook (a session's last-seen time, the throttle) may still add changes.
    app.before_request_funcs.setdefault(None, []).append(_open_unit_of_work)
    app.after_request_funcs.setdefault(None, []).insert(0, finish_request)
    app.teardown_request_funcs.setdefault(None, []).append(_discard_on_teardown)

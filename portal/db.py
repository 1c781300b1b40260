"""The unit of work: one transaction per request, one transaction helper for background work.

A request is one transaction. Rule functions add and flush, never commit; the request commits
once, after a successful response (status below 400), and rolls back after an error response
or an exception — in one place, `finish_request`. What may only happen once the change is
durable (sending its emails, removing the file it replaced, running a migration's steps) is
registered with `after_commit`; what must be undone if the change is not (a file just
written) with `on_rollback`.

Background work — a migration step, a bulk chunk, an outbox send — opens its own transaction
per step with `transaction()`, the same helper everywhere.

The brand scope. On PostgreSQL, row-level security (migration 0005) lets a transaction see and
change only the rows of the brands in its scope: a query that forgets its brand filter finds
nothing of another brand. Every transaction of the app context starts with the scope set once
(`set_config('portal.brands', …, true)`, local to the transaction); `set_brand_scope` gives the
scope (the brands a job was started for, set by portal.jobs; a request's brand, which
portal.tenancy loads with `load_brand_into_scope`, the lookup setting it in the same statement)
and `widen_brand_scope` adds brands where the code works across brands on purpose (a migration
touches its source and its target). An app context that set no scope touches no
tenant row, unless the app's BRAND_SCOPE_OUTSIDE_REQUESTS says otherwise (the tests' own
direct reads and writes, the maintenance commands' ALL_BRANDS). SQLite ignores all of it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress

from flask import Flask, current_app, g, has_app_context, has_request_context
from sqlalchemy import String, cast, event, func, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from portal.extensions import db

_AFTER_COMMIT = "portal.after_commit"
_ON_ROLLBACK = "portal.on_rollback"

ALL_BRANDS = "all"  # maintenance work over every brand (seed-demo, data migrations)
_SET_SCOPE = text("SELECT set_config('portal.brands', :scope, true)")
_SCOPING_QUERIES: dict = {}  # id of a module-level query -> the same, setting the scope


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


# --- the brand scope ---------------------------------------------------------------------


def set_brand_scope(brands: Iterable[int] | str) -> None:
    """The brands this app context's transactions may touch from now on: ids, or ALL_BRANDS.
    A transaction already open gets the new scope at once."""
    value = ALL_BRANDS if brands == ALL_BRANDS else ",".join(map(str, sorted(set(brands))))
    if g.get("_brand_scope") == value:
        return
    g._brand_scope = value
    if g.get("_brand_scope_in_force") not in (None, value):  # a transaction is open
        _apply_scope(db.session.connection(), value)
        g._brand_scope_in_force = value


def first_row_in_brand_scope(query, parameters: dict, brand_position: int = 0):
    """`query`'s first row (or None), and the scope becomes the brand at `brand_position` of it
    (none when that is NULL). On PostgreSQL the same statement sets the scope: a brand request
    pays no round trip of its own for it. `query` is built once (its values in `parameters`),
    and so is its variant here, which selects one column more."""
    if db.engine.dialect.name != "postgresql":
        row = db.session.execute(query, parameters).first()
        brand = row[brand_position] if row is not None else None
        set_brand_scope((brand.id,) if brand is not None else ())
        return row
    if (scoping := _SCOPING_QUERIES.get(id(query))) is None:
        brand_id = query.column_descriptions[brand_position]["entity"].id
        scoping = query.add_columns(func.set_config("portal.brands", cast(brand_id, String), True))
        _SCOPING_QUERIES[id(query)] = scoping
    row = db.session.execute(scoping, parameters).first()
    if row is None:
        return None
    brand = row[brand_position]
    context = g._get_current_object()
    context._brand_scope = context._brand_scope_in_force = str(brand.id) if brand else ""
    return row[:-1]


def load_brand_into_scope(query, parameters: dict):
    """The brand `query` finds (or None), and the scope becomes that brand."""
    row = first_row_in_brand_scope(query, parameters)
    return row[0] if row is not None else None


def widen_brand_scope(*brand_ids: int) -> None:
    """Add brands to the scope: for code that works across brands on purpose."""
    current = brand_scope()
    if current != ALL_BRANDS and not set(brand_ids) <= set(current):
        set_brand_scope({*current, *brand_ids})


def brand_scope() -> tuple[int, ...] | str:
    """The current scope, as set_brand_scope takes it (what a job started from here gets)."""
    value = _scope_value()
    return value if value == ALL_BRANDS else tuple(int(i) for i in value.split(",") if i)


def _scope_value() -> str:
    value = g.get("_brand_scope")
    if value is None:  # a request has none until portal.tenancy reads its brand
        value = "" if has_request_context() else _outside_requests()
    return value


def _outside_requests() -> str:
    return current_app.config.get("BRAND_SCOPE_OUTSIDE_REQUESTS") or ""


def _apply_scope(connection, value: str) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(_SET_SCOPE, {"scope": value})


@event.listens_for(Session, "after_begin")
def _scope_transaction(session, transaction, connection) -> None:
    """Each transaction starts in the scope, set once. An empty scope needs no statement: a
    transaction starts with none (nothing may SET portal.brands for a role or a session)."""
    if transaction.nested or not has_app_context():
        return
    value = _scope_value()
    if value:
        _apply_scope(connection, value)
    g._brand_scope_in_force = value


@event.listens_for(Session, "after_transaction_end")
def _scope_ends(session, transaction) -> None:
    if transaction.parent is None and has_app_context():
        g.pop("_brand_scope_in_force", None)


@contextmanager
def separate_transaction() -> Iterator:
    """A transaction on a connection of its own, committed whatever becomes of the request's
    (an audited refusal), in the same brand scope."""
    with db.engine.begin() as connection:
        if value := _scope_value():
            _apply_scope(connection, value)
        yield connection


# --- SQLite ---------------------------------------------------------------------------------


@event.listens_for(Engine, "connect")
def _sqlite_write_ahead_log(dbapi_connection, connection_record) -> None:
    """SQLite in write-ahead-log mode: a commit appends to one file and syncs it once (the
    rollback journal synced the journal and the database: an inline save took 7.8 ms in-process,
    5.7 ms in WAL mode), and readers no longer wait while another worker commits. Synchronous
    stays FULL, so a committed change survives a power cut too. The mode is stored in the file;
    setting it again on each new connection costs one statement per pooled connection. Switching
    needs the file to itself: while another process holds it, the next connection switches."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        with suppress(sqlite3.OperationalError):
            dbapi_connection.execute("PRAGMA journal_mode = WAL")


# --- requests -----------------------------------------------------------------------------


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

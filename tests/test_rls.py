"""The second wall on PostgreSQL: row-level security keeps a query that forgets its brand
filter inside the brands of its transaction's scope, for reads and for writes.

Run as the portal's own role (TEST_DATABASE_URL), which must be neither the tables' owner, a
superuser nor BYPASSRLS; `.ci/run` sets REQUIRE_RLS so that a setup where the policies cannot
bite fails instead of skipping. Skipped on SQLite, which has no row-level security.
"""

from __future__ import annotations

import importlib.util
import os
import threading

import pytest
from flask import g
from sqlalchemy import delete, event, func, select, text, update
from sqlalchemy.exc import ProgrammingError

from portal import create_app, jobs
from portal.db import ALL_BRANDS, after_commit, set_brand_scope, transaction
from portal.extensions import db
from portal.models import Address, AuditEvent, Client, Contact, Migration
from portal.permissions import public
from portal.rls import UNSCOPED
from tests.conftest import ON_POSTGRESQL, ROOT, login, make_brand, make_client, make_user


def _revision(path):
    spec = importlib.util.spec_from_file_location(f"revision_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_REVISIONS = sorted((ROOT / "migrations" / "versions").glob("*.py"))
# The tables of 0005, which put row-level security on all tables of its time; a later revision
# that creates a tenant table lists it in its own TENANT_TABLES.
FIRST_TENANT_TABLES = _revision(
    ROOT / "migrations/versions/0005_row_level_security.py"
).TENANT_TABLES
TENANT_TABLES = {
    table: policy
    for path in _REVISIONS
    for table, policy in getattr(_revision(path), "TENANT_TABLES", {}).items()
}


def policies() -> dict[str, tuple[bool, bool, int]]:
    """Each tenant table: (row security on, forced on the owner, number of policies)."""
    rows = db.session.execute(
        text(
            "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,"
            " (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid)"
            " FROM pg_class c WHERE c.relname = ANY(:tables) AND c.relkind = 'r'"
        ),
        {"tables": list(TENANT_TABLES)},
    ).all()
    db.session.rollback()
    return {name: (on, forced, count) for name, on, forced, count in rows}


def test_every_table_is_a_tenant_table_or_says_why_not(app):
    """A new table must take a side: one line in the migration's list, or a reason here."""
    tables = set(db.metadata.tables)
    assert set(TENANT_TABLES) & set(UNSCOPED) == set()
    assert tables == set(TENANT_TABLES) | set(UNSCOPED)


# --- on PostgreSQL, as the portal's role ----------------------------------------------------


@pytest.fixture
def rls(app):
    if not ON_POSTGRESQL:
        pytest.skip("row-level security is PostgreSQL's")
    with app.app_context():
        role = db.session.execute(
            text(
                "SELECT r.rolsuper, r.rolbypassrls,"
                " pg_has_role(current_user, c.relowner, 'USAGE')"
                " FROM pg_roles r, pg_class c"
                " WHERE r.rolname = current_user AND c.relname = 'clients'"
            )
        ).one()
        db.session.rollback()
    if any(role):
        message = "the portal's database role is a superuser, BYPASSRLS or owns the tables"
        if os.environ.get("REQUIRE_RLS"):
            pytest.fail(message)
        pytest.skip(message)
    return app


@pytest.fixture
def brands(rls):
    """North and South, two clients each with a contact, and a migration from North to a third
    brand; the ids come back."""
    with rls.app_context():
        north, south, third = make_brand("north"), make_brand("south"), make_brand("third")
        ids = {"north": north.id, "south": south.id, "third": third.id}
        for brand in (north, south):
            for i in range(2):
                client = make_client(brand, name=f"{brand.slug} {i}")
                db.session.add(Contact(client_id=client.id, name=f"Contact of {client.name}"))
        migration = Migration(
            client_name="north 0",
            source_brand_id=north.id,
            target_brand_id=third.id,
        )
        db.session.add(migration)
        db.session.add(AuditEvent(action="probe", brand_id=south.id))
        db.session.add(AuditEvent(action="account", brand_id=None))
        db.session.commit()
        ids["migration"] = migration.id
    return ids


def _names(model_column):
    return sorted(db.session.scalars(select(model_column)))


def test_the_portal_role_cannot_get_around_the_policies(rls):
    with rls.app_context():
        assert policies() == {table: (True, True, 1) for table in TENANT_TABLES}


def test_a_query_without_its_brand_filter_reads_nothing_of_another_brand(rls, brands):
    with rls.app_context():
        set_brand_scope([brands["north"]])
        assert _names(Client.name) == ["north 0", "north 1"]
        assert _names(Contact.name) == ["Contact of north 0", "Contact of north 1"]
        assert db.session.scalar(select(func.count(Address.id))) == 2
        assert _names(AuditEvent.action) == ["account"]  # South's event is not in scope
        assert db.session.scalars(select(Migration.id)).all() == [brands["migration"]]
        # South sees its own; the third brand sees the migration that names it.
        set_brand_scope([brands["south"]])
        assert _names(Client.name) == ["south 0", "south 1"]
        assert db.session.scalars(select(Migration.id)).all() == []
        set_brand_scope([brands["third"]])
        assert db.session.scalars(select(Migration.id)).all() == [brands["migration"]]
        assert _names(Client.name) == []
        # Two brands in scope, then every brand.
        set_brand_scope([brands["north"], brands["south"]])
        assert len(_names(Client.name)) == 4
        set_brand_scope(ALL_BRANDS)
        assert len(_names(Contact.name)) == 4


def test_a_change_without_its_brand_filter_changes_nothing_of_another_brand(rls, brands):
    with rls.app_context():
        set_brand_scope([brands["north"]])
        with transaction():
            renamed = db.session.execute(
                update(Client).values(name="renamed").execution_options(synchronize_session=False)
            ).rowcount
            removed = db.session.execute(delete(Contact)).rowcount
        assert (renamed, removed) == (2, 2)
        set_brand_scope(ALL_BRANDS)
        assert _names(Client.name) == ["renamed", "renamed", "south 0", "south 1"]
        assert _names(Contact.name) == ["Contact of south 0", "Contact of south 1"]


def test_a_row_cannot_be_written_into_a_brand_outside_the_scope(rls, brands):
    with rls.app_context():
        set_brand_scope([brands["north"]])
        north_client = db.session.scalar(select(Client).where(Client.name == "north 0"))
        north_client.brand_id = brands["south"]  # moved into a brand the scope does not name
        with pytest.raises(ProgrammingError, match="row-level security"):
            db.session.flush()
        db.session.rollback()
        db.session.add(
            Client(brand_id=brands["south"], name="Plant", provider_user_id="X", country_code="BR")
        )
        with pytest.raises(ProgrammingError, match="row-level security"):
            db.session.flush()
        db.session.rollback()
        set_brand_scope(ALL_BRANDS)
        assert _names(Client.name) == ["north 0", "north 1", "south 0", "south 1"]


def test_nothing_in_scope_is_what_a_forgotten_scope_gets(rls, brands, app_config):
    """In production an app context that set no scope touches no tenant row at all."""
    production = create_app(app_config | {"BRAND_SCOPE_OUTSIDE_REQUESTS": None})
    with production.app_context():
        assert _names(Client.name) == []
        assert _names(AuditEvent.action) == ["account"]
        db.session.remove()  # the session gives its connection back before the pool closes
        db.engine.dispose()


def test_a_request_sees_its_own_brand_only(rls, brands):
    """A view that forgets the brand filter, in North's portal, lists North's clients only:
    for a platform admin too, who may enter every brand but touches one per request."""

    @rls.route("/<brand_slug>/_unfiltered")
    @public
    def unfiltered():
        return {"clients": _names(Client.name), "brand": g.brand.slug}

    with rls.app_context():
        make_user("root@platform.test", None, is_platform_admin=True)
    http = rls.test_client()
    assert login(http, "north", "root@platform.test").status_code == 302
    assert http.get("/north/_unfiltered").json == {
        "clients": ["north 0", "north 1"],
        "brand": "north",
    }
    assert http.get("/south/_unfiltered").json["clients"] == ["south 0", "south 1"]


def test_a_job_runs_in_the_scope_it_was_started_in(rls, brands, monkeypatch):
    """A background job gets the scope of the code that enqueued it, in its own app context."""
    seen = []
    monkeypatch.setattr(jobs, "probe_job", lambda: seen.append(_names(Client.name)), raising=False)
    rls.config["JOBS_INLINE"] = False  # a thread of this process, as without Redis
    running = set(threading.enumerate())
    with rls.app_context():
        set_brand_scope([brands["south"]])
        jobs.enqueue("portal.jobs:probe_job")
    for thread in set(threading.enumerate()) - running:
        thread.join(10)
    assert seen == [["south 0", "south 1"]]


def test_a_brand_request_sets_its_scope_without_a_statement_of_its_own(rls, brands):
    """The request's scope rides on its brand lookup; a step after the commit, a transaction
    of its own, sets it once; outside any brand nothing is set."""
    statements = []

    def note(conn, cursor, statement, *args):
        statements.append(statement)

    @rls.route("/<brand_slug>/_two_transactions")
    @public
    def two_transactions():
        names = _names(Client.name)
        after_commit(lambda: names.extend(_names(Contact.name)))
        return {"clients": names}

    with rls.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        http = rls.test_client()
        response = http.get("/north/_two_transactions")
        setting = [s for s in statements if "set_config" in s]
        statements.clear()
        assert http.get("/healthz").status_code == 200
        outside = [s for s in statements if "set_config" in s]
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert response.json == {"clients": ["north 0", "north 1"]}
    assert len(setting) == 2
    assert setting[0].startswith("SELECT brands.id")  # the lookup of /north/ sets it too
    assert setting[1].startswith("SELECT set_config")  # the step's own transaction
    assert outside == []


def test_seed_demo_sees_every_brand_in_production(rls, app_config):
    """A maintenance command sets the all-brands scope itself (no test default helps it)."""
    production = create_app(app_config | {"BRAND_SCOPE_OUTSIDE_REQUESTS": None})
    result = production.test_cli_runner().invoke(args=["seed-demo", "--clients", "2"])
    assert result.exit_code == 0, result.output
    with production.app_context():
        set_brand_scope(ALL_BRANDS)
        per_brand = dict(
            db.session.execute(
                select(Client.brand_id, func.count()).group_by(Client.brand_id)
            ).all()
        )
        db.session.remove()
        db.engine.dispose()
    assert len(per_brand) == 5 and set(per_brand.values()) == {2}

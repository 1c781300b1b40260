"""The Alembic migrations build exactly the schema of the models, and take it down again; on
PostgreSQL with the row-level security policies of every tenant table."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from portal.extensions import db
from portal.models import outside_metadata
from tests.conftest import ON_POSTGRESQL, owner_engine
from tests.test_rls import FIRST_TENANT_TABLES, TENANT_TABLES, policies


def search_index(connection) -> list:
    """What the database holds of the client search index, as SQL it could rebuild it from."""
    if connection.dialect.name == "sqlite":
        query = (
            "SELECT type, name, sql FROM sqlite_master "
            "WHERE name LIKE 'clients_search%' ORDER BY type, name"
        )
    else:
        query = (
            "SELECT 'index', indexname, indexdef FROM pg_indexes "
            "WHERE tablename = 'clients' AND indexname LIKE '%trgm' "
            "UNION ALL SELECT 'extension', extname, '' FROM pg_extension WHERE extname = 'pg_trgm'"
        )
    return [tuple(row) for row in connection.execute(text(query))]


def test_migrations_match_the_models_both_ways(app):
    with app.app_context():
        with db.engine.connect() as connection:
            built_by_fixture = search_index(connection)  # the models' on SQLite
        engine = owner_engine() if ON_POSTGRESQL else db.engine
        with engine.begin() as connection:  # the fixture's schema: this test builds its own
            db.metadata.drop_all(connection)
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
            if ON_POSTGRESQL:
                connection.execute(text("DROP FUNCTION IF EXISTS portal_brand_scope()"))
                connection.execute(text("DROP FUNCTION IF EXISTS portal_every_brand()"))
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection,
                opts={
                    "compare_type": True,
                    "render_as_batch": True,
                    "include_name": outside_metadata,
                },
            )
            differences = compare_metadata(context, db.metadata)
            assert differences == []
            # The search index, outside the metadata: the same whichever way it was built.
            assert search_index(connection) == built_by_fixture
            assert built_by_fixture  # FTS table and triggers, or trigram index and extension
        if ON_POSTGRESQL:
            assert policies() == {table: (True, True, 1) for table in TENANT_TABLES}

            downgrade(revision="0005-1")  # the policies go, the tables of the time stay
            assert policies() == {table: (False, False, 0) for table in FIRST_TENANT_TABLES}
            assert set(FIRST_TENANT_TABLES) <= set(inspect(db.engine).get_table_names())
            upgrade()
            assert policies() == {table: (True, True, 1) for table in TENANT_TABLES}

        downgrade(revision="base")
        remaining = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert remaining == set()

        upgrade()  # leave the database as the other tests expect it

"""The Alembic migrations build exactly the schema of the models, and take it down again; on
PostgreSQL with the row-level security policies of every tenant table."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from portal.extensions import db
from tests.conftest import ON_POSTGRESQL, owner_engine
from tests.test_rls import TENANT_TABLES, policies


def test_migrations_match_the_models_both_ways(app):
    with app.app_context():
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
                connection, opts={"compare_type": True, "render_as_batch": True}
            )
            differences = compare_metadata(context, db.metadata)
        assert differences == []
        if ON_POSTGRESQL:
            assert policies() == {table: (True, True, 1) for table in TENANT_TABLES}

            downgrade(revision="0005-1")  # the policies go, the tables stay
            assert policies() == {table: (False, False, 0) for table in TENANT_TABLES}
            assert set(TENANT_TABLES) <= set(inspect(db.engine).get_table_names())
            upgrade()
            assert policies() == {table: (True, True, 1) for table in TENANT_TABLES}

        downgrade(revision="base")
        remaining = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert remaining == set()

        upgrade()  # leave the database as the other tests expect it

"""The Alembic migrations build exactly the schema of the models, and take it down again."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from portal.extensions import db
from portal.models import outside_metadata


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
            built_by_models = search_index(connection)
        db.drop_all()  # the fixture's create_all: this test builds the schema itself
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
            assert search_index(connection) == built_by_models
            assert built_by_models  # FTS table and triggers, or trigram index and extension

        downgrade(revision="base")
        remaining = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert remaining == set()

        with db.engine.begin() as connection:
            connection.execute(text("DROP TABLE alembic_version"))
        db.create_all()  # leave the database as the other tests expect it

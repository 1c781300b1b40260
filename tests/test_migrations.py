"""The Alembic migrations build exactly the schema of the models, and take it down again."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from portal.extensions import db


def test_migrations_match_the_models_both_ways(app):
    with app.app_context():
        db.drop_all()  # the fixture's create_all: this test builds the schema itself
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "render_as_batch": True}
            )
            differences = compare_metadata(context, db.metadata)
        assert differences == []

        downgrade(revision="base")
        remaining = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert remaining == set()

        with db.engine.begin() as connection:
            connection.execute(text("DROP TABLE alembic_version"))
        db.create_all()  # leave the database as the other tests expect it

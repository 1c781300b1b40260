from flask import Blueprint

# The package, the blueprint and templates/brand_migration/ share one name (Alembic owns
# "migrations").
bp = Blueprint("brand_migration", __name__, url_prefix="/<brand_slug>")

from portal.brand_migration import consent_views, views  # noqa: E402,F401 - registers the routes

from flask import Blueprint

bp = Blueprint("migrations", __name__, url_prefix="/<brand_slug>")

from portal.brand_migration import views  # noqa: E402,F401 - registers the routes

from flask import Blueprint

bp = Blueprint("clients", __name__, url_prefix="/<brand_slug>")

from portal.clients import editing, import_views, views, wizard  # noqa: E402,F401 - registers the routes

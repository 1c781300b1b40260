from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/<brand_slug>")

from portal.auth import views  # noqa: E402,F401 - registers the routes

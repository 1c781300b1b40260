"""The brand's dashboard: its clients, devices, growth and migrations at a glance, and what
needs someone's attention."""

from flask import Blueprint

bp = Blueprint("dashboard", __name__, url_prefix="/<brand_slug>")

from portal.dashboard import views  # noqa: E402, F401 - registers the routes

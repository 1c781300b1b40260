"""The outbox: every outgoing email is stored first, then sent by the configured mail backend.

`emails` queues and sends; the blueprint shows a brand's outbox and sends a waiting email again.
"""

from flask import Blueprint

bp = Blueprint("outbox", __name__, url_prefix="/<brand_slug>")

from portal.outbox import views  # noqa: E402,F401 - registers the routes

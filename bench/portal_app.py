"""The portal as production builds it, plus one bench-only route: the reference of bench/serve.py.

`/<brand_slug>/bench/hello` answers "hello" after every hook a brand page runs: the edge checks,
the brand from the URL, the signed-in session, the membership and its permission, the unit of
work's commit and the headers. It lives here, never in the product.

    gunicorn bench.portal_app:app        (from the project's root)
"""

from flask import Blueprint

from portal import create_app
from portal.permissions import permission_required

bench = Blueprint("bench", __name__, url_prefix="/<brand_slug>")


@bench.get("/bench/hello")
@permission_required("clients.view")
def hello():
    return "hello"


app = create_app()
app.register_blueprint(bench)

"""Pages outside any brand: the front door and the health check."""

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from portal.permissions import public
from portal.serving import health
from portal.tenancy import brands_of

bp = Blueprint("main", __name__)


@bp.get("/")
@public
def index():
    if current_user.is_authenticated and (brands := brands_of(current_user)):
        return redirect(url_for("dashboard.index", brand_slug=brands[0].slug))
    # Brands are not listed to strangers: each reseller knows their portal's address.
    return render_template("main/index.html")


@bp.get("/healthz")
@public
def healthz():
    """For load balancers and orchestrators: 200 while the database (and Redis, when
    configured) answer, else 503. Needs no session and names no brand."""
    checks = health()
    serving = all(state != "down" for state in checks.values())
    body = {"status": "ok" if serving else "unavailable", **checks}
    return body, (200 if serving else 503), {"Cache-Control": "no-store"}

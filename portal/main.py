"""Pages outside any brand: the front door and the health check."""

from flask import Blueprint, current_app, redirect, render_template, send_from_directory, url_for
from flask_login import current_user

from portal.permissions import public
from portal.serving import health
from portal.tenancy import brands_of

bp = Blueprint("main", __name__)


@bp.get("/")
@public
def index():
    """A signed-in user picks among their brands (goes straight in when there is one); a
    stranger learns nothing of them: each reseller knows their portal's address."""
    brands = brands_of(current_user) if current_user.is_authenticated else []
    if len(brands) == 1:
        return redirect(url_for("dashboard.index", brand_slug=brands[0].slug))
    return render_template("main/index.html", my_brands=brands)


@bp.get("/favicon.ico")
@public
def favicon():
    """The portal's icon, for browsers that ask at the root (a brand's pages name their logo)."""
    return send_from_directory(
        current_app.static_folder, "favicon.ico", mimetype="image/x-icon", max_age=86400
    )


@bp.get("/healthz")
@public
def healthz():
    """For load balancers and orchestrators: 200 while the database (and Redis, when
    configured) answer, else 503. Needs no session and names no brand."""
    checks = health()
    serving = all(state != "down" for state in checks.values())
    body = {"status": "ok" if serving else "unavailable", **checks}
    return body, (200 if serving else 503), {"Cache-Control": "no-store"}

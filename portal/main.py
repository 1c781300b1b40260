"""Pages outside any brand: the front door and the health check."""

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import text

from portal.extensions import db
from portal.permissions import public
from portal.tenancy import brands_of

bp = Blueprint("main", __name__)


@bp.get("/")
@public
def index():
    if current_user.is_authenticated and (brands := brands_of(current_user)):
        return redirect(url_for("clients.index", brand_slug=brands[0].slug))
    # Brands are not listed to strangers: each reseller knows their portal's address.
    return render_template("main/index.html")


@bp.get("/health")
@public
def health():
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}

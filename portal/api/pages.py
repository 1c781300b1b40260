"""The API's pages in a brand's portal: its tokens (Administration) and its documentation."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectChoice, SelectField, StringField

from portal.api import tokens
from portal.extensions import db
from portal.forms import EmptyForm, PortalForm
from portal.models import ApiToken, PermissionGroup, Role
from portal.permissions import permission_required, signed_in
from portal.tenancy import get_or_404, scoped
from portal.validators import Normalized, check_text

bp = Blueprint("api_pages", __name__, url_prefix="/<brand_slug>")


class TokenForm(PortalForm):
    name = StringField(
        _l("Name"),
        validators=[Normalized(check_text, required=True, max_length=80)],
        render_kw={"maxlength": 80, "placeholder": _l("Billing system")},
    )
    group_id = SelectField(_l("Permission group"), choices=[], coerce=int)

    def __init__(self, groups, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.group_id.choices = [SelectChoice(group.id, group.label) for group in groups]


@bp.route("/admin/api-tokens", methods=["GET", "POST"])
@permission_required("admin.api")
def api_tokens():
    groups = list(db.session.scalars(scoped(PermissionGroup).order_by(PermissionGroup.name)))
    # Read-only unless the admin chooses more: a token's powers are granted, not assumed.
    support = next((group.id for group in groups if group.builtin == Role.SUPPORT), None)
    form = TokenForm(groups, data={"group_id": support})
    secret = None
    if form.validate_on_submit():
        group = next(group for group in groups if group.id == form.group_id.data)
        made, secret = tokens.create(g.brand, form.name.data, group, actor=current_user)
        flash(
            _("Token “%(name)s” created. Copy it now: it is shown only once.", name=made.name),
            "success",
        )
        form = TokenForm(groups, formdata=None, data={"group_id": support})
    shown = db.session.scalars(
        scoped(ApiToken).order_by(ApiToken.revoked_at.is_not(None), ApiToken.id.desc())
    ).all()
    # The secret is in this one response only: not in the session, the flash or the database.
    return render_template("api/tokens.html", form=form, tokens=shown, secret=secret), (
        422 if form.errors else 200
    )


@bp.post("/admin/api-tokens/<int:token_id>/revoke")
@permission_required("admin.api")
def revoke_token(token_id: int):
    token = get_or_404(ApiToken, token_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    tokens.revoke(token)
    flash(_("Token “%(name)s” revoked: it no longer opens anything.", name=token.name), "success")
    return redirect(url_for("api_pages.api_tokens"))


@bp.get("/api-docs")
@signed_in
def docs():
    """The API's documentation, drawn from its OpenAPI document (assets served from here)."""
    return render_template(
        "api/docs.html", spec_url=request.host_url.rstrip("/") + "/api/v1/openapi.json"
    )

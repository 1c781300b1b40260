"""Administration of a brand: permission groups, staff users, client groups; and brands."""

from __future__ import annotations

import re

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from portal.admin import bp, rules
from portal.admin.features import FEATURES
from portal.admin.forms import (
    BrandForm,
    ClientGroupForm,
    GroupForm,
    MemberGroupForm,
    StaffUserForm,
)
from portal.auth import links
from portal.db import rollback, widen_brand_scope
from portal.edge import parse_id
from portal.extensions import db
from portal.forms import EmptyForm
from portal.models import (
    AccountLink,
    Brand,
    Client,
    ClientGroup,
    ClientGroupMapping,
    LinkPurpose,
    Membership,
    PermissionGroup,
    Role,
)
from portal.models.brand import SLUG
from portal.outbox import emails as outbox_emails
from portal.permissions import GRANTABLE, group_permissions, permission_required
from portal.tenancy import brands_of, get_or_404, scoped
from portal.tracking import TemplateError, check_template, tracking_url


def _refused(error: rules.AdminError) -> None:
    """The rules said no: nothing of this request is kept, and the reader is told why."""
    rollback()
    flash(str(error.message), "error")


# --- permission groups --------------------------------------------------------------------


def _groups() -> list[PermissionGroup]:
    return list(db.session.scalars(scoped(PermissionGroup).order_by(PermissionGroup.name)))


@bp.route("/groups", methods=["GET", "POST"])
@permission_required("admin.groups")
def groups():
    form = GroupForm()
    if form.validate_on_submit():
        try:
            rules.save_group(g.brand, None, form.name.data, form.permissions.data)
        except rules.AdminError as error:
            _refused(error)
        else:
            flash(_("Group created."), "success")
            return redirect(url_for("admin.groups"))
    members = dict(
        db.session.execute(
            scoped(Membership)
            .with_only_columns(Membership.group_id, func.count(Membership.id))
            .where(Membership.active.is_(True))
            .group_by(Membership.group_id)
        ).all()
    )
    return render_template(
        "admin/groups.html",
        form=form,
        groups=_groups(),
        members=members,
        catalogue=GRANTABLE,
        group_permissions=group_permissions,
    ), (422 if form.errors else 200)


@bp.route("/groups/<int:group_id>", methods=["GET", "POST"])
@permission_required("admin.groups")
def group(group_id: int):
    group = get_or_404(PermissionGroup, group_id)
    form = GroupForm(data={"name": group.name, "permissions": group.permissions})
    if group.builtin is None and form.validate_on_submit():
        try:
            rules.save_group(g.brand, group, form.name.data, form.permissions.data)
        except rules.AdminError as error:
            _refused(error)
        else:
            flash(_("Group saved."), "success")
            return redirect(url_for("admin.groups"))
    return render_template(
        "admin/group.html",
        form=form,
        group=group,
        granted=group_permissions(group),
        catalogue=GRANTABLE,
    )


@bp.post("/groups/<int:group_id>/delete")
@permission_required("admin.groups")
def delete_group(group_id: int):
    group = get_or_404(PermissionGroup, group_id)
    if EmptyForm().validate_on_submit():
        try:
            rules.delete_group(group)
        except rules.AdminError as error:
            _refused(error)
            return redirect(url_for("admin.group", group_id=group.id))
        flash(_("Group deleted."), "success")
    return redirect(url_for("admin.groups"))


# --- staff users --------------------------------------------------------------------------


def _sent_or_waiting(outgoing, sent: str, waiting: str) -> None:
    """The link's email goes out once the change is committed, or waits in the outbox for a
    mail server; the reader is told which."""
    if outbox_emails.mail_configured():
        outbox_emails.send_after_commit([outgoing])
        flash(sent, "success")
    else:
        flash(waiting, "notice")


@bp.route("/users", methods=["GET", "POST"])
@permission_required("admin.users")
def users():
    groups = _groups()
    # The least a new colleague usually needs is offered first, never the admin group.
    reseller = next((gr.id for gr in groups if gr.builtin == Role.RESELLER), None)
    form = StaffUserForm(groups, data={"group_id": reseller, "locale": g.brand.default_locale})
    if form.validate_on_submit():
        group = next(gr for gr in groups if gr.id == form.group_id.data)
        email = form.email.data
        try:
            outgoing = rules.invite_staff_user(
                g.brand,
                email=email,
                name=form.name.data,
                locale=form.locale.data,
                group=group,
                actor=current_user,
            )
        except rules.AdminError as error:
            _refused(error)
        else:
            # The same words whether the account existed: no brand learns who works elsewhere.
            _sent_or_waiting(
                outgoing,
                _("Invitation sent to %(email)s.", email=email),
                _("The invitation to %(email)s waits in the outbox.", email=email),
            )
            return redirect(url_for("admin.users"))
    members = db.session.scalars(
        scoped(Membership)
        .options(joinedload(Membership.user), joinedload(Membership.group))
        .order_by(Membership.active.desc(), Membership.id)
    ).all()
    invitations = db.session.scalars(
        links.live(scoped(AccountLink))
        .where(AccountLink.purpose == LinkPurpose.INVITATION)
        .options(joinedload(AccountLink.user), joinedload(AccountLink.group))
        .order_by(AccountLink.id.desc())
    ).all()
    return render_template(
        "admin/users.html", form=form, members=members, invitations=invitations
    ), (422 if form.errors else 200)


@bp.post("/invitations/<int:link_id>")
@permission_required("admin.users")
def invitation(link_id: int):
    """Send an invitation again (a new link), or cancel it."""
    link = get_or_404(AccountLink, link_id)
    if link.purpose != LinkPurpose.INVITATION or not EmptyForm().validate_on_submit():
        abort(404 if link.purpose != LinkPurpose.INVITATION else 400)
    if request.form.get("action") == "cancel":
        rules.cancel_invitation(link)
        flash(_("Invitation cancelled."), "success")
    else:
        email = link.user.email
        _sent_or_waiting(
            rules.resend_invitation(link, current_user),
            _("Invitation sent to %(email)s.", email=email),
            _("The invitation to %(email)s waits in the outbox.", email=email),
        )
    return redirect(url_for("admin.users"))


@bp.route("/users/<int:membership_id>", methods=["GET", "POST"])
@permission_required("admin.users")
def user(membership_id: int):
    membership = get_or_404(Membership, membership_id)
    groups = _groups()
    group_form = MemberGroupForm(groups, data={"group_id": membership.group_id})
    manageable = rules.can_manage_account(current_user, membership.user)
    action = request.form.get("action")
    try:
        if action == "group" and group_form.validate_on_submit():
            group = next(gr for gr in groups if gr.id == group_form.group_id.data)
            rules.change_member_group(membership, group)
            flash(_("Permission group changed."), "success")
            return redirect(url_for("admin.user", membership_id=membership.id))
        if action == "reset" and EmptyForm().validate_on_submit():
            if not manageable:
                rules.record_refusal(membership, "password link", actor=current_user)
                abort(403)
            email = membership.user.email
            _sent_or_waiting(
                rules.send_password_link(membership, actor=current_user),
                _("A link to choose a new password was sent to %(email)s.", email=email),
                _("The password link to %(email)s waits in the outbox.", email=email),
            )
            return redirect(url_for("admin.user", membership_id=membership.id))
        if action in ("deactivate", "reactivate") and EmptyForm().validate_on_submit():
            if action == "deactivate":
                rules.deactivate_member(membership, actor=current_user)
                flash(
                    _(
                        "%(name)s no longer has access to this brand.",
                        name=membership.user.name,
                    ),
                    "success",
                )
            else:
                rules.reactivate_member(membership)
                flash(_("%(name)s can use this brand again.", name=membership.user.name), "success")
            return redirect(url_for("admin.user", membership_id=membership.id))
    except rules.AdminError as error:
        _refused(error)
    status = 422 if group_form.errors else 200
    return render_template(
        "admin/user.html", membership=membership, group_form=group_form, manageable=manageable
    ), status


# --- client permission groups -------------------------------------------------------------


@bp.route("/client-groups", methods=["GET", "POST"])
@permission_required("admin.groups")
def client_groups():
    form = ClientGroupForm()
    if form.validate_on_submit():
        try:
            rules.save_client_group(g.brand, None, form.name.data, form.features.data)
        except rules.AdminError as error:
            _refused(error)
        else:
            flash(_("Group created."), "success")
            return redirect(url_for("admin.client_groups"))
    groups = list(db.session.scalars(scoped(ClientGroup).order_by(ClientGroup.name)))
    counts = dict(
        db.session.execute(
            scoped(Client)
            .with_only_columns(Client.client_group_id, func.count(Client.id))
            .where(Client.client_group_id.is_not(None))
            .group_by(Client.client_group_id)
        ).all()
    )
    return render_template(
        "admin/client_groups.html", form=form, groups=groups, counts=counts, features=FEATURES
    ), (422 if form.errors else 200)


@bp.route("/client-groups/<int:group_id>", methods=["GET", "POST"])
@permission_required("admin.groups")
def client_group(group_id: int):
    group = get_or_404(ClientGroup, group_id)
    form = ClientGroupForm(data={"name": group.name, "features": group.features})
    # Only brands the reader may enter: the names of the others are none of their business.
    other_brands = [b for b in brands_of(current_user) if b.id != g.brand.id]
    # A mapping names a group of each of those brands: their groups are read here.
    widen_brand_scope(*(b.id for b in other_brands))
    if request.form.get("action") == "map" and EmptyForm().validate_on_submit():
        return _save_mappings(group, other_brands)
    if form.validate_on_submit():
        try:
            rules.save_client_group(g.brand, group, form.name.data, form.features.data)
        except rules.AdminError as error:
            _refused(error)
        else:
            flash(_("Group saved."), "success")
            return redirect(url_for("admin.client_groups"))
    # The group is this brand's (get_or_404 above): its mappings are too.
    mappings = {
        m.target_brand_id: m.target_group_id
        for m in db.session.scalars(
            select(ClientGroupMapping).where(ClientGroupMapping.source_group_id == group.id)
        )
    }
    # Groups of other brands, unscoped on purpose: the mapping names groups across brands.
    targets = {}
    for target in db.session.scalars(
        select(ClientGroup)
        .where(ClientGroup.brand_id.in_([b.id for b in other_brands]))
        .order_by(ClientGroup.name)
    ):
        targets.setdefault(target.brand_id, []).append(target)
    return render_template(
        "admin/client_group.html",
        form=form,
        group=group,
        other_brands=other_brands,
        targets=targets,
        mappings=mappings,
    )


def _save_mappings(group: ClientGroup, other_brands: list[Brand]):
    chosen = {}
    for target_brand in other_brands:
        raw = request.form.get(f"map-{target_brand.id}", "")
        target_id = parse_id(raw)
        if raw and target_id is None:
            flash(_("Choose a group of the list for %(brand)s.", brand=target_brand.name), "error")
            return redirect(url_for("admin.client_group", group_id=group.id))
        # Groups of another brand, unscoped on purpose: a mapping names a group over there.
        chosen[target_brand] = (
            db.session.scalar(
                select(ClientGroup).where(
                    ClientGroup.id == target_id, ClientGroup.brand_id == target_brand.id
                )
            )
            if target_id
            else None
        )
    for target_brand, target_group in chosen.items():
        rules.map_client_group(group, target_brand, target_group)
    flash(_("Group saved."), "success")
    return redirect(url_for("admin.client_group", group_id=group.id))


@bp.post("/client-groups/<int:group_id>/delete")
@permission_required("admin.groups")
def delete_client_group(group_id: int):
    group = get_or_404(ClientGroup, group_id)
    if EmptyForm().validate_on_submit():
        try:
            rules.delete_client_group(group)
        except rules.AdminError as error:
            _refused(error)
            return redirect(url_for("admin.client_group", group_id=group.id))
        flash(_("Group deleted."), "success")
    return redirect(url_for("admin.client_groups"))


# --- brands (platform admins) -------------------------------------------------------------


# The brand's sender, support address and consent setting (portal.outbox.emails.sender_of).
MAIL_SETTINGS = (
    "mail_from_name",
    "mail_from_address",
    "support_email",
    "transfer_needs_client_consent",
)


def _brand_form(brand: Brand | None):
    parents = db.session.scalars(
        select(Brand).where(Brand.id != (brand.id if brand else -1)).order_by(Brand.name)
    ).all()
    data = None
    if brand is not None:
        data = {
            key: getattr(brand, key)
            for key in (
                "name",
                "slug",
                "parent_id",
                "default_locale",
                "country_code",
                "tracking_url_template",
                "theme_color",
                "active",
                *MAIL_SETTINGS,
            )
        }
    return BrandForm(
        parents,
        data=data
        or {
            "active": True,
            "theme_color": "#1d4ed8",
            "country_code": g.brand.country_code,
            "default_locale": g.brand.default_locale,
        },
    )


@bp.get("/brands")
@permission_required("brands.manage")
def brands():
    all_brands = db.session.scalars(select(Brand).order_by(Brand.name)).all()
    widen_brand_scope(*(b.id for b in all_brands))  # every brand's count of clients
    counts = dict(
        db.session.execute(
            select(Client.brand_id, func.count(Client.id)).group_by(Client.brand_id)
        ).all()
    )
    return render_template("admin/brands.html", brands=all_brands, counts=counts)


@bp.route("/brands/new", methods=["GET", "POST"])
@permission_required("brands.manage")
def new_brand():
    return _edit_brand(None)


@bp.route("/brands/<int:brand_id>", methods=["GET", "POST"])
@permission_required("brands.manage")
def edit_brand(brand_id: int):
    brand = db.session.get(Brand, brand_id) or abort(404)
    return _edit_brand(brand)


def _edit_brand(brand: Brand | None):
    form = _brand_form(brand)
    if form.validate_on_submit():
        values = {
            key: form[key].data
            for key in (
                "name",
                "slug",
                "parent_id",
                "default_locale",
                "country_code",
                "tracking_url_template",
                "theme_color",
                "active",
                *MAIL_SETTINGS,
            )
        }
        try:
            rules.save_brand(brand, values, logo=form.accepted_logo)
        except rules.AdminError as error:
            _refused(error)
        else:
            flash(_("Brand saved."), "success")
            return redirect(url_for("admin.brands"))
    has_clients = brand is not None and rules.brand_has_clients(brand)
    return render_template(
        "admin/brand.html",
        form=form,
        edited=brand,
        has_clients=has_clients,
        platform_sender=outbox_emails.platform_sender()[1],
    ), (422 if form.errors else 200)


@bp.get("/brands/preview")
@permission_required("brands.manage")
def brand_preview():
    """The tracking address a sample client would get, as the template is typed."""
    template = request.args.get("tracking_url_template", "")[:255]
    country = request.args.get("country_code", "")
    slug = request.args.get("slug", "")
    try:
        check_template(template)
    except TemplateError as error:
        return render_template("admin/_preview.html", error=str(error))
    sample = Brand(
        slug=slug if SLUG.match(slug) else "brand",
        tracking_url_template=template,
    )
    country = country if re.fullmatch(r"[A-Za-z]{2}", country) else "BR"
    url = tracking_url(sample, country_code=country, language="pt")
    return render_template("admin/_preview.html", url=url)

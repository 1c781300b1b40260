"""Routes that change a client record: inline fields, tab forms, status, payment, login."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _

from portal.clients import bp, files, rules
from portal.clients.collections import COLLECTIONS
from portal.clients.fields import FIELD_TABS, FIELDS, editable_fields
from portal.clients.forms import (
    ClientLoginForm,
    PaymentForm,
    StatusForm,
    record_form,
    validate_changes,
)
from portal.clients.queries import load_client_record
from portal.clients.views import render_record
from portal.edge import parse_id
from portal.extensions import db
from portal.forms import EmptyForm
from portal.models import Asset, Client
from portal.permissions import can, permission_required
from portal.rendering import render_fragment, with_oob
from portal.tenancy import get_or_404, scoped

# Routes of the registries declare clients.view; the helper that looks the entry up checks
# the entry's own permission to change it (403 without it).


def _field_of(name: str, *, to_edit: bool = True):
    """The registry's field `name` (404 if there is none); to edit it, its permission."""
    field = FIELDS.get(name)
    if field is None:
        abort(404)
    if to_edit and not can(field.permission):
        abort(403)
    return field


def _field_fragment(block: str, client, field, status: int = 200, **context):
    """The field's value ("display") or its input ("input"), what htmx swaps in its place."""
    return render_fragment(
        "clients/_field.html", block, status, client=client, field=field, **context
    )


@bp.get("/clients/<int:client_id>/fields/<name>")
@permission_required("clients.view")
def field_display(client_id: int, name: str):
    """The field's value: what Cancel and Escape swap back in."""
    client = get_or_404(Client, client_id)
    return _field_fragment("display", client, _field_of(name, to_edit=False), saved=False)


@bp.route("/clients/<int:client_id>/fields/<name>/edit", methods=["GET", "POST"])
@permission_required("clients.view")
def field_edit(client_id: int, name: str):
    """The input of one field (GET) and its save (POST): the display again, or the errors."""
    client = get_or_404(Client, client_id)
    field = _field_of(name)
    if not request.htmx:  # without JavaScript, the whole tab's form does the job
        return redirect(url_for("clients.edit_tab", client_id=client.id, tab=field.tab))
    form = record_form([field], client)
    if not form.is_submitted():
        return _field_fragment("input", client, field, form=form, message=None)
    if not form.validate():
        return _field_fragment("input", client, field, 422, form=form, message=None)
    try:
        rules.update_fields(client, {name: form[field.form_name].data}, form.version.data)
    except rules.RecordError as error:
        db.session.refresh(client)
        fresh = record_form([field], client, fresh=True)
        return _field_fragment(
            "input", client, field, error.status, form=fresh, message=error.message
        )
    body, status = _field_fragment("display", client, field, saved=True)
    if field.in_header:  # the name: the title, the heading and the breadcrumb show it too
        body = with_oob(body, "clients/record.html", ("record_header",), client=client)
    return body, status


@bp.route("/clients/<int:client_id>/edit/<tab>", methods=["GET", "POST"])
@permission_required("clients.view")
def edit_tab(client_id: int, tab: str):
    """Every field of a tab in one plain form: the page that works without JavaScript."""
    if tab not in FIELD_TABS:
        abort(404)
    client = get_or_404(Client, client_id)
    fields = editable_fields(tab)
    if not fields:
        abort(403)
    form = record_form(fields, client)
    message, status = None, 200
    if form.is_submitted() and validate_changes(form):
        changes = {f.name: form[f.form_name].data for f in fields}
        # A change with consequences (the permission group) is asked about first, as the
        # inline editor's hx-confirm does with JavaScript.
        asking = [f for f in fields if f.confirm and changes[f.name] != f.get(client)]
        if asking and not request.form.get("confirmed"):
            return render_template(
                "clients/edit.html", client=client, form=form, tab=tab, confirm=asking[0].confirm
            )
        try:
            rules.update_fields(client, changes, form.version.data)
        except rules.RecordError as error:
            message, status = error.message, error.status
            db.session.refresh(client)
            form = record_form(fields, client, fresh=True)
        else:
            flash(_("Client updated."), "success")
            return redirect(url_for("clients.record", client_id=client.id, tab=tab))
    elif form.errors:
        status = 422
    return render_template(
        "clients/edit.html", client=client, form=form, tab=tab, message=message
    ), status


def _record_tab(client_id: int, tab: str, status: int = 200, **context):
    """Render a tab of the record again (htmx: only the tab) after a change or refusal."""
    client = load_client_record(client_id, tab)
    return render_record(client, tab, status=status, **context)


@bp.post("/clients/<int:client_id>/status")
@permission_required("clients.status")
def set_status(client_id: int):
    client = get_or_404(Client, client_id)
    form = StatusForm()
    if not form.validate_on_submit():
        return _record_tab(client.id, "status", 422, status_form=form, header=True)
    try:
        rules.set_status(client, form.status.data, form.reason.data, form.version.data)
    except rules.RecordError as error:
        return _record_tab(
            client.id,
            "status",
            error.status,
            header=True,
            status_form=form,
            message=error.message,
        )
    flash(_("Client updated."), "success")
    return _after_change(client.id, "status", header=True)


@bp.post("/clients/<int:client_id>/payment")
@permission_required("clients.status")
def set_payment(client_id: int):
    client = get_or_404(Client, client_id)
    form = PaymentForm()
    if not form.validate_on_submit():
        return _record_tab(client.id, "status", 422, header=True)
    try:
        rules.set_payment_status(client, form.payment_status.data, form.version.data)
    except rules.RecordError as error:
        return _record_tab(client.id, "status", error.status, message=error.message, header=True)
    flash(_("Client updated."), "success")
    return _after_change(client.id, "status", header=True)


@bp.post("/clients/<int:client_id>/login")
@permission_required("clients.login")
def update_login(client_id: int):
    client = get_or_404(Client, client_id)
    form = ClientLoginForm()
    if not form.validate_on_submit():
        return _record_tab(client.id, "login", 422, login_form=form, header=True)
    try:
        rules.update_login(
            client, form.login_email.data, form.password.data or None, form.version.data
        )
    except rules.RecordError as error:
        return _record_tab(client.id, "login", error.status, message=error.message, header=True)
    flash(_("Client updated."), "success")
    return _after_change(client.id, "login", header=True)


def _after_change(client_id: int, tab: str, *, header: bool = False):
    """htmx: the tab again, with the confirmation (and the page's header when the change shows
    there); a plain form: back to the record."""
    if request.htmx:
        return _record_tab(client_id, tab, header=header)
    return redirect(url_for("clients.record", client_id=client_id, tab=tab))


# --- the record's lists -------------------------------------------------------------------


def _collection_of(name: str, *, to_edit: bool = True):
    """The registry's list `name` (404 if there is none); to change it, its permission."""
    collection = COLLECTIONS.get(name)
    if collection is None:
        abort(404)
    if to_edit and not can(collection.permission):
        abort(403)
    return collection


def _item_of(client: Client, collection, item_id: int):
    """An item of this client's list: 404 for anyone else's, as for a foreign client."""
    for item in collection.items(client):
        if item.id == item_id:
            return item
    abort(404)


def _collection_form(collection, client, obj=None):
    form = collection.form(obj=obj)
    form.country_code = client.country_code
    return form


def _collection_response(
    client,
    collection,
    status=200,
    *,
    new_form=None,
    edit_form=None,
    editing=None,
    message=None,
    saved=False,
):
    """htmx: the list's section alone (and the new version for every form), saying "Client
    updated." itself; else the tab, or back to it with the message flashed."""
    if request.htmx:
        return render_fragment(
            "clients/_collection.html",
            "section",
            status,
            client=client,
            collection=collection,
            new_form=new_form,
            edit_form=edit_form,
            editing=editing,
            message=message,
            saved=saved,
        )
    if status >= 400:
        return render_record(client, collection.tab, status, message=message)
    if saved:
        flash(_("Client updated."), "success")
    return redirect(url_for("clients.record", client_id=client.id, tab=collection.tab))


@bp.get("/clients/<int:client_id>/<collection_name>")
@permission_required("clients.view")
def show_items(client_id: int, collection_name: str):
    """The list as it is: what Cancel on an item being edited swaps back in."""
    collection = _collection_of(collection_name, to_edit=False)
    client = load_client_record(client_id) or abort(404)
    return _collection_response(client, collection)


@bp.post("/clients/<int:client_id>/<collection_name>")
@permission_required("clients.view")
def add_item(client_id: int, collection_name: str):
    collection = _collection_of(collection_name)
    client = load_client_record(client_id) or abort(404)
    form = _collection_form(collection, client)
    if not form.validate_on_submit():
        return _collection_response(client, collection, 422, new_form=form)
    try:
        rules.add_item(
            client,
            collection,
            collection.values(form, client),
            _version(),
            upload=collection.upload_of(form),
        )
    except rules.RecordError as error:
        return _collection_response(client, collection, error.status, message=error.message)
    return _collection_response(client, collection, saved=True)


@bp.route("/clients/<int:client_id>/<collection_name>/<int:item_id>/edit", methods=["GET", "POST"])
@permission_required("clients.view")
def edit_item(client_id: int, collection_name: str, item_id: int):
    collection = _collection_of(collection_name)
    if not collection.editable:
        abort(404)
    client = load_client_record(client_id) or abort(404)
    item = _item_of(client, collection, item_id)
    form = _collection_form(collection, client, obj=item)
    if not form.is_submitted():
        return _collection_response(client, collection, editing=item.id, edit_form=form)
    if not form.validate():
        return _collection_response(client, collection, 422, editing=item.id, edit_form=form)
    try:
        rules.update_item(
            client,
            collection,
            item,
            collection.values(form, client),
            _version(),
            upload=collection.upload_of(form),
        )
    except rules.RecordError as error:
        return _collection_response(client, collection, error.status, message=error.message)
    return _collection_response(client, collection, saved=True)


@bp.post("/clients/<int:client_id>/<collection_name>/<int:item_id>/delete")
@permission_required("clients.view")
def remove_item(client_id: int, collection_name: str, item_id: int):
    collection = _collection_of(collection_name)
    client = load_client_record(client_id) or abort(404)
    item = _item_of(client, collection, item_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        rules.remove_item(client, collection, item, _version())
    except rules.RecordError as error:
        return _collection_response(client, collection, error.status, message=error.message)
    return _collection_response(client, collection, saved=True)


@bp.get("/clients/<int:client_id>/<collection_name>/<int:item_id>/file")
@permission_required("clients.view")
def item_file(client_id: int, collection_name: str, item_id: int):
    """An item's file (a document's scan), only to staff of the client's brand."""
    collection = _collection_of(collection_name, to_edit=False)
    if not collection.takes_file:
        abort(404)
    client = load_client_record(client_id) or abort(404)
    item = _item_of(client, collection, item_id)
    if not item.stored_name:
        abort(404)
    return send_file(
        files.path_of(item.stored_name),
        mimetype=item.content_type,
        download_name=files.download_name(item),
        as_attachment=True,
    )


def _version() -> int | None:
    """The record version the page was showing, sent by every form of the record."""
    try:
        return int(request.form.get("version", ""))
    except ValueError:
        return None


# --- equipment ----------------------------------------------------------------------------


@bp.post("/clients/<int:client_id>/equipment/assign")
@permission_required("clients.edit")
def assign_asset(client_id: int):
    client = get_or_404(Client, client_id)
    asset_id = parse_id(request.form.get("asset_id"))
    if asset_id is None:
        return _record_tab(client.id, "equipment", 422, message=_("Choose a device."))
    asset = db.session.scalar(scoped(Asset).where(Asset.id == asset_id))
    try:
        if asset is None:
            raise rules.AssetUnavailable()
        rules.assign_asset(client, asset, _version())
    except rules.RecordError as error:
        return _record_tab(client.id, "equipment", error.status, message=error.message)
    flash(_("Device assigned."), "success")
    return _after_change(client.id, "equipment")


@bp.post("/clients/<int:client_id>/equipment/<int:asset_id>/unassign")
@permission_required("clients.edit")
def unassign_asset(client_id: int, asset_id: int):
    client = get_or_404(Client, client_id)
    asset = get_or_404(Asset, asset_id)
    try:
        rules.unassign_asset(client, asset, _version())
    except rules.RecordError as error:
        return _record_tab(client.id, "equipment", error.status, message=error.message)
    flash(_("Device unassigned."), "success")
    return _after_change(client.id, "equipment")


# --- deleting -----------------------------------------------------------------------------


@bp.route("/clients/<int:client_id>/delete", methods=["GET", "POST"])
@permission_required("clients.delete")
def delete(client_id: int):
    client = load_client_record(client_id) or abort(404)
    message = None
    if EmptyForm().validate_on_submit():
        name = client.name
        try:
            rules.delete_client(client, _version())
        except rules.RecordError as error:
            message = error.message
            status = error.status
            client = load_client_record(client_id) or abort(404)
        else:
            flash(_("%(name)s was deleted.", name=name), "success")
            return redirect(url_for("clients.index"))
    return render_template("clients/delete.html", client=client, message=message), (
        status if message else 200
    )

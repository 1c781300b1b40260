"""Clients over the API: list and search, read, create, change, delete; status and payment;
contacts; equipment. The same rules, validation, freeze and tenancy as the pages.

Every client carries an ETag (its version). A change needs `If-Match` with it: without one the
answer is 428, with a stale one 412 and the current client — never a silent overwrite.
"""

from __future__ import annotations

from flask import abort, g, jsonify, make_response, request
from flask_babel import gettext as _
from flask_smorest import Blueprint
from werkzeug.datastructures import MultiDict

from portal.api import schemas
from portal.api.access import limit_per_token, token_required
from portal.api.problems import refuse
from portal.clients import rules
from portal.clients.collections import COLLECTIONS
from portal.clients.fields import FIELDS
from portal.clients.forms import record_form
from portal.clients.queries import load_client_record, search_clients
from portal.edge import MAX_ID
from portal.extensions import db
from portal.models import Asset, Client, ClientStatus, PaymentStatus
from portal.tenancy import get_or_404, scoped
from portal.validators import ValidationError, check_text

blp = Blueprint("api_clients", __name__, url_prefix="/api/v1", description="Clients of the brand")
limit_per_token(blp)

PROBLEM = {"schema": schemas.Problem, "content_type": "application/problem+json"}


def answers(*codes: int):
    """Document the problem responses an operation may give (and 400/401/429 for every one)."""

    def decorator(view):
        for code in sorted({400, 401, 429, *codes}):
            view = blp.alt_response(code, **PROBLEM)(view)
        return view

    return decorator


# --- representation, versions and validation ------------------------------------------------


def represent(client: Client, status: int = 200):
    """The client as JSON, with its version as the ETag."""
    response = jsonify(schemas.Client().dump(client))
    response.status_code = status
    response.set_etag(str(client.version))
    return response


def expected_version(client: Client) -> int:
    """The version If-Match names; 428 without one, 412 (with the current client) if stale."""
    if not request.headers.get("If-Match"):
        refuse(428, _("Send If-Match with the ETag of the client you read."))
    tags = request.if_match.as_set()
    if str(client.version) not in tags and not request.if_match.star_tag:
        abort(represent(client, 412))
    return client.version


def _formdata(payload: dict, prefix: str = "") -> MultiDict:
    """JSON values as the strings a form would post (true/false as a ticked box or none)."""
    data = MultiDict()
    for key, value in payload.items():
        if isinstance(value, dict):
            data.update(_formdata(value, prefix=f"{prefix}{key}__"))
        elif value is True:
            data.add(prefix + key, "y")
        elif value is None or value is False:
            data.add(prefix + key, "")
        else:
            data.add(prefix + key, str(value))
    return data


def _check(form) -> None:
    """422 with every field's messages (dotted names, as the JSON has them)."""
    if not form.validate():
        errors = {
            name.replace("__", "."): [str(m) for m in messages]
            for name, messages in form.errors.items()
        }
        refuse(422, errors=errors)


def _refused(error: rules.RecordError, client: Client):
    """A rule said no: a stale record is 412 with the current one; anything else a problem."""
    if isinstance(error, rules.StaleRecord):
        db.session.refresh(client)
        abort(represent(client, 412))
    refuse(error.status, str(error.message))


def _named(payload: dict) -> list:
    """The registry fields a payload sets: top-level names and `address` members."""
    names = [name for name in payload if name in schemas.CLIENT_FIELDS]
    names += [f"address.{name}" for name in payload.get("address") or {}]
    return [FIELDS[name] for name in names]


def _client(client_id: int) -> Client:
    return load_client_record(client_id) or abort(404)


# --- clients ----------------------------------------------------------------------------------


@blp.route("/clients")
@token_required("clients.view")
@blp.arguments(schemas.ClientQuery, location="query")
@blp.response(200, schemas.ClientPage)
@answers(403, 422)
def list_clients(query):
    """The brand's clients, searched and filtered as on the client list, a page at a time."""
    page = search_clients(
        q=query["q"],
        status=query.get("status"),
        payment=query.get("payment"),
        access=query.get("access"),
        sort=query["sort"],
        per_page=query["per_page"],
        after=query.get("after"),
        before=query.get("before"),
    )
    return {"items": page.clients, "next_cursor": page.next_cursor, "prev_cursor": page.prev_cursor}


@blp.route("/clients", methods=["POST"])
@token_required("clients.create")
@blp.arguments(schemas.ClientWrite)
@blp.response(201, schemas.Client)
@answers(403, 409, 422)
def create_client(payload):
    """A new client, checked field by field as the creation wizard checks it."""
    provider_user_id = payload.pop("provider_user_id", None)
    draft = Client(country_code=(payload.get("country_code") or "GB"), version=0)
    fields = list(FIELDS.values())
    form = record_form(fields, draft, formdata=_formdata({"version": 0, **payload}))
    _check(form)
    if provider_user_id is not None:
        try:
            provider_user_id = check_text(provider_user_id, required=True, max_length=40)
        except ValidationError as error:
            refuse(422, errors={"provider_user_id": [str(error)]})
        taken = scoped(Client).where(Client.provider_user_id == provider_user_id)
        if db.session.scalar(taken) is not None:
            refuse(409, _("Another client of this brand has this user ID."))
    values = {f.name: form[f.form_name].data for f in fields}
    address = {k.removeprefix("address."): v for k, v in values.items() if "." in k}
    values = {k: v for k, v in values.items() if "." not in k}
    address["country_code"] = values["country_code"]
    values["provider_user_id"] = provider_user_id or rules.new_provider_user_id(g.brand)
    values["login_email"] = values.get("email") or ""
    created = rules.create_client(g.brand.id, values, address, [])
    db.session.flush()
    return represent(load_client_record(created.id), 201)


@blp.route("/clients/<int:client_id>")
@token_required("clients.view")
@blp.response(200, schemas.Client)
@answers(403, 404)
def get_client(client_id: int):
    """One client; its ETag is what a change sends back in If-Match."""
    return represent(_client(client_id))


@blp.route("/clients/<int:client_id>", methods=["PATCH"])
@token_required("clients.edit")
@blp.arguments(schemas.ClientWrite(partial=True))
@blp.response(200, schemas.Client)
@blp.alt_response(412, schema=schemas.Client, description="Stale If-Match: the current client.")
@answers(403, 404, 409, 422, 428)
def update_client(payload, client_id: int):
    """Change some fields; the others stay as they are."""
    client = _client(client_id)
    version = expected_version(client)
    payload.pop("provider_user_id", None)  # fixed once created
    fields = _named(payload)
    form = record_form(fields, client, formdata=_formdata({"version": version, **payload}))
    _check(form)
    try:
        rules.update_fields(client, {f.name: form[f.form_name].data for f in fields}, version)
    except rules.RecordError as error:
        _refused(error, client)
    return represent(client)


@blp.route("/clients/<int:client_id>", methods=["DELETE"])
@token_required("clients.delete")
@blp.response(204)
@blp.alt_response(412, schema=schemas.Client, description="Stale If-Match: the current client.")
@answers(403, 404, 409, 428)
def delete_client(client_id: int):
    """Delete the client: its devices are unassigned, its contacts and units go, the trail stays."""
    client = _client(client_id)
    try:
        rules.delete_client(client, expected_version(client))
    except rules.RecordError as error:
        _refused(error, client)
    return make_response("", 204)


@blp.route("/clients/<int:client_id>/status", methods=["PUT"])
@token_required("clients.status")
@blp.arguments(schemas.StatusWrite)
@blp.response(200, schemas.Client)
@blp.alt_response(412, schema=schemas.Client, description="Stale If-Match: the current client.")
@answers(403, 404, 409, 422, 428)
def set_status(payload, client_id: int):
    """Active, cancelled or blocked (the last two with a reason)."""
    client = _client(client_id)
    try:
        rules.set_status(
            client, ClientStatus(payload["status"]), payload["reason"], expected_version(client)
        )
    except rules.RecordError as error:
        _refused(error, client)
    return represent(client)


@blp.route("/clients/<int:client_id>/payment", methods=["PUT"])
@token_required("clients.status")
@blp.arguments(schemas.PaymentWrite)
@blp.response(200, schemas.Client)
@blp.alt_response(412, schema=schemas.Client, description="Stale If-Match: the current client.")
@answers(403, 404, 409, 422, 428)
def set_payment(payload, client_id: int):
    """Up to date or delinquent: a delinquent client loses access at once."""
    client = _client(client_id)
    try:
        rules.set_payment_status(
            client, PaymentStatus(payload["payment_status"]), expected_version(client)
        )
    except rules.RecordError as error:
        _refused(error, client)
    return represent(client)


# --- contacts ---------------------------------------------------------------------------------

CONTACTS = COLLECTIONS["contacts"]


def _contact_form(client: Client, payload: dict):
    form = CONTACTS.form(formdata=_formdata(payload), meta={"csrf": False})
    form.country_code = client.country_code
    return form


def _contact_response(contact, client: Client, status: int = 200):
    response = jsonify(schemas.Contact().dump(contact))
    response.status_code = status
    response.set_etag(str(client.version))
    return response


def _contact(client: Client, contact_id: int):
    return next((c for c in client.contacts if c.id == contact_id), None) or abort(404)


@blp.route("/clients/<int:client_id>/contacts")
@token_required("clients.view")
@blp.response(200, schemas.ContactList)
@answers(403, 404)
def list_contacts(client_id: int):
    client = _client(client_id)
    return {"items": client.contacts}


@blp.route("/clients/<int:client_id>/contacts", methods=["POST"])
@token_required("clients.edit")
@blp.arguments(schemas.ContactWrite)
@blp.response(201, schemas.Contact)
@blp.alt_response(412, schema=schemas.Client, description="Stale If-Match: the current client.")
@answers(403, 404, 409, 422, 428)
def add_contact(payload, client_id: int):
    """A contact of the client (If-Match: the client's ETag)."""
    client = _client(client_id)
    version = expected_version(client)
    form = _contact_form(client, payload)
    _check(form)
    try:
        contact = rules.add_item(client, CONTACTS, CONTACTS.values(form, client), version)
    except rules.RecordError as error:
        _refused(error, client)
    db.session.flush()
    return _contact_response(contact, client, 201)


@blp.route("/clients/<int:client_id>/contacts/<int:contact_id>", methods=["PATCH"])
@token_required("clients.edit")
@blp.arguments(schemas.ContactWrite(partial=True))
@blp.response(200, schemas.Contact)
@blp.alt_response(412, schema=schemas.Client, description="Stale If-Match: the current client.")
@answers(403, 404, 409, 422, 428)
def update_contact(payload, client_id: int, contact_id: int):
    client = _client(client_id)
    contact = _contact(client, contact_id)
    version = expected_version(client)
    current = schemas.ContactWrite().dump(contact)
    form = _contact_form(client, {**current, **payload})
    _check(form)
    try:
        rules.update_item(client, CONTACTS, contact, CONTACTS.values(form, client), version)
    except rules.RecordError as error:
        _refused(error, client)
    return _contact_response(contact, client)


@blp.route("/clients/<int:client_id>/contacts/<int:contact_id>", methods=["DELETE"])
@token_required("clients.edit")
@blp.response(204)
@blp.alt_response(412, schema=schemas.Client, description="Stale If-Match: the current client.")
@answers(403, 404, 409, 428)
def remove_contact(client_id: int, contact_id: int):
    client = _client(client_id)
    contact = _contact(client, contact_id)
    try:
        rules.remove_item(client, CONTACTS, contact, expected_version(client))
    except rules.RecordError as error:
        _refused(error, client)
    response = make_response("", 204)
    response.set_etag(str(client.version))
    return response


# --- equipment --------------------------------------------------------------------------------


@blp.route("/assets")
@token_required("clients.view")
@blp.arguments(schemas.AssetQuery, location="query")
@blp.response(200, schemas.AssetPage)
@answers(403, 422)
def list_assets(query):
    """The brand's devices by id, free or assigned, a page at a time (`after`: the last id)."""
    assets = scoped(Asset).order_by(Asset.id).limit(query["per_page"] + 1)
    if "free" in query:
        assets = assets.where(
            Asset.client_id.is_(None) if query["free"] else Asset.client_id.is_not(None)
        )
    if query.get("after"):
        assets = assets.where(Asset.id > query["after"])
    rows = list(db.session.scalars(assets))
    more = len(rows) > query["per_page"]
    rows = rows[: query["per_page"]]
    next_cursor = str(rows[-1].id) if more and rows else None
    return {"items": rows, "next_cursor": next_cursor, "prev_cursor": None}


@blp.route("/clients/<int:client_id>/assets", methods=["POST"])
@token_required("clients.edit")
@blp.arguments(schemas.AssetAssign)
@blp.response(200, schemas.Asset)
@blp.alt_response(412, schema=schemas.Client, description="Stale If-Match: the current client.")
@answers(403, 404, 409, 422, 428)
def assign_asset(payload, client_id: int):
    """Give the client a free device of the brand."""
    client = _client(client_id)
    version = expected_version(client)
    asset_id = payload["asset_id"]
    asset = None
    if 1 <= asset_id <= MAX_ID:
        asset = db.session.scalar(scoped(Asset).where(Asset.id == asset_id))
    if asset is None:
        refuse(422, errors={"asset_id": [_("Choose a device of this brand.")]})
    try:
        rules.assign_asset(client, asset, version)
    except rules.RecordError as error:
        _refused(error, client)
    db.session.refresh(asset)
    response = jsonify(schemas.Asset().dump(asset))
    response.set_etag(str(client.version))
    return response


@blp.route("/clients/<int:client_id>/assets/<int:asset_id>", methods=["DELETE"])
@token_required("clients.edit")
@blp.response(204)
@blp.alt_response(412, schema=schemas.Client, description="Stale If-Match: the current client.")
@answers(403, 404, 409, 428)
def unassign_asset(client_id: int, asset_id: int):
    client = _client(client_id)
    asset = get_or_404(Asset, asset_id)
    if asset.client_id != client.id:
        abort(404)
    try:
        rules.unassign_asset(client, asset, expected_version(client))
    except rules.RecordError as error:
        _refused(error, client)
    response = make_response("", 204)
    response.set_etag(str(client.version))
    return response

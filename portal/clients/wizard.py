"""Creating a client in steps: company data -> contacts -> review -> save.

The draft lives in the user's session until it is saved; nothing reaches the database before.
"""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from portal.clients import bp, rules
from portal.clients.collections import ContactForm
from portal.clients.fields import fields_of_tab
from portal.clients.forms import record_form
from portal.forms import EmptyForm
from portal.models import Client, ClientKind, Segment
from portal.permissions import permission_required

DRAFT_KEY = "new_client"
MAX_CONTACTS = 10


def _fields():
    return fields_of_tab("personal") + fields_of_tab("other")


def _draft() -> dict:
    return session.get(DRAFT_KEY) or {"values": {}, "contacts": []}


def _save_draft(draft: dict) -> None:
    session[DRAFT_KEY] = draft


def _draft_client(draft: dict) -> Client:
    """A client that is never added to the session: it carries the draft for forms and review."""
    client = Client(
        brand_id=g.brand.id,
        country_code=g.brand.country_code,
        locale=g.brand.default_locale,
        kind=ClientKind.COMPANY,
        segment=Segment.OTHER,
        version=0,
    )
    for field in _fields():
        if field.name in draft["values"]:
            field.set(client, draft["values"][field.name])
    return client


@bp.route("/clients/new", methods=["GET", "POST"])
@permission_required("clients.create")
def new():
    if request.method == "GET" and request.args.get("restart"):
        session.pop(DRAFT_KEY, None)
    draft = _draft()
    client = _draft_client(draft)
    form = record_form(_fields(), client)
    if form.validate_on_submit():
        draft["values"] = {f.name: _plain(form[f.form_name].data) for f in _fields()}
        _save_draft(draft)
        return redirect(url_for("clients.new_contacts"))
    return render_template("clients/new.html", step="company", form=form, draft=draft), (
        422 if form.errors else 200
    )


@bp.route("/clients/new/contacts", methods=["GET", "POST"])
@permission_required("clients.create")
def new_contacts():
    draft = _draft()
    if not draft["values"]:
        return redirect(url_for("clients.new"))
    form = ContactForm()
    form.country_code = draft["values"].get("country_code") or g.brand.country_code
    if request.form.get("remove", "").isdigit() and EmptyForm().validate_on_submit():
        index = int(request.form["remove"])
        if 0 <= index < len(draft["contacts"]):
            draft["contacts"].pop(index)
            _save_draft(draft)
        return redirect(url_for("clients.new_contacts"))
    if form.validate_on_submit():
        if len(draft["contacts"]) >= MAX_CONTACTS:
            abort(400)
        draft["contacts"].append(
            {name: field.data for name, field in form._fields.items() if name != "csrf_token"}
        )
        _save_draft(draft)
        return redirect(url_for("clients.new_contacts"))
    return render_template("clients/new.html", step="contacts", form=form, draft=draft), (
        422 if form.errors else 200
    )


@bp.route("/clients/new/review", methods=["GET", "POST"])
@permission_required("clients.create")
def new_review():
    draft = _draft()
    if not draft["values"]:
        return redirect(url_for("clients.new"))
    client = _draft_client(draft)
    if EmptyForm().validate_on_submit():
        values = {k: v for k, v in draft["values"].items() if not k.startswith("address.")}
        address = {
            k.removeprefix("address."): v
            for k, v in draft["values"].items()
            if k.startswith("address.")
        }
        address["country_code"] = values.get("country_code") or g.brand.country_code
        values["provider_user_id"] = rules.new_provider_user_id(g.brand)
        values["login_email"] = values.get("email", "")
        created = rules.create_client(g.brand.id, values, address, draft["contacts"])
        session.pop(DRAFT_KEY, None)
        flash(_("Client created."), "success")
        return redirect(url_for("clients.record", client_id=created.id))
    return render_template(
        "clients/new.html", step="review", client=client, draft=draft, fields=_fields()
    )


def _plain(value):
    """Session-safe: enums as their value."""
    return value.value if hasattr(value, "value") else value

from __future__ import annotations

from datetime import date

from flask import Response, abort, g, request, send_file, stream_with_context
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_login import current_user

from portal import audit
from portal.clients import bp, spreadsheet
from portal.clients.collections import collections_of_tab
from portal.clients.fields import editable_fields, fields_of_tab
from portal.clients.forms import ClientLoginForm, ClientSearchForm, StatusForm
from portal.clients.history import history_of
from portal.clients.queries import (
    exported_clients,
    free_assets,
    load_client_record,
    search_clients,
)
from portal.permissions import brands_where, can, permission_required
from portal.rendering import render_page

RECORD_TABS = {
    "personal": _l("Personal data"),
    "status": _l("Status"),
    "documents": _l("Documents"),
    "login": _l("Login"),
    "other": lazy_pgettext("record tab", "Other"),
    "equipment": _l("Equipment"),
    "history": _l("History"),
}


@bp.get("/clients")
@permission_required("clients.view")
def index():
    form = ClientSearchForm(request.args)
    params = form.cleaned()
    page = search_clients(
        **params, after=request.args.get("after"), before=request.args.get("before")
    )
    list_args = form.list_args(params)
    # The brands the bulk bar offers to migrate the ticked clients to.
    targets = (
        brands_where(current_user, "migrations.create", besides=g.brand)
        if can("migrations.create")
        else []
    )
    return render_page(
        "clients/index.html",
        "results",
        form=form,
        page=page,
        list_args=list_args,
        targets=targets,
    )


@bp.get("/clients/export.<any(csv, xlsx):kind>")
@permission_required("clients.export")
def export(kind: str):
    """The list as it is filtered, as a spreadsheet (streamed: any size, little memory)."""
    params = ClientSearchForm(request.args).cleaned()
    audit.record(
        "clients.exported",
        brand_id=g.brand.id,
        field="export",
        new=kind,
        note=", ".join(f"{key}={value}" for key, value in params.items() if value) or None,
    )
    clients = exported_clients(**params)
    filename = f"{g.brand.slug}-clients-{date.today().isoformat()}.{kind}"
    if kind == "xlsx":
        return send_file(
            spreadsheet.xlsx_file(clients, g.brand.name),
            mimetype=spreadsheet.XLSX_TYPE,
            download_name=filename,
            as_attachment=True,
        )
    return Response(
        stream_with_context(spreadsheet.csv_chunks(clients)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.get("/clients/<int:client_id>")
@permission_required("clients.view")
def record(client_id: int):
    tab = request.args.get("tab", "personal")
    if tab not in RECORD_TABS:
        tab = "personal"
    client = load_client_record(client_id, tab)
    if client is None:
        abort(404)
    return render_record(client, tab)


def render_record(client, tab: str, status: int = 200, *, header: bool = False, **context):
    """The record page at one tab (htmx: the tab alone), with the forms that tab needs.
    `header`: a change may have touched the name, status or access the page's header shows;
    htmx gets the header too, out of band."""
    if client is None:
        abort(404)
    # Only the forms the tab shows (three forms cost a tenth of the personal tab's time).
    if tab == "status" and "status_form" not in context:
        context["status_form"] = StatusForm(
            data={"version": client.version, "status": client.status}
        )
    if tab == "login":
        login_form = context.setdefault(
            "login_form",
            ClientLoginForm(data={"version": client.version, "login_email": client.login_email}),
        )
        login_form.password.data = login_form.confirmation.data = ""  # never filled in
    if tab == "history":
        if not can("audit.view"):
            abort(403)
        context["history"] = history_of(client, request.args.get("field") or None)
    if tab == "equipment":
        context["free_assets"], context["free_count"] = free_assets()
    return render_page(
        "clients/record.html",
        "tab_panel",
        status,
        oob_blocks=("record_header",) if header else (),
        client=client,
        tab=tab,
        tabs=RECORD_TABS,
        fields_of_tab=fields_of_tab,
        editable_fields=editable_fields,
        collections_of_tab=collections_of_tab,
        today=date.today(),
        **context,
    )

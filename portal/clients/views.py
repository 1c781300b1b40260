from __future__ import annotations

from flask import abort, render_template, request
from flask_babel import lazy_gettext as _l
from jinja2_fragments.flask import render_block

from portal.clients import bp
from portal.clients.forms import ClientSearchForm
from portal.clients.queries import load_client_record, search_clients
from portal.permissions import permission_required

RECORD_TABS = {
    "personal": _l("Personal data"),
    "status": _l("Status"),
    "documents": _l("Documents"),
    "login": _l("Login"),
    "other": _l("Other"),
}


def _render(template: str, block: str, **context):
    """The whole page, or only `block` of the same template for an htmx request."""
    if request.htmx and not request.htmx.boosted:
        return render_block(template, block, **context)
    return render_template(template, **context)


@bp.get("/clients")
@permission_required("clients.view")
def index():
    form = ClientSearchForm(request.args)
    params = form.cleaned()
    page = search_clients(
        **params, after=request.args.get("after"), before=request.args.get("before")
    )
    # The query string of this list, without defaults: the base of every paging link.
    list_args = {
        "q": params["q"],
        "status": params["status"],
        "payment": params["payment"],
        "sort": params["sort"] if params["sort"] != "name" else None,
        "per": params["per_page"] if params["per_page"] != 25 else None,
    }
    list_args = {key: value for key, value in list_args.items() if value}
    return _render("clients/index.html", "results", form=form, page=page, list_args=list_args)


@bp.get("/clients/<int:client_id>")
@permission_required("clients.view")
def record(client_id: int):
    client = load_client_record(client_id)
    if client is None:
        abort(404)
    tab = request.args.get("tab", "personal")
    if tab not in RECORD_TABS:
        tab = "personal"
    return _render(
        "clients/record.html", "tab_panel", client=client, tab=tab, tabs=RECORD_TABS
    )

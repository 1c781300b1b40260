"""Importing clients from a spreadsheet: upload, map the columns, read the dry run, import.

Thin views over portal/clients/importing.py; one template, its progress a block that htmx
polls while the job runs."""

from __future__ import annotations

from flask import flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select
from wtforms import SelectChoice

from portal.clients import bp, importing
from portal.clients.forms import ImportFileForm, mapping_form
from portal.db import after_commit, rollback
from portal.extensions import db
from portal.forms import EmptyForm
from portal.jobs import enqueue
from portal.models import ClientImport, ClientImportRow
from portal.permissions import permission_required
from portal.rendering import render_page
from portal.tenancy import get_or_404, scoped

ROWS_PER_PAGE = 100
VERDICTS = {
    "create": _l("New client"),
    "update": _l("Update"),
    "unchanged": _l("No change"),
    "refused": _l("Refused"),
}
RESULTS = {"done": _l("Imported"), "failed": _l("Not imported"), "pending": _l("Waiting")}


@bp.route("/clients/import", methods=["GET", "POST"])
@permission_required("clients.import")
def import_start():
    form = ImportFileForm()
    status = 200
    if form.validate_on_submit():
        upload = form.file.data
        try:
            imp = importing.open_import(g.brand.id, upload.filename, upload.read(), current_user.id)
        except importing.ImportRefused as refusal:
            form.file.errors = [str(refusal.message)]
            status = 422
        else:
            return redirect(url_for("clients.import_detail", import_id=imp.id))
    elif request.method == "POST":
        status = 422
    recent = db.session.scalars(scoped(ClientImport).order_by(ClientImport.id.desc()).limit(10))
    return render_page(
        "clients/import.html", "content", status, form=form, imp=None, recent=list(recent)
    )


@bp.get("/clients/import/<int:import_id>")
@permission_required("clients.import")
def import_detail(import_id: int):
    imp = get_or_404(ClientImport, import_id)
    if imp.state == "mapping" or (imp.state == "checked" and request.args.get("step") == "mapping"):
        return _mapping_page(imp)
    return _report_page(imp)


@bp.post("/clients/import/<int:import_id>/check")
@permission_required("clients.import")
def import_check(import_id: int):
    imp = get_or_404(ClientImport, import_id)
    if imp.state not in ("mapping", "checked"):
        return redirect(url_for("clients.import_detail", import_id=imp.id))
    form = mapping_form(imp.headers, imp.mapping, _column_choices(), formdata=request.form)
    if not form.validate():
        return _mapping_page(imp, form, 422)
    try:
        importing.set_mapping(imp, [field.data for field in form.columns])
    except importing.ImportRefused as refusal:
        rollback()
        flash(str(refusal.message), "error")
        return _mapping_page(get_or_404(ClientImport, import_id), form, 422)
    importing.request_check(imp)
    after_commit(lambda: enqueue("portal.clients.importing:run", import_id))
    return redirect(url_for("clients.import_detail", import_id=imp.id))


@bp.post("/clients/import/<int:import_id>/start")
@permission_required("clients.import")
def import_run(import_id: int):
    imp = get_or_404(ClientImport, import_id)
    if EmptyForm().validate_on_submit() and imp.state == "checked" and imp.accepted:
        importing.start(imp)
        after_commit(lambda: enqueue("portal.clients.importing:run", import_id))
        flash(_("The import has started."), "success")
    return redirect(url_for("clients.import_detail", import_id=imp.id))


def _column_choices() -> list[SelectChoice]:
    return [SelectChoice("", _("Leave out"))] + [
        SelectChoice(column.key, column.header) for column in importing.IMPORTABLE
    ]


def _mapping_page(imp: ClientImport, form=None, status: int = 200):
    form = form or mapping_form(imp.headers, imp.mapping, _column_choices())
    samples = db.session.scalars(
        select(ClientImportRow.cells)
        .where(ClientImportRow.import_id == imp.id)
        .order_by(ClientImportRow.line)
        .limit(3)
    ).all()
    return render_page(
        "clients/import.html", "content", status, imp=imp, form=form, samples=samples
    )


def _report_page(imp: ClientImport):
    show = request.args.get("show", "")
    page = max(1, min(request.args.get("page", 1, type=int) or 1, 10_000))
    by = ClientImportRow.verdict if imp.state in ("checking", "checked") else ClientImportRow.state
    counts = dict(
        db.session.execute(
            select(by, func.count()).where(ClientImportRow.import_id == imp.id).group_by(by)
        ).all()
    )
    query = select(ClientImportRow).where(ClientImportRow.import_id == imp.id)
    if show in VERDICTS:
        query = query.where(ClientImportRow.verdict == show)
    elif show in RESULTS:
        query = query.where(ClientImportRow.state == show)
    rows = db.session.scalars(
        query.order_by(ClientImportRow.line)
        .offset((page - 1) * ROWS_PER_PAGE)
        .limit(ROWS_PER_PAGE + 1)
    ).all()
    block = "progress" if request.headers.get("HX-Target") == "import-progress" else "content"
    return render_page(
        "clients/import.html",
        block,
        imp=imp,
        counts=counts,
        rows=rows[:ROWS_PER_PAGE],
        more=len(rows) > ROWS_PER_PAGE,
        page=page,
        show=show,
        verdicts=VERDICTS,
        results=RESULTS,
        start_form=EmptyForm(),
        columns={key: column.header for key, column in importing.COLUMN_KEYS.items()},
        key_index={key: i for i, key in enumerate(imp.mapping) if key},
    )

"""Answering transfers between brand trees: the target brand's admins in the portal, the
client by its emailed link (see consent.py for the rules)."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.brand_migration import bp, consent, rules
from portal.brand_migration.forms import ClientAnswerForm, RefuseTransferForm
from portal.db import rollback
from portal.extensions import db
from portal.forms import EmptyForm
from portal.models import Migration, MigrationState
from portal.permissions import permission_required, public
from portal.tenancy import get_or_404

_LINK = "transfer_link"  # the session key the client's token moves to


@bp.get("/transfers")
@permission_required("migrations.consent")
def transfers():
    return render_template(
        "brand_migration/transfers.html",
        waiting=consent.incoming(g.brand),
        answered=consent.answered(g.brand),
        refuse_form=RefuseTransferForm(),
    )


def _incoming_or_404(migration_id: int) -> Migration:
    """A transfer into this brand: the source brand has no say here."""
    migration = get_or_404(Migration, migration_id)
    if migration.target_brand_id != g.brand.id:
        abort(404)
    return migration


@bp.post("/transfers/<int:migration_id>/accept")
@permission_required("migrations.consent")
def accept_transfer(migration_id: int):
    migration = _incoming_or_404(migration_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        consent.answer_as_brand(migration, current_user, accept=True)
    except rules.MigrationRefused as refusal:
        rollback()
        flash(str(refusal.message), "error")
        return redirect(url_for("brand_migration.transfers"))
    if migration.state == MigrationState.REFUSED:  # agreed by all, but a check fails now
        flash(_("Accepted, but the checks no longer pass: the transfer did not start."), "error")
    else:
        flash(_("Transfer of %(name)s accepted.", name=migration.client_name), "success")
    return redirect(url_for("brand_migration.transfers"))


@bp.post("/transfers/<int:migration_id>/refuse")
@permission_required("migrations.consent")
def refuse_transfer(migration_id: int):
    migration = _incoming_or_404(migration_id)
    form = RefuseTransferForm()
    if not form.validate_on_submit():
        return render_template(
            "brand_migration/transfers.html",
            waiting=consent.incoming(g.brand),
            answered=consent.answered(g.brand),
            refuse_form=form,
            refusing=migration.id,
        ), 422
    try:
        consent.answer_as_brand(migration, current_user, accept=False, reason=form.reason.data)
    except rules.MigrationRefused as refusal:
        rollback()
        flash(str(refusal.message), "error")
    else:
        flash(_("Transfer of %(name)s refused.", name=migration.client_name), "success")
    return redirect(url_for("brand_migration.transfers"))


@bp.get("/transfer/<token>")
@public  # the client, from the link in its mailbox
def consent_link(token: str):
    """The token moves into the session, out of the address bar, history and Referer."""
    session[_LINK] = token
    return redirect(url_for("brand_migration.consent_answer"))


@bp.route("/transfer", methods=["GET", "POST"])
@public
def consent_answer():
    asked = consent.find_live_link(session.get(_LINK))
    migration = db.session.get(Migration, asked.migration_id) if asked else None
    if migration is None or migration.source_brand_id != g.brand.id:
        session.pop(_LINK, None)
        return render_template("brand_migration/consent.html", migration=None), 410
    form = ClientAnswerForm()
    if request.method == "POST" and form.validate_on_submit():
        accept = request.form.get("answer") == "accept"
        try:
            consent.answer_as_client(asked, accept=accept, reason=form.reason.data or "")
        except rules.MigrationRefused as refusal:
            rollback()
            flash(str(refusal.message), "error")
        else:
            session.pop(_LINK, None)
            return render_template(
                "brand_migration/consent.html", migration=migration, answered=accept, form=None
            )
    return render_template("brand_migration/consent.html", migration=migration, form=form), (
        422 if form.errors else 200
    )

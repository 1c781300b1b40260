"""Migrating clients between brands: the dry run, the run, the list, bulk jobs, the outbox."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal.brand_migration import bp, bulk, notify, rules, scheduling
from portal.brand_migration.checks import Check, migration_targets, run_checks
from portal.brand_migration.forms import MigrateForm
from portal.clients.forms import ClientSearchForm
from portal.clients.queries import load_client_record, matching_ids
from portal.db import after_commit, widen_brand_scope
from portal.edge import parse_id
from portal.extensions import db
from portal.forms import EmptyForm
from portal.jobs import enqueue
from portal.models import (
    OPEN_STATES,
    AssetStatus,
    Brand,
    BulkItem,
    BulkJob,
    Migration,
    MigrationState,
    OutboxEmail,
)
from portal.permissions import can, permission_required
from portal.rendering import render_page
from portal.tenancy import get_or_404, scoped


def _targets() -> list[Brand]:
    return migration_targets(current_user, g.brand)


@bp.route("/clients/<int:client_id>/migrate", methods=["GET", "POST"])
@permission_required("migrations.create")
def migrate(client_id: int):
    """Choose the target, see every check (nothing changes), then start."""
    client = load_client_record(client_id) or abort(404)
    targets = _targets()
    form = MigrateForm(targets, request.form if request.method == "POST" else request.args)
    checks, target = None, None
    if form.target.data:
        target = next((b for b in targets if b.id == form.target.data), None)
        if target is None:
            form.target.errors = [_("Choose one of the brands in the list.")]
        else:
            checks = run_checks(
                client, target, current_user, override_reason=form.override_reason.data or ""
            )
    if request.method == "POST" and target is not None and form.validate():
        try:
            migration = rules.start(
                client,
                target,
                current_user,
                preferred_date=form.preferred_date.data,
                override_reason=form.override_reason.data or "",
            )
        except rules.MigrationRefused as refusal:
            checks = refusal.checks
            flash(str(refusal.message), "error")
        else:
            rules.continue_after_commit(migration, current_user.id)
            return redirect(url_for("brand_migration.detail", migration_id=migration.id))
    return render_page(
        "brand_migration/migrate.html",
        "checks",
        client=client,
        form=form,
        checks=checks,
        target=target,
        can_override=can("migrations.override"),
    )


@bp.get("/migrations")
@permission_required("migrations.create")
def index():
    state = request.args.get("state")
    query = scoped(Migration).options(
        selectinload(Migration.source_brand), selectinload(Migration.target_brand)
    )
    if state in {s.value for s in MigrationState}:
        query = query.where(Migration.state == state)
    elif state == "open":
        query = query.where(Migration.state.in_(OPEN_STATES))
    migrations = db.session.scalars(query.order_by(Migration.id.desc()).limit(200)).all()
    jobs = db.session.scalars(scoped(BulkJob).order_by(BulkJob.id.desc()).limit(20)).all()
    # Their emails are rows of their target brands, which this page shows (as a migration's own
    # page does): in scope for this request.
    widen_brand_scope(*{m.target_brand_id for m in migrations})
    return render_page(
        "brand_migration/index.html",
        "results",
        migrations=migrations,
        deliveries=notify.deliveries(migrations),
        untold=notify.untold_of_brand(g.brand),
        coming_up=scheduling.coming_up(scoped(Migration)),
        jobs=jobs,
        state=state,
        states=list(MigrationState),
    )


@bp.get("/migrations/<int:migration_id>")
@permission_required("migrations.create")
def detail(migration_id: int):
    migration = get_or_404(Migration, migration_id)
    return render_template(
        "brand_migration/detail.html",
        migration=migration,
        emails=_emails_of(migration),
        delivery=notify.deliveries([migration]).get(migration.id),
    )


def _emails_of(migration: Migration) -> list[OutboxEmail]:
    """The emails of a migration, on its page from either of its two brands.

    They are rows of the target brand (the client's new one), so scoped(OutboxEmail) would
    hide them from the source brand: they are read through the scoped migration instead, and
    only as rows of that migration's target brand.
    """
    return db.session.scalars(
        scoped(Migration)
        .where(Migration.id == migration.id)
        .join(OutboxEmail, OutboxEmail.migration_id == Migration.id)
        .where(OutboxEmail.brand_id == Migration.target_brand_id)
        .with_only_columns(OutboxEmail)
        .order_by(OutboxEmail.id)
    ).all()


@bp.post("/migrations/<int:migration_id>/continue")
@permission_required("migrations.create")
def continue_(migration_id: int):
    migration = get_or_404(Migration, migration_id)
    if EmptyForm().validate_on_submit() and migration.is_open:
        rules.continue_after_commit(migration, current_user.id)
        flash(_("Migration resumed."), "success")
    return redirect(url_for("brand_migration.detail", migration_id=migration.id))


@bp.post("/migrations/<int:migration_id>/cancel")
@permission_required("migrations.create")
def cancel(migration_id: int):
    migration = get_or_404(Migration, migration_id)
    if EmptyForm().validate_on_submit():
        try:
            rules.cancel(migration, current_user.id)
            flash(_("Migration cancelled."), "success")
        except rules.MigrationRefused as refusal:
            flash(str(refusal.message), "error")
    return redirect(url_for("brand_migration.detail", migration_id=migration.id))


@bp.post("/migrations/<int:migration_id>/move-back")
@permission_required("migrations.rollback")
def move_back(migration_id: int):
    migration = get_or_404(Migration, migration_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        back = rules.move_back(migration, current_user)
    except rules.MigrationRefused as refusal:
        flash(str(refusal.message), "error")
        return redirect(url_for("brand_migration.detail", migration_id=migration.id))
    flash(_("The client is being moved back."), "success")
    # The client now lives in the brand it came back to: show the migration from there.
    return redirect(
        url_for("brand_migration.detail", migration_id=back.id, brand_slug=back.target_brand.slug)
    )


# --- bulk ---------------------------------------------------------------------------------


@bp.post("/migrations/bulk")
@permission_required("migrations.create")
def bulk_start():
    """Migrate the ticked clients, or every client matching the list's search, to one target."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    target = next((b for b in _targets() if str(b.id) == request.form.get("target")), None)
    if request.form.get("all_matching"):
        params = ClientSearchForm(request.form).cleaned()
        client_ids = matching_ids(**params)
    else:
        client_ids = [i for i in map(parse_id, request.form.getlist("client_ids")) if i]
    if target is None or not client_ids:
        flash(_("Choose the clients and a target brand."), "error")
        return _go(url_for("clients.index"))
    job = bulk.create_job(g.brand, target, current_user, client_ids)
    job_id = job.id
    after_commit(lambda: enqueue("portal.brand_migration.bulk:run_job", job_id))
    return _go(url_for("brand_migration.bulk_job", job_id=job.id))


def _go(url: str):
    """To another page: htmx is told to load it whole, a plain form is redirected."""
    if request.htmx:
        return "", 204, {"HX-Redirect": url}
    return redirect(url)


@bp.get("/migrations/bulk/<int:job_id>")
@permission_required("migrations.create")
def bulk_job(job_id: int):
    job = get_or_404(BulkJob, job_id)
    counts = dict(
        db.session.execute(
            select(BulkItem.result, func.count(BulkItem.id))
            .where(BulkItem.job_id == job.id)
            .group_by(BulkItem.result)
        ).all()
    )
    items = db.session.scalars(
        select(BulkItem)
        .where(BulkItem.job_id == job.id, BulkItem.result != "pending")
        .order_by(BulkItem.id)
        .limit(500)
    ).all()
    return render_page("brand_migration/bulk.html", "progress", job=job, counts=counts, items=items)


DIFFERENCES = {
    "missing": _l("Device missing"),
    "unexpected": _l("Unexpected device"),
    "status": _l("Device status changed"),
    "asset_brand": _l("Device not in the new brand"),
    "client_brand": _l("Client not in the new brand"),
    "client_group": _l("Client permission group not mapped"),
}
RESULTS = {
    "migrated": _l("Migrated"),
    "refused": _l("Refused"),
    "failed": _l("Failed"),
    "pending": _l("Waiting"),
}


@bp.context_processor
def labels():
    return {
        "stored_checks": lambda migration: [Check(**c) for c in migration.checks or []],
        "difference_labels": DIFFERENCES,
        "asset_status": lambda value: AssetStatus(value).label,
        "result_label": lambda value: RESULTS.get(value, value),
    }

"""Migrating clients between brands: the dry run, the run, the list, bulk jobs, the outbox."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal import jobs
from portal.brand_migration import bp, bulk, notify, rules, scheduling
from portal.brand_migration.checks import (
    CHECKS,
    Check,
    may_override,
    migration_targets,
    offered_targets,
    run_checks,
)
from portal.brand_migration.forms import MigrateForm
from portal.clients.forms import ClientSearchForm
from portal.clients.queries import load_client_record, matching_ids
from portal.db import after_commit, brand_scope, widen_brand_scope
from portal.edge import parse_id
from portal.extensions import db
from portal.forms import EmptyForm
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
from portal.permissions import permission_required
from portal.rendering import render_page
from portal.tenancy import get_or_404, scoped


def _targets() -> list[Brand]:
    return migration_targets(current_user, g.brand)


@bp.get("/clients/<int:client_id>/migrate")
@permission_required("clients.view")
def migrate(client_id: int):
    """Choose the target and see every check: nothing changes here, whatever is pressed.

    Anyone who sees the client may look; whether they may migrate it is one of the checks."""
    client = load_client_record(client_id) or abort(404)
    form, target, checks = _checked(client, request.args)
    return _render_migrate(client, form, target, checks)


def _checked(client, data):
    """The form, the chosen target and the checks against it (none until one is chosen)."""
    targets = offered_targets(current_user, g.brand)
    form = MigrateForm(targets, data, meta={"csrf": False})
    target = next((b for b in targets if b.id == form.target.data), None)
    checks = None
    if form.target.data and target is None:
        form.target.errors = [_("Choose one of the brands in the list.")]
    elif target is not None:
        form.validate()
        checks = run_checks(
            client, target, current_user, override_reason=form.override_reason.data or ""
        )
    return form, target, checks


def _render_migrate(client, form, target, checks, status: int = 200):
    contract = next((c for c in checks or [] if c.key == "contract"), None)
    return render_page(
        "brand_migration/migrate.html",
        "checks",
        status,
        client=client,
        form=form,
        checks=checks,
        target=target,
        # The reason is asked for only where it can help: a contract that blocks, or one the
        # reason already overrides.
        ask_override=bool(
            contract is not None
            and contract.until is not None
            and may_override(current_user, client.brand)
        ),
        ready=bool(checks) and all(c.ok for c in checks),
    )


@bp.post("/clients/<int:client_id>/migrate")
@permission_required("migrations.create")
def migrate_start(client_id: int):
    """Start, once confirmed: the first post shows what will happen, the second starts."""
    client = load_client_record(client_id) or abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    form, target, checks = _checked(client, request.form)
    if target is None or form.errors or not all(c.ok for c in checks):
        return _render_migrate(client, form, target, checks, status=422)
    if not request.form.get("confirmed"):
        return render_template(
            "brand_migration/confirm_start.html",
            client=client,
            form=form,
            target=target,
            needs_agreement=rules.needs_agreement(client.brand, target),
        )
    try:
        migration = rules.start(
            client,
            target,
            current_user,
            preferred_date=form.preferred_date.data,
            override_reason=form.override_reason.data or "",
        )
    except rules.MigrationRefused as refusal:
        flash(str(refusal.message), "error")
        return _render_migrate(client, form, target, refusal.checks or checks, status=409)
    rules.continue_after_commit(migration, current_user.id)
    return redirect(url_for("brand_migration.detail", migration_id=migration.id))


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
    bulk_jobs = db.session.scalars(
        scoped(BulkJob)
        .options(selectinload(BulkJob.target_brand))
        .order_by(BulkJob.id.desc())
        .limit(20)
    ).all()
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
        bulk_jobs=bulk_jobs,
        state=state,
        states=list(MigrationState),
        stopped=len(_stopped_migration_ids()),
        job_stopped=bulk.is_stopped,
    )


def _stopped_migration_ids() -> list[int]:
    """The brand's unfinished migrations that nobody runs (their runner's lease ran out)."""
    return db.session.scalars(
        scoped(Migration)
        .where(Migration.state.in_(OPEN_STATES), jobs.expired(Migration))
        .with_only_columns(Migration.id)
        .order_by(Migration.id)
        .limit(CONTINUE_ALL_LIMIT)
    ).all()


CONTINUE_ALL_LIMIT = 5000


@bp.post("/migrations/continue-all")
@permission_required("migrations.create")
def continue_all():
    """Run on every unfinished migration of the brand that nobody runs, in the background."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    ids = _stopped_migration_ids()
    if ids:
        scope = brand_scope()
        actor_id = current_user.id
        after_commit(
            lambda: jobs.enqueue(
                "portal.brand_migration.rules:continue_many", ids, actor_id, scope=scope
            )
        )
    flash(
        ngettext("%(num)s migration resumed.", "%(num)s migrations resumed.", len(ids)),
        "success",
    )
    return redirect(url_for("brand_migration.index", state="open"))


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
        if rules.is_running(migration):
            flash(_("This migration is running: it carries on by itself."), "notice")
        else:
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


@bp.route("/migrations/<int:migration_id>/move-back", methods=["GET", "POST"])
@permission_required("migrations.rollback")
def move_back(migration_id: int):
    """Move the client back to the brand it came from: the page asks first, the post does it."""
    migration = get_or_404(Migration, migration_id)
    if request.method == "GET":
        return render_template("brand_migration/confirm_move_back.html", migration=migration)
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
    params = ClientSearchForm(request.form).cleaned()  # the list the clients were ticked in
    if request.form.get("all_matching"):
        client_ids = matching_ids(**params)
    else:
        client_ids = [i for i in map(parse_id, request.form.getlist("client_ids")) if i]
    if target is None or not client_ids:
        flash(_("Choose the clients and a target brand."), "error")
        return _go(url_for("clients.index"))
    if not request.form.get("confirmed"):  # what will happen, asked first (as for one client)
        return render_template(
            "brand_migration/confirm_bulk.html",
            target=target,
            count=len(bulk.clients_in(g.brand, client_ids)),
            needs_agreement=rules.needs_agreement(g.brand, target),
            carried=[(k, v) for k, v in request.form.items(multi=True) if k != "csrf_token"],
            back=url_for("clients.index", **ClientSearchForm.list_args(params)),
        )
    job = bulk.create_job(g.brand, target, current_user, client_ids)
    after_commit(lambda: bulk.enqueue_run(job))
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
    items = db.session.scalars(
        select(BulkItem)
        .where(BulkItem.job_id == job.id, BulkItem.result != "pending")
        .order_by(BulkItem.id)
        .limit(500)
    ).all()
    return render_page(
        "brand_migration/bulk.html",
        "progress",
        job=job,
        counts=bulk.counts(job),
        items=items,
        stopped=bulk.is_stopped(job),
        source=job.source_brand,
    )


@bp.post("/migrations/bulk/<int:job_id>/resume")
@permission_required("migrations.create")
def bulk_resume(job_id: int):
    """Resume a stopped job (its runner died): a new runner takes it after the commit."""
    job = get_or_404(BulkJob, job_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if job.finished_at is None and bulk.resume(job):
        after_commit(lambda: bulk.enqueue_run(job))
        flash(_("Bulk migration resumed."), "success")
    else:
        flash(_("This bulk migration is running or has finished: nothing to resume."), "notice")
    return redirect(url_for("brand_migration.bulk_job", job_id=job.id))


DIFFERENCES = {
    "missing": _l("Device missing"),
    "unexpected": _l("Unexpected device"),
    "status": _l("Device status changed"),
    "asset_brand": _l("Device not in the new brand"),
    "client_brand": _l("Client not in the new brand"),
    "client_group": _l("Client permission group not mapped"),
}


@bp.context_processor
def labels():
    return {
        "stored_checks": lambda migration: [Check(**c) for c in migration.checks or []],
        "check_labels": {key: label for key, (label, _fix) in CHECKS.items()},
        "difference_labels": DIFFERENCES,
        "asset_status": lambda value: AssetStatus(value).label,
        "result_label": lambda value: bulk.RESULTS.get(value, value),
    }

"""Brand migrations over the API: the checks as a dry run, starting one, reading one with its
timeline, the list; bulk jobs (start, progress). The same rule functions as the pages.

A token migrates on behalf of the admin who made it: the checks ask whether that person may
migrate clients of both brands (the "authorised" check), as they would on the page, and the
token's own group must grant migrations.create. The audit names the token as the actor.
"""

from __future__ import annotations

from flask import abort, g, url_for
from flask_babel import gettext as _
from flask_smorest import Blueprint
from sqlalchemy.orm import selectinload

from portal.api import schemas
from portal.api.access import limit_per_token, token_required
from portal.api.clients import answers
from portal.api.problems import refuse
from portal.brand_migration import bulk, rules
from portal.brand_migration.checks import all_pass, migration_targets, run_checks
from portal.clients.queries import load_client_record, matching_ids
from portal.db import after_commit
from portal.extensions import db
from portal.models import OPEN_STATES, Brand, BulkJob, Migration, User
from portal.tenancy import get_or_404, scoped

blp = Blueprint(
    "api_migrations", __name__, url_prefix="/api/v1", description="Moving clients between brands"
)
limit_per_token(blp)


def _acting_user() -> User:
    """The person the token acts for: its maker, while still a member of the brand."""
    user = g.api_token.created_by
    if user is None or not user.active:
        refuse(403, _("The person who made this token can no longer act for the brand."))
    return user


def _target(slug: str, user: User) -> Brand:
    target = next((b for b in migration_targets(user, g.brand) if b.slug == slug), None)
    if target is None:
        refuse(422, errors={"target": [_("Choose a brand you may migrate clients into.")]})
    return target


@blp.route("/clients/<int:client_id>/migration-checks", methods=["POST"])
@token_required("migrations.create")
@blp.arguments(schemas.MigrationCheckWrite)
@blp.response(200, schemas.CheckReport)
@answers(403, 404, 422)
def check_client(payload, client_id: int):
    """Run every check of a migration of the client to the target: a dry run, nothing changes."""
    user = _acting_user()
    client = load_client_record(client_id) or abort(404)
    target = _target(payload["target"], user)
    checks = run_checks(client, target, user, override_reason=payload["override_reason"])
    return {"passes": all_pass(checks), "checks": checks}


@blp.route("/migrations", methods=["POST"])
@token_required("migrations.create")
@blp.arguments(schemas.MigrationWrite)
@blp.response(201, schemas.MigrationDetail)
@answers(403, 404, 409, 422)
def start_migration(payload):
    """Check, then start moving the client; a refusal lists the failing checks, nothing changes.

    The answer comes once the migration is open (the client frozen); its steps then run in
    the background: read it again to follow its state."""
    user = _acting_user()
    client = load_client_record(payload["client_id"]) or abort(404)
    target = _target(payload["target"], user)
    try:
        migration = rules.start(
            client,
            target,
            user,
            preferred_date=payload.get("preferred_date"),
            override_reason=payload["override_reason"],
        )
    except rules.MigrationRefused as refusal:
        failing = [c for c in refusal.checks if not c.ok]
        refuse(
            409 if not refusal.checks else 422,
            str(refusal.message),
            errors={f"checks.{c.key}": [c.detail or c.label] for c in failing} or None,
        )
    rules.continue_after_commit(migration, user.id)
    return migration, 201, {"Location": _url(migration)}


def _url(migration: Migration) -> str:
    return url_for("api_migrations.get_migration", migration_id=migration.id)


@blp.route("/migrations")
@token_required("migrations.create")
@blp.arguments(schemas.MigrationQuery, location="query")
@blp.response(200, schemas.MigrationPage)
@answers(403, 422)
def list_migrations(query):
    """The brand's migrations, in and out, newest first, a page at a time (`after` an id)."""
    statement = scoped(Migration).options(
        selectinload(Migration.source_brand), selectinload(Migration.target_brand)
    )
    if query.get("state") == "open":
        statement = statement.where(Migration.state.in_(OPEN_STATES))
    elif query.get("state"):
        statement = statement.where(Migration.state == query["state"])
    if query.get("after"):
        statement = statement.where(Migration.id < query["after"])
    per_page = query["per_page"]
    rows = db.session.scalars(statement.order_by(Migration.id.desc()).limit(per_page + 1)).all()
    more = len(rows) > per_page
    items = rows[:per_page]
    return {"items": items, "next_cursor": items[-1].id if more else None}


@blp.route("/migrations/<int:migration_id>")
@token_required("migrations.create")
@blp.response(200, schemas.MigrationDetail)
@answers(403, 404)
def get_migration(migration_id: int):
    """One migration with its checks as they stood and its timeline."""
    return get_or_404(Migration, migration_id)


# --- bulk jobs -----------------------------------------------------------------------------------


@blp.route("/bulk-jobs", methods=["POST"])
@token_required("migrations.create")
@blp.arguments(schemas.BulkJobWrite)
@blp.response(202, schemas.BulkJob)
@answers(403, 422)
def start_bulk_job(payload):
    """Migrate many clients to one target in the background: the listed ones, or every one
    the client list's search finds. Refused clients never stop the others."""
    user = _acting_user()
    target = _target(payload["target"], user)
    if "matching" in payload:
        client_ids = matching_ids(**payload["matching"])
    else:
        client_ids = payload.get("client_ids") or []
    if not client_ids:
        refuse(422, _("Choose the clients and a target brand."))
    job = bulk.create_job(g.brand, target, user, client_ids)
    after_commit(lambda: bulk.enqueue_run(job))
    return _job(job), 202, {"Location": url_for("api_migrations.get_bulk_job", job_id=job.id)}


@blp.route("/bulk-jobs/<int:job_id>")
@token_required("migrations.create")
@blp.response(200, schemas.BulkJob)
@answers(403, 404)
def get_bulk_job(job_id: int):
    """A bulk job's progress: how many clients are pending, migrated, refused, failed or
    waiting for a target brand's agreement."""
    return _job(get_or_404(BulkJob, job_id))


def _job(job: BulkJob) -> dict:
    counts = bulk.counts(job)
    counts.pop("processed")
    return {
        "id": job.id,
        "source_brand": job.source_brand.slug,
        "target_brand": job.target_brand.slug,
        "created_at": job.created_at,
        "finished_at": job.finished_at,
        "total": job.total,
        "counts": counts,
    }

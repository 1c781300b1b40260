"""Command-line tasks: demo data, the first admin, the translation catalogs."""

from __future__ import annotations

from pathlib import Path

import click
from babel.messages.frontend import CommandLineInterface
from flask import Flask
from flask.cli import with_appcontext
from sqlalchemy import select

from portal.db import ALL_BRANDS, set_brand_scope, transaction
from portal.extensions import db

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"
POT_FILE = TRANSLATIONS / "messages.pot"


def register_commands(app: Flask) -> None:
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(create_admin_command)
    app.cli.add_command(translate)
    app.cli.add_command(worker_command)
    app.cli.add_command(jobs_group)


@click.command("seed-demo")
@with_appcontext
@click.option(
    "--password",
    default="demo-password",
    show_default=True,
    help="Password of the demo users created by this run.",
)
@click.option(
    "--clients",
    "clients_per_brand",
    default=50,
    show_default=True,
    type=click.IntRange(0, 1_000_000),
    help="Clients per brand.",
)
def seed_demo_command(password: str, clients_per_brand: int) -> None:
    """Create the demo brands, users and clients (safe to run again)."""
    from portal.demo.seed import seed_demo

    set_brand_scope(ALL_BRANDS)  # maintenance over every brand (row-level security)
    summary = seed_demo(password, clients_per_brand)
    click.echo(", ".join(f"{key}: {value}" for key, value in summary.items()))


@click.command("create-admin")
@with_appcontext
@click.argument("email")
@click.option("--name", default="Platform admin", show_default=True)
@click.password_option(help="Asked for when not given.")
def create_admin_command(email: str, name: str, password: str) -> None:
    """Create a platform admin, or make an existing user one."""
    from email_validator import EmailNotValidError, validate_email

    from portal import audit
    from portal.models import User
    from portal.passwords import hash_password

    try:
        email = validate_email(email, check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise click.BadParameter(str(error), param_hint="EMAIL") from None
    if len(password) < 10:
        raise click.BadParameter("at least 10 characters", param_hint="--password")
    with transaction():
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            user = User(email=email, name=name, password_hash=hash_password(password))
            db.session.add(user)
        user.is_platform_admin = True
        db.session.flush()
        audit.record("user.platform_admin", field="is_platform_admin", new=True, actor_id=user.id)
    click.echo(f"{email} is a platform admin.")


@click.group()
def translate() -> None:
    """Extract, update and compile the translation catalogs."""


def _pybabel(*args: str) -> None:
    CommandLineInterface().run(["pybabel", *args])


@translate.command()
def update() -> None:
    """Extract strings from the code and merge them into every catalog."""
    _pybabel(
        "extract",
        "-F",
        str(ROOT / "babel.cfg"),
        "-k",
        "_l",
        "-k",
        "lazy_ngettext:1,2",
        "-k",
        "lazy_pgettext:1c,2",
        "-k",
        "lazy_pgettext:1c,2",
        "--no-location",
        "--sort-output",
        "-o",
        str(POT_FILE),
        str(ROOT),
    )
    _pybabel(
        "update",
        "-i",
        str(POT_FILE),
        "-d",
        str(TRANSLATIONS),
        "--no-fuzzy-matching",
        "--ignore-obsolete",
    )


@translate.command()
def compile() -> None:  # noqa: A001 - the command's name
    """Compile the catalogs to .mo files (done by `make install`)."""
    _pybabel("compile", "-d", str(TRANSLATIONS), "--statistics")


@translate.command()
@click.argument("language")
def init(language: str) -> None:
    """Start a catalog for a new language."""
    _pybabel("init", "-i", str(POT_FILE), "-d", str(TRANSLATIONS), "-l", language)


@click.command("worker")
@with_appcontext
@click.option("--burst", is_flag=True, help="Run what is queued, then stop (no sweep).")
def worker_command(burst: bool) -> None:
    """Run the background-job worker and the sweep (needs REDIS_URL; without it both run in the
    web process)."""
    from flask import current_app

    from portal import jobs

    if not current_app.config.get("REDIS_URL"):
        raise click.UsageError("REDIS_URL is not set: jobs run inside the web process.")
    jobs.work(current_app._get_current_object(), burst=burst)


@click.group("jobs")
def jobs_group() -> None:
    """Bulk migrations and migrations that have not finished: list them, resume them."""


@jobs_group.command("list")
@with_appcontext
def jobs_list() -> None:
    """Every unfinished bulk job and migration, with who runs it (its lease) or "stopped"."""
    from portal.brand_migration import bulk
    from portal.models import OPEN_STATES, BulkJob, Migration, utcnow

    set_brand_scope(ALL_BRANDS)
    now = utcnow()

    def runner(row) -> str:
        if row.lease_until is None or row.lease_until < now:
            return "stopped"
        return f"run by {row.lease_owner} until {row.lease_until:%Y-%m-%d %H:%M:%S}"

    unfinished = db.session.scalars(
        select(BulkJob).where(BulkJob.finished_at.is_(None)).order_by(BulkJob.id)
    ).all()
    for job in unfinished:
        counts = bulk.counts(job)
        error = f" · error: {job.error}" if job.error else ""
        click.echo(
            f"bulk job {job.id}: {counts['processed']} of {job.total} processed "
            f"({counts['migrated']} migrated, {counts['refused']} refused, "
            f"{counts['failed']} failed, {counts['waiting']} waiting for agreement) · "
            f"{runner(job)}{error}"
        )
    open_migrations = db.session.scalars(
        select(Migration).where(Migration.state.in_(OPEN_STATES)).order_by(Migration.id)
    ).all()
    for migration in open_migrations:
        job = f" (bulk job {migration.bulk_job_id})" if migration.bulk_job_id else ""
        click.echo(
            f"migration {migration.id}{job}: {migration.client_name} · "
            f"{migration.state.value} · {runner(migration)}"
        )
    if not unfinished and not open_migrations:
        click.echo("Nothing unfinished.")


@jobs_group.command("resume")
@with_appcontext
@click.argument("job_id", required=False, type=click.IntRange(1, 2**31 - 1))
def jobs_resume(job_id: int | None) -> None:
    """Run bulk job JOB_ID to its end here (or, without it, every stopped job and migration),
    unless a live runner holds it."""
    from portal.brand_migration import bulk, rules
    from portal.models import BulkJob

    set_brand_scope(ALL_BRANDS)
    if job_id is None:
        ids = db.session.scalars(
            select(BulkJob.id).where(BulkJob.finished_at.is_(None), _stopped(BulkJob))
        ).all()
    else:
        job = db.session.get(BulkJob, job_id)
        if job is None:
            raise click.BadParameter(f"no bulk job {job_id}", param_hint="JOB_ID")
        ids = [job_id] if job.finished_at is None else []
        if not ids:
            click.echo(f"bulk job {job_id} has finished.")
    for one in ids:
        if bulk.run_job(one):
            click.echo(f"bulk job {one}: finished.")
        else:
            click.echo(f"bulk job {one}: another runner holds it; left to it.")
    if job_id is None:
        count = rules.resume_stopped_migrations()
        click.echo(f"{count} stopped migrations run on.")


def _stopped(model):
    from portal import jobs

    return jobs.expired(model)

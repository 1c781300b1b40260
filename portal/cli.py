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
def worker_command() -> None:
    """Run the background-job worker (needs REDIS_URL; without it jobs run in the web process)."""
    from flask import current_app
    from redis import Redis
    from rq import Worker

    url = current_app.config.get("REDIS_URL")
    if not url:
        raise click.UsageError("REDIS_URL is not set: jobs run inside the web process.")
    Worker(["portal"], connection=Redis.from_url(url)).work()

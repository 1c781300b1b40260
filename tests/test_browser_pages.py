"""Every main page in Chromium, in the four languages: it fits a phone (375 px) and a desktop
(1280 px) without sideways scrolling, and axe-core finds no critical or serious violation.

The same fixed world (names, numbers and dates that never change) gives the README its
screenshots, in docs/screenshots/: a run draws the same pixels again, so the committed files
only change when the pages do.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import update

from portal.admin.rules import ensure_builtin_groups
from portal.api import tokens
from portal.brand_migration import bulk, rules
from portal.extensions import db
from portal.models import (
    ApiToken,
    AuditEvent,
    Brand,
    BulkJob,
    Client,
    ClientKind,
    ClientStatus,
    Contact,
    Contract,
    Migration,
    MigrationEvent,
    OutboxEmail,
    PaymentStatus,
    Role,
)
from portal.models.types import UTCDateTime
from tests.browser import (
    CHROMIUM,
    DESKTOP,
    LANGUAGES,
    PHONE,
    chromium,
    horizontal_overflow,
    new_page,
    open_editor,
    serious_axe_violations,
    served,
    sign_in,
)
from tests.conftest import make_asset, make_brand, make_client, make_user

pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")

# The README's pictures (docs/screenshots) are redrawn only when asked, so a run never
# changes the tree: SCREENSHOTS_DIR=docs/screenshots .venv/bin/python -m pytest -k screenshots
SCREENSHOTS_DIR = os.environ.get("SCREENSHOTS_DIR")
# Every date the pages show: the world's clock stands still on this instant.
FIXED = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
ADMINS = {  # one platform admin per language, each reading the portal in theirs
    "en": ("alex.morgan@northwind.test", "Alex Morgan"),
    "fr": ("camille.laurent@northwind.test", "Camille Laurent"),
    "pt": ("ana.ribeiro@northwind.test", "Ana Ribeiro"),
    "pl": ("piotr.nowak@northwind.test", "Piotr Nowak"),
}
CLIENTS = [  # name, kind, document, status, payment situation
    ("Bristol Cabs Ltd", "company", "02110381", "active", "up_to_date"),
    ("Brown Van Hire Ltd", "company", "05761072", "blocked", "up_to_date"),
    ("Charlotte Brown", "person", "", "active", "delinquent"),
    ("Clarke Logistics PLC", "company", "08176012", "active", "up_to_date"),
    ("Cooper Fleet Services Ltd", "company", "06063806", "active", "up_to_date"),
    ("Glasgow Cabs Ltd", "company", "SC165799", "cancelled", "up_to_date"),
    ("Jackson & Sons Transport Ltd", "company", "SC193932", "blocked", "delinquent"),
    ("Isla Whitaker", "person", "", "active", "up_to_date"),
]


def _world(app) -> dict:
    """Northwind Tracking and its Premium sub-brand, clients, devices, migrations, one bulk
    job, emails and an API token; then every date set to FIXED."""
    with app.app_context():
        north = make_brand(
            "northwind",
            name="Northwind Tracking",
            tracking_url_template="https://tracking.{country}.northwind.example",
        )
        premium = make_brand(
            "northwind-premium",
            name="Northwind Premium",
            parent_id=north.id,
            tracking_url_template="https://tracking.{country}.premium.northwind.example",
        )
        admins = {
            language: make_user(email, None, name=name, locale=language, is_platform_admin=True)
            for language, (email, name) in ADMINS.items()
        }
        manager = make_user("olivia.bennett@northwind.test", north, name="Olivia Bennett")
        make_user("sam.patel@northwind.test", north, Role.BRAND_ADMIN, name="Sam Patel")
        clients = {}
        for number, (name, kind, document, status, payment) in enumerate(CLIENTS, start=101):
            email = "office@" + name.lower().replace(" & ", "-").replace(" ", "-") + ".example"
            clients[name] = make_client(
                north,
                name=name,
                kind=ClientKind(kind),
                provider_user_id=f"NW-000{number}",
                document_number=document,
                email=email,
                phone="" if kind == "person" else f"442079460{number}",
                mobile=f"447700900{number}",
                status=ClientStatus(status),
                payment_status=PaymentStatus(payment),
                account_manager_id=manager.id,
                login_email=email,
            )
        # Atlas has no account manager: its migration checks fail, with a way to fix them.
        atlas = clients["Atlas Freight Ltd"] = make_client(
            north,
            name="Atlas Freight Ltd",
            provider_user_id="NW-000100",
            document_number="04512873",
            email="fleet@atlas-freight.example",
            phone="441174960099",
            mobile="447700900099",
        )
        record = clients["Clarke Logistics PLC"]
        record.contacts.append(
            Contact(name="Priya Shah", email="priya@clarke.example", role="Fleet manager")
        )
        record.contracts.append(
            Contract(
                number="NW-C-2025-014",
                plan="Fleet 24",
                starts_on=date(2025, 1, 1),
                ends_on=None,
                monthly_fee=240,
                currency="GBP",
            )
        )
        db.session.commit()
        for serial, name in (("356938035643809", "Van 1"), ("356938035643817", "Van 2")):
            make_asset(north, record, serial=serial, name=name)
        admin = admins["en"]
        moved = rules.start(clients["Bristol Cabs Ltd"], premium, admin)
        rules.continue_migration(moved, admin.id)
        rules.continue_migration(rules.move_back(moved, admin), admin.id)
        done = rules.start(clients["Cooper Fleet Services Ltd"], premium, admin)
        rules.continue_migration(done, admin.id)
        job = bulk.create_job(
            north, premium, admin, [clients["Isla Whitaker"].id, clients["Glasgow Cabs Ltd"].id]
        )
        db.session.commit()
        job_id = job.id
        assert bulk.run_job(job_id, job.lease_owner)  # as its runner (the job holds a lease)
        group = ensure_builtin_groups(north)[Role.RESELLER]
        tokens.create(north, "Fleet dashboard", group, actor=admin)
        db.session.commit()
        dated = (ApiToken, AuditEvent, Brand, BulkJob, Client, Migration, MigrationEvent)
        for model in (*dated, OutboxEmail):
            for column in model.__table__.columns:
                if isinstance(column.type, UTCDateTime):
                    db.session.execute(
                        update(model).where(column.is_not(None)).values({column.name: FIXED})
                    )
        db.session.commit()
        return {
            "north": north.id,
            "premium": premium.id,
            "record": record.id,
            "atlas": atlas.id,
            "migration": done.id,
            "job": job_id,
        }


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with served(tmp_path_factory.mktemp("pages"), MAIL_BACKEND="locmem") as (app, base):
        ids = _world(app)
        with chromium() as browser:
            yield {"base": base, "browser": browser, **ids}


def main_pages(site) -> list[tuple[str, str]]:
    """(name, path) of every main page a signed-in platform admin opens."""
    record = f"/northwind/clients/{site['record']}"
    checks = f"/northwind/clients/{site['atlas']}/migrate?target={site['premium']}"
    tabs = ["personal", "status", "documents", "login", "other", "equipment", "history"]
    return [
        ("client list", "/northwind/clients"),
        *[(f"record, {tab}", f"{record}?tab={tab}") for tab in tabs],
        ("new client", "/northwind/clients/new?restart=1"),
        ("migrations", "/northwind/migrations"),
        ("migration checks", checks),
        ("migration", f"/northwind/migrations/{site['migration']}"),
        ("bulk migration", f"/northwind/migrations/bulk/{site['job']}"),
        ("staff users", "/northwind/admin/users"),
        ("permission groups", "/northwind/admin/groups"),
        ("brand", f"/northwind/admin/brands/{site['north']}"),
        ("outbox", "/northwind/outbox"),
        ("API tokens", "/northwind/admin/api-tokens"),
        ("not found", "/northwind/clients/2147483000"),
    ]


def problems_of(page, name: str, open_menu: bool = False) -> list[str]:
    """What is wrong with the page shown, at desktop width then at phone width."""
    found = [f"{name}: axe {v}" for v in serious_axe_violations(page)]
    if overflow := horizontal_overflow(page):
        found.append(f"{name} at {DESKTOP['width']} px: {overflow}")
    page.set_viewport_size(PHONE)
    if overflow := horizontal_overflow(page):
        found.append(f"{name} at {PHONE['width']} px: {overflow}")
    if open_menu:  # the same menu on every page: opened once
        page.click("details.site-menu > summary")
        if overflow := horizontal_overflow(page):
            found.append(f"{name} at {PHONE['width']} px, menu open: {overflow}")
        found += [f"{name}, menu open: axe {v}" for v in serious_axe_violations(page)]
        page.click("details.site-menu > summary")
    page.set_viewport_size(DESKTOP)
    return found


@pytest.mark.parametrize("language", LANGUAGES)
def test_main_pages_fit_a_phone_and_a_desktop_and_pass_axe(site, language):
    page = new_page(site["browser"], language)
    base = site["base"]
    problems = []
    # A brand's sign-in page speaks the brand's language (Northwind's is English) until the
    # visitor picks another there; its switcher offers this one.
    page.goto(f"{base}/northwind/login")
    assert page.get_attribute("html", "lang") == "en"
    problems += problems_of(page, "sign-in")
    sign_in(page, base, "northwind", ADMINS[language][0])
    assert page.get_attribute("html", "lang") == language  # the admin's own language
    for name, path in main_pages(site):
        response = page.goto(base + path)
        assert response.status == (404 if name == "not found" else 200), name
        problems += problems_of(page, name, open_menu=name == "client list")
    # The inline editor, open and showing an error.
    page.goto(f"{base}/northwind/clients/{site['record']}")
    open_editor_with_error(page)
    problems += problems_of(page, "inline edit with an error")
    # The bulk bar's confirmation (the answer to a post: reached through the list).
    page.goto(f"{base}/northwind/clients")
    page.check("#results tbody input[name=client_ids] >> nth=0")
    page.select_option("#bulk-form select[name=target]", str(site["premium"]))
    page.click("#bulk-form button[type=submit]")
    page.wait_for_selector("form.actions input[name=confirmed]", state="attached")
    problems += problems_of(page, "bulk migration confirmation")
    page.context.close()
    assert not problems, "\n".join(problems)


def open_editor_with_error(page) -> None:
    open_editor(page, "phone")
    page.fill("#input-phone", "12")
    page.press("#input-phone", "Enter")
    page.wait_for_selector("#field-phone .error-message")


SHOTS = (
    "sign-in",
    "client-list",
    "client-record",
    "inline-edit-error",
    "migration-checks",
    "migrations",
    "phone-record",
)


def shoot(page, folder: Path, name: str) -> None:
    page.mouse.move(0, 0)  # no hover effect in the picture
    page.screenshot(path=folder / f"{name}.png", animations="disabled", caret="hide")


@pytest.mark.parametrize("language", ["en", "fr"])
def test_screenshots_of_the_main_pages(site, language, tmp_path):
    """The README's pictures, viewport-sized: sign-in, list, record, an inline error, the
    migration checks, the migrations, and a record on a phone."""
    folder = Path(SCREENSHOTS_DIR) if SCREENSHOTS_DIR else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    base, record = site["base"], f"{site['base']}/northwind/clients/{site['record']}"
    page = new_page(site["browser"], language, viewport={"width": 1280, "height": 720})
    page.goto(f"{base}/northwind/login")
    shoot(page, folder, f"sign-in-{language}")
    sign_in(page, base, "northwind", ADMINS[language][0])
    shoot(page, folder, f"client-list-{language}")
    page.goto(record)
    shoot(page, folder, f"client-record-{language}")
    open_editor_with_error(page)
    shoot(page, folder, f"inline-edit-error-{language}")
    page.goto(f"{base}/northwind/clients/{site['atlas']}/migrate?target={site['premium']}")
    shoot(page, folder, f"migration-checks-{language}")
    page.goto(f"{base}/northwind/migrations")
    shoot(page, folder, f"migrations-{language}")
    page.set_viewport_size(PHONE)
    page.goto(record)
    shoot(page, folder, f"phone-record-{language}")
    page.context.close()
    for name in SHOTS:
        size = (folder / f"{name}-{language}.png").stat().st_size
        assert size < 150_000, f"{name}-{language}.png is {size} bytes"

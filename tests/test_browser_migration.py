"""Migration in a real browser (Debian's Chromium, Playwright): the bulk bar and the checks page,
with htmx and without JavaScript. Jobs run in a thread of the server, as in the embedded setup.
"""

import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from portal.extensions import db
from portal.models import BulkJob, Client, Contract, Migration, MigrationState
from tests.browser import CHROMIUM
from tests.conftest import PASSWORD, make_brand, make_client, make_user

playwright = pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")


@pytest.fixture
def live(app):
    app.config["JOBS_INLINE"] = False  # a thread of the server runs the job; the page polls
    with app.app_context():
        north = make_brand("north", name="Northwind")
        premium = make_brand("premium", name="Northwind Premium", parent_id=north.id)
        admin = make_user("root@platform.test", None, is_platform_admin=True)
        ids = [
            make_client(north, name=f"Depot {i}", account_manager_id=admin.id).id for i in range(3)
        ]
        bound = make_client(north, name="Bound Ltd", account_manager_id=admin.id)
        bound.contracts.append(
            Contract(
                number="C-9",
                plan="Fleet",
                starts_on=date.today() - timedelta(days=10),
                ends_on=date.today() + timedelta(days=100),
                monthly_fee=10,
                currency="GBP",
            )
        )
        db.session.commit()
        world = {"premium": premium.id, "clients": ids, "bound": bound.id}
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield world | {"url": f"http://127.0.0.1:{server.server_port}"}
    server.shutdown()
    thread.join()
    for job_thread in threading.enumerate():
        if job_thread.name.startswith("portal-job"):
            job_thread.join(20)


def _browser(p):
    return p.chromium.launch(
        executable_path=CHROMIUM,
        args=["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"],
    )


def _signed_in(browser, live, javascript=True):
    page = browser.new_page(
        extra_http_headers={"Accept-Language": "en"}, java_script_enabled=javascript
    )
    page.set_default_timeout(15_000)
    page.goto(live["url"] + "/north/login")
    page.fill("input[name=email]", "root@platform.test")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/north/")  # the brand's dashboard
    page.goto(live["url"] + "/north/clients")
    return page


def _tick_and_choose(page, live) -> list[str]:
    ticked = []
    for name in ("Depot 0", "Depot 2"):
        page.check(f"input[aria-label='Select {name}']")
        ticked.append(name)
    page.select_option("#bulk-form select[name=target]", str(live["premium"]))
    return ticked


def _confirm(page) -> None:
    """The page that says what will happen, then its button: the job starts."""
    assert page.inner_text("h1") == "Migrate 2 clients from Northwind to Northwind Premium?"
    page.click("button:has-text('Start the bulk migration to Northwind Premium')")
    page.wait_for_url("**/north/migrations/bulk/*")


def test_bulk_bar_with_htmx_selects_chooses_starts_and_shows_the_progress(app, live):
    with playwright.sync_playwright() as p:
        browser = _browser(p)
        page = _signed_in(browser, live)
        list_reloads = []
        page.on(
            "request",
            lambda r: list_reloads.append(r.url) if "/north/clients?" in r.url else None,
        )
        _tick_and_choose(page, live)
        page.wait_for_timeout(400)  # longer than the search's own delay: nothing may reload
        assert list_reloads == []  # choosing the brand is not a search
        assert page.is_checked("input[aria-label='Select Depot 0']")
        assert page.is_checked("input[aria-label='Select Depot 2']")
        assert page.input_value("#bulk-form select[name=target]") == str(live["premium"])
        page.click("#bulk-form button[type=submit]")
        _confirm(page)
        page.wait_for_selector("#progress .flash-success")  # polled until finished
        text = " ".join(page.inner_text("#progress").split())
        assert "2 of 2 processed" in text and "2 migrated · 0 refused · 0 failed" in text
        assert "Depot 0" in text and "Depot 2" in text and "Depot 1" not in text
        browser.close()
    with app.app_context():
        moved = db.session.scalars(
            select(Client.name).where(Client.brand_id == live["premium"])
        ).all()
    assert sorted(moved) == ["Depot 0", "Depot 2"]


def test_bulk_bar_without_javascript(app, live):
    with playwright.sync_playwright() as p:
        browser = _browser(p)
        page = _signed_in(browser, live, javascript=False)
        _tick_and_choose(page, live)
        page.click("#bulk-form button[type=submit]")
        _confirm(page)
        for _ in range(100):  # no polling without JavaScript: the reader reloads
            if "Finished." in page.inner_text("#progress"):
                break
            page.wait_for_timeout(100)
            page.reload()
        text = " ".join(page.inner_text("#progress").split())
        assert "Finished." in text and "2 migrated · 0 refused · 0 failed" in text
        browser.close()
    with app.app_context():
        assert db.session.scalar(select(func.count(BulkJob.id))) == 1


@pytest.mark.parametrize("javascript", [True, False])
def test_check_again_starts_nothing_and_starting_asks_first(app, live, javascript):
    with playwright.sync_playwright() as p:
        browser = _browser(p)
        page = _signed_in(browser, live, javascript=javascript)
        page.goto(f"{live['url']}/north/clients/{live['bound']}/migrate")
        page.select_option("select[name=target]", str(live["premium"]))
        if not javascript:
            page.click("button:has-text('Check')")
        page.wait_for_selector("#checks .checks")
        assert "Under contract until" in page.inner_text("#checks")
        page.fill("textarea[name=override_reason]", "The director signed the transfer")
        page.click("button:has-text('Check again')")
        page.wait_for_selector("text=Every check passes")
        page.click("button:has-text('Check again')")  # as often as one likes
        page.wait_for_selector("text=Every check passes")
        with app.app_context():
            assert db.session.scalar(select(func.count(Migration.id))) == 0
        page.click("button:has-text('Start migration')")
        page.wait_for_selector("h1:has-text('Migrate Bound Ltd from Northwind to Northwind')")
        assert "record is frozen" in page.inner_text("main")
        with app.app_context():
            assert db.session.scalar(select(func.count(Migration.id))) == 0
        page.click("button:has-text('Start the migration to Northwind Premium')")
        page.wait_for_url("**/north/migrations/*")
        browser.close()
    with app.app_context():
        migration = db.session.scalar(select(Migration))
        assert migration.override_reason == "The director signed the transfer"
        assert migration.state == MigrationState.COMPLETED  # run after the request's commit

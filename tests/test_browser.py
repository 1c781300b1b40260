"""In a real browser (Debian's Chromium, driven by Playwright): what htmx does for a user.

Skipped where Chromium or Playwright is missing; .ci/run installs Chromium from Debian.
"""

import shutil
import threading

import pytest
from werkzeug.serving import make_server

from portal.extensions import db
from portal.models import Client, Role
from tests.conftest import PASSWORD, detach, make_brand, make_client, make_user

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
playwright = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")


@pytest.fixture
def live(app):
    with app.app_context():
        brand = make_brand("acme", country_code="BR")
        make_user("reseller@acme.test", brand, Role.RESELLER)
        client = make_client(
            brand, name="Transportes Silva", phone="551133334444", mobile="5511987654321"
        )
        make_client(brand, name="Dupont Location")
        detach(client)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {"url": f"http://127.0.0.1:{server.server_port}", "client": client}
    server.shutdown()
    thread.join()


@pytest.fixture
def page(live):
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        page = browser.new_page(extra_http_headers={"Accept-Language": "en"})
        page.set_default_timeout(10_000)
        page.goto(live["url"] + "/acme/login")
        page.fill("input[name=email]", "reseller@acme.test")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/acme/")  # the dashboard
        page.goto(live["url"] + "/acme/clients")
        yield page
        browser.close()


def test_search_as_you_type_swaps_only_the_results(page):
    page.fill("input[name=q]", "dupont")
    page.wait_for_function(
        "() => !document.querySelector('#results').textContent.includes('Transportes')"
    )
    assert "Dupont Location" in page.inner_text("#results")
    assert "q=dupont" in page.url  # the address follows, for the back button and sharing


def test_inline_edit_enter_saves_escape_cancels_errors_in_place(app, live, page):
    page.goto(f"{live['url']}/acme/clients/{live['client'].id}")
    page.click("#field-email .edit-link")
    page.fill("#input-email", "not an email")
    page.press("#input-email", "Enter")
    page.wait_for_selector("#field-email .error-message")
    assert "needs an @ sign" in page.inner_text("#field-email")
    page.fill("#input-email", "frota@silva.example")
    page.press("#input-email", "Enter")
    page.wait_for_selector("#field-email .saved")
    page.click("#field-name .edit-link")
    page.fill("#input-name", "Never saved")
    page.press("#input-name", "Escape")
    page.wait_for_selector("#field-name .edit-link")
    assert "Transportes Silva" in page.inner_text("#field-name")
    with app.app_context():
        stored = db.session.get(Client, live["client"].id)
        assert (stored.email, stored.name) == ("frota@silva.example", "Transportes Silva")


def test_a_second_tab_with_an_older_copy_cannot_overwrite(app, live, page):
    url = f"{live['url']}/acme/clients/{live['client'].id}"
    page.goto(url)
    page.click("#field-name .edit-link")  # tab 1 opens the name, then leaves it open
    older = page.context.browser.new_page(extra_http_headers={"Accept-Language": "en"})
    older.context.add_cookies(page.context.cookies())  # the same user, in another window
    older.goto(url)
    older.click("#field-name .edit-link")
    older.fill("#input-name", "Saved First")
    older.press("#input-name", "Enter")
    older.wait_for_selector("#field-name .saved")
    page.fill("#input-name", "Stale Copy")
    page.press("#input-name", "Enter")
    page.wait_for_selector("#field-name .error-message")
    assert "Someone else changed this client" in page.inner_text("#field-name")
    assert page.input_value("#input-name") == "Saved First"
    with app.app_context():
        assert db.session.get(Client, live["client"].id).name == "Saved First"


def test_tabs_load_in_place(live, page):
    page.goto(f"{live['url']}/acme/clients/{live['client'].id}")
    page.click("a[role=tab]:has-text('Other')")
    page.wait_for_selector("#section-contacts")
    assert page.url.endswith("tab=other")

"""In Chromium: the page keeps telling the truth after htmx swaps — the header follows a change,
a failed request says so where the user acted (in the reader's language), a request shows that
it runs, a confirmation shows once, a value opens its editor.

Skipped where Chromium or Playwright is missing, as tests/test_browser.py."""

import threading

import pytest
from werkzeug.serving import make_server

from portal.extensions import db
from portal.models import Client, Role, User
from portal.passwords import hash_password
from tests.browser import CHROMIUM, chromium, open_editor
from tests.conftest import PASSWORD, detach, make_brand, make_client, make_user

playwright = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")


@pytest.fixture
def live(app):
    with app.app_context():
        brand = make_brand("acme", name="Acme Fleet")
        make_user("admin@acme.test", brand, Role.BRAND_ADMIN)
        record = make_client(
            brand,
            name="Harris Haulage",
            login_email="fleet@harris.example",
            login_password_hash=hash_password("a-long-secret-1"),
        )
        detach(record)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {"url": f"http://127.0.0.1:{server.server_port}", "client": record}
    server.shutdown()
    thread.join()


@pytest.fixture
def browser():
    with chromium() as browser:
        yield browser


def signed_in(browser, live, email="admin@acme.test"):
    page = browser.new_page(extra_http_headers={"Accept-Language": "en"})
    page.set_default_timeout(10_000)
    page.goto(live["url"] + "/acme/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/acme/")  # the brand's dashboard
    page.goto(live["url"] + "/acme/clients")
    return page


@pytest.fixture
def page(browser, live):
    return signed_in(browser, live)


# The confirmation as the page shows it; the screen reader's live region (#announcer) repeats
# its text a moment later, which is not a second message.
SHOWN_CONFIRMATION = ".flash:has-text('Client updated.')"


def record_url(live, tab="personal"):
    return f"{live['url']}/acme/clients/{live['client'].id}?tab={tab}"


def test_marking_delinquent_updates_the_header_without_a_reload(live, page):
    page.goto(record_url(live, "status"))
    header = page.locator("#record-header")
    assert "Up to date" in header.inner_text() and "Has access" in header.inner_text()
    page.on("dialog", lambda dialog: dialog.accept())  # hx-confirm
    page.click("button:has-text('Mark as delinquent')")
    page.wait_for_selector("#record-header .badge-delinquent")
    text = header.inner_text()
    assert "Delinquent" in text and "No access" in text
    assert "Up to date" not in text and "Has access" not in text
    assert page.locator("#record-header").count() == 1  # replaced, not added
    assert page.locator(SHOWN_CONFIRMATION).count() == 1


def test_renaming_updates_heading_breadcrumb_and_title(live, page):
    page.goto(record_url(live))
    open_editor(page, "name")
    page.fill("#input-name", "Harris & Sons")
    page.press("#input-name", "Enter")
    page.wait_for_selector("#field-name .saved")
    page.wait_for_function("() => document.querySelector('h1').textContent === 'Harris & Sons'")
    assert "Harris & Sons" in page.inner_text("nav[aria-label=breadcrumb]")
    assert page.title() == "Harris & Sons · Acme Fleet"


def test_clicking_a_value_opens_its_editor(live, page):
    page.goto(record_url(live))
    page.click("#field-name dd")
    page.wait_for_selector("#input-name")
    assert page.evaluate("document.activeElement.id") == "input-name"
    assert page.locator("#field-name label .required-mark").count() == 1


def test_a_save_of_a_deleted_client_says_so_in_the_readers_language(app, live, page):
    with app.app_context():
        db.session.get(User, 1).locale = "fr"  # the admin reads French
        db.session.commit()
    page.goto(record_url(live))
    open_editor(page, "name")
    with app.app_context():  # meanwhile, in another tab, someone deletes the client
        db.session.delete(db.session.get(Client, live["client"].id))
        db.session.commit()
    page.fill("#input-name", "Too late")
    page.press("#input-name", "Enter")
    alert = page.wait_for_selector("#field-name form .htmx-failure[role=alert]")
    gone = "Cet élément n'existe plus ou a été déplacé\u00a0: rechargez la page."
    assert alert.inner_text() == gone
    assert page.input_value("#input-name") == "Too late"  # what was typed is still there


def test_a_server_error_and_a_lost_connection_are_shown_where_the_user_acted(live, page):
    page.goto(record_url(live))
    page.route("**/fields/email/edit", lambda route: route.fulfill(status=500, body="boom"))
    page.click("#field-email .edit-link")
    failure = page.wait_for_selector("#field-email + .htmx-failure, .edit-link + .htmx-failure")
    assert "Something went wrong and nothing was changed" in failure.inner_text()
    page.unroute("**/fields/email/edit")
    page.route("**/fields/email/edit", lambda route: route.abort("internetdisconnected"))
    page.click("#field-email .edit-link")
    page.wait_for_function(
        "() => [...document.querySelectorAll('.htmx-failure')].some("
        "e => e.textContent.includes('cannot be reached'))"
    )
    assert page.locator(".htmx-failure").count() == 1  # the new message replaced the old


def test_a_running_request_shows_a_spinner_on_the_button(live, page):
    page.goto(record_url(live, "status"))
    held = []
    page.route("**/payment", lambda route: held.append(route))
    page.on("dialog", lambda dialog: dialog.accept())
    page.click("button:has-text('Mark as delinquent')")
    page.wait_for_function("() => document.querySelector('button[aria-busy=true]') !== null")
    assert "Mark as delinquent" in page.inner_text("button[aria-busy=true]")
    held[0].continue_()
    page.wait_for_selector("#record-header .badge-delinquent")
    assert page.locator("[aria-busy=true]").count() == 0


def test_a_confirmation_shows_once_and_not_on_the_next_tab(live, page):
    page.goto(record_url(live, "other"))
    page.click("#section-contacts summary")
    page.fill("#section-contacts input[name=name]", "Ana Souza")
    page.click("#section-contacts button[type=submit]")
    page.wait_for_selector("#section-contacts .flash-success")
    assert page.locator(SHOWN_CONFIRMATION).count() == 1
    page.click("nav.tabs a:has-text('Status')")
    page.wait_for_selector("input[name=status]")
    assert page.locator(SHOWN_CONFIRMATION).count() == 0
    page.reload()
    assert page.locator(SHOWN_CONFIRMATION).count() == 0


def test_the_new_contact_form_cancels(live, page):
    page.goto(record_url(live, "other"))
    page.click("#section-contacts summary")
    page.fill("#section-contacts input[name=name]", "Half typed")
    page.click("#section-contacts button:has-text('Cancel')")
    assert page.evaluate("document.querySelector('#section-contacts details').open") is False
    page.click("#section-contacts summary")
    assert page.input_value("#section-contacts input[name=name]") == ""

"""In a real browser (Debian's Chromium, driven by Playwright): what people do with the portal,
step by step, checked by what they see.

One world, one live server and one browser for the module; each test works on clients of its
own, so the tests do not depend on each other's order. Background work runs as in the embedded
setup (a thread of the server), so a bulk migration's progress bar is seen moving.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Client, ClientStatus, OutboxEmail, Role
from tests.browser import CHROMIUM, chromium, new_page, open_editor, served, sign_in
from tests.conftest import make_brand, make_client, make_user

pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")

RESELLER = "rob.reseller@acme.test"
TRAVELLER = "rita.reseller@acme.test"  # the reseller journey's: it changes her language
ADMIN = "pat.admin@platform.test"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    with served(tmp_path_factory.mktemp("journeys"), JOBS_INLINE=False) as (app, base):
        with app.app_context():
            acme = make_brand("acme", name="Acme Tracking")
            premium = make_brand(
                "acme-premium",
                name="Acme Premium",
                parent_id=acme.id,
                tracking_url_template="https://tracking.{country}.premium.acme.example",
            )
            rival = make_brand("rival", name="Rival Fleet")
            reseller = make_user(TRAVELLER, acme, Role.RESELLER, name="Rita Reseller")
            make_user(RESELLER, acme, Role.RESELLER, name="Rob Reseller")
            make_user(ADMIN, None, name="Pat Admin", is_platform_admin=True)
            managed = {"account_manager_id": reseller.id}
            ids = {
                name: make_client(acme, name=name, **values).id
                for name, values in {
                    "Harbour Freight Ltd": managed | {"email": "office@harbour.example"},
                    "Dupont Location": managed,
                    "Second Tab Ltd": managed,
                    "Keyboard Couriers Ltd": managed,
                    # No account manager: a migration check fails until someone is chosen.
                    # (a real mobile number: the tab's form checks every field it saves)
                    "Moving Vans Ltd": {
                        "login_email": "fleet@moving-vans.example",
                        "mobile": "447911123456",
                    },
                    "Bulk Haulage One": managed,
                    "Bulk Haulage Two": managed,
                    "Bulk Haulage Cancelled": managed | {"status": ClientStatus.CANCELLED},
                }.items()
            }
            ids["rival client"] = make_client(rival, name="Rival Secret Ltd").id
            ids["premium"] = premium.id
        with chromium() as browser:
            yield {"app": app, "base": base, "browser": browser, "ids": ids}


@pytest.fixture
def page(world):
    """A reseller's window, signed in through the form."""
    page = new_page(world["browser"])
    sign_in(page, world["base"], "acme", RESELLER)
    yield page
    page.context.close()


@pytest.fixture
def admin_page(world):
    page = new_page(world["browser"])
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, world["base"], "acme", ADMIN)
    yield page
    page.context.close()


def record_url(world, name: str, tab: str = "") -> str:
    url = f"{world['base']}/acme/clients/{world['ids'][name]}"
    return f"{url}?tab={tab}" if tab else url


def stored(world, name: str) -> Client:
    with world["app"].app_context():
        client = db.session.get(Client, world["ids"][name])
        db.session.expunge(client)
        return client


def reload_until(page, selector: str, text: str, tries: int = 40) -> None:
    """Reload, as a person would, until `selector` shows `text` (background work finishing)."""
    for _ in range(tries):
        if text in page.inner_text(selector):
            return
        page.wait_for_timeout(250)
        page.reload()
    assert text in page.inner_text(selector)


# --- the reseller's day --------------------------------------------------------------------


def test_reseller_journey(world):
    page = new_page(world["browser"])
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, world["base"], "acme", TRAVELLER)
    # Search as you type: the results change in place and the address follows.
    page.fill("input[name=q]", "harbour")
    page.wait_for_function(
        "() => !document.querySelector('#results').textContent.includes('Dupont')"
    )
    assert "Harbour Freight Ltd" in page.inner_text("#results")
    assert "q=harbour" in page.url
    page.click("#results a:has-text('Harbour Freight Ltd')")
    page.wait_for_selector("h1:has-text('Harbour Freight Ltd')")

    # The phone, inline: refused with the reason, then saved and shown formatted.
    open_editor(page, "phone")
    page.fill("#input-phone", "12")
    page.press("#input-phone", "Enter")
    page.wait_for_selector("#field-phone .error-message")
    assert "too short" in page.inner_text("#field-phone")
    page.fill("#input-phone", "020 7946 0123")
    page.press("#input-phone", "Enter")
    page.wait_for_selector("#field-phone .saved")
    assert "+44 20 7946 0123" in page.inner_text("#field-phone")
    assert stored(world, "Harbour Freight Ltd").phone == "442079460123"

    # Delinquent: the client loses access to the tracking platform.
    page.click("nav.tabs a:has-text('Status')")
    page.wait_for_selector("nav.tabs a[aria-current=page]:has-text('Status')")
    # Active and up to date, but with no login yet: it cannot sign in, and the page says so.
    assert "Cannot sign in yet" in page.inner_text("#record-tabs")
    page.click("button:has-text('Mark as delinquent')")
    page.wait_for_selector("#record-tabs button:has-text('Mark as up to date')")
    assert "No access" in page.inner_text("#record-tabs")
    # The header changed with the same response, without a reload.
    assert "Delinquent" in page.inner_text(".record-title")
    assert "No access" in page.inner_text(".record-title")

    # The client's login: a new email and a password, never shown back.
    page.click("nav.tabs a:has-text('Login')")
    page.wait_for_selector("input[name=login_email]")
    page.fill("input[name=login_email]", "fleet@harbour.example")
    page.fill("input[name=password]", "harbour-fleet-2026")
    page.fill("input[name=confirmation]", "harbour-fleet-2026")
    page.click("button:has-text('Update login')")
    page.wait_for_selector("#record-tabs dd:has-text('fleet@harbour.example')")
    assert "Password set" in page.inner_text("#record-tabs")
    assert page.input_value("input[name=password]") == ""

    # A contact, added on the Other tab.
    page.click("nav.tabs a:has-text('Other')")
    page.wait_for_selector("#section-contacts")
    page.click("#section-contacts summary:has-text('Add a contact')")
    form = page.locator("#section-contacts form.item-form")
    form.locator("input[name=name]").fill("Maya Lopez")
    form.locator("input[name=email]").fill("maya@harbour.example")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#section-contacts .items li:has-text('Maya Lopez')")

    # Portuguese, then Polish, from the header's language menu.
    for language, label, personal_tab in (
        ("pt", "Português", "Dados pessoais"),
        ("pl", "Polski", "Dane osobowe"),
    ):
        page.click("details.language-switcher > summary")
        page.click(f"details.language-switcher button[lang={language}]")
        page.wait_for_selector(f"html[lang={language}]")  # the page loaded again, in it
        assert label in page.inner_text("details.language-switcher > summary")
        assert personal_tab in page.inner_text("nav.tabs")

    # Signing out, from the user menu, lands on the sign-in page; the list is closed to her.
    page.click("details.user-menu > summary")
    page.click("details.user-menu button[type=submit]")
    page.wait_for_url("**/acme/login")
    assert page.is_visible("input[name=password]")
    page.goto(f"{world['base']}/acme/clients")
    assert page.url.split("?")[0].endswith("/acme/login")
    page.context.close()


def test_inline_edit_enter_saves_escape_cancels_errors_in_place(world, page):
    page.goto(record_url(world, "Dupont Location"))
    open_editor(page, "email")
    page.fill("#input-email", "not an email")
    page.press("#input-email", "Enter")
    page.wait_for_selector("#field-email .error-message")
    assert "needs an @ sign" in page.inner_text("#field-email")
    page.fill("#input-email", "contact@dupont.example")
    page.press("#input-email", "Enter")
    page.wait_for_selector("#field-email .saved")
    open_editor(page, "name")
    page.fill("#input-name", "Never saved")
    page.press("#input-name", "Escape")
    page.wait_for_selector("#field-name .edit-link")
    assert "Dupont Location" in page.inner_text("#field-name")
    client = stored(world, "Dupont Location")
    assert (client.email, client.name) == ("contact@dupont.example", "Dupont Location")


def test_a_second_tab_with_an_older_copy_cannot_overwrite(world, page):
    url = record_url(world, "Second Tab Ltd")
    page.goto(url)
    open_editor(page, "name")  # tab 1 opens the name, then leaves it open
    older = page.context.new_page()  # the same user, in another tab
    older.goto(url)
    open_editor(older, "name")
    older.fill("#input-name", "Saved First")
    older.press("#input-name", "Enter")
    older.wait_for_selector("#field-name .saved")
    page.fill("#input-name", "Stale Copy")
    page.press("#input-name", "Enter")
    page.wait_for_selector("#field-name .error-message")
    assert "Someone else changed this client" in page.inner_text("#field-name")
    assert page.input_value("#input-name") == "Saved First"
    assert stored(world, "Second Tab Ltd").name == "Saved First"


def test_tabs_load_in_place_and_say_which_is_current(world, page):
    page.goto(record_url(world, "Dupont Location"))
    page.click("nav.tabs a:has-text('Other')")
    page.wait_for_selector("#section-contacts")
    assert page.url.endswith("tab=other")
    current = page.locator("nav.tabs a[aria-current=page]")
    assert current.inner_text() == "Other"
    # The focus stays on the tab just chosen, for a keyboard user to go on from there.
    assert page.evaluate("document.activeElement.getAttribute('aria-current')") == "page"


def test_keyboard_only_inline_editing(world, page):
    """Tab to a field's Edit link, Enter opens the editor with the focus inside, Escape puts the
    value back and the focus on the link, Enter saves and gives the focus back too."""
    page.goto(record_url(world, "Keyboard Couriers Ltd"))
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.matches('#field-name .edit-link')"):
            break
    else:
        pytest.fail("Tab never reached the name's Edit link")
    page.keyboard.press("Enter")
    page.wait_for_selector("#input-name")
    page.wait_for_function("() => document.activeElement.id === 'input-name'")
    page.keyboard.type(" Group")
    page.keyboard.press("Escape")
    page.wait_for_selector("#field-name .edit-link")
    page.wait_for_function("() => document.activeElement.matches('#field-name .edit-link')")
    assert "Keyboard Couriers Ltd" in page.inner_text("#field-name")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.activeElement.id === 'input-name'")
    page.keyboard.press("End")
    page.keyboard.type(" Group")
    page.keyboard.press("Enter")
    page.wait_for_selector("#field-name .saved")
    page.wait_for_function("() => document.activeElement.matches('#field-name .edit-link')")
    assert "Keyboard Couriers Ltd Group" in page.inner_text("#field-name")
    # The saved message is read out by the live region that stays on the page.
    page.wait_for_function("() => document.querySelector('#announcer').innerText === 'Saved'")


def test_another_brands_client_is_the_not_found_page(world, page):
    rival = world["ids"]["rival client"]
    for url in (f"/acme/clients/{rival}", f"/rival/clients/{rival}", "/rival/clients"):
        response = page.goto(world["base"] + url)
        assert response.status == 404
        assert "Page not found." in page.inner_text("main")
        assert "Rival Secret" not in page.content()
        assert "Rival Fleet" not in page.inner_text("body")


# --- the platform admin: migrations ------------------------------------------------------


def test_admin_migrates_a_client_through_the_checks_and_moves_it_back(world, admin_page):
    page = admin_page
    page.goto(record_url(world, "Moving Vans Ltd"))
    page.click("a:has-text('Migrate client')")
    page.select_option("select[name=target]", label="Acme Premium")
    page.wait_for_selector("#checks li.failed")
    assert "Account manager chosen" in page.inner_text("#checks li.failed")
    assert page.is_visible("#checks button:has-text('Check again')")

    # The check says how to fix it: the tab's form opens with the account manager focused.
    page.click("#checks li.failed a:has-text('Fix')")
    page.wait_for_selector("select[name=account_manager_id]")
    assert page.evaluate("document.activeElement.name") == "account_manager_id"
    page.select_option("select[name=account_manager_id]", label="Rita Reseller")
    page.click("main form button[type=submit]:has-text('Save')")
    page.wait_for_selector("a:has-text('Migrate client')")

    page.click("a:has-text('Migrate client')")
    page.select_option("select[name=target]", label="Acme Premium")
    page.wait_for_selector("#checks button:has-text('Start migration')")
    assert page.locator("#checks li.failed").count() == 0
    page.click("#checks button:has-text('Start migration')")
    # Starting asks first, naming the client and both brands.
    page.click("button:has-text('Start the migration to Acme Premium')")
    page.wait_for_url(re.compile(r"/acme/migrations/\d+$"))
    reload_until(page, "hgroup", "Completed")
    assert "Acme Tracking → Acme Premium" in page.inner_text("hgroup")
    assert "fleet@moving-vans.example" in page.inner_text("main")

    # The email waits in the target brand's Outbox, with the new tracking address.
    page.click("a:has-text('Preview')")
    page.wait_for_url(re.compile(r"/acme-premium/outbox/\d+$"))
    assert "https://tracking.gb.premium.acme.example" in page.inner_text("main")
    with world["app"].app_context():
        emails = db.session.scalars(
            select(OutboxEmail.recipient).where(OutboxEmail.brand_id == world["ids"]["premium"])
        ).all()
    assert "fleet@moving-vans.example" in emails
    page.go_back()

    # A wrong migration is moved back.
    page.click(":is(a, button):has-text('Move back')")
    page.click("button:has-text('Move back to Acme Tracking')")  # after a confirmation
    page.wait_for_url(re.compile(r"/migrations/\d+$"))
    reload_until(page, "hgroup", "Completed")
    assert "Acme Premium → Acme Tracking" in page.inner_text("hgroup")
    assert stored(world, "Moving Vans Ltd").brand_id != world["ids"]["premium"]


def test_admin_bulk_migrates_a_filtered_list_and_watches_the_progress(world, admin_page):
    page = admin_page
    page.fill("input[name=q]", "bulk haulage")
    page.wait_for_function(
        "() => !document.querySelector('#results').textContent.includes('Dupont')"
    )
    assert "3 clients" in page.inner_text("#results .result-count")
    page.get_by_label("all 3 clients matching this search").check()
    page.get_by_label("Target brand").select_option(label="Acme Premium")
    page.get_by_role("button", name="Migrate to this brand").click()
    assert page.inner_text("h1") == "Migrate 3 clients from Acme Tracking to Acme Premium?"
    page.get_by_role("button", name="Start the bulk migration to Acme Premium").click()
    page.wait_for_url(re.compile(r"/acme/migrations/bulk/\d+$"), timeout=5_000)
    # The bar fills as the job works in the background, then says it has finished.
    page.wait_for_selector("#progress p[role=status]:has-text('Finished.')", timeout=20_000)
    assert page.get_attribute("#progress progress", "value") == "3"
    assert page.get_attribute("#progress progress", "max") == "3"
    summary = page.inner_text("#progress")
    assert "2 migrated" in summary and "1 refused" in summary
    assert "Bulk Haulage Cancelled" in summary

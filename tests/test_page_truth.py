"""What the page says stays true: one response updates every place that shows a changed value,
a flash message shows once, and the access badge says whether the client can sign in."""

import re

import pytest

from portal.extensions import db
from portal.models import Client, Role
from portal.passwords import hash_password
from tests.conftest import detach, login, make_brand, make_client, make_user

HX = {"HX-Request": "true"}


@pytest.fixture
def acme(app):
    with app.app_context():
        brand = make_brand("acme")
        make_user("admin@acme.test", brand, Role.BRAND_ADMIN)
        record = make_client(
            brand,
            name="Harris Haulage",
            login_email="fleet@harris.example",
            login_password_hash=hash_password("a-long-secret-1"),
        )
        detach(record)
    return record


@pytest.fixture
def admin(client, acme):
    login(client, "acme", "admin@acme.test")
    return client


def header_of(html: str) -> str:
    """The record's header (title, badges) as a response carries it, out of band or not."""
    match = re.search(r'<div id="record-header"[^>]*>(.*?)</hgroup>\s*</div>', html, re.S)
    assert match, "no record header in the response"
    return re.sub(r' title="[^"]*"', "", match.group(0))  # what it says, not its hints


def test_marking_delinquent_updates_the_header_in_the_same_response(admin, acme):
    before = header_of(admin.get(f"/acme/clients/{acme.id}?tab=status").text)
    assert "Up to date" in before and "Has access" in before
    response = admin.post(
        f"/acme/clients/{acme.id}/payment",
        data={"payment_status": "delinquent", "version": acme.version},
        headers=HX,
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="record-tabs"')
    header = header_of(response.text)
    assert 'hx-swap-oob="true"' in header
    assert "Delinquent" in header and "No access" in header
    assert "Up to date" not in header and "Has access" not in header


def test_a_status_change_updates_the_header(admin, acme):
    response = admin.post(
        f"/acme/clients/{acme.id}/status",
        data={"status": "blocked", "reason": "Unpaid since March", "version": acme.version},
        headers=HX,
    )
    header = header_of(response.text)
    assert "Blocked" in header and "No access" in header and "Active" not in header


def test_a_refused_stale_change_shows_the_header_as_it_is(app, admin, acme):
    with app.app_context():
        db.session.get(Client, acme.id).payment_status = "delinquent"
        db.session.commit()
    response = admin.post(
        f"/acme/clients/{acme.id}/status",
        data={"status": "cancelled", "reason": "Left", "version": acme.version},
        headers=HX,
    )
    assert response.status_code == 409
    assert "Delinquent" in header_of(response.text)


def test_renaming_updates_heading_breadcrumb_and_title(admin, acme):
    response = admin.post(
        f"/acme/clients/{acme.id}/fields/name/edit",
        data={"name": "Harris & Sons Haulage", "version": acme.version},
        headers=HX,
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div class="field" id="field-name"')
    header = header_of(response.text)
    assert "<h1>Harris &amp; Sons Haulage</h1>" in header
    assert "<li>Harris &amp; Sons Haulage</li>" in header
    assert "<title>Harris &amp; Sons Haulage · Acme</title>" in response.text
    # Another field is not in the header: its save sends the field alone.
    other = admin.post(
        f"/acme/clients/{acme.id}/fields/email/edit",
        data={"email": "office@harris.example", "version": acme.version + 1},
        headers=HX,
    )
    assert other.status_code == 200 and "record-header" not in other.text


def test_the_full_page_header_is_not_out_of_band(admin, acme):
    page = admin.get(f"/acme/clients/{acme.id}").text
    assert "hx-swap-oob" not in header_of(page)
    assert page.count("<title>") == 1


def test_a_flash_shows_once_and_not_on_the_next_tab(admin, acme):
    added = admin.post(
        f"/acme/clients/{acme.id}/contacts",
        data={"name": "Ana Souza", "version": acme.version},
        headers=HX,
    )
    assert added.status_code == 200 and added.text.count("Client updated.") == 1
    for tab in ("personal", "status", "other"):
        page = admin.get(f"/acme/clients/{acme.id}?tab={tab}", headers=HX)
        assert "Client updated." not in page.text, tab
    assert "Client updated." not in admin.get(f"/acme/clients/{acme.id}").text


def test_a_status_change_confirms_once(admin, acme):
    response = admin.post(
        f"/acme/clients/{acme.id}/payment",
        data={"payment_status": "delinquent", "version": acme.version},
        headers=HX,
    )
    assert response.text.count("Client updated.") == 1
    assert "Client updated." not in admin.get(f"/acme/clients/{acme.id}?tab=login").text


def test_an_unshown_flash_goes_out_of_band_into_the_flash_area(app, admin, acme):
    """A fragment that does not show flashes itself carries them into the page's flash area."""
    with admin.session_transaction() as session:
        session["_flashes"] = [("success", "Device assigned.")]
    response = admin.get(f"/acme/clients/{acme.id}/fields/email", headers=HX)
    assert '<div id="flash-area" hx-swap-oob="true">' in response.text
    assert "Device assigned." in response.text
    assert "Device assigned." not in admin.get(f"/acme/clients/{acme.id}").text


@pytest.mark.parametrize(
    "login_email, password, reason",
    [
        ("", None, "No login email is set"),
        ("fleet@harris.example", None, "No password is set"),
    ],
)
def test_a_client_who_cannot_sign_in_is_not_said_to_have_access(
    app, admin, acme, login_email, password, reason
):
    with app.app_context():
        record = db.session.get(Client, acme.id)
        record.login_email, record.login_password_hash = login_email, password
        db.session.commit()
    page = admin.get(f"/acme/clients/{acme.id}?tab=status").text
    assert "Has access" not in page
    assert "Cannot sign in yet" in header_of(page)
    assert reason in page
    listed = admin.get("/acme/clients").text
    assert "Cannot sign in yet" in listed and "badge-access" not in listed


def test_setting_the_password_gives_access_in_the_header(app, admin, acme):
    with app.app_context():
        db.session.get(Client, acme.id).login_password_hash = None
        db.session.commit()
    response = admin.post(
        f"/acme/clients/{acme.id}/login",
        data={
            "login_email": "fleet@harris.example",
            "password": "Tr4ck!ng-Fl33t-77",
            "confirmation": "Tr4ck!ng-Fl33t-77",
            "version": acme.version + 1,  # the change above was a save
        },
        headers=HX,
    )
    assert response.status_code == 200
    assert "Has access" in header_of(response.text)

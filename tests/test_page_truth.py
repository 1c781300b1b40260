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


# --- editing: what the forms say before anything is sent ------------------------------------


def test_a_fields_value_opens_its_editor_and_required_fields_are_marked(admin, acme):
    page = admin.get(f"/acme/clients/{acme.id}").text
    name = re.search(r'<div class="field" id="field-name">.*?</div>', page, re.S).group(0)
    assert "<dd data-edit-value>" in name and 'class="edit-link"' in name
    editor = admin.get(f"/acme/clients/{acme.id}/fields/name/edit", headers=HX).text
    assert 'class="required-mark" aria-hidden="true"> *</span></label>' in editor
    assert re.search(r"<input[^>]*required[^>]*>", editor)
    email = admin.get(f"/acme/clients/{acme.id}/fields/email/edit", headers=HX).text
    assert "required-mark" not in email
    whole = admin.get(f"/acme/clients/{acme.id}/edit/other").text
    assert whole.count("required-mark") == 5  # street, locality, sub-locality, city, postcode
    assert "Required field" in whole


def test_a_support_user_sees_values_that_open_nothing(app, client, acme):
    with app.app_context():
        from portal.models import Brand

        brand = db.session.scalar(db.select(Brand).where(Brand.slug == "acme"))
        make_user("support@acme.test", brand, Role.SUPPORT)
    login(client, "acme", "support@acme.test")
    page = client.get(f"/acme/clients/{acme.id}").text
    assert "data-edit-value" not in page and "edit-link" not in page


def test_the_contact_forms_have_cancel(admin, acme):
    page = admin.get(f"/acme/clients/{acme.id}?tab=other").text
    add = re.search(r'<section id="section-contacts".*?</section>', page, re.S).group(0)
    assert re.search(r'<button type="reset"[^>]*data-close-details>Cancel</button>', add)
    assert "Required field" in add
    admin.post(
        f"/acme/clients/{acme.id}/contacts",
        data={"name": "Ana Souza", "version": acme.version},
        headers=HX,
    )
    section = admin.get(f"/acme/clients/{acme.id}/contacts", headers=HX)
    assert section.status_code == 200 and "Ana Souza" in section.text
    item = re.search(r"/acme/clients/\d+/contacts/(\d+)/edit", section.text).group(1)
    editing = admin.get(f"/acme/clients/{acme.id}/contacts/{item}/edit", headers=HX).text
    cancel = re.search(r'<a [^>]*hx-get="([^"]+)"[^>]*>Cancel</a>', editing)
    assert cancel and cancel.group(1) == f"/acme/clients/{acme.id}/contacts"
    back = admin.get(cancel.group(1), headers=HX).text
    assert "Ana Souza" in back and "item-form" not in back.split("<details")[0]
    # Without JavaScript, the list's address leads back to the tab.
    plain = admin.get(f"/acme/clients/{acme.id}/contacts")
    assert plain.status_code == 302 and plain.headers["Location"].endswith("tab=other")


def test_another_brands_list_is_404(app, admin):
    with app.app_context():
        foreign = make_client(make_brand("other"), name="Foreign")
        detach(foreign)
    assert admin.get(f"/acme/clients/{foreign.id}/contacts", headers=HX).status_code == 404
    assert admin.get(f"/acme/clients/{acme_id_past()}/contacts").status_code == 404


def acme_id_past() -> int:
    return 2**31  # past the largest id: 404, never a database error


def test_the_wizards_review_shows_the_phone_formatted_and_names_the_contacts(admin, acme):
    admin.get("/acme/clients/new?restart=1")
    company = {
        "kind": "company",
        "name": "Patel Logistics",
        "email": "office@patel.example",
        "phone": "020 7946 0000",
        "mobile": "07852 305876",
        "segment": "other",
        "account_manager_id": "",
        "locale": "en",
        "country_code": "GB",
        "address__street": "King Street",
        "address__number": "4",
        "address__locality": "Hammersmith",
        "address__sub_locality": "Ravenscourt",
        "address__city": "London",
        "address__postal_code": "W6 0QA",
        "version": "0",
    }
    assert admin.post("/acme/clients/new", data=company).status_code == 302
    admin.post("/acme/clients/new/contacts", data={"name": "Priya Patel", "role": "Director"})
    admin.post("/acme/clients/new/contacts", data={"name": "Tom Reed"})
    review = admin.get("/acme/clients/new/review").text
    assert "+44 20 7946 0000" in review and "+44 7852 305876" in review
    assert "442079460000" not in review
    assert "<strong>Priya Patel</strong> · Director" in review
    assert "<strong>Tom Reed</strong>" in review and "2 contacts" in review


def test_an_ended_session_gets_401_for_htmx_and_the_sign_in_page_otherwise(client, acme):
    fragment = client.get(f"/acme/clients/{acme.id}/fields/name/edit", headers=HX)
    assert fragment.status_code == 401 and fragment.text == ""
    page = client.get(f"/acme/clients/{acme.id}")
    assert page.status_code == 302 and "/acme/login" in page.headers["Location"]


def test_the_page_carries_the_words_of_every_failure(admin, acme):
    admin.post("/acme/language", data={"locale": "pl"})
    page = admin.get(f"/acme/clients/{acme.id}").text
    body = re.search(r"<body[^>]*>", page, re.S).group(0)
    for name in ("failed", "bad-request", "signed-out", "forbidden", "gone", "too-large",
                 "too-many", "offline", "timeout"):  # fmt: skip
        assert re.search(rf'data-htmx-{name}="[^"]+"', body), name
    assert "Coś poszło nie tak i nic nie zostało zmienione" in body
    assert "Something went wrong" not in body

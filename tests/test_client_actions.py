"""Status, payment, login, the record's lists, equipment, creating and deleting clients."""

import io
import re

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Asset, AuditEvent, BusinessUnit, Client, Contact, Document, Role
from portal.passwords import verify_password
from tests.conftest import detach, login, make_asset, make_brand, make_client, make_user

HX = {"HX-Request": "true"}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def acme(app, tmp_path):
    app.config["DOCUMENT_STORAGE"] = str(tmp_path / "documents")
    with app.app_context():
        brand = make_brand("acme", country_code="BR")
        make_user("admin@acme.test", brand, Role.BRAND_ADMIN)
        make_user("reseller@acme.test", brand, Role.RESELLER)
        make_user("support@acme.test", brand, Role.SUPPORT)
        client = make_client(brand, name="Transportes Silva", country_code="BR")
        make_asset(brand, client, serial="356938035643809")
        make_asset(brand, serial="356938035643817")
        other = make_brand("other")
        make_user("reseller@other.test", other)
        foreign = make_client(other, name="Foreign Client")
        make_asset(other, serial="490154203237518")
        detach(client, foreign)
    return {"client": client, "foreign": foreign}


@pytest.fixture
def admin(client, acme):
    login(client, "acme", "admin@acme.test")
    return client


def current(app, client_id):
    with app.app_context():
        client = db.session.get(Client, client_id)
        if client is not None:
            db.session.refresh(client)
            db.session.expunge(client)
        return client


def audit_rows(app):
    """The audit events about clients (sign-ins left out)."""
    with app.app_context():
        return db.session.scalars(
            select(AuditEvent).where(AuditEvent.client_id.is_not(None)).order_by(AuditEvent.id)
        ).all()


# --- status and payment -------------------------------------------------------------------


def test_blocking_needs_a_reason(app, admin, acme):
    cid = acme["client"].id
    refused = admin.post(
        f"/acme/clients/{cid}/status", data={"status": "blocked", "version": 1}, headers=HX
    )
    assert refused.status_code == 422
    assert "Give a reason" in refused.text
    assert current(app, cid).status.value == "active"
    done = admin.post(
        f"/acme/clients/{cid}/status",
        data={"status": "blocked", "reason": "Chargeback", "version": 1},
        headers=HX,
    )
    assert done.status_code == 200 and "Client updated." in done.text
    client = current(app, cid)
    assert client.status.value == "blocked" and not client.has_access
    event = audit_rows(app)[-1]
    assert (event.field, event.old_value, event.new_value, event.note) == (
        "status",
        "active",
        "blocked",
        "Chargeback",
    )


@pytest.mark.parametrize(
    "status, payment, access",
    [
        ("active", "up_to_date", True),
        ("active", "delinquent", False),
        ("cancelled", "up_to_date", False),
        ("blocked", "delinquent", False),
    ],
)
def test_access_needs_active_and_up_to_date(app, admin, acme, status, payment, access):
    cid = acme["client"].id
    admin.post(
        f"/acme/clients/{cid}/status", data={"status": status, "reason": "because", "version": 1}
    )
    version = current(app, cid).version
    admin.post(f"/acme/clients/{cid}/payment", data={"payment_status": payment, "version": version})
    client = current(app, cid)
    assert (client.status.value, client.payment_status.value) == (status, payment)
    assert client.has_access is access
    listed = admin.get("/acme/clients?access=" + ("yes" if access else "no")).text
    assert ("Transportes Silva" in listed) is True
    # The client has no login yet: with access, it still cannot sign in, and the page says why.
    badge = "Cannot sign in yet" if access else "No access"
    page = admin.get(f"/acme/clients/{cid}?tab=status").text
    assert badge in page and "Has access" not in page


def test_status_needs_its_permission(app, client, acme):
    login(client, "acme", "support@acme.test")
    response = client.post(
        f"/acme/clients/{acme['client'].id}/payment",
        data={"payment_status": "delinquent", "version": 1},
    )
    assert response.status_code == 403
    assert current(app, acme["client"].id).payment_status.value == "up_to_date"


# --- login --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "email, password, confirmation, message",
    [
        ("not-an-email", "", "", "email"),
        ("", "", "", "email"),
        ("login@silva.example", "Tr4ck!ng-Fl33t-77", "Tr4ck!ng-Fl33t-78", "do not match"),
        ("login@silva.example", "short1!", "short1!", "10 characters"),
        ("login@silva.example", "password123", "password123", "too common"),
    ],
)
def test_login_update_refuses_bad_input(app, admin, acme, email, password, confirmation, message):
    cid = acme["client"].id
    response = admin.post(
        f"/acme/clients/{cid}/login",
        data={
            "login_email": email,
            "password": password,
            "confirmation": confirmation,
            "version": 1,
        },
        headers=HX,
    )
    assert response.status_code == 422
    assert message in response.text
    # Password fields are blank whenever the page is shown, even after an error.
    for tag in re.findall(r"<input[^>]*type=\"password\"[^>]*>", response.text):
        assert 'value=""' in tag or "value=" not in tag
    client = current(app, cid)
    assert client.login_email == "" and client.login_password_hash is None


def test_login_update_stores_a_hash_and_confirms(app, admin, acme):
    cid = acme["client"].id
    secret = "Tr4ck!ng-Fl33t-77"
    response = admin.post(
        f"/acme/clients/{cid}/login",
        data={
            "login_email": "Frota@Silva.example",
            "password": secret,
            "confirmation": secret,
            "version": 1,
        },
        headers=HX,
    )
    assert response.status_code == 200
    assert "Client updated." in response.text
    assert secret not in response.text
    assert all(
        'value=""' in tag or "value=" not in tag
        for tag in re.findall(r'<input[^>]*type="password"[^>]*>', response.text)
    )
    client = current(app, cid)
    assert client.login_email == "Frota@silva.example"
    with app.app_context():
        assert verify_password(client.login_password_hash, secret)
    assert all(
        secret not in (e.old_value or "") + (e.new_value or "") + (e.note or "")
        for e in audit_rows(app)
    )
    assert [e.field for e in audit_rows(app)] == ["login_email", "login_password"]


# --- the record's lists -------------------------------------------------------------------


def test_contacts_add_edit_remove_in_place(app, admin, acme):
    cid = acme["client"].id
    added = admin.post(
        f"/acme/clients/{cid}/contacts",
        data={
            "name": "Ana Souza",
            "role": "Gestora de frota",
            "email": "ana@silva.example",
            "phone": "(11) 91234-5678",
            "notify_equipment": "y",
            "version": 1,
        },
        headers=HX,
    )
    assert added.status_code == 200
    assert added.text.lstrip().startswith('<section id="section-contacts"')
    assert "Ana Souza" in added.text and "+55 11 91234-5678" in added.text
    assert 'hx-swap-oob="outerHTML:input.record-version"' in added.text
    with app.app_context():
        contact = db.session.scalar(select(Contact))
        contact_id, stored_phone = contact.id, contact.phone
    assert stored_phone == "5511912345678"
    bad = admin.post(
        f"/acme/clients/{cid}/contacts/{contact_id}/edit",
        data={"name": "", "version": 2},
        headers=HX,
    )
    assert bad.status_code == 422 and "This field is required." in bad.text
    edited = admin.post(
        f"/acme/clients/{cid}/contacts/{contact_id}/edit",
        data={"name": "Ana S. Souza", "version": 2},
        headers=HX,
    )
    assert edited.status_code == 200 and "Ana S. Souza" in edited.text
    removed = admin.post(
        f"/acme/clients/{cid}/contacts/{contact_id}/delete", data={"version": 3}, headers=HX
    )
    assert removed.status_code == 200 and "Ana S. Souza" not in removed.text
    assert [(e.action, e.field) for e in audit_rows(app)] == [
        ("item.added", "contacts"),
        ("item.changed", "contacts"),
        ("item.removed", "contacts"),
    ]


def test_business_units_and_contracts(app, admin, acme):
    cid = acme["client"].id
    admin.post(
        f"/acme/clients/{cid}/business_units",
        data={"name": "Depósito Campinas", "code": "CPS", "version": 1},
    )
    bad = admin.post(
        f"/acme/clients/{cid}/contracts",
        data={
            "number": "C-1",
            "plan": "Frota 50",
            "starts_on": "2026-05-01",
            "ends_on": "2026-01-01",
            "monthly_fee": "-5",
            "currency": "BRL",
            "version": 2,
        },
        headers=HX,
    )
    assert bad.status_code == 422
    assert "The end date cannot be before the start date." in bad.text
    good = admin.post(
        f"/acme/clients/{cid}/contracts",
        data={
            "number": "C-1",
            "plan": "Frota 50",
            "starts_on": "2026-05-01",
            "ends_on": "2028-05-01",
            "monthly_fee": "1234.5",
            "currency": "BRL",
            "version": 2,
        },
        headers=HX,
    )
    assert good.status_code == 200 and "R$1,234.50" in good.text
    with app.app_context():
        assert db.session.scalar(select(BusinessUnit.name)) == "Depósito Campinas"


def test_card_rules_and_no_full_number_stored(app, admin, acme):
    cid = acme["client"].id
    number = "4111 1111 1111 1111"
    luhn_fail = admin.post(
        f"/acme/clients/{cid}/payment_methods",
        data={
            "kind": "credit",
            "holder": "ANA SOUZA",
            "number": "4111 1111 1111 1112",
            "exp_month": "9",
            "exp_year": "2031",
            "version": 1,
        },
        headers=HX,
    )
    assert luhn_fail.status_code == 422 and "4111" not in luhn_fail.text
    expired = admin.post(
        f"/acme/clients/{cid}/payment_methods",
        data={
            "kind": "credit",
            "holder": "ANA SOUZA",
            "number": number,
            "exp_month": "1",
            "exp_year": "2020",
            "version": 1,
        },
        headers=HX,
    )
    assert expired.status_code == 422 and "expired" in expired.text
    assert "4111 1111" not in expired.text
    saved = admin.post(
        f"/acme/clients/{cid}/payment_methods",
        data={
            "kind": "debit",
            "holder": "ANA SOUZA",
            "number": number,
            "cvv": "123",
            "exp_month": "9",
            "exp_year": "31",
            "version": 1,
        },
        headers=HX,
    )
    assert saved.status_code == 200
    assert "VISA •••• 1111" in saved.text and "09/2031" in saved.text
    # Nothing in the whole database holds the full number (nor the CVV that was sent along).
    with app.app_context():
        dump = []
        for table in db.metadata.sorted_tables:
            for row in db.session.execute(table.select()):
                dump.extend(str(value) for value in row)
    everything = " ".join(dump)
    assert "4111111111111111" not in everything and number not in everything


def test_document_upload_download_and_limits(app, admin, client, acme):
    cid = acme["client"].id
    fake = admin.post(
        f"/acme/clients/{cid}/documents",
        data={
            "kind": "id_card",
            "number": "12.345.678-9",
            "version": 1,
            "file": (io.BytesIO(b"MZ\x90\x00 not a pdf"), "scan.pdf"),
        },
        content_type="multipart/form-data",
        headers=HX,
    )
    assert fake.status_code == 422 and "Only PDF, JPEG and PNG" in fake.text
    app.config["MAX_DOCUMENT_BYTES"] = 100
    big = admin.post(
        f"/acme/clients/{cid}/documents",
        data={
            "kind": "id_card",
            "number": "1",
            "version": 1,
            "file": (io.BytesIO(PNG + b"\x00" * 200), "big.png"),
        },
        content_type="multipart/form-data",
        headers=HX,
    )
    assert big.status_code == 422 and "too large" in big.text
    app.config["MAX_DOCUMENT_BYTES"] = 5 * 1024 * 1024
    ok = admin.post(
        f"/acme/clients/{cid}/documents",
        data={
            "kind": "tax_id",
            "number": "11.222.333/0001-81",
            "version": 1,
            "file": (io.BytesIO(PDF), "../../contrato social.pdf"),
        },
        content_type="multipart/form-data",
        headers=HX,
    )
    assert ok.status_code == 200
    with app.app_context():
        document = db.session.scalar(select(Document))
        doc_id, stored_name = document.id, document.stored_name
    assert document.file_name == "contrato_social.pdf"
    assert re.fullmatch(r"[0-9a-f]{32}\.pdf", stored_name)
    download = admin.get(f"/acme/clients/{cid}/documents/{doc_id}/file")
    assert download.status_code == 200 and download.data == PDF
    assert "attachment" in download.headers["Content-Disposition"]
    download.close()
    # Staff of another brand cannot fetch it, whatever URL they try.
    other = client.application.test_client()
    login(other, "other", "reseller@other.test")
    assert other.get(f"/acme/clients/{cid}/documents/{doc_id}/file").status_code == 404
    foreign_id = acme["foreign"].id
    assert other.get(f"/other/clients/{foreign_id}/documents/{doc_id}/file").status_code == 404


# --- equipment ----------------------------------------------------------------------------


def test_assign_and_unassign_devices(app, admin, acme):
    cid = acme["client"].id
    page = admin.get(f"/acme/clients/{cid}?tab=equipment").text
    assert "1 device assigned" in page and "1 free device in this brand" in page
    with app.app_context():
        free = db.session.scalar(select(Asset).where(Asset.serial == "356938035643817"))
        foreign = db.session.scalar(select(Asset).where(Asset.serial == "490154203237518"))
        free_id, foreign_id = free.id, foreign.id
    refused = admin.post(
        f"/acme/clients/{cid}/equipment/assign",
        data={"asset_id": foreign_id, "version": 1},
        headers=HX,
    )
    assert refused.status_code == 409
    assigned = admin.post(
        f"/acme/clients/{cid}/equipment/assign",
        data={"asset_id": free_id, "version": 1},
        headers=HX,
    )
    assert assigned.status_code == 200 and "2 devices assigned" in assigned.text
    again = admin.post(
        f"/acme/clients/{cid}/equipment/assign",
        data={"asset_id": free_id, "version": 2},
        headers=HX,
    )
    assert again.status_code == 409
    unassigned = admin.post(
        f"/acme/clients/{cid}/equipment/{free_id}/unassign", data={"version": 2}, headers=HX
    )
    assert "1 device assigned" in unassigned.text
    with app.app_context():
        assert db.session.get(Asset, foreign_id).client_id is None


# --- creating and deleting ----------------------------------------------------------------


def test_create_wizard(app, admin, acme):
    start = admin.get("/acme/clients/new?restart=1")
    assert start.status_code == 200
    company = {
        "kind": "company",
        "name": "Locadora Rápida Ltda",
        "document_number": "11222333000181",
        "email": "contato@rapida.example",
        "phone": "1133334444",
        "mobile": "11987654321",
        "segment": "rental",
        "account_manager_id": "",
        "locale": "pt",
        "country_code": "BR",
        "address__street": "Rua Augusta",
        "address__number": "500",
        "address__locality": "São Paulo",
        "address__sub_locality": "Consolação",
        "address__city": "São Paulo",
        "address__region": "SP",
        "address__postal_code": "01305000",
        "version": "0",
    }
    bad = admin.post("/acme/clients/new", data=company | {"mobile": "1133334444"})
    assert bad.status_code == 422
    assert (
        admin.post("/acme/clients/new", data=company)
        .headers["Location"]
        .endswith("/acme/clients/new/contacts")
    )
    admin.post(
        "/acme/clients/new/contacts", data={"name": "Carla Dias", "email": "carla@rapida.example"}
    )
    review = admin.get("/acme/clients/new/review").text
    assert "Locadora Rápida Ltda" in review and "1 contact" in review
    with app.app_context():
        assert db.session.scalar(select(Client).where(Client.name.like("Locadora%"))) is None
    saved = admin.post("/acme/clients/new/review")
    assert saved.status_code == 302
    with app.app_context():
        created = db.session.scalar(select(Client).where(Client.name == "Locadora Rápida Ltda"))
        assert created.mobile == "5511987654321"
        assert created.address.postal_code == "01305-000"
        assert [c.name for c in created.contacts] == ["Carla Dias"]
        assert created.brand.slug == "acme"
    assert saved.headers["Location"] == f"/acme/clients/{created.id}"


def test_delete_cascade_keeps_devices_and_history(app, admin, acme):
    cid = acme["client"].id
    admin.post(f"/acme/clients/{cid}/contacts", data={"name": "Ana", "version": 1})
    admin.post(f"/acme/clients/{cid}/business_units", data={"name": "Depot", "version": 2})
    page = admin.get(f"/acme/clients/{cid}/delete")
    assert "1 device will be unassigned" in page.text
    stale = admin.post(f"/acme/clients/{cid}/delete", data={"version": 1})
    assert stale.status_code == 409
    done = admin.post(f"/acme/clients/{cid}/delete", data={"version": 3})
    assert done.status_code == 302
    with app.app_context():
        assert db.session.get(Client, cid) is None
        assert db.session.scalar(select(Contact)) is None
        assert db.session.scalar(select(BusinessUnit)) is None
        device = db.session.scalar(select(Asset).where(Asset.serial == "356938035643809"))
        assert device is not None and device.client_id is None
        actions = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.client_id == cid)
        ).all()
    assert actions[-1] == "client.deleted" and "item.added" in actions
    assert admin.get(f"/acme/clients/{cid}").status_code == 404


def test_reseller_cannot_delete(client, acme):
    login(client, "acme", "reseller@acme.test")
    assert (
        client.post(f"/acme/clients/{acme['client'].id}/delete", data={"version": 1}).status_code
        == 403
    )


# --- every mutating route: foreign ids and CSRF -------------------------------------------

MUTATIONS = [
    ("fields/name/edit", {"name": "X", "version": 1}),
    ("edit/personal", {"name": "X", "version": 1}),
    ("status", {"status": "blocked", "reason": "x", "version": 1}),
    ("payment", {"payment_status": "delinquent", "version": 1}),
    ("login", {"login_email": "x@y.example", "version": 1}),
    ("contacts", {"name": "X", "version": 1}),
    ("business_units", {"name": "X", "version": 1}),
    (
        "contracts",
        {
            "number": "1",
            "plan": "p",
            "starts_on": "2026-01-01",
            "monthly_fee": "1",
            "currency": "EUR",
            "version": 1,
        },
    ),
    ("equipment/assign", {"asset_id": 1, "version": 1}),
    ("delete", {"version": 1}),
]


@pytest.mark.parametrize("path, data", MUTATIONS)
def test_foreign_client_ids_are_404(app, admin, acme, path, data):
    foreign = acme["foreign"]
    for headers in ({}, HX):
        response = admin.post(f"/acme/clients/{foreign.id}/{path}", data=data, headers=headers)
        assert response.status_code == 404
    assert current(app, foreign.id).name == "Foreign Client"


@pytest.mark.parametrize("path, data", MUTATIONS)
def test_mutations_without_csrf_token_are_refused(app, app_config, acme, path, data):
    from portal import create_app

    strict = create_app(app_config | {"WTF_CSRF_ENABLED": True})
    http = strict.test_client()
    page = http.get("/acme/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    http.post(
        "/acme/login",
        data={"email": "admin@acme.test", "password": "correct-horse-battery", "csrf_token": token},
    )
    cid = acme["client"].id
    for headers in ({}, HX):
        assert (
            http.post(f"/acme/clients/{cid}/{path}", data=data, headers=headers).status_code == 400
        )
    assert current(app, cid).name == "Transportes Silva"
    with strict.app_context():
        db.engine.dispose()

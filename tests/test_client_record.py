from datetime import date
from decimal import Decimal

import pytest

from portal.models import CardKind, Contact, Contract, Document, DocumentKind, PaymentMethod
from tests.conftest import detach, login, make_asset, make_brand, make_client, make_user


@pytest.fixture
def record(app):
    with app.app_context():
        from portal.extensions import db

        brand = make_brand("acme", country_code="BR")
        make_user("reseller@acme.test", brand)
        client = make_client(
            brand,
            name="Transportes Silva Ltda",
            document_number="11.222.333/0001-81",
            phone="551133334444",
            mobile="5511987654321",
            login_email="frota@silva.example",
        )
        client.contacts.append(
            Contact(
                name="Ana Souza",
                email="ana@silva.example",
                phone="5511912345678",
                role="Gestora de frota",
                notify_equipment=True,
            )
        )
        client.documents.append(
            Document(
                kind=DocumentKind.TAX_ID, number="11.222.333/0001-81", issued_on=date(2020, 3, 14)
            )
        )
        client.contracts.append(
            Contract(
                number="C-2024-001",
                plan="Frota 50",
                starts_on=date(2024, 1, 1),
                ends_on=date(2027, 1, 1),
                monthly_fee=Decimal("1234.50"),
                currency="BRL",
            )
        )
        client.payment_methods.append(
            PaymentMethod(
                kind=CardKind.CREDIT,
                holder="ANA SOUZA",
                network="visa",
                last4="4242",
                exp_month=9,
                exp_year=2029,
            )
        )
        db.session.commit()
        make_asset(brand, client)
        make_asset(brand, client)
        detach(client)
    return client


@pytest.fixture
def signed_in(client, record):
    login(client, "acme", "reseller@acme.test")
    return client


def test_personal_data_tab_with_whatsapp_link(signed_in, record):
    page = signed_in.get(f"/acme/clients/{record.id}").text
    assert "Transportes Silva Ltda" in page
    assert "+55 11 98765-4321" in page
    assert 'href="https://wa.me/5511987654321"' in page
    assert 'rel="noopener noreferrer"' in page


@pytest.mark.parametrize(
    "tab, expected",
    [
        ("status", ["Active", "Up to date", "Cannot sign in yet", "No password is set"]),
        ("documents", ["Tax number", "11.222.333/0001-81", "Mar 14, 2020"]),
        ("login", ["frota@silva.example", "No password set"]),
        (
            "other",
            [
                "C-2024-001",
                "Frota 50",
                "R$1,234.50",
                "VISA •••• 4242",
                "09/2029",
                "High Street",
                "Camden Town",
                "Ana Souza",
                "Gestora de frota",
            ],
        ),
        ("equipment", ["2 devices assigned", "0 free devices in this brand"]),
    ],
)
def test_each_tab_shows_its_data(signed_in, record, tab, expected):
    page = signed_in.get(f"/acme/clients/{record.id}?tab={tab}").text
    for text in expected:
        assert text in page, text


def test_login_tab_never_shows_a_password_hash(app, signed_in, record):
    from portal.extensions import db
    from portal.models import Client
    from portal.passwords import hash_password

    with app.app_context():
        db.session.get(Client, record.id).login_password_hash = hash_password("s3cret-pass")
        db.session.commit()
    page = signed_in.get(f"/acme/clients/{record.id}?tab=login").text
    assert "$argon2" not in page and "Password set" in page


def test_money_and_dates_in_the_readers_locale(signed_in, record):
    signed_in.post("/acme/language", data={"locale": "pt"})
    page = signed_in.get(f"/acme/clients/{record.id}?tab=other").text
    assert "R$\xa01.234,50" in page
    assert (
        "2 dispositivos atribuídos"
        in signed_in.get(f"/acme/clients/{record.id}?tab=equipment").text
    )


def test_htmx_tab_returns_only_the_tab(signed_in, record):
    response = signed_in.get(f"/acme/clients/{record.id}?tab=other", headers={"HX-Request": "true"})
    assert response.text.lstrip().startswith('<section id="record-tabs"')
    assert "<html" not in response.text
    assert "C-2024-001" in response.text


def test_unknown_tab_falls_back_to_personal_data(signed_in, record):
    page = signed_in.get(f"/acme/clients/{record.id}?tab=../../etc").text
    assert 'aria-current="page">Personal data<' in page and "Document number" in page


def test_user_content_is_escaped(app, client):
    with app.app_context():
        brand = make_brand("acme")
        make_user("reseller@acme.test", brand)
        hostile = make_client(
            brand, name="<img src=x onerror=alert(1)>", email='<div hx-get="/admin">x</div>'
        )
        hostile_id = hostile.id
    login(client, "acme", "reseller@acme.test")
    for url in (f"/acme/clients/{hostile_id}", "/acme/clients"):
        page = client.get(url).text
        assert "<img src=x" not in page and '<div hx-get="/admin">' not in page
        assert "&lt;img src=x onerror=alert(1)&gt;" in page


@pytest.mark.parametrize(
    "tab, statements",
    [
        # the session with brand, membership and the number of the user's brands (one: the
        # header lists none); the client with what the tab shows (joined: the address, the
        # account manager, the client group); plus one per list the tab shows
        # (portal/clients/collections.py)
        ("personal", 2),
        ("status", 2),
        ("login", 2),
        ("documents", 3),
        ("other", 6),
        ("equipment", 5),  # and its devices, the free devices and their count
    ],
)
def test_record_runs_a_fixed_number_of_queries(app, signed_in, record, tab, statements):
    from sqlalchemy import event

    from portal.extensions import db

    seen = []

    def count(conn, cursor, statement, *args):
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        response = signed_in.get(f"/acme/clients/{record.id}?tab={tab}")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200
    assert len(seen) == statements, "\n".join(seen)

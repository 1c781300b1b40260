from flask_babel import force_locale, format_date, ngettext
from sqlalchemy import select

from portal.extensions import db
from portal.models import Brand, User
from tests.conftest import login


def test_accept_language_chooses_the_language_of_a_user_without_a_choice(client, world):
    french = {"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"}
    login(client, "north", "reseller@north.test", headers=french)
    page = client.get("/north/clients", headers=french)
    assert '<html lang="fr"' in page.text
    assert "Clients" in page.text and "Se déconnecter" in page.text


def test_accept_language_on_pages_of_no_brand(client, world):
    page = client.get("/", headers={"Accept-Language": "pl-PL,pl;q=0.9"})
    assert '<html lang="pl"' in page.text


def test_a_brands_login_page_speaks_the_brands_language(app, client, world):
    """A French brand's visitor reads French even when the browser asks for English."""
    with app.app_context():
        brand = db.session.scalar(select(Brand).where(Brand.slug == "north"))
        brand.default_locale = "fr"
        db.session.commit()
    page = client.get("/north/login", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert '<html lang="fr"' in page.text
    assert "Se connecter" in page.text
    # The visitor chooses another language there, and keeps it.
    client.post("/north/language", data={"locale": "en", "next": "/north/login"})
    page = client.get("/north/login", headers={"Accept-Language": "fr"})
    assert '<html lang="en"' in page.text and "Sign in" in page.text


def test_brand_default_when_the_browser_asks_for_nothing_we_speak(client, world):
    page = client.get("/south/login", headers={"Accept-Language": "de-DE"})
    assert '<html lang="pt"' in page.text
    assert "Entrar" in page.text


def test_english_when_nothing_else_applies(app, client, world):
    page = client.get("/north/login", headers={"Accept-Language": "de-DE"})
    assert '<html lang="en"' in page.text


def test_english_dates_are_written_as_in_the_brands_country(app, client, world):
    """North is a British brand: 1 Dec 2026 and a 24-hour clock, not 12/1/26, 7:27 PM."""
    login(client, "north", "reseller@north.test")
    record = world["north_clients"][0]
    page = client.get(f"/north/clients/{record.id}").text
    created = record.created_at
    assert f"{created.day} {created:%b} {created.year}" in page
    assert f"{created:%b} {created.day}, {created.year}" not in page
    with app.app_context():
        brand = db.session.scalar(select(Brand).where(Brand.slug == "north"))
        brand.country_code = "US"
        db.session.commit()
    page = client.get(f"/north/clients/{record.id}").text
    assert f"{created:%b} {created.day}, {created.year}" in page


def test_saved_choice_beats_the_browser_and_is_kept(app, client, world):
    login(client, "north", "reseller@north.test")
    response = client.post(
        "/north/language",
        data={"locale": "pl", "next": "/north/clients"},
        headers={"Accept-Language": "fr"},
    )
    assert response.headers["Location"] == "/north/clients"
    page = client.get("/north/clients", headers={"Accept-Language": "fr"})
    assert '<html lang="pl"' in page.text
    assert "Klienci" in page.text
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "reseller@north.test"))
        assert user.locale == "pl"
    # A new browser of the same user speaks Polish too.
    other = app.test_client()
    login(other, "north", "reseller@north.test")
    assert '<html lang="pl"' in other.get("/north/clients", headers={"Accept-Language": "en"}).text


def test_language_chosen_before_signing_in(client, world):
    client.post("/north/language", data={"locale": "pt"})
    assert '<html lang="pt"' in client.get("/north/login", headers={"Accept-Language": "en"}).text


def test_unknown_language_and_foreign_next_are_ignored(client, world):
    login(client, "north", "reseller@north.test")
    response = client.post("/north/language", data={"locale": "xx", "next": "https://evil.example"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/north/login"
    assert '<html lang="en"' in client.get("/north/clients").text


def test_dates_follow_the_locale(client, world):
    login(client, "north", "reseller@north.test")
    client.post("/north/language", data={"locale": "fr"})
    page = client.get(f"/north/clients/{world['north_clients'][0].id}").text
    with client.application.test_request_context(), force_locale("fr"):
        expected = format_date(world["north_clients"][0].created_at)
    assert expected in page
    assert any(
        month in expected
        for month in (
            "janv.",
            "févr.",
            "mars",
            "avr.",
            "mai",
            "juin",
            "juil.",
            "août",
            "sept.",
            "oct.",
            "nov.",
            "déc.",
        )
    )


def test_polish_has_three_plural_forms(app):
    with app.test_request_context():
        with force_locale("pl"):
            forms = [ngettext("%(num)s device", "%(num)s devices", n) for n in (1, 2, 5, 22, 25)]
    assert forms == ["1 urządzenie", "2 urządzenia", "5 urządzeń", "22 urządzenia", "25 urządzeń"]


def test_list_counts_use_plural_forms(client, world):
    login(client, "north", "reseller@north.test")
    client.post("/north/language", data={"locale": "pl"})
    page = client.get("/north/clients").text
    assert "3 klientów" in page
    assert "0 urządzeń" in page

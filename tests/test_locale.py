from flask_babel import force_locale, format_date, ngettext
from sqlalchemy import select

from portal.extensions import db
from portal.models import User
from tests.conftest import login


def test_accept_language_chooses_the_language(client, world):
    page = client.get("/north/login", headers={"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"})
    assert '<html lang="fr"' in page.text
    assert "Se connecter" in page.text


def test_brand_default_when_the_browser_asks_for_nothing_we_speak(client, world):
    page = client.get("/south/login", headers={"Accept-Language": "de-DE"})
    assert '<html lang="pt"' in page.text
    assert "Entrar" in page.text


def test_english_when_nothing_else_applies(app, client, world):
    page = client.get("/north/login", headers={"Accept-Language": "de-DE"})
    assert '<html lang="en"' in page.text


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

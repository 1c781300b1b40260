"""Words the portal shows: translated choices and group names, dates in the reader's locale,
checks whose label agrees with their outcome, real countries, the brand's user IDs, the front
door and the favicon."""

import re
from datetime import date, timedelta

import pytest
from flask import g
from flask_babel import force_locale
from sqlalchemy import select

from portal.brand_migration import rules as migration_rules
from portal.brand_migration.checks import Check
from portal.clients.rules import new_provider_user_id
from portal.db import ALL_BRANDS, set_brand_scope
from portal.extensions import db
from portal.locale import country_choices
from portal.models import Brand, Client, Contract, Migration, Role, User
from tests.conftest import detach, login, make_brand, make_client, make_user


@pytest.fixture
def lyon(app):
    """A French brand with a client under contract, a reseller and a platform admin."""
    with app.app_context():
        brand = make_brand("lyon", name="Flotte Lyon", default_locale="fr", country_code="FR")
        target = make_brand("lyon-premium", name="Lyon Premium", default_locale="fr")
        manager = make_user("vendeur@lyon.test", brand, Role.RESELLER, locale="fr")
        make_user("admin@lyon.test", brand, Role.BRAND_ADMIN, locale="fr")
        make_user("root@platform.test", None, is_platform_admin=True, locale="fr")
        record = make_client(
            brand,
            name="Transports Dupont",
            country_code="FR",
            locale="fr",
            account_manager_id=manager.id,
        )
        record.contracts.append(
            Contract(
                number="C-1",
                plan="Flotte 50",
                starts_on=date(2024, 1, 1),
                ends_on=date(2028, 6, 8),
                monthly_fee=10,
                currency="EUR",
            )
        )
        db.session.commit()
        detach(record, brand, target)
    return {"brand": brand, "target": target, "client": record}


def test_status_choices_are_in_the_readers_language(client, lyon):
    login(client, "lyon", "vendeur@lyon.test")
    page = client.get(f"/lyon/clients/{lyon['client'].id}?tab=status").text
    radios = re.findall(r'<input type="radio" name="status" value="(\w+)"[^>]*> ([^<]+)<', page)
    assert [label.strip() for _value, label in radios] == ["Actif", "Résilié", "Bloqué"]


def test_builtin_group_names_are_translated_whatever_is_stored(app, client, lyon):
    login(client, "lyon", "admin@lyon.test")
    page = client.get("/lyon/admin/groups").text
    assert "Administrateur de la marque" in page and "Revendeur" in page
    assert ">Brand admin<" not in page and ">Reseller<" not in page
    users = client.get("/lyon/admin/users").text
    assert "Revendeur" in users and ">Reseller<" not in users
    client.post("/lyon/language", data={"locale": "pl"})
    page = client.get("/lyon/admin/groups").text
    assert "Odsprzedawca" in page and "Sprzedawca<" not in page
    # A custom group keeps the name its admin gave it.
    from portal.models import PermissionGroup

    with app.app_context():
        db.session.add(PermissionGroup(brand_id=lyon["brand"].id, name="Brand admin (old)"))
        db.session.commit()
    assert "Brand admin (old)" in client.get("/lyon/admin/groups").text


def test_the_contract_check_says_what_it_found_in_the_readers_language(app, client, lyon):
    login(client, "lyon", "root@platform.test")
    page = client.get(
        f"/lyon/clients/{lyon['client'].id}/migrate", query_string={"target": lyon["target"].id}
    ).text
    item = re.search(r'<li class="failed">(?:(?!</li>).)*juin 2028(?:(?!</li>).)*</li>', page, re.S)
    assert item, "the failed contract check names the end date"
    assert "Sous contrat jusqu&#39;au 8 juin 2028" in item.group(0)
    assert "Aucun contrat" not in item.group(0) and "2028-06-08" not in page


def test_an_overridden_contract_check_is_not_not_under_contract(app, lyon):
    with app.test_request_context():
        set_brand_scope(ALL_BRANDS)  # the test reads and writes as a job would
        g.brand = db.session.get(Brand, lyon["brand"].id)
        record = db.session.get(Client, lyon["client"].id)
        root = db.session.scalar(select(User).where(User.email == "root@platform.test"))
        target = db.session.get(Brand, lyon["target"].id)
        migration = migration_rules.start(record, target, root, override_reason="Signé")
        stored = next(c for c in migration.checks if c["key"] == "contract")
        assert stored == {"key": "contract", "ok": True, "until": "2028-06-08"}
        with force_locale("en_GB"):
            label = Check(**stored).label
        assert label == "Under contract until 8 Jun 2028: migrated by an override"
        db.session.rollback()


def test_a_check_stored_by_an_older_version_shows_its_date_in_the_readers_locale(app):
    older = {"key": "contract", "ok": False, "detail": "Under contract until 2028-09-11."}
    with app.test_request_context(), force_locale("fr"):
        assert Check(**older).label == "Sous contrat jusqu'au 11 sept. 2028"
    with app.test_request_context(), force_locale("en"):
        assert Check(key="contract", ok=True).label == "Not under contract"


def test_the_migration_page_prints_no_iso_date(app, client, lyon):
    with app.app_context():
        record = db.session.get(Client, lyon["client"].id)
        record.contracts[0].ends_on = date.today() - timedelta(days=1)  # free now
        db.session.commit()
        g_brand = db.session.get(Brand, lyon["brand"].id)
        root = db.session.scalar(select(User).where(User.email == "root@platform.test"))
    with app.test_request_context():
        set_brand_scope(ALL_BRANDS)  # the test reads and writes as a job would
        g.brand = g_brand
        migration = migration_rules.start(
            db.session.get(Client, lyon["client"].id),
            db.session.get(Brand, lyon["target"].id),
            root,
        )
        db.session.commit()
        migration_id = migration.id
    login(client, "lyon", "root@platform.test")
    page = client.get(f"/lyon/migrations/{migration_id}").text
    assert "Aucun contrat en cours" in page or "Pas sous contrat" in page
    assert not re.search(r"\b20\d\d-\d\d-\d\d\b", page)
    with app.app_context():
        assert db.session.get(Migration, migration_id) is not None


def test_country_lists_hold_countries_only(app):
    with app.test_request_context(), force_locale("en"):
        names = {choice.label for choice in country_choices()}
        codes = {choice.value for choice in country_choices()}
    for fake in (
        "Pseudo-Accents",
        "Pseudo-Bidi",
        "European Union",
        "Eurozone",
        "United Nations",
        "Unknown Region",
    ):
        assert fake not in names
    assert {"GB", "FR", "PT", "PL", "BR", "US", "XK"} <= codes
    assert not codes & {"EU", "EZ", "UN", "ZZ", "XA", "XB", "QO", "AC", "TA", "IC", "EA"}
    assert 240 <= len(codes) <= 250


def test_the_country_field_offers_countries_only(client, lyon):
    login(client, "lyon", "admin@lyon.test")
    editor = client.get(
        f"/lyon/clients/{lyon['client'].id}/fields/country_code/edit",
        headers={"HX-Request": "true"},
    ).text
    assert 'value="FR"' in editor and 'value="EU"' not in editor and 'value="ZZ"' not in editor


def test_user_ids_follow_the_brands_pattern(app):
    with app.test_request_context():
        set_brand_scope(ALL_BRANDS)  # the test reads and writes as a job would
        north = make_brand("north")
        g.brand = north
        assert new_provider_user_id(north) == "NO-000001"  # a brand of no client yet
        make_client(north, provider_user_id="NW-000041")
        make_client(north, provider_user_id="NW-000007")
        assert new_provider_user_id(north) == "NW-000042"
        make_client(north, provider_user_id="NW-000042")
        assert new_provider_user_id(north) == "NW-000043"


def test_the_wizard_gives_the_next_user_id_of_the_brand(app, client):
    with app.app_context():
        brand = make_brand("acme")
        make_user("admin@acme.test", brand, Role.BRAND_ADMIN)
        make_client(brand, provider_user_id="AC-000120")
    login(client, "acme", "admin@acme.test")
    client.get("/acme/clients/new?restart=1")
    client.post(
        "/acme/clients/new",
        data={
            "kind": "company",
            "name": "Patel Logistics",
            "phone": "020 7946 0000",
            "mobile": "07852 305876",
            "segment": "other",
            "locale": "en",
            "country_code": "GB",
            "address__street": "King Street",
            "address__locality": "Hammersmith",
            "address__sub_locality": "Ravenscourt",
            "address__city": "London",
            "address__postal_code": "W6 0QA",
            "version": "0",
        },
    )
    assert client.post("/acme/clients/new/review").status_code == 302
    with app.app_context():
        created = db.session.scalar(select(Client).where(Client.name == "Patel Logistics"))
        assert created.provider_user_id == "AC-000121"


def test_the_front_door_lets_a_member_pick_a_brand_and_tells_a_stranger_nothing(app, client):
    with app.app_context():
        north = make_brand("north", name="North Fleet")
        south = make_brand("south", name="Sul Frotas")
        make_brand("hidden", name="Hidden Brand")
        user = make_user("both@fleet.test", north)
        from portal.admin.rules import ensure_builtin_groups
        from portal.models import Membership

        group = ensure_builtin_groups(south)[Role.RESELLER]
        db.session.add(Membership(user_id=user.id, brand_id=south.id, group_id=group.id))
        make_user("one@fleet.test", north)
        db.session.commit()
    stranger = client.get("/").text
    for name in ("North Fleet", "Sul Frotas", "Hidden Brand", "/north", "/south"):
        assert name not in stranger
    login(client, "north", "both@fleet.test")
    page = client.get("/").text
    assert 'href="/north/"' in page and 'href="/south/"' in page
    assert "Hidden Brand" not in page
    single = app.test_client()
    login(single, "north", "one@fleet.test")
    assert single.get("/").headers["Location"] == "/north/"


def test_favicon_is_served(client, app):
    with client.get("/favicon.ico") as response:
        assert response.status_code == 200
        assert response.mimetype == "image/x-icon"
        assert response.data[:4] == b"\x00\x00\x01\x00"  # an ICO file
    with app.app_context():
        make_brand("acme")
    page = client.get("/acme/login").text
    assert '<link rel="icon" href="/favicon.ico">' in page

import pytest

from tests.conftest import login

DEMO_PAGES = [
    "/{slug}/clients",
    "/{slug}/clients/{client_id}",
    "/{slug}/clients/{client_id}?tab=other",
    "/{slug}/clients/{client_id}?tab=history",
    "/{slug}/clients/{client_id}/edit/personal",
    "/{slug}/clients/{client_id}/fields/name/edit",
    "/{slug}/clients/{client_id}/delete",
    "/{slug}/clients/new",
]


@pytest.mark.parametrize("page", DEMO_PAGES)
def test_a_reseller_gets_404_for_every_page_of_another_brand(client, world, page):
    login(client, "north", "reseller@north.test")
    url = page.format(slug="south", client_id=world["south_clients"][0].id)
    response = client.get(url)
    assert response.status_code == 404
    assert "Sul Frotas" not in response.text


def test_a_foreign_client_id_under_ones_own_brand_is_404(client, world):
    login(client, "north", "reseller@north.test")
    for foreign in world["south_clients"]:
        assert client.get(f"/north/clients/{foreign.id}").status_code == 404
    for own in world["north_clients"]:
        assert client.get(f"/north/clients/{own.id}").status_code == 200


def test_list_shows_only_the_brands_own_clients(client, world):
    login(client, "south", "reseller@south.test")
    page = client.get("/south/clients").text
    assert "Cliente Sul 0" in page and "Cliente Sul 2" in page
    assert "North Client" not in page


def test_foreign_brand_answers_404_for_posts_too(client, world):
    login(client, "north", "reseller@north.test")
    assert client.post("/south/language", data={"locale": "fr"}).status_code == 404


def test_unknown_brand_and_client_are_localized_404(client, world):
    login(client, "north", "reseller@north.test")
    response = client.get("/no-such-brand/clients", headers={"Accept-Language": "pl"})
    assert response.status_code == 404
    assert "Nie znaleziono strony." in response.text
    assert client.get("/north/clients/999999").status_code == 404
    assert client.get("/north/clients/not-a-number").status_code == 404


def test_platform_admin_enters_and_switches_every_brand(client, world):
    login(client, "north", "root@platform.test")
    page = client.get("/north/clients").text
    assert "Switch brand" in page
    assert 'href="/south/"' in page
    assert client.get(f"/south/clients/{world['south_clients'][0].id}").status_code == 200


def test_single_brand_user_sees_no_switcher(client, world):
    login(client, "north", "reseller@north.test")
    assert "Switch brand" not in client.get("/north/clients").text


def test_a_member_of_two_brands_switches_between_them_until_one_closes(app, client, world):
    """The session's statement counts the user's brands; the header lists them when there
    are two or more active ones, and stops as soon as one is deactivated."""
    from portal.admin.rules import ensure_builtin_groups
    from portal.extensions import db
    from portal.models import Brand, Membership, Role

    with app.app_context():
        south = db.session.get(Brand, world["south"].id)
        group = ensure_builtin_groups(south)[Role.SUPPORT]
        db.session.add(
            Membership(user_id=world["north_reseller"].id, brand_id=south.id, group_id=group.id)
        )
        db.session.commit()
    login(client, "north", "reseller@north.test")
    page = client.get("/north/clients").text
    assert "Switch brand" in page
    assert 'href="/south/"' in page and 'href="/north/"' in page
    with app.app_context():
        db.session.get(Brand, world["south"].id).active = False
        db.session.commit()
    page = client.get("/north/clients").text
    assert "Switch brand" not in page
    assert 'href="/south/"' not in page


def test_inactive_brand_is_closed_to_its_members(app, client, world):
    from portal.extensions import db
    from portal.models import Brand

    login(client, "north", "reseller@north.test")
    with app.app_context():
        db.session.get(Brand, world["north"].id).active = False
        db.session.commit()
    assert client.get("/north/clients").status_code == 404
    client.post("/north/logout")
    response = login(client, "north", "reseller@north.test")
    assert response.status_code == 200
    assert "This portal is closed" in response.text

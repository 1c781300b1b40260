from portal.permissions import NAMES, PUBLIC, PUBLIC_ENDPOINTS, ROLE_PERMISSIONS, SIGNED_IN
from tests.conftest import login


def test_every_route_declares_its_permission(app):
    undeclared = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        permission = getattr(app.view_functions[rule.endpoint], "permission", None)
        if permission not in (PUBLIC, SIGNED_IN) and permission not in NAMES:
            undeclared.append(rule.rule)
    assert undeclared == []


def test_role_grants_come_from_the_catalogue():
    for granted in ROLE_PERMISSIONS.values():
        assert granted <= NAMES


def test_support_can_read_clients(client, world):
    login(client, "north", "support@north.test")
    assert client.get("/north/clients").status_code == 200
    assert client.get(f"/north/clients/{world['north_clients'][0].id}").status_code == 200


def header_links_of(page: str) -> list[tuple[str, str]]:
    import re

    nav = page.split('<nav class="site-links"', 1)[1].split("</nav>", 1)[0]
    return re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', nav)


def test_the_header_links_to_the_sections_the_group_opens_in_its_language(app, client, world):
    """The header's links follow the user's permissions and language (they are worked out once
    per brand, language and set of permissions, portal/navigation.py)."""
    from portal.navigation import ADMINISTRATION_PAGES, SECTIONS

    assert {permission for *_, permission, _ in SECTIONS} <= NAMES
    assert {permission for _, permission in ADMINISTRATION_PAGES} <= NAMES

    login(client, "north", "admin@north.test")
    assert header_links_of(client.get("/north/clients").text) == [
        ("/north/", "Dashboard"),
        ("/north/clients", "Clients"),
        ("/north/transfers", "Incoming transfers"),
        ("/north/outbox", "Outbox"),
        ("/north/admin/users", "Administration"),
    ]
    client.post("/north/language", data={"locale": "pl"})
    assert [label for _, label in header_links_of(client.get("/north/clients").text)] == [
        "Pulpit",
        "Klienci",
        "Przeniesienia przychodzące",
        "Skrzynka nadawcza",
        "Administracja",
    ]
    client.post("/north/logout")
    login(client, "north", "support@north.test")
    assert header_links_of(client.get("/north/clients").text) == [
        ("/north/", "Dashboard"),
        ("/north/clients", "Clients"),
    ]

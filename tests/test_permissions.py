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

"""Administration: permission groups, staff users, client groups, brands; the permission matrix."""

import io
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from portal.clients.collections import COLLECTIONS
from portal.clients.fields import FIELDS, fields_of_tab
from portal.extensions import db
from portal.models import (
    Brand,
    Client,
    ClientGroup,
    ClientGroupMapping,
    Membership,
    PermissionGroup,
    Role,
    User,
)
from portal.permissions import CATALOGUE, PUBLIC, PUBLIC_ENDPOINTS, ROLE_PERMISSIONS, SIGNED_IN
from tests.conftest import detach, login, make_asset, make_brand, make_client, make_user

ROOT = Path(__file__).resolve().parent.parent
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
TEMP = "Blue-Harbour-Lantern-42"


@pytest.fixture
def brands(app):
    with app.app_context():
        acme = make_brand("acme", country_code="BR")
        other = make_brand("other")
        make_user("admin@acme.test", acme, Role.BRAND_ADMIN)
        make_user("reseller@acme.test", acme, Role.RESELLER)
        make_user("support@acme.test", acme, Role.SUPPORT)
        make_user("admin@other.test", other, Role.BRAND_ADMIN)
        make_user("root@platform.test", None, is_platform_admin=True)
        client = make_client(acme, name="Transportes Silva")
        make_asset(acme, client)
        detach(acme, other, client)
    return {"acme": acme, "other": other, "client": client}


def group_id(app, slug, name):
    with app.app_context():
        return db.session.scalar(
            select(PermissionGroup.id)
            .join(Brand)
            .where(Brand.slug == slug, PermissionGroup.name == name)
        )


# --- the docs table and the matrix --------------------------------------------------------


def test_the_docs_table_matches_the_code():
    rows = {}
    for line in (ROOT / "docs" / "permissions.md").read_text().splitlines():
        match = re.match(r"\| `([\w.]+)` \|[^|]*\| (.+) \|$", line)
        if match:
            rows[match.group(1)] = [cell.strip() == "yes" for cell in match.group(2).split("|")]
    assert set(rows) == {p.name for p in CATALOGUE}
    for name, (admin, reseller, support) in rows.items():
        assert admin == (name in ROLE_PERMISSIONS[Role.BRAND_ADMIN]), name
        assert reseller == (name in ROLE_PERMISSIONS[Role.RESELLER]), name
        assert support == (name in ROLE_PERMISSIONS[Role.SUPPORT]), name


def _sample_url(app, rule, ids) -> str:
    values = {arg: ids[arg] for arg in rule.arguments}
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **values)


def _entry_permissions(endpoint: str, ids: dict) -> set[str]:
    """What a route of the registries checks on top of its declaration: the own permission of
    the entry it changes (any field of the tab, for the tab's form). Empty for other routes."""
    entries = {
        "clients.field_edit": lambda: [FIELDS[ids["name"]]],
        "clients.edit_tab": lambda: fields_of_tab(ids["tab"]),
        "clients.add_item": lambda: [COLLECTIONS[ids["collection_name"]]],
        "clients.edit_item": lambda: [COLLECTIONS[ids["collection_name"]]],
        "clients.remove_item": lambda: [COLLECTIONS[ids["collection_name"]]],
    }
    return {entry.permission for entry in entries.get(endpoint, list)()}


@pytest.mark.parametrize("role", [Role.BRAND_ADMIN, Role.RESELLER, Role.SUPPORT])
def test_every_route_allows_or_denies_as_the_table_says(app, client, brands, role):
    email = {
        Role.BRAND_ADMIN: "admin@acme.test",
        Role.RESELLER: "reseller@acme.test",
        Role.SUPPORT: "support@acme.test",
    }[role]
    with app.app_context():
        membership = db.session.scalar(select(Membership.id))
    ids = {
        "brand_slug": "acme",
        "client_id": brands["client"].id,
        "name": "name",
        "tab": "personal",
        "collection_name": "contacts",
        "item_id": 1,
        "asset_id": 1,
        "group_id": group_id(app, "acme", "Reseller"),
        "membership_id": membership,
        "brand_id": brands["acme"].id,
        "migration_id": 1,
        "job_id": 1,
        "email_id": 1,
        "token_id": 1,
        "kind": "csv",
        "link_id": 1,
        "import_id": 1,
    }
    login(client, "acme", email)
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS or "brand_slug" not in rule.arguments:
            continue
        permission = app.view_functions[rule.endpoint].permission
        if permission in (PUBLIC, SIGNED_IN) or rule.endpoint == "auth.logout":
            continue
        url = _sample_url(app, rule, ids)
        method = "GET" if "GET" in rule.methods else "POST"
        # Closed at once, as a server closes it: a streamed export would keep its context.
        with client.open(url, method=method, headers={"HX-Request": "true"}) as response:
            status = response.status_code
        granted = ROLE_PERMISSIONS[role]
        entry = _entry_permissions(rule.endpoint, ids)
        allowed = permission in granted and (not entry or bool(entry & granted))
        assert (status != 403) == allowed, (rule.rule, method, permission, entry)
        checked += 1
    assert checked > 25


# --- permission groups --------------------------------------------------------------------


def test_billing_clerk_can_toggle_payment_and_nothing_else(app, client, brands, mailbox):
    admin = app.test_client()
    login(admin, "acme", "admin@acme.test")
    response = admin.post(
        "/acme/admin/groups",
        data={"name": "Billing clerk", "permissions": ["clients.view", "clients.status"]},
    )
    assert response.status_code == 302
    clerk_group = group_id(app, "acme", "Billing clerk")
    response = admin.post(
        "/acme/admin/users",
        data={
            "email": "clerk@acme.example",
            "name": "Clara Clerk",
            "locale": "en",
            "group_id": clerk_group,
        },
    )
    assert response.status_code == 302, re.findall(r"error-message[^>]*>([^<]*)", response.text)
    # The clerk accepts by the emailed link, choosing her own password there.
    new = "Quiet-Meadow-Compass-77"
    client.get(mailbox.link("clerk@acme.example"))
    client.post("/acme/account/link", data={"password": new, "confirmation": new})
    login(client, "acme", "clerk@acme.example", new)
    cid = brands["client"].id
    assert client.get("/acme/clients").status_code == 200
    assert (
        client.post(
            f"/acme/clients/{cid}/payment", data={"payment_status": "delinquent", "version": 1}
        ).status_code
        == 302
    )
    with app.app_context():
        assert db.session.get(Client, cid).payment_status.value == "delinquent"
    assert (
        client.post(
            f"/acme/clients/{cid}/fields/name/edit",
            data={"name": "X", "version": 2},
            headers={"HX-Request": "true"},
        ).status_code
        == 403
    )
    assert client.post(f"/acme/clients/{cid}/login", data={"version": 2}).status_code == 403
    assert client.get(f"/acme/clients/{cid}?tab=history").status_code == 403
    assert client.get("/acme/admin/users").status_code == 403
    page = client.get(f"/acme/clients/{cid}").text
    assert 'class="edit-link"' not in page and "Delete client" not in page


def test_group_rules(app, client, brands, mailbox):
    login(client, "acme", "admin@acme.test")
    client.post("/acme/admin/groups", data={"name": "Sales", "permissions": ["clients.view"]})
    duplicate = client.post("/acme/admin/groups", data={"name": "sales"}, follow_redirects=True)
    assert "A group with this name already exists." in duplicate.text
    sneaky = client.post(
        "/acme/admin/groups",
        data={"name": "Sneaky", "permissions": ["clients.view", "brands.manage"]},
    )
    assert sneaky.status_code == 422  # a platform permission is not a choice
    sales = group_id(app, "acme", "Sales")
    client.post(
        f"/acme/admin/groups/{sales}",
        data={"name": "Sales team", "permissions": ["clients.view", "clients.create"]},
    )
    with app.app_context():
        group = db.session.get(PermissionGroup, sales)
        assert (group.name, group.permissions) == ("Sales team", ["clients.create", "clients.view"])
    # In use: refused with the reason.
    client.post(
        "/acme/admin/users",
        data={
            "email": "sam@acme.example",
            "name": "Sam",
            "locale": "pt",
            "group_id": sales,
        },
    )
    sam = app.test_client()
    sam.get(mailbox.link("sam@acme.example"))
    sam.post("/acme/account/link", data={"password": TEMP, "confirmation": TEMP})
    refused = client.post(f"/acme/admin/groups/{sales}/delete", follow_redirects=True)
    assert "still given to 1 staff user" in refused.text
    # Built-in groups cannot be changed or deleted.
    reseller = group_id(app, "acme", "Reseller")
    assert (
        "cannot be deleted"
        in client.post(f"/acme/admin/groups/{reseller}/delete", follow_redirects=True).text
    )
    client.post(f"/acme/admin/groups/{reseller}", data={"name": "Renamed", "permissions": []})
    with app.app_context():
        assert db.session.get(PermissionGroup, reseller).name == "Reseller"


def test_a_brand_admin_never_sees_another_brands_groups_or_users(app, client, brands):
    login(client, "acme", "admin@acme.test")
    foreign_group = group_id(app, "other", "Reseller")
    assert client.get(f"/acme/admin/groups/{foreign_group}").status_code == 404
    assert client.post(f"/acme/admin/groups/{foreign_group}/delete").status_code == 404
    with app.app_context():
        foreign_member = db.session.scalar(
            select(Membership.id).join(User).where(User.email == "admin@other.test")
        )
    assert client.get(f"/acme/admin/users/{foreign_member}").status_code == 404
    assert client.get("/other/admin/users").status_code == 404
    assert "admin@other.test" not in client.get("/acme/admin/users").text
    # Choosing another brand's group for a new user is not a valid choice either.
    response = client.post(
        "/acme/admin/users",
        data={
            "email": "x@acme.example",
            "name": "X",
            "locale": "en",
            "group_id": foreign_group,
        },
    )
    assert response.status_code == 422


# --- staff users --------------------------------------------------------------------------


def test_deactivating_a_user_ends_their_sessions_at_once(app, client, brands):
    reseller = app.test_client()
    login(reseller, "acme", "reseller@acme.test")
    assert reseller.get("/acme/clients").status_code == 200
    login(client, "acme", "admin@acme.test")
    with app.app_context():
        member = db.session.scalar(
            select(Membership.id).join(User).where(User.email == "reseller@acme.test")
        )
    client.post(f"/acme/admin/users/{member}", data={"action": "deactivate"})
    assert reseller.get("/acme/clients").status_code == 302
    assert "Invalid email or password." in login(reseller, "acme", "reseller@acme.test").text
    client.post(f"/acme/admin/users/{member}", data={"action": "reactivate"})
    assert login(reseller, "acme", "reseller@acme.test").status_code == 302


# --- client permission groups -------------------------------------------------------------


def test_client_groups_assignment_and_mapping(app, client, brands):
    with app.app_context():  # the mapping names brands the admin may enter: both here
        admin = db.session.scalar(select(User).where(User.email == "admin@acme.test"))
        group = db.session.scalar(
            select(PermissionGroup).where(
                PermissionGroup.brand_id == brands["other"].id,
                PermissionGroup.builtin == Role.BRAND_ADMIN,
            )
        )
        db.session.add(Membership(user_id=admin.id, brand_id=group.brand_id, group_id=group.id))
        db.session.commit()
    login(client, "acme", "admin@acme.test")
    client.post(
        "/acme/admin/client-groups", data={"name": "Fleet Pro", "features": ["live_map", "reports"]}
    )
    with app.app_context():
        pro = db.session.scalar(select(ClientGroup).where(ClientGroup.name == "Fleet Pro"))
        pro_id = pro.id
        other_group = ClientGroup(brand_id=brands["other"].id, name="Pro", features=["live_map"])
        db.session.add(other_group)
        db.session.commit()
        other_group_id = other_group.id
    cid = brands["client"].id
    response = client.post(
        f"/acme/clients/{cid}/fields/client_group_id/edit",
        data={"client_group_id": pro_id, "version": 1},
        headers={"HX-Request": "true"},
    )
    assert "Permissions linked." in response.text and "Fleet Pro" in response.text
    # A group of another brand is not a choice for this client.
    refused = client.post(
        f"/acme/clients/{cid}/fields/client_group_id/edit",
        data={"client_group_id": other_group_id, "version": 2},
        headers={"HX-Request": "true"},
    )
    assert refused.status_code == 422
    client.post(
        f"/acme/admin/client-groups/{pro_id}",
        data={"action": "map", f"map-{brands['other'].id}": other_group_id},
    )
    with app.app_context():
        mapping = db.session.scalar(select(ClientGroupMapping))
        assert (mapping.source_group_id, mapping.target_group_id) == (pro_id, other_group_id)
    in_use = client.post(f"/acme/admin/client-groups/{pro_id}/delete", follow_redirects=True)
    assert "1 client is still in this group" in in_use.text


# --- brands -------------------------------------------------------------------------------

BRAND = {
    "name": "Estrela Rastreamento",
    "slug": "estrela",
    "parent_id": "",
    "default_locale": "pt",
    "country_code": "BR",
    "theme_color": "#0f766e",
    "tracking_url_template": "https://tracking.{country}.estrela.example",
    "active": "y",
}


def test_platform_admin_creates_a_themed_brand_and_sub_brand(app, client, brands):
    login(client, "acme", "root@platform.test")
    response = client.post(
        "/acme/admin/brands/new",
        data=BRAND | {"logo": (io.BytesIO(PNG), "logo.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    with app.app_context():
        estrela = db.session.scalar(select(Brand).where(Brand.slug == "estrela"))
        builtin = db.session.scalars(
            select(PermissionGroup.name).where(PermissionGroup.brand_id == estrela.id)
        ).all()
        estrela_id = estrela.id
    assert sorted(builtin) == ["Brand admin", "Reseller", "Support (read-only)"]
    sub = client.post(
        "/acme/admin/brands/new",
        data=BRAND
        | {
            "name": "Estrela Premium",
            "slug": "estrela-premium",
            "parent_id": str(estrela_id),
            "tracking_url_template": "https://tracking.{country}.premium.estrela.example",
        },
    )
    assert sub.status_code == 302
    # Its brand admin, created by the platform admin, sees the theme on the sign-in page.
    client.post(
        "/estrela/admin/users",
        data={
            "email": "admin@estrela.example",
            "name": "Ana",
            "locale": "pt",
            "group_id": group_id(app, "estrela", "Brand admin"),
        },
    )
    visitor = app.test_client()
    page = visitor.get("/estrela/login").text
    assert "--brand-color: #0f766e" in page and "Estrela Rastreamento" in page
    assert 'src="/estrela/logo.png"' in page
    with visitor.get("/estrela/logo.png") as logo:
        assert logo.data == PNG


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"slug": "Bad Slug!"}, "Use a–z, 0–9 and dashes"),
        ({"slug": "-dash"}, "Use a–z, 0–9 and dashes"),
        ({"slug": "acme"}, "Another brand already uses this address."),
        ({"slug": "static"}, "reserved"),
        ({"tracking_url_template": "https://tracking.{pais}.example"}, "Unknown placeholder"),
        ({"tracking_url_template": "tracking.{country}.example"}, "https://"),
        ({"tracking_url_template": "https://tracking.{country.example"}, "Curly braces"),
        ({"theme_color": "red"}, "Choose a colour."),
    ],
)
def test_brand_input_is_checked(app, client, brands, changes, message):
    login(client, "acme", "root@platform.test")
    response = client.post("/acme/admin/brands/new", data=BRAND | changes, follow_redirects=True)
    assert message in response.text
    with app.app_context():
        assert db.session.scalar(select(Brand).where(Brand.name == BRAND["name"])) is None


def test_logo_must_be_a_small_png(app, client, brands):
    login(client, "acme", "root@platform.test")
    svg = client.post(
        "/acme/admin/brands/new",
        data=BRAND | {"logo": (io.BytesIO(b"<svg onload=alert(1)>"), "logo.svg")},
        content_type="multipart/form-data",
    )
    assert svg.status_code == 422 and "must be a PNG" in svg.text
    app.config["MAX_LOGO_BYTES"] = 1024  # a small limit keeps the test's upload in memory
    big = client.post(
        "/acme/admin/brands/new",
        data=BRAND | {"logo": (io.BytesIO(PNG + b"\x00" * 2048), "logo.png")},
        content_type="multipart/form-data",
    )
    assert big.status_code == 422 and "too large" in big.text


def test_slug_is_fixed_once_the_brand_has_clients(app, client, brands):
    login(client, "acme", "root@platform.test")
    acme = brands["acme"]
    response = client.post(
        f"/acme/admin/brands/{acme.id}",
        data=BRAND
        | {
            "name": "Acme",
            "slug": "acme-new",
            "tracking_url_template": "https://tracking.{country}.acme.example",
        },
        follow_redirects=True,
    )
    assert "cannot change once the brand has clients" in response.text


def test_url_template_preview(client, brands):
    login(client, "acme", "root@platform.test")
    ok = client.get(
        "/acme/admin/brands/preview",
        query_string={
            "tracking_url_template": "https://tracking.{country}.premium.example",
            "country_code": "PL",
        },
    )
    assert "https://tracking.pl.premium.example" in ok.text
    bad = client.get(
        "/acme/admin/brands/preview",
        query_string={"tracking_url_template": "https://x.{nope}.example"},
    )
    assert "Unknown placeholder" in bad.text


def test_a_deactivated_brand_refuses_sign_in_and_keeps_its_data(app, client, brands):
    login(client, "acme", "root@platform.test")
    acme = brands["acme"]
    client.post(
        f"/acme/admin/brands/{acme.id}",
        data=BRAND
        | {
            "name": "Acme",
            "slug": "acme",
            "active": "",
            "tracking_url_template": "https://tracking.{country}.acme.example",
        },
    )
    reseller = app.test_client()
    reseller.post("/acme/language", data={"locale": "en"})  # the brand's own language is pt
    response = login(reseller, "acme", "reseller@acme.test")
    assert "This portal is closed" in response.text
    with app.app_context():
        assert db.session.get(Client, brands["client"].id) is not None


def test_brand_admin_cannot_manage_brands(client, brands):
    login(client, "acme", "admin@acme.test")
    assert client.get("/acme/admin/brands").status_code == 403
    assert client.post("/acme/admin/brands/new", data=BRAND).status_code == 403

"""The REST API: brand tokens, the same rules and tenancy as the pages, problem details,
optimistic concurrency, rate limits, and the audit trail naming the token."""

import re

import pytest
from sqlalchemy import select

from portal.api import tokens
from portal.db import transaction
from portal.extensions import db
from portal.models import (
    ApiToken,
    AuditEvent,
    Brand,
    Client,
    PermissionGroup,
    Role,
    User,
)
from tests.conftest import detach, login, make_asset, make_brand, make_client, make_user


@pytest.fixture
def world(app):
    with app.app_context():
        acme = make_brand("acme", country_code="BR", default_locale="pt")
        other = make_brand("other")
        admin = make_user("admin@acme.test", acme, Role.BRAND_ADMIN)
        make_user("reseller@acme.test", acme, Role.RESELLER)
        clients = [
            make_client(acme, name=f"Transportes {name}", country_code="BR", phone="551133334444")
            for name in ("Silva", "Souza", "Santos")
        ]
        foreign = make_client(other, name="Foreign Fleet")
        free = make_asset(acme, serial="356938035643817")
        foreign_asset = make_asset(other, serial="490154203237518")
        with transaction():
            billing = PermissionGroup(
                brand_id=acme.id, name="Billing", permissions=["clients.view", "clients.status"]
            )
            db.session.add(billing)
            db.session.flush()
        detach(acme, other, admin, foreign, free, foreign_asset, *clients)
        return {
            "acme": acme,
            "other": other,
            "admin": admin,
            "clients": clients,
            "foreign": foreign,
            "free": free,
            "foreign_asset": foreign_asset,
        }


def make_token(app, slug: str, group_name: str, name: str = "Integration") -> str:
    with app.app_context(), transaction():
        brand = db.session.scalar(select(Brand).where(Brand.slug == slug))
        group = db.session.scalar(
            select(PermissionGroup).where(
                PermissionGroup.brand_id == brand.id, PermissionGroup.name == group_name
            )
        )
        actor = db.session.scalar(select(User))
        _token, secret = tokens.create(brand, name, group, actor=actor)
    return secret


def auth(secret: str, **headers) -> dict:
    return {"Authorization": f"Bearer {secret}", **headers}


@pytest.fixture
def admin_token(app, world):
    return make_token(app, "acme", "Brand admin")


# --- tokens -----------------------------------------------------------------------------------


def test_a_brand_admin_makes_a_token_shown_once_and_revokes_it(app, client, world):
    login(client, "acme", "admin@acme.test")
    with app.app_context():
        group = db.session.scalar(select(PermissionGroup).where(PermissionGroup.name == "Billing"))
        group_id = group.id
    made = client.post(
        "/acme/admin/api-tokens", data={"name": "Billing system", "group_id": group_id}
    )
    secret = re.search(r'<code class="secret">(ptk_[\w-]+)</code>', made.text).group(1)
    assert client.get("/api/v1/clients", headers=auth(secret)).status_code == 200
    again = client.get("/acme/admin/api-tokens").text
    assert secret not in again and secret[:10] in again and "Billing system" in again
    with app.app_context():
        token = db.session.scalar(select(ApiToken))
        assert secret not in token.token_hash and token.last_used_at is not None
        token_id = token.id
    client.post(f"/acme/admin/api-tokens/{token_id}/revoke")
    refused = client.get("/api/v1/clients", headers=auth(secret))
    assert refused.status_code == 401
    assert refused.mimetype == "application/problem+json"
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")


def test_only_brand_admins_manage_tokens(client, world):
    login(client, "acme", "reseller@acme.test")
    assert client.get("/acme/admin/api-tokens").status_code == 403


@pytest.mark.parametrize(
    "header", [None, "Bearer", "Bearer nope", "Basic dXNlcjpwYXNz", "Bearer " + "x" * 500]
)
def test_without_a_valid_token_every_call_is_401(app, client, world, header):
    headers = {"Authorization": header} if header else {}
    response = client.get("/api/v1/clients", headers=headers)
    assert response.status_code == 401
    assert response.json["status"] == 401 and response.json["title"]


def test_a_session_cookie_opens_nothing_of_the_api(client, world):
    login(client, "acme", "admin@acme.test")
    assert client.get("/api/v1/clients").status_code == 401


# --- tenancy and permissions ------------------------------------------------------------------


def test_a_token_sees_only_its_own_brand(app, client, world, admin_token):
    listed = client.get("/api/v1/clients", headers=auth(admin_token)).json
    assert {c["name"] for c in listed["items"]} == {
        "Transportes Silva",
        "Transportes Souza",
        "Transportes Santos",
    }
    foreign = world["foreign"].id
    assert client.get(f"/api/v1/clients/{foreign}", headers=auth(admin_token)).status_code == 404
    other_token = make_token(app, "other", "Brand admin")
    own = client.get(f"/api/v1/clients/{foreign}", headers=auth(other_token))
    assert own.status_code == 200 and own.json["name"] == "Foreign Fleet"
    patch = client.patch(
        f"/api/v1/clients/{world['clients'][0].id}",
        json={"name": "Taken"},
        headers=auth(other_token, **{"If-Match": '"1"'}),
    )
    assert patch.status_code == 404


def test_a_token_holds_only_its_groups_permissions(app, client, world):
    support = make_token(app, "acme", "Support (read-only)")
    cid = world["clients"][0].id
    assert client.get(f"/api/v1/clients/{cid}", headers=auth(support)).status_code == 200
    refused = client.patch(
        f"/api/v1/clients/{cid}", json={"name": "X"}, headers=auth(support, **{"If-Match": '"1"'})
    )
    assert refused.status_code == 403 and refused.mimetype == "application/problem+json"
    assert client.post("/api/v1/clients", json={}, headers=auth(support)).status_code == 403


def test_a_billing_script_blocks_a_delinquent_client_at_once(app, client, world):
    billing = make_token(app, "acme", "Billing", name="Billing sync")
    cid = world["clients"][0].id
    read = client.get(f"/api/v1/clients/{cid}", headers=auth(billing))
    assert read.json["has_access"] is True
    marked = client.put(
        f"/api/v1/clients/{cid}/payment",
        json={"payment_status": "delinquent"},
        headers=auth(billing, **{"If-Match": read.headers["ETag"]}),
    )
    assert marked.status_code == 200
    assert marked.json["payment_status"] == "delinquent" and marked.json["has_access"] is False
    assert marked.headers["ETag"] != read.headers["ETag"]
    with app.app_context():
        stored = db.session.get(Client, cid)
        assert stored.has_access is False
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "client.payment_status")
        )
        assert event.actor_id is None and event.api_token.name == "Billing sync"
    # The History names the token as who made the change.
    login(client, "acme", "admin@acme.test")
    history = client.get(f"/acme/clients/{cid}?tab=history").text
    assert "Billing sync" in history


# --- reading ----------------------------------------------------------------------------------


def test_the_list_searches_filters_and_pages_like_the_page(client, world, admin_token):
    first = client.get("/api/v1/clients?per_page=2&sort=name", headers=auth(admin_token)).json
    assert [c["name"] for c in first["items"]] == ["Transportes Santos", "Transportes Silva"]
    second = client.get(
        f"/api/v1/clients?per_page=2&sort=name&after={first['next_cursor']}",
        headers=auth(admin_token),
    ).json
    assert [c["name"] for c in second["items"]] == ["Transportes Souza"]
    assert second["next_cursor"] is None and second["prev_cursor"]
    found = client.get("/api/v1/clients?q=souza", headers=auth(admin_token)).json
    assert [c["name"] for c in found["items"]] == ["Transportes Souza"]
    client_json = found["items"][0]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", client_json["created_at"])
    bad = client.get("/api/v1/clients?per_page=1000&status=gone", headers=auth(admin_token))
    assert bad.status_code == 422 and {"per_page", "status"} <= set(bad.json["errors"])


def test_a_client_carries_its_version_as_etag(client, world, admin_token):
    response = client.get(f"/api/v1/clients/{world['clients'][0].id}", headers=auth(admin_token))
    assert response.headers["ETag"] == '"1"' and response.json["version"] == 1


# --- changing ---------------------------------------------------------------------------------


def test_a_change_needs_if_match_and_a_stale_one_gets_the_current_client(
    app, client, world, admin_token
):
    cid = world["clients"][0].id
    url = f"/api/v1/clients/{cid}"
    missing = client.patch(url, json={"name": "No version"}, headers=auth(admin_token))
    assert missing.status_code == 428
    saved = client.patch(
        url,
        json={"name": "Transportes Silva Ltda"},
        headers=auth(admin_token, **{"If-Match": '"1"'}),
    )
    assert saved.status_code == 200 and saved.headers["ETag"] == '"2"'
    stale = client.patch(
        url, json={"name": "Overwrite"}, headers=auth(admin_token, **{"If-Match": '"1"'})
    )
    assert stale.status_code == 412
    assert stale.json["name"] == "Transportes Silva Ltda" and stale.headers["ETag"] == '"2"'
    with app.app_context():
        assert db.session.get(Client, cid).name == "Transportes Silva Ltda"


def test_values_are_checked_as_on_the_record_page_in_the_callers_language(
    app, client, world, admin_token
):
    cid = world["clients"][0].id
    response = client.patch(
        f"/api/v1/clients/{cid}",
        json={"phone": "123", "address": {"postal_code": "abc"}, "name": ""},
        headers=auth(admin_token, **{"If-Match": '"1"', "Accept-Language": "fr"}),
    )
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    errors = response.json["errors"]
    assert set(errors) == {"phone", "address.postal_code", "name"}
    assert "trop court" in errors["phone"][0]
    assert "CEP" in errors["address.postal_code"][0]
    typed = client.patch(
        f"/api/v1/clients/{cid}",
        json={"name": 42, "nickname": "x"},
        headers=auth(admin_token, **{"If-Match": '"1"', "Accept-Language": "pl"}),
    )
    assert typed.status_code == 422
    assert set(typed.json["errors"]) == {"name", "nickname"}
    with app.app_context():
        assert db.session.get(Client, cid).version == 1


def test_normalised_values_are_stored(app, client, world, admin_token):
    cid = world["clients"][0].id
    response = client.patch(
        f"/api/v1/clients/{cid}",
        json={"phone": "(11) 3333-5555", "address": {"postal_code": "01310100"}},
        headers=auth(admin_token, **{"If-Match": '"1"'}),
    )
    assert response.json["phone"] == "551133335555"
    assert response.json["address"]["postal_code"] == "01310-100"


def test_create_and_delete(app, client, world, admin_token):
    created = client.post(
        "/api/v1/clients",
        json={
            "name": "Frota Nova",
            "kind": "company",
            "country_code": "BR",
            "locale": "pt",
            "segment": "rental",
            "email": "frota@nova.example",
            "phone": "(11) 3333-4444",
            "address": {
                "street": "Rua A",
                "locality": "Centro",
                "sub_locality": "Sé",
                "city": "São Paulo",
                "postal_code": "01001000",
            },
        },
        headers=auth(admin_token),
    )
    assert created.status_code == 201, created.json
    body = created.json
    assert body["provider_user_id"] and body["address"]["postal_code"] == "01001-000"
    refused = client.post("/api/v1/clients", json={"name": "No address"}, headers=auth(admin_token))
    assert refused.status_code == 422 and "address.street" in refused.json["errors"]
    url = f"/api/v1/clients/{body['id']}"
    assert client.delete(url, headers=auth(admin_token)).status_code == 428
    gone = client.delete(url, headers=auth(admin_token, **{"If-Match": created.headers["ETag"]}))
    assert gone.status_code == 204
    assert client.get(url, headers=auth(admin_token)).status_code == 404


def test_status_needs_a_reason_to_block(client, world, admin_token):
    cid = world["clients"][0].id
    response = client.put(
        f"/api/v1/clients/{cid}/status",
        json={"status": "blocked"},
        headers=auth(admin_token, **{"If-Match": '"1"', "Accept-Language": "en"}),
    )
    assert response.status_code == 422 and "reason" in response.json["detail"]
    blocked = client.put(
        f"/api/v1/clients/{cid}/status",
        json={"status": "blocked", "reason": "Chargeback"},
        headers=auth(admin_token, **{"If-Match": '"1"'}),
    )
    assert blocked.json["status"] == "blocked" and blocked.json["has_access"] is False


def test_a_frozen_client_is_refused_while_it_migrates(app, client, world, admin_token):
    cid = world["clients"][0].id
    with app.app_context(), transaction():
        db.session.get(Client, cid).frozen_by_migration_id = 99
    response = client.patch(
        f"/api/v1/clients/{cid}",
        json={"name": "X"},
        headers=auth(admin_token, **{"If-Match": '"2"', "Accept-Language": "en"}),
    )
    assert response.status_code == 409 and "migrated" in response.json["detail"]


def test_contacts(app, client, world, admin_token):
    cid = world["clients"][0].id
    added = client.post(
        f"/api/v1/clients/{cid}/contacts",
        json={"name": "Ana Souza", "email": "ana@silva.example", "phone": "11987654321"},
        headers=auth(admin_token, **{"If-Match": '"1"'}),
    )
    assert added.status_code == 201 and added.json["phone"] == "5511987654321"
    contact_id, etag = added.json["id"], added.headers["ETag"]
    changed = client.patch(
        f"/api/v1/clients/{cid}/contacts/{contact_id}",
        json={"role": "Finance"},
        headers=auth(admin_token, **{"If-Match": etag}),
    )
    assert changed.json["role"] == "Finance" and changed.json["name"] == "Ana Souza"
    listed = client.get(f"/api/v1/clients/{cid}/contacts", headers=auth(admin_token)).json
    assert [c["name"] for c in listed["items"]] == ["Ana Souza"]
    removed = client.delete(
        f"/api/v1/clients/{cid}/contacts/{contact_id}",
        headers=auth(admin_token, **{"If-Match": changed.headers["ETag"]}),
    )
    assert removed.status_code == 204
    bad = client.post(
        f"/api/v1/clients/{cid}/contacts",
        json={"email": "not an email"},
        headers=auth(admin_token, **{"If-Match": removed.headers["ETag"]}),
    )
    assert bad.status_code == 422 and {"name", "email"} <= set(bad.json["errors"])


def test_equipment(app, client, world, admin_token):
    cid = world["clients"][0].id
    free = client.get("/api/v1/assets?free=true", headers=auth(admin_token)).json
    assert [a["serial"] for a in free["items"]] == ["356938035643817"]
    foreign = client.post(
        f"/api/v1/clients/{cid}/assets",
        json={"asset_id": world["foreign_asset"].id},
        headers=auth(admin_token, **{"If-Match": '"1"'}),
    )
    assert foreign.status_code == 422
    assigned = client.post(
        f"/api/v1/clients/{cid}/assets",
        json={"asset_id": world["free"].id},
        headers=auth(admin_token, **{"If-Match": '"1"'}),
    )
    assert assigned.status_code == 200 and assigned.json["client_id"] == cid
    again = client.post(
        f"/api/v1/clients/{world['clients'][1].id}/assets",
        json={"asset_id": world["free"].id},
        headers=auth(admin_token, **{"If-Match": '"1"'}),
    )
    assert again.status_code == 409
    back = client.delete(
        f"/api/v1/clients/{cid}/assets/{world['free'].id}",
        headers=auth(admin_token, **{"If-Match": assigned.headers["ETag"]}),
    )
    assert back.status_code == 204


def test_calls_over_the_limit_get_429_with_retry_after(app, client, world, admin_token):
    app.config["API_RATE_LIMIT"] = "3 per minute"
    for _ in range(3):
        assert client.get("/api/v1/assets", headers=auth(admin_token)).status_code == 200
    refused = client.get("/api/v1/assets", headers=auth(admin_token))
    assert refused.status_code == 429 and refused.mimetype == "application/problem+json"
    assert int(refused.headers["Retry-After"]) > 0
    other = make_token(app, "acme", "Brand admin", name="Another")
    assert client.get("/api/v1/assets", headers=auth(other)).status_code == 200


def test_errors_outside_the_api_stay_pages(client, world):
    response = client.get("/acme/clients/999999")
    assert response.status_code in (302, 404) and "problem+json" not in response.mimetype


def test_the_openapi_document_and_its_page(client, world):
    spec = client.get("/api/v1/openapi.json").json
    assert spec["openapi"].startswith("3.")
    patch = spec["paths"]["/api/v1/clients/{client_id}"]["patch"]
    assert {"200", "412", "422", "428", "401"} <= set(patch["responses"])
    written = spec["components"]["schemas"]["ClientWrite"]["properties"]
    assert {"name", "phone", "address", "segment"} <= set(written)
    login(client, "acme", "admin@acme.test")
    page = client.get("/acme/api-docs").text
    assert "swagger-ui-bundle.js" in page and "/api/v1/openapi.json" in page
    assert "cdn" not in page.lower()

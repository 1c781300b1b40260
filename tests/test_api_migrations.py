"""Brand migrations over the API: the dry run, starting, reading, listing, bulk jobs — with the
checks, tenancy and permissions of the pages, and the token named in the History."""

import pytest
from sqlalchemy import select

from portal.api import tokens
from portal.db import transaction
from portal.extensions import db
from portal.models import (
    AuditEvent,
    Brand,
    Client,
    Membership,
    Migration,
    MigrationState,
    PaymentStatus,
    PermissionGroup,
    Role,
    User,
)
from tests.conftest import make_brand, make_client, make_user


@pytest.fixture
def world(app):
    with app.app_context():
        north = make_brand("north", name="Northwind")
        premium = make_brand("premium", name="Northwind Premium", parent_id=north.id)
        other = make_brand("other", name="Other Co")
        # Brand admins do not migrate; a group of each brand lets this person do it.
        admin = make_user("mover@north.test")
        for brand in (north, premium):
            movers = PermissionGroup(
                brand_id=brand.id, name="Movers", permissions=["clients.view", "migrations.create"]
            )
            db.session.add(movers)
            db.session.flush()
            db.session.add(Membership(user_id=admin.id, brand_id=brand.id, group_id=movers.id))
        manager = make_user("reseller@north.test", north, Role.RESELLER)
        ready = [
            make_client(north, name=f"Ready {i}", account_manager_id=manager.id) for i in range(3)
        ]
        late = make_client(
            north,
            name="Late Payer",
            account_manager_id=manager.id,
            payment_status=PaymentStatus.DELINQUENT,
        )
        foreign = make_client(other, name="Foreign Ltd")
        db.session.add(
            PermissionGroup(brand_id=north.id, name="Billing", permissions=["clients.view"])
        )
        db.session.commit()
        return {
            "ready": [c.id for c in ready],
            "late": late.id,
            "foreign": foreign.id,
            "admin": admin.id,
        }


def token_of(app, group_name: str, maker: str = "mover@north.test") -> dict:
    with app.app_context(), transaction():
        brand = db.session.scalar(select(Brand).where(Brand.slug == "north"))
        group = db.session.scalar(
            select(PermissionGroup).where(
                PermissionGroup.brand_id == brand.id, PermissionGroup.name == group_name
            )
        )
        actor = db.session.scalar(select(User).where(User.email == maker))
        _token, secret = tokens.create(brand, "Integration", group, actor=actor)
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def headers(app, world):
    return token_of(app, "Movers")


def test_the_checks_are_a_dry_run_in_the_callers_language(app, client, world, headers):
    answer = client.post(
        f"/api/v1/clients/{world['late']}/migration-checks",
        json={"target": "premium"},
        headers={**headers, "Accept-Language": "fr"},
    )
    assert answer.status_code == 200
    assert answer.json["passes"] is False
    paid = next(c for c in answer.json["checks"] if c["key"] == "paid")
    assert paid["ok"] is False and "paiement" in paid["label"].lower()
    ready = client.post(
        f"/api/v1/clients/{world['ready'][0]}/migration-checks",
        json={"target": "premium"},
        headers=headers,
    )
    assert ready.json["passes"] is True
    assert all(check["ok"] for check in ready.json["checks"])
    with app.app_context():
        assert db.session.scalar(select(Migration)) is None
        assert db.session.get(Client, world["ready"][0]).frozen_by_migration_id is None


def test_a_migration_started_over_the_api_runs_and_is_read_with_its_timeline(
    app, client, world, headers
):
    started = client.post(
        "/api/v1/migrations",
        json={"client_id": world["ready"][0], "target": "premium"},
        headers=headers,
    )
    assert started.status_code == 201, started.json
    migration_id = started.json["id"]
    assert started.headers["Location"].endswith(f"/api/v1/migrations/{migration_id}")
    read = client.get(f"/api/v1/migrations/{migration_id}", headers=headers)
    assert read.status_code == 200
    assert read.json["state"] == "completed"
    assert (read.json["source_brand"], read.json["target_brand"]) == ("north", "premium")
    assert [e["to_state"] for e in read.json["timeline"]][0] == "requested"
    assert read.json["timeline"][-1]["to_state"] == "completed"
    assert read.json["created_at"].endswith("Z")
    with app.app_context():
        moved = db.session.get(Client, world["ready"][0])
        premium = db.session.scalar(select(Brand).where(Brand.slug == "premium"))
        assert moved.brand_id == premium.id and moved.frozen_by_migration_id is None
        requested = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "migration.requested")
        )
        assert requested.api_token_id is not None


def test_a_refused_migration_names_its_failing_checks_and_changes_nothing(
    app, client, world, headers
):
    refused = client.post(
        "/api/v1/migrations",
        json={"client_id": world["late"], "target": "premium"},
        headers=headers,
    )
    assert refused.status_code == 422
    assert refused.mimetype == "application/problem+json"
    assert "checks.paid" in refused.json["errors"]
    with app.app_context():
        assert db.session.scalar(select(Migration)) is None
        assert db.session.get(Client, world["late"]).frozen_by_migration_id is None


def test_other_brands_stay_out_of_reach(client, world, headers):
    foreign = client.post(
        "/api/v1/migrations",
        json={"client_id": world["foreign"], "target": "premium"},
        headers=headers,
    )
    assert foreign.status_code == 404
    checks = client.post(
        f"/api/v1/clients/{world['foreign']}/migration-checks",
        json={"target": "premium"},
        headers=headers,
    )
    assert checks.status_code == 404
    # A brand the token's maker may not migrate into is no target, whether it exists or not.
    for slug in ("other", "nowhere"):
        answer = client.post(
            "/api/v1/migrations",
            json={"client_id": world["ready"][0], "target": slug},
            headers=headers,
        )
        assert answer.status_code == 422 and "target" in answer.json["errors"]
    assert client.get("/api/v1/migrations/99999", headers=headers).status_code == 404
    assert client.get(f"/api/v1/migrations/{2**31}", headers=headers).status_code == 404


def test_a_migration_of_another_brand_is_404(app, client, world, headers):
    with app.app_context():
        other = db.session.scalar(select(Brand).where(Brand.slug == "other"))
        second = make_brand("second", name="Second Co")
        foreign = db.session.get(Client, world["foreign"])
        make_user("root@platform.test", None, is_platform_admin=True)
        db.session.add(
            Migration(
                client_id=foreign.id,
                client_name=foreign.name,
                source_brand_id=other.id,
                target_brand_id=second.id,
                state=MigrationState.COMPLETED,
            )
        )
        db.session.commit()
        foreign_migration = db.session.scalar(select(Migration.id))
    assert client.get(f"/api/v1/migrations/{foreign_migration}", headers=headers).status_code == 404
    listed = client.get("/api/v1/migrations", headers=headers).json
    assert listed["items"] == []


def test_the_list_pages_newest_first_and_filters_by_state(client, world, headers):
    for client_id in world["ready"]:
        answer = client.post(
            "/api/v1/migrations",
            json={"client_id": client_id, "target": "premium"},
            headers=headers,
        )
        assert answer.status_code == 201
    first = client.get("/api/v1/migrations?per_page=2", headers=headers).json
    assert len(first["items"]) == 2 and first["next_cursor"] == first["items"][-1]["id"]
    second = client.get(
        f"/api/v1/migrations?per_page=2&after={first['next_cursor']}", headers=headers
    ).json
    ids = [m["id"] for m in first["items"] + second["items"]]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 3
    assert second["next_cursor"] is None
    assert client.get("/api/v1/migrations?state=open", headers=headers).json["items"] == []
    bad = client.get("/api/v1/migrations?state=bogus", headers=headers)
    assert bad.status_code == 422


def test_a_bulk_job_over_the_api_reports_counts_that_add_up(app, client, world, headers):
    wanted = [*world["ready"], world["late"], world["foreign"]]
    started = client.post(
        "/api/v1/bulk-jobs", json={"target": "premium", "client_ids": wanted}, headers=headers
    )
    assert started.status_code == 202, started.json
    job = client.get(started.headers["Location"], headers=headers).json
    # The foreign client is not one of this brand's: it is not in the job at all.
    assert job["total"] == 4
    assert job["counts"] == {"pending": 0, "migrated": 3, "refused": 1, "failed": 0, "waiting": 0}
    assert job["finished_at"] is not None


def test_a_bulk_job_can_take_every_client_the_search_finds(client, world, headers):
    started = client.post(
        "/api/v1/bulk-jobs",
        json={"target": "premium", "matching": {"q": "ready"}},
        headers=headers,
    )
    assert started.status_code == 202
    assert started.json["total"] == 3


def test_a_token_needs_migration_rights_and_a_maker_still_in_the_brand(app, client, world):
    billing = token_of(app, "Billing")
    answer = client.get("/api/v1/migrations", headers=billing)
    assert answer.status_code == 403
    headers = token_of(app, "Movers")
    with app.app_context():
        admin = db.session.get(User, world["admin"])
        admin.active = False
        db.session.commit()
    gone = client.post(
        "/api/v1/migrations",
        json={"client_id": world["ready"][0], "target": "premium"},
        headers=headers,
    )
    assert gone.status_code == 403
    with app.app_context():
        assert db.session.scalar(select(Migration)) is None


@pytest.mark.parametrize(
    "payload",
    [
        {"client_id": 2**31, "target": "premium"},
        {"client_id": "1", "target": "premium"},
        {"client_id": 1, "target": "x" * 1000},
        {"client_id": 1, "target": "premium", "preferred_date": "yesterday"},
        {"client_id": 1, "target": "premium", "override_reason": "x" * 10_000},
        {"target": "premium"},
    ],
)
def test_bad_input_is_a_problem_not_a_crash(client, world, headers, payload):
    answer = client.post("/api/v1/migrations", json=payload, headers=headers)
    assert answer.status_code == 422
    assert answer.json["errors"]

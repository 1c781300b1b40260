"""The demo data and the commands: seed-demo, create-admin; the demo's tenancy end to end."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import DateTime, func, select
from stdnum import imei
from stdnum.fr import tva
from stdnum.gb import vat
from stdnum.pl import regon

from portal.demo import bulk
from portal.demo.data import DEMO_BRANDS
from portal.demo.drafts import BrandPlan, client_draft
from portal.extensions import db
from portal.models import (
    Address,
    Asset,
    AuditEvent,
    Brand,
    Client,
    ClientGroup,
    ClientGroupMapping,
    Contract,
    Membership,
    PermissionGroup,
    Role,
    User,
)
from portal.validators import normalize_document, normalize_phone, normalize_postal_code
from tests.conftest import empty_postgresql_tables, login

SLUGS = ["northwind", "northwind-premium", "lumiere", "horizonte", "polaris"]


@pytest.fixture
def demo(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed-demo", "--password", "demo-password", "--clients", "6"])
    assert result.exit_code == 0, result.output
    return runner


def count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_seed_demo_is_idempotent(app, demo):
    models = (Brand, User, Membership, Client, Address, Asset, ClientGroup, AuditEvent)
    before = {m: count(app, m) for m in models}
    assert before[Brand] == 5 and before[User] == 11 and before[Client] == 30
    result = demo.invoke(args=["seed-demo", "--clients", "6"])
    assert result.exit_code == 0 and "clients_added: 0" in result.output
    assert {m: count(app, m) for m in before} == before
    # A larger target only tops each brand up.
    demo.invoke(args=["seed-demo", "--clients", "8"])
    assert count(app, Client) == 40


def test_demo_brands_languages_and_countries(app, demo):
    with app.app_context():
        brands = {b.slug: b for b in db.session.scalars(select(Brand))}
        assert set(brands) == set(SLUGS)
        assert brands["northwind-premium"].parent_id == brands["northwind"].id
        assert [(brands[s].default_locale, brands[s].country_code) for s in SLUGS] == [
            ("en", "GB"),
            ("en", "GB"),
            ("fr", "FR"),
            ("pt", "BR"),
            ("pl", "PL"),
        ]
        polish = db.session.scalars(select(Client).join(Brand).where(Brand.slug == "polaris")).all()
        assert all(c.phone.startswith("48") and c.phone.isdigit() for c in polish if c.phone)


def test_demo_creates_brands_and_client_groups_through_the_admin_rules(app, demo):
    with app.app_context():
        actions = db.session.execute(
            select(AuditEvent.action, func.count()).group_by(AuditEvent.action)
        ).all()
        # save_brand, save_client_group and map_client_group each write their audit event.
        assert dict(actions) == {
            "brand.created": 5,
            "client_group.created": 10,
            "client_group.mapped": 2,
        }
        for brand in db.session.scalars(select(Brand)):
            builtin = db.session.scalars(
                select(PermissionGroup.builtin).where(
                    PermissionGroup.brand_id == brand.id, PermissionGroup.builtin.is_not(None)
                )
            ).all()
            assert sorted(builtin) == sorted(Role)  # save_brand gave it all three
            groups = db.session.scalars(
                select(ClientGroup).where(ClientGroup.brand_id == brand.id).order_by(ClientGroup.id)
            ).all()
            assert len(groups) == 2 and "live_map" in groups[0].features
            assert (
                db.session.scalar(
                    select(func.count(Client.id)).where(
                        Client.brand_id == brand.id, Client.client_group_id == groups[0].id
                    )
                )
                == 6
            )  # every client in its brand's first group
        premium = db.session.scalar(select(Brand).where(Brand.slug == "northwind-premium"))
        mapped = db.session.scalars(
            select(ClientGroupMapping.target_group_id).where(
                ClientGroupMapping.target_brand_id == premium.id
            )
        ).all()
        assert {db.session.get(ClientGroup, g).brand_id for g in mapped} == {premium.id}
        # Every demo account has the known password: none waits for an invitation link.
        assert all(db.session.scalars(select(User.password_hash)))


@pytest.mark.parametrize("home", SLUGS)
def test_each_demo_reseller_sees_only_their_brands(app, client, demo, home):
    assert login(client, home, f"reseller@{home}.demo.test", "demo-password").status_code == 302
    with app.app_context():
        ids = dict(
            db.session.execute(
                select(Brand.slug, func.min(Client.id)).join(Client).group_by(Brand.slug)
            ).all()
        )
    allowed = {home} | ({"northwind-premium"} if home == "northwind" else set())
    for slug in SLUGS:
        for url in (
            f"/{slug}/clients",
            f"/{slug}/clients/{ids[slug]}",
            f"/{slug}/clients/{ids[slug]}?tab=history",
            f"/{slug}/migrations",
        ):
            status = client.get(url).status_code
            if slug in allowed:
                assert status in (200, 403), url  # their own brand: allowed, or a permission
            else:
                assert status == 404, url


def test_demo_reseller_searches_and_reads_polish(app, client, demo):
    login(client, "northwind", "reseller@northwind.demo.test", "demo-password")
    with app.app_context():
        name = db.session.scalar(
            select(Client.name).join(Brand).where(Brand.slug == "northwind").limit(1)
        )
    page = client.get("/northwind/clients", query_string={"q": name.split()[0]}).text
    assert name in page
    client.post("/northwind/language", data={"locale": "pl"})
    page = client.get("/northwind/clients").text
    assert '<html lang="pl"' in page and "Klienci" in page


def test_create_admin(app, demo):
    result = demo.invoke(
        args=["create-admin", "boss@example.com", "--password", "Long-enough-pass-9"]
    )
    assert result.exit_code == 0
    with app.app_context():
        assert db.session.scalar(
            select(User).where(User.email == "boss@example.com")
        ).is_platform_admin
    bad = demo.invoke(args=["create-admin", "not-an-email", "--password", "Long-enough-pass-9"])
    assert bad.exit_code != 0 and "EMAIL" in bad.output


# --- the same data every time, and data the portal itself accepts ---------------------------

FROZEN_NOW = datetime(2025, 6, 15, 12, 0, tzinfo=UTC)


def seeded_rows(app) -> dict[str, list[tuple]]:
    """Every row of every table, ordered by id, without the moments rows were written at
    (brands.created_at, audit times) and without password hashes (argon2 salts them)."""
    rows = {}
    with app.app_context():
        for table in db.metadata.sorted_tables:
            columns = [
                column
                for column in table.columns
                if not isinstance(getattr(column.type, "impl", column.type), DateTime)
                and column.name != "password_hash"
            ]
            query = select(*columns).order_by(*table.primary_key.columns)
            rows[table.name] = [tuple(row) for row in db.session.execute(query)]
    return rows


def empty_database(app) -> None:
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            db.session.remove()
            empty_postgresql_tables()
        else:
            db.session.remove()
            db.drop_all()
            db.create_all()


def test_seed_demo_gives_the_same_data_on_two_fresh_databases(app, monkeypatch):
    """Same command, same rows, ids included; whether the drafts come from the worker process
    in batches or from this process in one go."""
    monkeypatch.setattr("portal.demo.seed.utcnow", lambda: FROZEN_NOW)  # dates count from it
    runner = app.test_cli_runner()
    real_pool, pools = bulk._worker_pool, []

    def counted_pool():
        pools.append(real_pool())
        return pools[-1]

    with monkeypatch.context() as batched:
        batched.setattr(bulk, "BATCH_SIZE", 4)  # 3 batches a brand, made by the forked worker
        batched.setattr(bulk, "_worker_pool", counted_pool)
        assert runner.invoke(args=["seed-demo", "--clients", "10"]).exit_code == 0
    assert len(pools) == 1
    first = seeded_rows(app)
    empty_database(app)
    assert seeded_rows(app)["clients"] == []
    assert runner.invoke(args=["seed-demo", "--clients", "10"]).exit_code == 0
    second = seeded_rows(app)
    assert len(first["clients"]) == 50 and len(first["assets"]) > 50
    assert first["audit_events"] and first["documents"]
    assert second == first
    with app.app_context():  # Date columns are compared too: they count from the frozen day
        assert db.session.scalar(select(func.max(Contract.starts_on))) <= FROZEN_NOW.date()


def demo_drafts(per_brand: int):
    for number, spec in enumerate(DEMO_BRANDS, start=1):
        plan = BrandPlan(spec, number, spec.country, spec.locale, [1, 2], None, FROZEN_NOW)
        for seq in range(1, per_brand + 1):
            yield spec.country, client_draft(plan, seq)


def test_demo_clients_pass_the_portals_own_checks(ctx):
    """What a reseller would see refused if they saved a demo client's value unchanged."""
    seen = {"document": 0, "phone": 0, "contact": 0, "imei": 0, "regon": 0, "vat": 0}
    for country, draft in demo_drafts(400):
        client = draft.client
        if client["document_number"]:
            normalize_document(client["document_number"], country)  # raises when refused
            seen["document"] += 1
        if client["phone"]:
            assert normalize_phone(client["phone"], country) == client["phone"]
            seen["phone"] += 1
        assert normalize_phone(client["mobile"], country, mobile=True) == client["mobile"]
        for contact in draft.contacts:
            assert normalize_phone(contact["phone"], country) == contact["phone"]
            seen["contact"] += 1
        (address,) = draft.addresses
        assert normalize_postal_code(address["postal_code"], country) == address["postal_code"]
        for asset in draft.assets:
            assert imei.is_valid(asset["serial"]), asset["serial"]
            seen["imei"] += 1
        for document in draft.documents:  # the numbers the record's Documents list holds
            if country == "PL" and document["kind"] == "company_registration":
                assert regon.is_valid(document["number"])
                seen["regon"] += 1
            if document["kind"] == "tax_id":
                assert (tva if country == "FR" else vat).is_valid(document["number"])
                seen["vat"] += 1
    assert min(seen.values()) > 50, seen

"""The brand dashboard: every figure against the data counted, after every kind of change;
a fixed number of queries; the landing page after sign-in; charts that read without colour."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from portal.brand_migration import rules as migration_rules
from portal.clients import rules
from portal.dashboard import figures
from portal.db import transaction
from portal.extensions import db
from portal.models import (
    Asset,
    AuditEvent,
    Brand,
    BrandCounter,
    Client,
    ClientStatus,
    Migration,
    MigrationEvent,
    MigrationState,
    OutboxEmail,
    PaymentStatus,
    PermissionGroup,
    Role,
    User,
    utcnow,
)
from portal.models.counters import added_key, counters_of, moved_key, recount
from tests.conftest import login, make_asset, make_brand, make_client, make_user
from tests.test_api import auth, make_token


@pytest.fixture
def brands(app):
    """North (with a Premium sub-brand to migrate to) and an unrelated Other brand."""
    with app.app_context():
        north = make_brand("north", name="Northwind")
        premium = make_brand("premium", name="Northwind Premium", parent_id=north.id)
        other = make_brand("other", name="Other Co")
        make_user("admin@north.test", north, Role.BRAND_ADMIN)
        make_user("reseller@north.test", north, Role.RESELLER)
        make_user("support@north.test", north, Role.SUPPORT)
        make_user("reseller@other.test", other, Role.RESELLER)
        root = make_user("root@platform.test", None, is_platform_admin=True)
        return {"north": north.id, "premium": premium.id, "other": other.id, "root": root.id}


def stored_counters(brand_id: int) -> dict[str, int]:
    """The maintained counters of a brand, without the zeros."""
    rows = db.session.execute(
        select(BrandCounter.name, BrandCounter.value).where(BrandCounter.brand_id == brand_id)
    )
    return {name: value for name, value in rows if value}


def counted(brand_id: int) -> dict[str, int]:
    """The same figures, counted from the data: the clients and devices there now, the
    clients created in the brand (their audit events) by month, and the clients each move
    took in and out (a migration's step to verifying) by week."""
    figures_ = recount(brand_id)
    created = db.session.scalars(
        select(AuditEvent.created_at).where(
            AuditEvent.brand_id == brand_id, AuditEvent.action == "client.created"
        )
    )
    for moment in created:
        key = added_key(moment.astimezone(UTC).date())
        figures_[key] = figures_.get(key, 0) + 1
    moves = db.session.execute(
        select(MigrationEvent.at, Migration.source_brand_id, Migration.target_brand_id)
        .join(Migration, Migration.id == MigrationEvent.migration_id)
        .where(MigrationEvent.to_state == MigrationState.VERIFYING)
    )
    for at, source, target in moves:
        day = at.astimezone(UTC).date()
        if target == brand_id:
            figures_[moved_key("in", day)] = figures_.get(moved_key("in", day), 0) + 1
        if source == brand_id:
            figures_[moved_key("out", day)] = figures_.get(moved_key("out", day), 0) + 1
    return {name: value for name, value in figures_.items() if value}


def created_client(brand: Brand, **values) -> Client:
    """A client made by the rule the pages and the API use (which audits its creation)."""
    address = {
        "street": "High Street",
        "locality": "Camden",
        "sub_locality": "Camden Town",
        "city": "London",
        "postal_code": "NW1 8NH",
        "country_code": brand.country_code,
    }
    values = {
        "provider_user_id": f"N-{values['name']}",
        "country_code": "GB",
        "phone": "442079460000",
        **values,
    }
    with transaction():
        client = rules.create_client(brand.id, values, address, [])
    return client


def run_migration(client_id: int, target_id: int, actor_id: int) -> int:
    client = db.session.get(Client, client_id)
    migration = migration_rules.start(
        client, db.session.get(Brand, target_id), db.session.get(User, actor_id)
    )
    db.session.commit()
    migration_rules.continue_migration(migration, actor_id)
    return migration.id


def test_every_figure_matches_the_data_after_a_mix_of_changes(app, client, brands):
    with app.app_context():
        north = db.session.get(Brand, brands["north"])
        other = db.session.get(Brand, brands["other"])
        manager = db.session.scalar(select(User).where(User.email == "reseller@north.test"))
        made = [
            created_client(north, name=f"North {i}", account_manager_id=manager.id)
            for i in range(6)
        ]
        created_client(other, name="Other 0")
        blocked, delinquent, doomed, moving, spare, equipped = (c.id for c in made)
        for _ in range(3):
            make_asset(north, db.session.get(Client, equipped))
        free = [make_asset(north).id for _ in range(4)]
        make_asset(north, db.session.get(Client, moving))
        make_asset(other)

        # Status and payment through the rules.
        with transaction():
            c = db.session.get(Client, blocked)
            rules.set_status(c, ClientStatus.BLOCKED, "Fraud", c.version)
        with transaction():
            c = db.session.get(Client, delinquent)
            rules.set_payment_status(c, PaymentStatus.DELINQUENT, c.version)
        # Devices assigned and unassigned through the rules.
        with transaction():
            c = db.session.get(Client, spare)
            rules.assign_asset(c, db.session.get(Asset, free[0]), c.version)
        with transaction():
            c = db.session.get(Client, spare)
            rules.assign_asset(c, db.session.get(Asset, free[1]), c.version)
        with transaction():
            c = db.session.get(Client, spare)
            rules.unassign_asset(c, db.session.get(Asset, free[0]), c.version)
        # A deletion frees the client's devices.
        with transaction():
            c = db.session.get(Client, equipped)
            rules.delete_client(c, c.version)
        # A refused change counts nothing.
        with pytest.raises(rules.RecordError):
            with transaction():
                c = db.session.get(Client, doomed)
                rules.set_status(c, ClientStatus.CANCELLED, "Moved away", c.version)
                rules.set_payment_status(c, PaymentStatus.DELINQUENT, c.version - 1)
        # A migration to Premium, with its device, and a move back.
        first = run_migration(moving, brands["premium"], brands["root"])
        assert db.session.get(Migration, first).state == MigrationState.COMPLETED
        back = migration_rules.move_back(
            db.session.get(Migration, first), db.session.get(User, brands["root"])
        )
        db.session.commit()
        migration_rules.continue_migration(back, brands["root"])
        assert db.session.get(Client, moving).brand_id == north.id
        run_migration(doomed, brands["premium"], brands["root"])

    # Over the API: a client created, then marked Delinquent by a billing script.
    token = make_token(app, "north", "Brand admin")
    created = client.post(
        "/api/v1/clients",
        json={
            "name": "Api Fleet",
            "kind": "company",
            "country_code": "GB",
            "locale": "en",
            "segment": "other",
            "address": {
                "street": "Road",
                "locality": "Leeds",
                "sub_locality": "Centre",
                "city": "Leeds",
                "postal_code": "LS1 1AA",
            },
        },
        headers=auth(token),
    )
    assert created.status_code == 201, created.json
    marked = client.put(
        f"/api/v1/clients/{created.json['id']}/payment",
        json={"payment_status": "delinquent"},
        headers=auth(token, **{"If-Match": created.headers["ETag"]}),
    )
    assert marked.status_code == 200, marked.json

    with app.app_context():
        for brand_id in (brands["north"], brands["premium"], brands["other"]):
            assert stored_counters(brand_id) == counted(brand_id), brand_id
        north_figures = counted(brands["north"])
        # What the data says, spelled out once: 6 made + 1 by the API, one deleted, one gone.
        assert north_figures["clients:active:up_to_date"] == 2  # spare, moving (back)
        assert north_figures["clients:blocked:up_to_date"] == 1
        assert north_figures["clients:active:delinquent"] == 2  # delinquent, the API's
        assert north_figures["assets:assigned"] == 2  # spare's one, moving's one (back)
        assert north_figures["assets:free"] == 3 + 3  # three of stock, three freed
        this_month = added_key(utcnow().date())
        assert north_figures[this_month] == 7
        assert north_figures[moved_key("out", utcnow().date())] == 2
        assert north_figures[moved_key("in", utcnow().date())] == 1
        assert counted(brands["premium"])["clients:active:up_to_date"] == 1

    # The page shows the same figures.
    login(client, "north", "admin@north.test")
    page = client.get("/north/").text
    assert _cell(page, "Blocked", "Up to date") == "1"
    assert _cell(page, "Active", "Delinquent") == "2"
    assert _cell(page, "Active", "Up to date") == "2"
    assert _stat(page, "All clients") == "5"
    assert _stat(page, "Has access") == "2"
    assert _stat(page, "No access") == "3"
    assert _stat(page, "Assigned to clients") == "2"
    assert _stat(page, "Free, in stock") == "6"
    table = _chart_table(page, "moved")
    assert table[-1][1:] == ["1", "2"]  # this week: one in, two out
    assert _chart_table(page, "added")[-1][1] == "7"


def failed_email(brand_id: int) -> OutboxEmail:
    """An email of the brand's outbox that could not be delivered."""
    return OutboxEmail(
        brand_id=brand_id,
        recipient="a@b.example",
        locale="en",
        subject="S",
        body="B",
        status="failed",
    )


def _stat(page: str, label: str) -> str:
    match = re.search(
        rf'<span class="stat-label">{re.escape(label)}</span> <strong class="stat-value">([^<]+)',
        page,
    )
    assert match, label
    return match.group(1)


def _link(page: str, label: str) -> str | None:
    """Where the figure named `label` links to (None: shown without a link)."""
    item = page.split(f'<span class="stat-label">{label}</span>')[0].rsplit('<li class="stat">', 1)[
        1
    ]
    match = re.search(r'<a href="([^"]+)">', item)
    return match.group(1) if match else None


def _cell(page: str, status: str, payment: str) -> str:
    label = re.escape(f"{status} and {payment}: ")
    match = re.search(rf'aria-label="{label}[^"]*">([^<]+)</a>', page)
    assert match, (status, payment)
    return match.group(1)


def _chart_table(page: str, chart_id: str) -> list[list[str]]:
    """The rows of the table given with a chart: the label, then each series' value."""
    figure = page.split(f'id="{chart_id}-title"')[1].split("</figure>")[0]
    body = figure.split("<tbody>")[1].split("</tbody>")[0]
    return [
        re.findall(r"<t[hd][^>]*>([^<]*)</t[hd]>", row)
        for row in body.split("</tr>")
        if "<t" in row
    ]


def test_the_demos_bulk_inserts_are_counted(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed-demo", "--password", "demo-password", "--clients", "6"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        for brand_id in db.session.scalars(select(Brand.id)):
            stored = stored_counters(brand_id)
            expected = recount(brand_id)
            for created_at in db.session.scalars(
                select(Client.created_at).where(Client.brand_id == brand_id)
            ):
                key = added_key(created_at.date())
                expected[key] = expected.get(key, 0) + 1
            assert stored == {k: v for k, v in expected.items() if v}
            assert sum(v for k, v in stored.items() if k.startswith("clients:")) == 6


def test_a_dashboard_runs_a_fixed_number_of_queries(app, client, brands):
    from tests.test_client_list import count_queries

    login(client, "north", "admin@north.test")
    with count_queries(app) as empty:
        assert client.get("/north/").status_code == 200
    with app.app_context():
        north = db.session.get(Brand, brands["north"])
        for i in range(30):
            c = make_client(
                north, name=f"C{i}", status=ClientStatus.BLOCKED if i % 3 else ClientStatus.ACTIVE
            )
            make_asset(north, c if i % 2 else None)
        db.session.add(failed_email(north.id))
        db.session.commit()
    with count_queries(app) as full:
        page = client.get("/north/")
    assert page.status_code == 200
    # The session with brand, membership and the number of the user's brands (one: no brand
    # switcher to list), the counters, the three attention counts in one statement.
    assert len(empty) == len(full) == 3, full
    assert _stat(page.text, "Failed emails") == "1"
    # No statement reads the clients or the devices themselves.
    assert not any(re.search(r"\bFROM (clients|assets)\b", s) for s in full)


def test_attention_counts_link_to_the_lists_to_act_on(app, client, brands):
    with app.app_context():
        north = db.session.get(Brand, brands["north"])
        premium = db.session.get(Brand, brands["premium"])
        c1, c2 = make_client(north, name="Open"), make_client(north, name="Broken")
        db.session.add_all(
            [
                Migration(
                    client_id=c1.id,
                    client_name="Open",
                    source_brand_id=north.id,
                    target_brand_id=premium.id,
                ),
                Migration(
                    client_id=c2.id,
                    client_name="Broken",
                    source_brand_id=north.id,
                    target_brand_id=premium.id,
                    state=MigrationState.FAILED,
                ),
                failed_email(north.id),
                failed_email(premium.id),
            ]
        )
        db.session.commit()
    login(client, "north", "admin@north.test")
    page = client.get("/north/").text
    # A brand admin reads the outbox but migrates nobody: the migrations are counted, unlinked.
    assert _stat(page, "Failed emails") == "1"
    assert _link(page, "Failed emails") == "/north/outbox?status=failed"
    assert _stat(page, "Open migrations") == "1" and _link(page, "Open migrations") is None
    client.post("/north/logout")
    login(client, "north", "root@platform.test")
    page = client.get("/north/").text
    assert _stat(page, "Open migrations") == "1" and _stat(page, "Failed migrations") == "1"
    assert _link(page, "Open migrations") == "/north/migrations?state=open"
    assert _link(page, "Failed migrations") == "/north/migrations?state=failed"
    assert client.get("/north/migrations?state=failed").status_code == 200


def test_attention_counts_stop_at_the_cap(app, client, brands, monkeypatch):
    monkeypatch.setattr(figures, "ACTION_CAP", 2)
    with app.app_context():
        for _i in range(3):
            db.session.add(failed_email(brands["north"]))
        db.session.commit()
    login(client, "north", "admin@north.test")
    assert _stat(client.get("/north/").text, "Failed emails") == "over 2"


def test_sign_in_lands_on_the_dashboard_which_the_header_names(client, brands):
    response = login(client, "north", "reseller@north.test")
    assert response.headers["Location"] == "/north/"
    page = client.get("/north/").text
    assert '<a href="/north/" aria-current="page">Dashboard</a>' in page
    assert client.get("/").headers["Location"] == "/north/"
    assert client.get("/north").status_code == 308  # the address without its slash


def test_who_may_see_the_dashboard(app, client, brands):
    with app.app_context(), transaction():
        group = PermissionGroup(
            brand_id=brands["north"], name="Mail only", permissions=["outbox.view"]
        )
        db.session.add(group)
        db.session.flush()
        user = make_user("mail@north.test")
        from portal.models import Membership

        db.session.add(Membership(user_id=user.id, brand_id=brands["north"], group_id=group.id))
    login(client, "north", "support@north.test")
    assert client.get("/north/").status_code == 200
    assert client.get("/other/").status_code == 404  # another brand: nothing to see
    client.post("/north/logout")
    login(client, "north", "mail@north.test")
    assert client.get("/north/").status_code == 403
    client.post("/north/logout")
    assert client.get("/north/").status_code == 302  # to the sign-in page


def test_charts_read_without_colour_in_the_readers_language(app, client, brands):
    with app.app_context():
        north = db.session.get(Brand, brands["north"])
        for i in range(1234):
            db.session.add(
                Client(brand_id=north.id, provider_user_id=f"P{i}", name=f"N{i}", country_code="GB")
            )
        db.session.commit()
    login(client, "north", "admin@north.test")
    client.post("/north/language", data={"locale": "fr"})
    page = client.get("/north/").text
    assert "Tableau de bord" in page
    assert "1\u202f234" in page  # French digit grouping
    month = datetime.now(UTC).date()
    from babel.dates import format_skeleton

    assert format_skeleton("yMMM", month, locale="fr") in page
    for chart in ("added", "moved"):
        svg = page.split(f'aria-labelledby="{chart}-title {chart}-desc"')[1].split("</svg>")[0]
        assert f'<title id="{chart}-title">' in svg and f'<desc id="{chart}-desc">' in svg
        assert svg.count('class="chart-value"') == (12 if chart == "added" else 24)
    moved = page.split('id="moved-title"')[1].split("</figure>")[0]
    assert "url(#moved-hatch)" in moved  # the second series is hatched, and the legend says so
    assert "Sortis" in moved or "sortis" in moved.lower()


def test_last_months_and_weeks_cross_the_year():
    assert figures.last_months(date(2026, 2, 10), 3) == [
        date(2025, 12, 1),
        date(2026, 1, 1),
        date(2026, 2, 1),
    ]
    assert figures.last_weeks(date(2026, 1, 1), 2) == [date(2025, 12, 22), date(2025, 12, 29)]


def test_counters_of_reads_only_the_months_and_weeks_asked(app, brands):
    with app.app_context(), transaction():
        for name, value in {
            "added:2020-01": 5,
            "added:2026-01": 2,
            "moved_in:2026-01-05": 1,
            "clients:active:up_to_date": 3,
        }.items():
            db.session.add(BrandCounter(brand_id=brands["north"], name=name, value=value))
    with app.app_context():
        read = counters_of(
            brands["north"], {"added:": "added:2025-12", "moved_in:": "moved_in:2026-01-05"}
        )
        assert read == {
            "added:2026-01": 2,
            "moved_in:2026-01-05": 1,
            "clients:active:up_to_date": 3,
        }
        assert db.session.scalar(select(func.count()).select_from(BrandCounter)) == 4

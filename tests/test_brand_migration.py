"""Brand migration: checks, freeze, the state machine, verification, emails, rollback, bulk."""

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from portal.brand_migration import rules
from portal.db import commit, separate_transaction, transaction
from portal.extensions import db
from portal.models import (
    Asset,
    AssetStatus,
    AuditEvent,
    Brand,
    BulkItem,
    BulkJob,
    Client,
    ClientGroup,
    ClientGroupMapping,
    ClientStatus,
    Contact,
    Contract,
    Migration,
    MigrationState,
    OutboxEmail,
    PaymentStatus,
    PermissionGroup,
    Role,
    User,
)
from tests.conftest import login, make_asset, make_brand, make_client, make_user

HX = {"HX-Request": "true"}


@pytest.fixture
def setup(app):
    with app.app_context():
        north = make_brand(
            "north",
            name="Northwind",
            tracking_url_template="https://tracking.{country}.northwind.example",
        )
        premium = make_brand(
            "premium",
            name="Northwind Premium",
            parent_id=north.id,
            tracking_url_template="https://tracking.{country}.premium.example",
        )
        other = make_brand("other", name="Other Co")
        admin = make_user("root@platform.test", None, is_platform_admin=True)
        manager = make_user("reseller@north.test", north, Role.RESELLER)
        make_user("admin@north.test", north, Role.BRAND_ADMIN)
        make_user("admin@other.test", other, Role.BRAND_ADMIN)
        gold = ClientGroup(brand_id=north.id, name="Gold", features=["live_map"])
        premium_gold = ClientGroup(brand_id=premium.id, name="Premium Gold", features=["live_map"])
        db.session.add_all([gold, premium_gold])
        db.session.flush()
        db.session.add(
            ClientGroupMapping(
                source_group_id=gold.id, target_brand_id=premium.id, target_group_id=premium_gold.id
            )
        )
        client = make_client(
            north,
            name="Acme Haulage",
            account_manager_id=manager.id,
            login_email="fleet@acme.example",
            client_group_id=gold.id,
            country_code="GB",
            locale="en",
        )
        client.contacts.append(Contact(name="Ops", email="ops@acme.example", notify_equipment=True))
        client.contacts.append(Contact(name="Quiet", email="quiet@acme.example"))
        db.session.commit()
        for i in range(3):
            make_asset(north, client, name=f"Van {i}")
        foreign = make_client(other, name="Foreign Ltd")
        ids = {
            "north": north.id,
            "premium": premium.id,
            "other": other.id,
            "client": client.id,
            "admin": admin.id,
            "foreign": foreign.id,
            "gold": gold.id,
            "premium_gold": premium_gold.id,
        }
    return ids


def get(app, model, object_id):
    with app.app_context():
        obj = db.session.get(model, object_id)
        if obj is not None:
            db.session.refresh(obj)
            db.session.expunge(obj)
        return obj


def start_and_run(app, setup, **kwargs):
    with app.app_context():
        client = db.session.get(Client, setup["client"])
        migration = rules.start(
            client,
            db.session.get(Brand, setup["premium"]),
            db.session.get(User, setup["admin"]),
            **kwargs,
        )
        rules.continue_migration(migration, setup["admin"])
        return migration.id


# --- checks -------------------------------------------------------------------------------


BREAKERS = {
    "address": lambda c: setattr(c.address, "sub_locality", ""),
    "account_manager": lambda c: setattr(c, "account_manager_id", None),
    "phone": lambda c: (setattr(c, "phone", ""), setattr(c, "mobile", "")),
    "active": lambda c: setattr(c, "status", ClientStatus.BLOCKED),
    "paid": lambda c: setattr(c, "payment_status", PaymentStatus.DELINQUENT),
    "no_open_migration": lambda c: setattr(c, "frozen_by_migration_id", 999),
    "contract": lambda c: c.contracts.append(
        Contract(
            number="C-1",
            plan="Fleet",
            starts_on=date.today() - timedelta(days=30),
            ends_on=date.today() + timedelta(days=300),
            monthly_fee=10,
            currency="GBP",
        )
    ),
    "user_id_free": lambda c: db.session.add(
        Client(
            brand_id=db.session.scalar(select(Brand.id).where(Brand.slug == "premium")),
            provider_user_id=c.provider_user_id,
            name="Twin",
            country_code="GB",
        )
    ),
    "client_group": lambda c: db.session.execute(ClientGroupMapping.__table__.delete()),
}


@pytest.mark.parametrize("failing", sorted(BREAKERS))
def test_each_check_fails_alone_and_nothing_changes(app, setup, failing):
    with app.app_context():
        client = db.session.get(Client, setup["client"])
        BREAKERS[failing](client)
        db.session.commit()
        with pytest.raises(rules.MigrationRefused) as refusal:
            rules.start(
                client,
                db.session.get(Brand, setup["premium"]),
                db.session.get(User, setup["admin"]),
            )
        failed = [c.key for c in refusal.value.checks if not c.ok]
        assert failed == [failing]
        assert db.session.scalar(select(Migration)) is None
        assert db.session.get(Client, setup["client"]).brand_id == setup["north"]
        refused = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "migration.refused")
        )
        assert refused.note == failing


def test_target_must_be_active_and_different(app, setup):
    with app.app_context():
        client = db.session.get(Client, setup["client"])
        admin = db.session.get(User, setup["admin"])
        from portal.brand_migration.checks import run_checks

        same = run_checks(client, db.session.get(Brand, setup["north"]), admin)
        assert [c.key for c in same if not c.ok] == ["target"]
        premium = db.session.get(Brand, setup["premium"])
        premium.active = False
        assert [c.key for c in run_checks(client, premium, admin) if not c.ok] == ["target"]


def test_the_dry_run_page_shows_every_check_with_a_fix_link(app, client, setup):
    with app.app_context():
        db.session.get(Client, setup["client"]).account_manager_id = None
        db.session.commit()
    login(client, "north", "root@platform.test")
    page = client.get(
        f"/north/clients/{setup['client']}/migrate", query_string={"target": setup["premium"]}
    ).text
    assert page.count('class="ok"') == 10 and page.count('class="failed"') == 1
    assert "Account manager chosen" in page and "No account manager is chosen." in page
    # The Fix link opens the field to fix, focused (the tab's form, that field first).
    fix = f"/north/clients/{setup['client']}/edit/personal?focus=account_manager_id"
    assert f'href="{fix}#account_manager_id">Fix</a>' in page
    assert "Start migration" not in page
    assert get(app, Client, setup["client"]).frozen_by_migration_id is None
    form = client.get(fix).text
    assert re.search(r'<select[^>]*autofocus[^>]*id="account_manager_id"', form) or re.search(
        r'<select[^>]*id="account_manager_id"[^>]*autofocus', form
    )


def test_the_address_check_says_which_part_is_missing(app, client, setup):
    with app.app_context():
        address = db.session.get(Client, setup["client"]).address
        address.street, address.sub_locality = "", ""
        db.session.commit()
    login(client, "north", "root@platform.test")
    page = client.get(
        f"/north/clients/{setup['client']}/migrate", query_string={"target": setup["premium"]}
    ).text
    assert "Missing: street and sub-locality." in page
    assert f"/north/clients/{setup['client']}/edit/other?focus=address__street#" in page


def test_checking_again_never_starts_anything(app, client, setup):
    """Whatever is typed and pressed on the checks page, nothing starts; the override reason
    is asked for only while a contract blocks."""
    login(client, "north", "root@platform.test")
    url = f"/north/clients/{setup['client']}/migrate"
    page = client.get(url, query_string={"target": setup["premium"]}).text
    assert "override_reason" not in page  # no contract: no reason to give
    with app.app_context():
        BREAKERS["contract"](db.session.get(Client, setup["client"]))
        db.session.commit()
    page = client.get(url, query_string={"target": setup["premium"]}).text
    assert 'name="override_reason"' in page and "Check again" in page
    checked = client.get(
        url, query_string={"target": setup["premium"], "override_reason": "Director agreed"}
    )
    assert checked.status_code == 200 and "Every check passes" in checked.text
    assert 'formmethod="post"' not in checked.text  # "Check again" is a GET, always
    assert get(app, Client, setup["client"]).frozen_by_migration_id is None
    # The start button posts what was checked: first a page that says what will happen.
    confirm = client.post(
        url, data={"target": setup["premium"], "override_reason": "Director agreed"}
    )
    assert confirm.status_code == 200
    assert "Migrate Acme Haulage from Northwind to Northwind Premium?" in confirm.text
    assert "record is frozen" in confirm.text and 'name="confirmed"' in confirm.text
    with app.app_context():
        assert db.session.scalar(select(db.func.count(Migration.id))) == 0
        assert db.session.scalar(select(db.func.count(OutboxEmail.id))) == 0


def test_override_needs_the_permission_and_a_reason(app, setup):
    with app.app_context():
        client = db.session.get(Client, setup["client"])
        BREAKERS["contract"](client)
        db.session.commit()
        premium = db.session.get(Brand, setup["premium"])
        admin = db.session.get(User, setup["admin"])
        with pytest.raises(rules.MigrationRefused):
            rules.start(client, premium, admin)
        # A custom group may migrate but not override: the reason is not enough.
        group = PermissionGroup(
            brand_id=setup["north"],
            name="Movers",
            permissions=["clients.view", "migrations.create"],
        )
        premium_group = PermissionGroup(
            brand_id=premium.id, name="Movers", permissions=["clients.view", "migrations.create"]
        )
        db.session.add_all([group, premium_group])
        db.session.flush()
        mover = make_user("mover@north.test")
        from portal.models import Membership

        db.session.add_all(
            [
                Membership(user_id=mover.id, brand_id=setup["north"], group_id=group.id),
                Membership(user_id=mover.id, brand_id=premium.id, group_id=premium_group.id),
            ]
        )
        db.session.commit()
        with pytest.raises(rules.MigrationRefused) as refusal:
            rules.start(client, premium, mover, override_reason="Customer asked")
        assert [c.key for c in refusal.value.checks if not c.ok] == ["contract"]
        migration = rules.start(client, premium, admin, override_reason="Signed by the director")
        assert migration.override_reason == "Signed by the director"


def test_two_people_starting_at_once_get_one_migration(app, setup):
    with app.app_context():
        client = db.session.get(Client, setup["client"])
        premium = db.session.get(Brand, setup["premium"])
        admin = db.session.get(User, setup["admin"])
        # Someone else saves the record between our read and our write.
        with separate_transaction() as other:
            other.execute(
                Client.__table__.update()
                .where(Client.id == client.id)
                .values(version=Client.version + 1)
            )
        with pytest.raises(rules.MigrationRefused) as refusal:
            rules.start(client, premium, admin)
        assert "at the same moment" in str(refusal.value.message)
        assert db.session.scalar(select(Migration)) is None


# --- the run ------------------------------------------------------------------------------


def test_a_migration_moves_everything_and_tells_the_client(app, client, setup):
    login(client, "north", "root@platform.test")
    response = client.post(
        f"/north/clients/{setup['client']}/migrate",
        data={"target": setup["premium"], "confirmed": "1"},
    )
    assert response.status_code == 302
    with app.app_context():
        migration = db.session.scalar(select(Migration))
        assert migration.state == MigrationState.COMPLETED
        assert [e.to_state.value for e in migration.events] == [
            "requested",
            "moving",
            "verifying",
            "notifying",
            "completed",
        ]
        moved = db.session.get(Client, setup["client"])
        assert moved.brand_id == setup["premium"] and moved.frozen_by_migration_id is None
        assert moved.client_group_id == setup["premium_gold"]
        assert {a.brand_id for a in moved.assets} == {setup["premium"]}
        assert len(moved.contacts) == 2
        emails = db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)).all()
        assert [e.recipient for e in emails] == ["fleet@acme.example", "ops@acme.example"]
        assert all(e.status == "pending" for e in emails)  # no mail server: they wait
        assert "https://tracking.gb.premium.example" in emails[0].body
        assert "login and password are unchanged" in emails[0].body
    page = client.get(response.headers["Location"]).text
    assert "3 devices verified" in page and "Completed" in page
    # The old brand no longer has the client; the new one does.
    assert client.get(f"/north/clients/{setup['client']}").status_code == 404
    assert client.get(f"/premium/clients/{setup['client']}").status_code == 200


@pytest.mark.parametrize(
    "locale, words",
    [
        ("en", "Your login and password are unchanged."),
        ("fr", "Votre identifiant et votre mot de passe ne changent pas."),
        ("pt", "Seu login e sua senha continuam os mesmos."),
        ("pl", "Twój login i hasło pozostają bez zmian."),
    ],
)
def test_the_email_speaks_the_clients_language(app, setup, locale, words):
    with app.app_context():
        client = db.session.get(Client, setup["client"])
        client.locale, client.country_code = locale, "PL"
        db.session.commit()
    migration_id = start_and_run(app, setup)
    with app.app_context():
        email = db.session.scalar(
            select(OutboxEmail).where(OutboxEmail.migration_id == migration_id)
        )
        assert email.locale == locale
        assert words in email.body
        assert "Northwind Premium" in email.body and "%(" not in email.body
        assert "https://tracking.pl.premium.example" in email.body


def test_a_frozen_record_refuses_every_change(app, client, setup):
    with app.app_context():
        migration = rules.start(
            db.session.get(Client, setup["client"]),
            db.session.get(Brand, setup["premium"]),
            db.session.get(User, setup["admin"]),
        )
        asset_id = db.session.scalar(select(Asset.id).where(Asset.client_id == setup["client"]))
        free = make_asset(db.session.get(Brand, setup["north"]))
        free_id = free.id
        assert migration.state == MigrationState.REQUESTED
    login(client, "north", "root@platform.test")
    cid = setup["client"]
    attempts = [
        (f"/north/clients/{cid}/fields/name/edit", {"name": "X", "version": 2}),
        (f"/north/clients/{cid}/status", {"status": "blocked", "reason": "x", "version": 2}),
        (f"/north/clients/{cid}/payment", {"payment_status": "delinquent", "version": 2}),
        (f"/north/clients/{cid}/login", {"login_email": "x@y.example", "version": 2}),
        (f"/north/clients/{cid}/contacts", {"name": "New", "version": 2}),
        (f"/north/clients/{cid}/equipment/assign", {"asset_id": free_id, "version": 2}),
        (f"/north/clients/{cid}/equipment/{asset_id}/unassign", {"version": 2}),
        (f"/north/clients/{cid}/delete", {"version": 2}),
    ]
    for url, data in attempts:
        response = client.post(url, data=data, headers=HX)
        assert response.status_code == 409, url
        assert "being migrated" in response.text, url
    after = get(app, Client, cid)
    assert after.name == "Acme Haulage" and after.status.value == "active"
    page = client.get(f"/north/clients/{cid}").text
    assert 'class="edit-link"' not in page and "being migrated" in page


@pytest.mark.parametrize("steps_before_crash", [0, 1, 2, 3])
def test_a_crash_between_steps_then_continue_completes(app, client, setup, steps_before_crash):
    with app.app_context():
        migration = rules.start(
            db.session.get(Client, setup["client"]),
            db.session.get(Brand, setup["premium"]),
            db.session.get(User, setup["admin"]),
        )
        before = sorted(
            db.session.execute(
                select(Asset.id, Asset.serial, Asset.status).where(
                    Asset.client_id == setup["client"]
                )
            ).all()
        )
        commit()
        for _ in range(steps_before_crash):
            with transaction():
                rules.STEPS[migration.state]([migration], None)
        migration_id = migration.id
    # ... the process dies here; later someone presses Continue on the migrations page.
    login(client, "north", "root@platform.test")
    listing = client.get("/north/migrations?state=open").text
    assert f"/north/migrations/{migration_id}/continue" in listing
    client.post(f"/north/migrations/{migration_id}/continue")
    with app.app_context():
        done = db.session.get(Migration, migration_id)
        assert done.state == MigrationState.COMPLETED
        after = sorted(
            db.session.execute(
                select(Asset.id, Asset.serial, Asset.status).where(
                    Asset.client_id == setup["client"]
                )
            ).all()
        )
        assert after == before
        assert db.session.scalar(select(db.func.count(OutboxEmail.id))) == 2  # not twice
        assert db.session.scalar(select(db.func.count(Migration.id))) == 1


def test_a_crash_inside_the_move_leaves_nothing_half_done(app, setup, monkeypatch):
    with app.app_context():
        migration = rules.start(
            db.session.get(Client, setup["client"]),
            db.session.get(Brand, setup["premium"]),
            db.session.get(User, setup["admin"]),
        )
        with transaction():
            rules.begin_move([migration], None)
        real_commit = db.session.commit

        def crash():
            raise RuntimeError("power cut")

        monkeypatch.setattr(db.session, "commit", crash)
        with pytest.raises(RuntimeError), transaction():
            rules.move([migration], None)
        monkeypatch.setattr(db.session, "commit", real_commit)
        migration_id = migration.id
    with app.app_context():
        half = db.session.get(Migration, migration_id)
        assert half.state == MigrationState.MOVING
        assert db.session.get(Client, setup["client"]).brand_id == setup["north"]
        assert {
            a.brand_id
            for a in db.session.scalars(select(Asset).where(Asset.client_id == setup["client"]))
        } == {setup["north"]}
        rules.continue_migration(half, None)
        assert half.state == MigrationState.COMPLETED


def test_a_verification_mismatch_fails_and_offers_the_move_back(app, client, setup):
    with app.app_context():
        migration = rules.start(
            db.session.get(Client, setup["client"]),
            db.session.get(Brand, setup["premium"]),
            db.session.get(User, setup["admin"]),
        )
        rules.begin_move([migration], None)
        rules.move([migration], None)
        # Something else touches a device between the move and the verification.
        asset = db.session.scalar(select(Asset).where(Asset.client_id == setup["client"]))
        asset.status = AssetStatus.SUSPENDED
        serial = asset.serial
        db.session.commit()
        rules.advance([migration], None)
        assert migration.state == MigrationState.FAILED
        assert migration.differences == [
            {"what": "status", "asset": serial, "before": "active", "after": "suspended"}
        ]
        assert db.session.get(Client, setup["client"]).frozen_by_migration_id is None
        migration_id = migration.id
    login(client, "premium", "root@platform.test")
    page = client.get(f"/premium/migrations/{migration_id}").text
    assert "1 difference found" in page and "Device status changed" in page and serial in page
    assert "Move back" in page
    back = client.post(f"/premium/migrations/{migration_id}/move-back")
    assert back.status_code == 302
    with app.app_context():
        assert db.session.get(Client, setup["client"]).brand_id == setup["north"]
        assert db.session.get(Migration, migration_id).state == MigrationState.ROLLED_BACK
        returned = db.session.scalar(
            select(Migration).where(Migration.rollback_of_id == migration_id)
        )
        assert returned.state == MigrationState.COMPLETED


def test_move_back_after_a_completed_migration(app, client, setup):
    migration_id = start_and_run(app, setup)
    login(client, "premium", "root@platform.test")
    client.post(f"/premium/migrations/{migration_id}/move-back")
    with app.app_context():
        back = db.session.get(Client, setup["client"])
        assert back.brand_id == setup["north"]
        assert {a.brand_id for a in back.assets} == {setup["north"]}
        assert back.client_group_id == setup["gold"]  # the group it had before
        history = db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.client_id == setup["client"])
            .order_by(AuditEvent.id)
        ).all()
    assert history.count("migration.completed") == 2
    assert "migration.rolled_back" in history
    page = client.get(f"/north/clients/{setup['client']}?tab=history", headers=HX).text
    assert "Migration: Completed" in page and "Migration: Moved back" in page


def test_outbox_retry_after_a_failing_mail_server(app, client, setup):
    app.config["MAIL_BACKEND"] = "tests.mail_backends"
    migration_id = start_and_run(app, setup)
    with app.app_context():
        email = db.session.scalar(
            select(OutboxEmail).where(OutboxEmail.migration_id == migration_id)
        )
        # It waits for its automatic retry (tests/test_mail.py); a person may send it now.
        assert email.status == "pending" and "refused the connection" in email.last_error
        assert email.next_attempt_at is not None
        email_id = email.id
    login(client, "premium", "root@platform.test")
    page = client.get("/premium/outbox?status=pending").text
    assert "fleet@acme.example" in page and "refused the connection" in page
    app.config["MAIL_BACKEND"] = "locmem"
    client.post(f"/premium/outbox/{email_id}/retry")
    with app.app_context():
        email = db.session.get(OutboxEmail, email_id)
        assert email.status == "sent" and email.attempts == 2 and email.last_error is None
    delivered = app.extensions["mailman"].outbox  # what the locmem backend received
    assert [m.to for m in delivered] == [["fleet@acme.example"]]
    preview = client.get(f"/premium/outbox/{email_id}").text
    assert "https://tracking.gb.premium.example" in preview


def test_bulk_migrates_the_eligible_and_explains_the_refused(app, client, setup):
    with app.app_context():
        north = db.session.get(Brand, setup["north"])
        manager = db.session.scalar(select(User.id).where(User.email == "reseller@north.test"))
        eligible = [
            make_client(north, name=f"Bulk {i}", account_manager_id=manager).id for i in range(4)
        ]
        late = make_client(
            north,
            name="Late Payer",
            account_manager_id=manager,
            payment_status=PaymentStatus.DELINQUENT,
        ).id
        homeless = make_client(north, name="No Address", account_manager_id=manager)
        homeless.address = None
        db.session.commit()
        homeless_id = homeless.id
    login(client, "north", "root@platform.test")
    ids = [*eligible, late, homeless_id, setup["foreign"]]
    ticked = {"target": setup["premium"], "client_ids": [str(i) for i in ids], "q": "bulk"}
    # First the page says what will happen, and nothing has started yet.
    asked = client.post("/north/migrations/bulk", data=ticked)
    assert asked.status_code == 200
    assert "Migrate 6 clients from Northwind to Northwind Premium?" in asked.text
    assert "emailed the new tracking address" in asked.text
    assert "agrees to the transfer" not in asked.text  # one brand tree: nobody else agrees
    assert 'href="/north/clients?q=bulk"' in asked.text  # back to the same list
    assert asked.text.count('name="client_ids"') == len(ids)
    with app.app_context():
        assert db.session.scalar(select(func.count(BulkJob.id))) == 0
    response = client.post("/north/migrations/bulk", data={**ticked, "confirmed": "1"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).text
    assert "6 of 6 processed" in page  # the foreign client was never part of the job
    assert "4 migrated" in page and "2 refused" in page and "0 failed" in page
    # The reason is what is wrong with this client, not the check's name.
    assert "The payment situation is Delinquent." in page
    assert "Missing: street, locality, and sub-locality." in page
    assert f'href="/north/clients/{late}">Late Payer</a>' in page
    assert f'href="/premium/clients/{eligible[0]}">Bulk 0</a>' in page
    assert 'hx-trigger="every 1s"' not in page  # finished: the polling stops
    with app.app_context():
        results = dict(db.session.execute(select(BulkItem.client_id, BulkItem.result)).all())
        assert [results[i] for i in eligible] == ["migrated"] * 4
        assert results[late] == "refused" and results[homeless_id] == "refused"
        assert db.session.get(Client, setup["foreign"]).brand_id == setup["other"]


def test_bulk_all_matching_a_search(app, client, setup):
    with app.app_context():
        north = db.session.get(Brand, setup["north"])
        manager = db.session.scalar(select(User.id).where(User.email == "reseller@north.test"))
        for i in range(3):
            make_client(north, name=f"Depot {i}", account_manager_id=manager)
        make_client(north, name="Elsewhere", account_manager_id=manager)
    login(client, "north", "root@platform.test")
    nothing = client.post("/north/migrations/bulk", data={"all_matching": "1", "q": "depot"})
    assert nothing.headers["Location"] == "/north/clients"
    assert "Choose the clients and a target brand." in client.get("/north/clients").text
    listing = client.get("/north/clients?q=depot").text
    assert 'form="bulk-form"' in listing and "all 3 clients matching this search" in listing
    response = client.post(
        "/north/migrations/bulk",
        data={"target": setup["premium"], "all_matching": "1", "q": "depot", "confirmed": "1"},
        headers=HX,
    )
    assert (
        response.status_code == 204 and "/north/migrations/bulk/" in response.headers["HX-Redirect"]
    )
    with app.app_context():
        moved = db.session.scalars(
            select(Client.name).where(Client.brand_id == setup["premium"])
        ).all()
    assert sorted(moved) == ["Depot 0", "Depot 1", "Depot 2"]


# --- tenancy and permissions --------------------------------------------------------------


def test_foreign_brand_ids_are_refused(app, client, setup):
    migration_id = start_and_run(app, setup)
    login(client, "other", "admin@other.test")
    assert client.get(f"/other/migrations/{migration_id}").status_code == 403  # not a migrator
    client.post("/other/logout")
    login(client, "north", "root@platform.test")
    assert client.get(f"/north/clients/{setup['foreign']}/migrate").status_code == 404
    assert client.get(f"/other/migrations/{migration_id}").status_code == 404
    assert client.post(f"/other/migrations/{migration_id}/move-back").status_code == 404
    # From either of its brands, the migration is visible.
    assert client.get(f"/north/migrations/{migration_id}").status_code == 200
    assert client.get(f"/premium/migrations/{migration_id}").status_code == 200


def test_only_authorised_users_migrate(app, client, setup):
    login(client, "north", "reseller@north.test")
    # A reseller may look: "not authorised" is one of the checks, with its reason.
    assert "Migrate client" in client.get(f"/north/clients/{setup['client']}").text
    url = f"/north/clients/{setup['client']}/migrate"
    page = client.get(url, query_string={"target": setup["premium"]})
    assert page.status_code == 200
    assert "You may not migrate clients of Northwind and Northwind Premium." in page.text
    assert "Start migration" not in page.text
    assert client.post(url, data={"target": setup["premium"], "confirmed": "1"}).status_code == 403
    assert client.get("/north/migrations").status_code == 403
    assert (
        client.post("/north/migrations/bulk", data={"target": setup["premium"]}).status_code == 403
    )
    assert get(app, Client, setup["client"]).frozen_by_migration_id is None


def test_the_migration_page_lists_its_emails_from_both_brands(app, client, setup):
    migration_id = start_and_run(app, setup)
    login(client, "north", "root@platform.test")
    for brand in ("north", "premium"):  # where it came from, where it went
        page = client.get(f"/{brand}/migrations/{migration_id}").text
        assert "fleet@acme.example" in page and "ops@acme.example" in page, brand
        assert "/premium/outbox/" in page  # the preview lives in the brand that sent it
    assert client.get(f"/other/migrations/{migration_id}").status_code == 404


def test_changing_the_permission_group_asks_first(app, client, setup):
    with app.app_context():
        silver = ClientGroup(brand_id=setup["north"], name="Silver", features=[])
        db.session.add(silver)
        db.session.commit()
        silver_id = silver.id
    login(client, "north", "admin@north.test")
    cid = setup["client"]
    inline = client.get(f"/north/clients/{cid}/fields/client_group_id/edit", headers=HX).text
    assert "hx-confirm=\"Change the client's permission group?" in inline
    # Without JavaScript: the tab's form asks, then saves.
    form = client.get(f"/north/clients/{cid}/edit/personal").text
    fields = dict(re.findall(r'<input[^>]*name="(\w+)"[^>]*value="([^"]*)"', form))
    for name, options in re.findall(r'<select[^>]*name="(\w+)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.search(
            r'<option selected value="([^"]*)"|<option value="([^"]*)" selected', options
        )
        fields[name] = next((v for v in chosen.groups() if v is not None), "") if chosen else ""
    fields.pop("csrf_token", None)
    fields |= {"client_group_id": str(silver_id), "phone": "+44 20 8123 4567"}
    fields |= {"mobile": "+44 7911 123456"}
    asked = client.post(f"/north/clients/{cid}/edit/personal", data=fields)
    assert asked.status_code == 200 and "Change the client's permission group?" in asked.text
    assert 'name="confirmed"' in asked.text
    assert get(app, Client, cid).client_group_id == setup["gold"]
    saved = client.post(f"/north/clients/{cid}/edit/personal", data=fields | {"confirmed": "1"})
    assert saved.status_code == 302
    assert get(app, Client, cid).client_group_id == silver_id

"""Consent to a transfer between brand trees: the target brand's admins accept or refuse it,
the client may be asked by a single-use emailed link, and it expires without an answer."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.brand_migration import bulk, rules, scheduling
from portal.db import commit
from portal.extensions import db
from portal.models import (
    AuditEvent,
    Brand,
    BulkItem,
    BulkJob,
    Client,
    ClientGroup,
    Migration,
    MigrationConsent,
    MigrationState,
    User,
    utcnow,
)
from tests.conftest import login, make_client
from tests.test_brand_migration import setup as brand_setup

setup = brand_setup  # the fixture: two brands of one tree, a third, a client with contacts
S = MigrationState


@pytest.fixture
def trees(setup, app):  # noqa: F811
    """The shared fixture, with the client's group in Other Co too (another brand tree)."""
    with app.app_context():
        db.session.add(ClientGroup(brand_id=setup["other"], name="Gold"))
        db.session.commit()
    return setup


def transfer(app, trees, **kwargs) -> int:
    """The client of North asked to move to Other Co, another brand tree."""
    with app.app_context():
        migration = rules.start(
            db.session.get(Client, trees["client"]),
            db.session.get(Brand, trees["other"]),
            db.session.get(User, trees["admin"]),
            **kwargs,
        )
        commit()  # and what waits for it: the client's email
        rules.continue_migration(migration, trees["admin"])
        return migration.id


def get_migration(app, migration_id) -> Migration:
    with app.app_context():
        migration = db.session.get(Migration, migration_id)
        db.session.refresh(migration)
        _ = [c.decided_by for c in migration.consents]
        db.session.expunge_all()
        return migration


def test_inside_one_brand_tree_nobody_else_agrees(app, trees):
    with app.app_context():
        migration = rules.start(
            db.session.get(Client, trees["client"]),
            db.session.get(Brand, trees["premium"]),  # North's sub-brand
            db.session.get(User, trees["admin"]),
        )
        assert migration.state == S.REQUESTED and migration.consents == []


def test_the_target_brands_admin_accepts_and_the_client_moves(app, client, trees):
    migration_id = transfer(app, trees)
    migration = get_migration(app, migration_id)
    assert migration.state == S.AWAITING_CONSENT
    assert migration.consent_expires_at - utcnow() > timedelta(days=13)
    with app.app_context():
        waiting = db.session.get(Client, trees["client"])
        assert waiting.brand_id == trees["north"] and waiting.frozen_by_migration_id is None
    assert [(c.party, c.decision, c.how) for c in migration.consents] == [
        ("source", "accepted", "started"),
        ("target", "pending", None),
    ]
    login(client, "other", "admin@other.test")
    page = client.get("/other/transfers").text
    assert "Acme Haulage" in page and "Accept transfer" in page
    client.post(f"/other/transfers/{migration_id}/accept")
    migration = get_migration(app, migration_id)
    assert migration.state == S.COMPLETED
    target = next(c for c in migration.consents if c.party == "target")
    assert (target.decision, target.how, target.decided_by.email) == (
        "accepted",
        "portal",
        "admin@other.test",
    )
    with app.app_context():
        assert db.session.get(Client, trees["client"]).brand_id == trees["other"]
    # Who agreed, when and how: on the migration's page and in the History.
    platform = app.test_client()
    login(platform, "other", "root@platform.test")
    detail = platform.get(f"/other/migrations/{migration_id}").text
    assert "Agreement" in detail and "Admin" in detail and "in the portal" in detail
    with app.app_context():
        assert (
            db.session.scalar(
                select(AuditEvent.note).where(AuditEvent.action == "migration.consent_accepted")
            )
            == "Admin"
        )


def test_refusing_needs_a_reason_and_ends_the_transfer(app, client, trees):
    migration_id = transfer(app, trees)
    login(client, "other", "admin@other.test")
    response = client.post(f"/other/transfers/{migration_id}/refuse", data={"reason": ""})
    assert response.status_code == 422
    assert get_migration(app, migration_id).state == S.AWAITING_CONSENT
    client.post(
        f"/other/transfers/{migration_id}/refuse", data={"reason": "We do not serve the UK yet"}
    )
    migration = get_migration(app, migration_id)
    assert migration.state == S.REFUSED
    target = next(c for c in migration.consents if c.party == "target")
    assert target.reason == "We do not serve the UK yet"
    with app.app_context():
        assert db.session.get(Client, trees["client"]).brand_id == trees["north"]
    assert "We do not serve the UK yet" in client.get("/other/transfers").text


def test_without_an_answer_it_expires(app, client, trees):
    migration_id = transfer(app, trees)
    with app.app_context():
        scheduling.run_due(now=utcnow() + timedelta(days=13))
    assert get_migration(app, migration_id).state == S.AWAITING_CONSENT
    with app.app_context():
        scheduling.run_due(now=utcnow() + timedelta(days=15))
    migration = get_migration(app, migration_id)
    assert migration.state == S.EXPIRED
    assert next(c for c in migration.consents if c.party == "target").decision == "expired"
    login(client, "other", "admin@other.test")
    client.post(f"/other/transfers/{migration_id}/accept")
    assert get_migration(app, migration_id).state == S.EXPIRED  # too late
    # Nothing is left in the way of another migration of the client.
    with app.app_context():
        checks = rules.run_checks(
            db.session.get(Client, trees["client"]),
            db.session.get(Brand, trees["premium"]),
            db.session.get(User, trees["admin"]),
        )
        assert all(c.ok for c in checks)


def test_only_the_target_brands_admins_answer(app, client, trees):
    migration_id = transfer(app, trees)
    login(client, "north", "admin@north.test")  # the source brand's admin
    assert client.post(f"/north/transfers/{migration_id}/accept").status_code == 404
    assert client.post(f"/other/transfers/{migration_id}/accept").status_code == 404
    assert get_migration(app, migration_id).state == S.AWAITING_CONSENT


def test_the_client_agrees_by_a_single_use_link_in_its_language(app, client, mailbox, trees):
    with app.app_context():
        db.session.get(Brand, trees["other"]).transfer_needs_client_consent = True
        db.session.get(Client, trees["client"]).locale = "fr"
        db.session.commit()
    migration_id = transfer(app, trees)
    sent = mailbox.to("fleet@acme.example")
    assert len(sent) == 1
    message = sent[0]
    assert message.subject == "Acceptez-vous de transférer votre compte vers Other Co\u00a0?"
    assert message.body.startswith("Bonjour Acme Haulage,")
    html = message.alternatives[0][0]
    link = re.search(r"https?://[^/\s]+(/north/transfer/[\w-]+)", message.body).group(1)
    assert link in html
    with app.app_context():
        stored = db.session.scalar(
            select(MigrationConsent).where(MigrationConsent.party == "client")
        )
        assert stored.token_hash and link.rsplit("/", 1)[1] not in str(stored.token_hash)
    # The target brand agrees first: the transfer still waits for the client.
    login(client, "other", "admin@other.test")
    client.post(f"/other/transfers/{migration_id}/accept")
    assert get_migration(app, migration_id).state == S.AWAITING_CONSENT
    client.get("/other/logout")
    visitor = app.test_client()
    page = visitor.get(link, follow_redirects=True)
    assert page.status_code == 200 and "Other Co" in page.text
    answer = visitor.post("/north/transfer", data={"answer": "accept"})
    assert answer.status_code == 200
    migration = get_migration(app, migration_id)
    assert migration.state == S.COMPLETED
    asked = next(c for c in migration.consents if c.party == "client")
    assert (asked.decision, asked.how) == ("accepted", "email")
    assert asked.recipient == "fleet@acme.example"
    # Once only.
    again = app.test_client().get(link, follow_redirects=True)
    assert again.status_code == 410


def test_the_client_refuses_by_its_link(app, client, mailbox, trees):
    with app.app_context():
        db.session.get(Brand, trees["other"]).transfer_needs_client_consent = True
        db.session.commit()
    migration_id = transfer(app, trees)
    link = re.search(r"(/north/transfer/[\w-]+)", mailbox.to("fleet@acme.example")[0].body)
    visitor = app.test_client()
    visitor.get(link.group(1))
    visitor.post("/north/transfer", data={"answer": "refuse", "reason": "Happy where we are"})
    migration = get_migration(app, migration_id)
    assert migration.state == S.REFUSED
    assert next(c for c in migration.consents if c.party == "client").reason == (
        "Happy where we are"
    )


def test_the_pages_run_the_same_queries_for_one_or_four_migrations(app, client, trees):
    from tests.conftest import make_client
    from tests.test_client_history import counted_statements

    def statements(path):
        with counted_statements(app) as seen:
            assert client.get(path).status_code == 200
        return len(seen)

    def more(count):
        with app.app_context():
            north = db.session.get(Brand, trees["north"])
            manager = db.session.get(Client, trees["client"]).account_manager_id
            for i in range(count):
                other = make_client(north, name=f"More {i}", account_manager_id=manager)
                rules.start(
                    other,
                    db.session.get(Brand, trees["other"]),
                    db.session.get(User, trees["admin"]),
                )
                rules.start(
                    make_client(north, name=f"Later {i}", account_manager_id=manager),
                    db.session.get(Brand, trees["premium"]),
                    db.session.get(User, trees["admin"]),
                    preferred_date=utcnow().date() + timedelta(days=3),
                )
                commit()

    transfer(app, trees)
    login(client, "other", "root@platform.test")
    more(1)
    few = (statements("/north/migrations"), statements("/other/transfers"))
    more(3)
    many = (statements("/north/migrations"), statements("/other/transfers"))
    assert few == many, (few, many)
    assert client.get("/other/transfers").text.count("Accept transfer") == 5


def test_agreed_but_a_check_fails_now_it_does_not_start(app, client, trees):
    migration_id = transfer(app, trees)
    with app.app_context():
        from portal.models import PaymentStatus

        db.session.get(Client, trees["client"]).payment_status = PaymentStatus.DELINQUENT
        db.session.commit()
    login(client, "other", "admin@other.test")
    page = client.post(f"/other/transfers/{migration_id}/accept", follow_redirects=True).text
    assert "the checks no longer pass" in page
    migration = get_migration(app, migration_id)
    assert migration.state == S.REFUSED
    assert [c["key"] for c in migration.checks if not c["ok"]] == ["paid"]
    with app.app_context():
        assert db.session.get(Client, trees["client"]).frozen_by_migration_id is None


def test_a_cancelled_transfer_kills_the_clients_link(app, client, mailbox, trees):
    with app.app_context():
        db.session.get(Brand, trees["other"]).transfer_needs_client_consent = True
        db.session.commit()
    migration_id = transfer(app, trees)
    link = re.search(r"(/north/transfer/[\w-]+)", mailbox.to("fleet@acme.example")[0].body)
    login(client, "north", "root@platform.test")
    client.post(f"/north/migrations/{migration_id}/cancel")
    assert get_migration(app, migration_id).state == S.CANCELLED
    assert app.test_client().get(link.group(1), follow_redirects=True).status_code == 410


def test_a_bulk_job_into_another_tree_hands_its_clients_over_to_the_agreement(app, client, trees):
    """The job ends when every client is started: those waiting for the target brand's
    agreement are counted as waiting (not failed, not running forever), and each settles
    as its transfer is accepted, refused or expires."""
    with app.app_context():
        north = db.session.get(Brand, trees["north"])
        first = db.session.get(Client, trees["client"])
        names = ["Berry Vans", "Cole Trucks"]
        others = [
            make_client(
                north,
                name=name,
                account_manager_id=first.account_manager_id,
                login_email=f"{name.split()[0].lower()}@example.test",
                client_group_id=trees["gold"],
            ).id
            for name in names
        ]
        job = bulk.create_job(
            north,
            db.session.get(Brand, trees["other"]),
            db.session.get(User, trees["admin"]),
            [trees["client"], *others],
        )
        db.session.commit()
        job_id = job.id
        assert bulk.run_job(job_id, job.lease_owner)
        db.session.expire_all()
        job = db.session.get(BulkJob, job_id)
        assert job.finished_at is not None and job.lease_owner is None  # nothing left to run
        assert bulk.counts(job) == {
            "migrated": 0,
            "refused": 0,
            "failed": 0,
            "waiting": 3,
            "pending": 0,
            "processed": 3,
        }
        assert bulk.resume_stopped_jobs() == 0  # the sweep leaves a finished job alone
        waiting = dict(
            db.session.execute(
                select(BulkItem.client_name, BulkItem.migration_id).where(BulkItem.job_id == job_id)
            ).all()
        )
    login(client, "north", "root@platform.test")
    asked = client.post(
        "/north/migrations/bulk", data={"target": trees["other"], "client_ids": others}
    ).text
    assert "Migrate 2 clients from Northwind to Other Co?" in asked
    assert "belongs to another brand tree: the migration waits until Other Co agrees" in asked
    page = client.get(f"/north/migrations/bulk/{job_id}").text
    assert "3 waiting for agreement" in page
    assert page.count("Waiting for Other Co to agree to the transfer.") == 3  # each one's why
    assert "Finished. 3 clients wait for Other Co to agree to the transfer" in page
    assert "every 1s" not in page  # it stops polling
    # The target brand accepts one and refuses another; nobody answers for the third.
    other = app.test_client()
    login(other, "other", "admin@other.test")
    other.post(f"/other/transfers/{waiting['Acme Haulage']}/accept")
    other.post(
        f"/other/transfers/{waiting['Berry Vans']}/refuse",
        data={"reason": "Berry is not our customer"},
    )
    with app.app_context():
        scheduling.run_due(now=utcnow() + timedelta(days=15))
        results = dict(
            db.session.execute(
                select(BulkItem.client_name, BulkItem.result).where(BulkItem.job_id == job_id)
            ).all()
        )
        assert results == {
            "Acme Haulage": "migrated",
            "Berry Vans": "refused",
            "Cole Trucks": "refused",
        }
        job = db.session.get(BulkJob, job_id)
        assert job.processed == job.total == 3
        counts = bulk.counts(job)
        assert counts["processed"] == sum(counts[r] for r in bulk.RESULTS) == 3
    page = client.get(f"/north/migrations/bulk/{job_id}").text
    assert "1 migrated" in page and "2 refused" in page and "waiting" not in page
    assert "Berry is not our customer" in page
    assert "Nobody agreed to the transfer in time." in page


def test_the_confirmation_says_a_transfer_to_another_tree_waits_for_agreement(app, client, trees):
    login(client, "north", "root@platform.test")
    url = f"/north/clients/{trees['client']}/migrate"
    outside = client.post(url, data={"target": trees["other"]}).text
    assert "Migrate Acme Haulage from Northwind to Other Co?" in outside
    assert "Other Co belongs to another brand tree" in outside
    inside = client.post(url, data={"target": trees["premium"]}).text
    assert "Migrate Acme Haulage from Northwind to Northwind Premium?" in inside
    assert "another brand tree" not in inside
    with app.app_context():  # asking started nothing
        assert db.session.scalar(select(Migration.id)) is None

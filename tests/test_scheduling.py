"""A preferred date: a future one schedules the migration (checked now, again and run that
day by run_due, cancellable until then); a past one is refused."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from portal.brand_migration import rules, scheduling
from portal.extensions import db
from portal.models import (
    Asset,
    Brand,
    Client,
    Migration,
    MigrationState,
    OutboxEmail,
    PaymentStatus,
    User,
)
from tests.conftest import login
from tests.test_brand_migration import setup as brand_setup

setup = brand_setup  # the fixture: two brands of one tree, a third, a client with contacts
S = MigrationState


def schedule(app, setup, when: date) -> int:
    with app.app_context():
        migration = rules.start(
            db.session.get(Client, setup["client"]),
            db.session.get(Brand, setup["premium"]),
            db.session.get(User, setup["admin"]),
            preferred_date=when,
        )
        db.session.commit()
        rules.continue_migration(migration, setup["admin"])  # what the view does: nothing yet
        return migration.id


def state_of(app, migration_id) -> MigrationState:
    with app.app_context():
        return db.session.get(Migration, migration_id).state


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 9, tzinfo=UTC)


def test_a_future_date_waits_and_runs_that_day(app, client, setup):
    day = date.today() + timedelta(days=3)
    migration_id = schedule(app, setup, day)
    with app.app_context():
        migration = db.session.get(Migration, migration_id)
        assert migration.state == S.SCHEDULED
        assert all(check["ok"] for check in migration.checks)  # checked when asked for
        moved = db.session.get(Client, setup["client"])
        assert moved.brand_id == setup["north"] and moved.frozen_by_migration_id is None
    login(client, "north", "root@platform.test")
    page = client.get("/north/migrations").text
    assert "Waiting to start" in page and "Scheduled" in page
    assert "runs on" in client.get(f"/north/migrations/{migration_id}").text
    with app.app_context():
        assert scheduling.run_due(now=at(day - timedelta(days=1))) == 0
    assert state_of(app, migration_id) == S.SCHEDULED
    with app.app_context():
        assert scheduling.run_due(now=at(day)) == 1
        assert scheduling.run_due(now=at(day)) == 0  # once
        migration = db.session.get(Migration, migration_id)
        assert migration.state == S.COMPLETED
        assert [e.to_state for e in migration.events][:3] == [S.SCHEDULED, S.REQUESTED, S.MOVING]
        assert db.session.get(Client, setup["client"]).brand_id == setup["premium"]
        assert {a.brand_id for a in db.session.scalars(select(Asset))} >= {setup["premium"]}
        assert (
            db.session.scalar(
                select(db.func.count(OutboxEmail.id)).where(
                    OutboxEmail.migration_id == migration_id
                )
            )
            == 2
        )


def test_checked_again_at_the_date_and_refused_if_a_check_fails(app, setup):
    day = date.today() + timedelta(days=1)
    migration_id = schedule(app, setup, day)
    with app.app_context():
        db.session.get(Client, setup["client"]).payment_status = PaymentStatus.DELINQUENT
        db.session.commit()
        assert scheduling.run_due(now=at(day)) == 0
        migration = db.session.get(Migration, migration_id)
        assert migration.state == S.REFUSED
        assert [c["key"] for c in migration.checks if not c["ok"]] == ["paid"]
        client = db.session.get(Client, setup["client"])
        assert client.brand_id == setup["north"] and client.frozen_by_migration_id is None


def test_a_scheduled_migration_can_be_cancelled_and_blocks_another(app, client, setup):
    migration_id = schedule(app, setup, date.today() + timedelta(days=5))
    with app.app_context():
        checks = rules.run_checks(
            db.session.get(Client, setup["client"]),
            db.session.get(Brand, setup["premium"]),
            db.session.get(User, setup["admin"]),
        )
        assert not next(c for c in checks if c.key == "no_open_migration").ok
    login(client, "north", "root@platform.test")
    client.post(f"/north/migrations/{migration_id}/cancel")
    assert state_of(app, migration_id) == S.CANCELLED
    with app.app_context():
        assert scheduling.run_due(now=at(date.today() + timedelta(days=6))) == 0
    assert state_of(app, migration_id) == S.CANCELLED


def test_today_runs_at_once(app, setup):
    migration_id = schedule(app, setup, date.today())
    assert state_of(app, migration_id) == S.COMPLETED


@pytest.mark.parametrize(
    "language, message",
    [
        ("en", "The preferred date has passed: choose today or a later date."),
        ("fr", "La date souhaitée est passée\u00a0: choisissez aujourd'hui ou une date à venir."),
    ],
)
def test_a_past_date_is_refused_with_a_message(app, client, setup, language, message):
    login(client, "north", "root@platform.test")
    client.post("/north/language", data={"locale": language})
    response = client.post(
        f"/north/clients/{setup['client']}/migrate",
        data={"target": setup["premium"], "preferred_date": "2020-01-01"},
    )
    assert message in response.text
    with app.app_context():
        assert db.session.scalar(select(Migration)) is None
        with pytest.raises(rules.MigrationRefused):
            rules.start(
                db.session.get(Client, setup["client"]),
                db.session.get(Brand, setup["premium"]),
                db.session.get(User, setup["admin"]),
                preferred_date=date(2020, 1, 1),
            )


def test_two_sweeps_at_once_run_a_scheduled_migration_once(app, setup):
    day = date.today() + timedelta(days=2)
    migration_id = schedule(app, setup, day)
    begun = []

    def sweep():
        with app.app_context():
            begun.append(scheduling.run_due(now=at(day)))

    threads = [threading.Thread(target=sweep) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(begun) == 1
    with app.app_context():
        migration = db.session.get(Migration, migration_id)
        assert migration.state == S.COMPLETED
        assert [e.to_state for e in migration.events].count(S.REQUESTED) == 1

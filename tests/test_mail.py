"""Emails that reach people: plain SMTP by default, the brand's sender, both parts in the
recipient's language, retries by themselves with backoff, never twice."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.config import mail_settings
from portal.extensions import db
from portal.models import Brand, Client, Contact, Migration, OutboxEmail, User, utcnow
from portal.outbox import emails
from tests.conftest import login
from tests.mail_backends import FlakyEmailBackend, SMTPServer
from tests.test_brand_migration import setup as brand_setup
from tests.test_brand_migration import start_and_run

setup = brand_setup  # the fixture: two brands of one tree, a third, a client with contacts

FLAKY = "tests.mail_backends.FlakyEmailBackend"


def outbox_of(app, migration_id):
    with app.app_context():
        found = db.session.scalars(
            select(OutboxEmail).where(OutboxEmail.migration_id == migration_id)
        ).all()
        db.session.expunge_all()
        return found


# --- settings -------------------------------------------------------------------------------


def test_plain_smtp_by_default(monkeypatch):
    for name in ("MAIL_USE_TLS", "MAIL_USE_SSL", "MAIL_PORT", "MAIL_DOMAIN", "MAIL_DEFAULT_SENDER"):
        monkeypatch.delenv(name, raising=False)
    settings = mail_settings()
    assert settings["MAIL_USE_TLS"] is False and settings["MAIL_USE_SSL"] is False
    assert settings["MAIL_PORT"] == 25
    assert settings["OUTBOX_RETRY_SECONDS"] == 60
    monkeypatch.setenv("MAIL_DEFAULT_SENDER", "Fleet Portal <noreply@fleet.example>")
    assert mail_settings()["MAIL_DOMAIN"] == "fleet.example"


def test_a_real_smtp_server_gets_both_parts_from_the_brand_with_its_domain(app, setup):
    with app.app_context():
        premium = db.session.get(Brand, setup["premium"])
        premium.mail_from_name = "Northwind Premium Support"
        premium.mail_from_address = "hello@premium.example"
        premium.support_email = "support@premium.example"
        client = db.session.get(Client, setup["client"])
        client.name = "Acme Haulage"
        db.session.commit()
    app.config.update(MAIL_DOMAIN="portal.example", MAIL_TIMEOUT=5)
    with SMTPServer() as server:
        # Only a server and a port, as the README says: no STARTTLS is tried.
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port)
        app.extensions["mailman"].server, app.extensions["mailman"].port = "127.0.0.1", server.port
        migration_id = start_and_run(app, setup)
    sent = outbox_of(app, migration_id)
    assert [e.status for e in sent] == ["sent", "sent"], [e.last_error for e in sent]
    assert server.ehlo and all(name == "portal.example" for name in server.ehlo)
    by_recipient = {m["To"]: m for m in server.messages}
    assert set(by_recipient) == {"fleet@acme.example", "ops@acme.example"}
    message = by_recipient["ops@acme.example"]
    assert message["From"] == "Northwind Premium Support <hello@premium.example>"
    assert message["Reply-To"] == "support@premium.example"
    assert message["Message-ID"].endswith("@portal.example>")
    assert message["Content-Language"] == "en"
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    # Each person by their own name: the contact "Ops", the login the client's.
    assert text.startswith("Hello Ops,") and "Hello Ops," in html
    assert (
        by_recipient["fleet@acme.example"]
        .get_body(("plain",))
        .get_content()
        .startswith("Hello Acme Haulage,")
    )
    for part in (text, html):
        assert "Northwind Premium" in part
        assert "does not affect how you use the platform" in part
        assert "Your login and password are unchanged." in part
        assert "write to support@premium.example" in part
    assert '<a href="https://tracking.gb.premium.example"' in html
    assert "https://tracking.gb.premium.example" in text


def test_without_a_brand_sender_the_platform_address_under_the_brands_name(app, setup):
    app.config["MAIL_DEFAULT_SENDER"] = "portal@platform.example"
    with app.app_context():
        sender, reply_to = emails.sender_of(db.session.get(Brand, setup["premium"]))
        assert sender == "Northwind Premium <portal@platform.example>" and reply_to is None
        client = db.session.get(Client, setup["client"])
        client.account_manager.name = "Maria Lopes"
        db.session.commit()
    migration_id = start_and_run(app, setup)
    email = outbox_of(app, migration_id)[0]
    assert email.sender == "Northwind Premium <portal@platform.example>"
    # No support address: the email does not say "reply", it names the account manager.
    assert "reply" not in email.body and "your account manager, Maria Lopes" in email.body


@pytest.mark.parametrize(
    "locale, greeting, unchanged",
    [
        ("fr", "Bonjour Ops,", "Votre identifiant et votre mot de passe ne changent pas."),
        ("pt", "Olá, Ops,", "Seu login e sua senha continuam os mesmos."),
        ("pl", "Dzień dobry, Ops,", "Twój login i hasło pozostają bez zmian."),
    ],
)
def test_both_parts_in_the_clients_language(app, setup, locale, greeting, unchanged):
    with app.app_context():
        db.session.get(Client, setup["client"]).locale = locale
        db.session.commit()
    migration_id = start_and_run(app, setup)
    email = next(e for e in outbox_of(app, migration_id) if e.recipient == "ops@acme.example")
    assert email.locale == locale
    for part in (email.body, email.html):
        assert greeting in part and unchanged in part and "%(" not in part
    assert f'<html lang="{locale}">' in email.html


# --- retries --------------------------------------------------------------------------------


def test_a_failed_email_is_delivered_by_the_retry_once_without_anyone_pressing(app, setup):
    app.config.update(MAIL_BACKEND=FLAKY, OUTBOX_RETRY_SECONDS=60)
    delivered = app.extensions["mailman"]
    delivered.outbox = []
    FlakyEmailBackend.failures = 3  # both first sends, and the first retry of one of them
    started = utcnow()
    migration_id = start_and_run(app, setup)
    first = outbox_of(app, migration_id)
    assert [e.status for e in first] == ["pending", "pending"] and delivered.outbox == []
    assert all("refused the connection" in e.last_error for e in first)
    # The first retry after OUTBOX_RETRY_SECONDS, not before.
    assert all(
        timedelta(seconds=59) < e.next_attempt_at - started < timedelta(seconds=75) for e in first
    )
    with app.app_context():
        assert emails.deliver_due(now=started + timedelta(seconds=30)) == 0
        assert emails.deliver_due(now=started + timedelta(seconds=61)) == 1
    after = outbox_of(app, migration_id)
    retried = next(e for e in after if e.status == "pending")
    assert retried.attempts == 2
    # Twice as long the second time.
    assert retried.next_attempt_at - (started + timedelta(seconds=61)) == timedelta(seconds=120)
    with app.app_context():
        assert emails.deliver_due(now=started + timedelta(seconds=200)) == 1
        assert emails.deliver_due(now=started + timedelta(hours=5)) == 0  # nothing twice
    assert sorted(m.to[0] for m in delivered.outbox) == ["fleet@acme.example", "ops@acme.example"]
    assert {e.status for e in outbox_of(app, migration_id)} == {"sent"}


def test_after_the_last_attempt_failed_the_migration_page_raises_an_alert(app, client, setup):
    app.config.update(MAIL_BACKEND="tests.mail_backends", OUTBOX_MAX_ATTEMPTS=2)
    migration_id = start_and_run(app, setup)
    with app.app_context():
        assert emails.deliver_due(now=utcnow() + timedelta(hours=1)) == 0
    assert {e.status for e in outbox_of(app, migration_id)} == {"failed"}
    with app.app_context():
        assert emails.deliver_due(now=utcnow() + timedelta(days=1)) == 0
    assert {e.attempts for e in outbox_of(app, migration_id)} == {2}  # given up: no third
    login(client, "north", "root@platform.test")
    page = client.get("/north/migrations").text
    assert "1 migrated client has not been told its new address" in page
    assert "2 emails failed" in page and "Completed — client not yet told" in page
    detail = client.get(f"/north/migrations/{migration_id}").text
    assert "not yet told its new address" in detail and "Failed: 2" in detail
    history = client.get(
        f"/premium/clients/{setup['client']}?tab=history", headers={"HX-Request": "true"}
    ).text
    assert "Completed — client not yet told" in history
    # A person sends one again by hand, once the server works.
    app.config["MAIL_BACKEND"] = "locmem"
    app.extensions["mailman"].outbox = []
    email_id = outbox_of(app, migration_id)[0].id
    client.post(f"/premium/outbox/{email_id}/retry")
    assert len(app.extensions["mailman"].outbox) == 1
    with app.app_context():
        assert db.session.get(OutboxEmail, email_id).status == "sent"


def test_a_migration_whose_emails_all_went_out_is_simply_completed(app, client, mailbox, setup):
    migration_id = start_and_run(app, setup)
    assert len(mailbox.messages) == 2
    login(client, "north", "root@platform.test")
    page = client.get("/north/migrations").text
    assert "not yet told" not in page and "Completed" in page
    assert "not yet told" not in client.get(f"/north/migrations/{migration_id}").text


def test_a_claimed_email_is_not_sent_by_another_process(app, setup):
    app.config["MAIL_BACKEND"] = "locmem"
    app.extensions["mailman"].outbox = []
    migration_id = None
    with app.app_context():
        app.config["MAIL_BACKEND"] = None  # queue without sending
        migration_id = start_and_run(app, setup)
        app.config["MAIL_BACKEND"] = "locmem"
        first = db.session.scalar(
            select(OutboxEmail).where(OutboxEmail.migration_id == migration_id)
        )
        first.status, first.claimed_at = "sending", utcnow()  # another process is on it
        db.session.commit()
        assert emails.deliver_due() == 1  # only the other one
        # That process died mid-send: it may have gone out, so it is never sent again by itself.
        assert emails.deliver_due(now=utcnow() + timedelta(minutes=10)) == 0
        db.session.refresh(first)
        assert first.status == "unsure"
    assert len(app.extensions["mailman"].outbox) == 1


class SlowEmailBackend(FlakyEmailBackend):
    def send_messages(self, email_messages):
        time.sleep(0.2)  # long enough for the other sweep to reach the same emails
        return super().send_messages(email_messages)


def test_two_sweeps_at_once_send_each_email_once(app, setup):
    app.config["MAIL_BACKEND"] = None
    migration_id = start_and_run(app, setup)
    app.config["MAIL_BACKEND"] = "tests.test_mail.SlowEmailBackend"
    FlakyEmailBackend.failures = 0
    app.extensions["mailman"].outbox = []
    counts = []

    def sweep():
        with app.app_context():
            counts.append(emails.deliver_due())

    threads = [threading.Thread(target=sweep) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(counts) == 2
    assert sorted(m.to[0] for m in app.extensions["mailman"].outbox) == [
        "fleet@acme.example",
        "ops@acme.example",
    ]
    assert {e.status for e in outbox_of(app, migration_id)} == {"sent"}


def test_contacts_without_a_name_are_greeted_as_the_client(app, setup):
    with app.app_context():
        client = db.session.get(Client, setup["client"])
        client.contacts.append(Contact(name="", email="night@acme.example", notify_equipment=True))
        db.session.commit()
    migration_id = start_and_run(app, setup)
    night = next(e for e in outbox_of(app, migration_id) if e.recipient == "night@acme.example")
    assert night.body.startswith("Hello Acme Haulage,")
    with app.app_context():
        assert db.session.get(Migration, migration_id).state.value == "completed"


def test_a_link_email_carries_the_same_working_link_in_both_parts(app, mailbox, setup):
    from portal.auth import links
    from portal.db import ALL_BRANDS, commit, set_brand_scope
    from portal.models import PermissionGroup

    with app.test_request_context("/north/"):
        set_brand_scope(ALL_BRANDS)  # a test's own writes, as outside requests
        north = db.session.get(Brand, setup["north"])
        group = db.session.scalar(
            select(PermissionGroup).where(PermissionGroup.brand_id == north.id)
        )
        admin = db.session.get(User, setup["admin"])
        invitee = User(email="new@north.test", name="Nora New")
        db.session.add(invitee)
        db.session.flush()
        email = links.invite(invitee, north, group, created_by=admin)
        emails.send_after_commit([email])
        commit()
    message = mailbox.to("new@north.test")[0]
    html = message.alternatives[0][0]
    link = mailbox.link("new@north.test")
    assert link in html and "~token~" not in html and "~token~" not in message.body
    assert message.body.startswith("Hello Nora New,") and "Hello Nora New," in html

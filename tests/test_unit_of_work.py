"""One transaction per request: committed after a successful response, rolled back after an
error or an exception, with files and emails following the transaction's fate."""

import io

import pytest
from flask import abort
from sqlalchemy import func, select

from portal.db import after_commit, on_rollback, transaction
from portal.extensions import db
from portal.models import AuditEvent, Brand, Document, Role
from portal.permissions import public
from tests.conftest import detach, login, make_brand, make_client, make_user

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def events(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


@pytest.fixture
def probe(app):
    """A route that makes two changes, the second failing as asked, and notes what ran after."""
    ran = []

    @app.route("/_probe/<outcome>", methods=["POST"])
    @public
    def probe_view(outcome):
        db.session.add(AuditEvent(action="probe.first"))
        db.session.flush()
        after_commit(lambda: ran.append("after commit"))
        on_rollback(lambda: ran.append("undone"))
        if outcome == "exception":
            raise RuntimeError("the second change failed")
        if outcome == "refused":
            abort(403)
        if outcome == "invalid":
            return "the input is refused", 422
        db.session.add(AuditEvent(action="probe.second"))
        return "saved", 200

    return ran


def test_a_successful_request_commits_both_changes_once(app, probe):
    response = app.test_client().post("/_probe/ok")
    assert response.status_code == 200
    assert events(app) == ["probe.first", "probe.second"]
    assert probe == ["after commit"]


@pytest.mark.parametrize(
    "outcome, status", [("exception", 500), ("refused", 403), ("invalid", 422)]
)
def test_a_failing_request_leaves_nothing_of_its_first_change(app, probe, outcome, status):
    response = app.test_client().post(f"/_probe/{outcome}")
    assert response.status_code == status
    assert events(app) == []
    assert probe == ["undone"]


def test_background_steps_are_one_transaction_each(app):
    with app.app_context():
        with transaction():
            db.session.add(AuditEvent(action="step.one"))
        with pytest.raises(RuntimeError), transaction():
            db.session.add(AuditEvent(action="step.two"))
            raise RuntimeError("crash")
    assert events(app) == ["step.one"]


@pytest.fixture
def acme(app, tmp_path):
    app.config["DOCUMENT_STORAGE"] = str(tmp_path / "documents")
    app.config["LOGO_STORAGE"] = str(tmp_path / "logos")
    with app.app_context():
        brand = make_brand("acme")
        make_user("admin@acme.test", brand, Role.BRAND_ADMIN)
        make_user("root@platform.test", None, is_platform_admin=True)
        client = make_client(brand)
        detach(brand, client)
    return {"brand": brand, "client": client, "documents": tmp_path / "documents"}


def _upload(http, client_id, version):
    return http.post(
        f"/acme/clients/{client_id}/documents",
        data={
            "kind": "id_card",
            "number": "AB123456",
            "version": version,
            "file": (io.BytesIO(PDF), "scan.pdf"),
        },
        content_type="multipart/form-data",
        headers={"HX-Request": "true"},
    )


def test_a_stale_document_upload_leaves_no_file(app, client, acme):
    login(client, "acme", "admin@acme.test")
    stale = _upload(client, acme["client"].id, version=99)
    assert stale.status_code == 409
    assert not acme["documents"].exists() or list(acme["documents"].iterdir()) == []
    with app.app_context():
        assert db.session.scalar(select(func.count(Document.id))) == 0
    ok = _upload(client, acme["client"].id, version=1)
    assert ok.status_code == 200
    assert len(list(acme["documents"].iterdir())) == 1


def test_a_removed_document_loses_its_file_only_once_committed(app, client, acme):
    login(client, "acme", "admin@acme.test")
    _upload(client, acme["client"].id, version=1)
    (stored,) = list(acme["documents"].iterdir())
    with app.app_context():
        document_id = db.session.scalar(select(Document.id))
    stale = client.post(
        f"/acme/clients/{acme['client'].id}/documents/{document_id}/delete",
        data={"version": 1},
        headers={"HX-Request": "true"},
    )
    assert stale.status_code == 409 and stored.exists()
    client.post(
        f"/acme/clients/{acme['client'].id}/documents/{document_id}/delete",
        data={"version": 2},
        headers={"HX-Request": "true"},
    )
    assert not stored.exists()


def test_a_brand_whose_logo_cannot_be_written_keeps_its_old_settings(
    app, client, acme, monkeypatch
):
    login(client, "acme", "root@platform.test")

    def disk_full(self, destination, *args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("werkzeug.datastructures.FileStorage.save", disk_full)
    response = client.post(
        f"/acme/admin/brands/{acme['brand'].id}",
        data={
            "name": "Renamed Acme",
            "slug": "acme",
            "parent_id": "",
            "default_locale": "en",
            "country_code": "GB",
            "theme_color": "#0f766e",
            "tracking_url_template": "https://tracking.{country}.acme.example",
            "active": "y",
            "logo": (io.BytesIO(PNG), "logo.png"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 500
    with app.app_context():
        brand = db.session.get(Brand, acme["brand"].id)
        assert (brand.name, brand.theme_color, brand.logo_name) == ("Acme", "#1d4ed8", None)
        assert (
            db.session.scalar(
                select(func.count(AuditEvent.id)).where(AuditEvent.action == "brand.changed")
            )
            == 0
        )


def test_sqlite_commits_through_a_write_ahead_log_synced_in_full(app):
    """A save syncs one file once (the rollback journal synced two), readers do not wait for
    a writer, and synchronous stays FULL: what was committed survives a power cut."""
    from sqlalchemy import text

    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite's journal")
        with db.engine.connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL

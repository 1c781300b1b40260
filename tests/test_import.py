"""Importing clients from CSV or XLSX: the mapping, the dry run of every row, the import as a
resumable job, the round trip of an export, and bad files refused in the reader's language."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import timedelta

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from portal.clients import import_views, importing
from portal.db import transaction
from portal.extensions import db
from portal.models import (
    AuditEvent,
    Client,
    ClientImport,
    ClientImportRow,
    ClientStatus,
    PaymentStatus,
    Role,
    User,
    utcnow,
)
from tests.conftest import login, make_brand, make_client, make_user

HEADERS = ["User ID", "Name", "Email", "Phone", "Status", "Street", "Locality", "Sub-locality",
           "City", "Postal code"]  # fmt: skip


@pytest.fixture
def acme(app):
    with app.app_context():
        brand = make_brand("acme", country_code="GB")
        make_user("reseller@acme.test", brand, Role.RESELLER)
        make_user("support@acme.test", brand, Role.SUPPORT)
        make_client(brand, provider_user_id="A-1", name="Acme Haulage", email="office@acme.example")
        make_client(
            brand, provider_user_id="A-2", name="Blocked Fleet", status=ClientStatus.BLOCKED
        )
        make_client(
            brand,
            provider_user_id="A-3",
            name="=Formula Fleet",
            payment_status=PaymentStatus.DELINQUENT,
            document_number="",
        )
        other = make_brand("other")
        make_client(other, provider_user_id="A-1", name="Foreign Fleet")
        make_user("reseller@other.test", other, Role.RESELLER)
        return {"brand": brand.id, "other": other.id}


def csv_file(rows, headers=HEADERS, delimiter=",") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(headers)
    writer.writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode()


def row(user_id="", name="New Fleet", email="fleet@new.example", phone="+442079460001",
        status="Active", street="Road 1", locality="Leeds", sub_locality="Centre",
        city="Leeds", postal="LS1 1AA"):  # fmt: skip
    return [user_id, name, email, phone, status, street, locality, sub_locality, city, postal]


def upload(client, data: bytes, name="clients.csv", **headers):
    return client.post(
        "/acme/clients/import",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
        headers=headers,
    )


def import_id(response) -> int:
    assert response.status_code == 302, response.text
    return int(re.search(r"/clients/import/(\d+)", response.headers["Location"]).group(1))


def check(client, iid: int, **headers):
    """Post the mapping as proposed (every select at its preselected choice)."""
    page = client.get(f"/acme/clients/import/{iid}", headers=headers).text
    chosen = dict(
        re.findall(
            r'<select id="(column_\d+)"[^>]*>.*?<option selected value="([^"]*)"', page, re.S
        )
    )
    return client.post(f"/acme/clients/import/{iid}/check", data=chosen, headers=headers)


def rows_of(app, iid: int) -> list[ClientImportRow]:
    with app.app_context():
        rows = db.session.scalars(
            select(ClientImportRow).where(ClientImportRow.import_id == iid).order_by("line")
        ).all()
        db.session.expunge_all()
        return rows


def clients_of(app, brand_id: int) -> dict[str, Client]:
    with app.app_context():
        clients = db.session.scalars(select(Client).where(Client.brand_id == brand_id)).all()
        db.session.expunge_all()
        return {c.provider_user_id: c for c in clients}


def test_dry_run_reports_every_row_then_imports_the_accepted(app, client, acme):
    before = clients_of(app, acme["brand"])
    data = csv_file(
        [
            row(),  # new
            row("A-1", name="Acme Haulage Group", email="office@acme.example"),  # an update
            row("A-9", email="not an email"),  # refused: the record's own email check
            row("A-8", status="Frozen"),  # refused: no such status
            row("A-7", name=""),  # refused: a new client needs a name
            row("A-6"),  # new, with its user ID
            row("A-6", name="Twice"),  # refused: the same user ID again
        ]
    )
    login(client, "acme", "reseller@acme.test")
    iid = import_id(upload(client, data))
    assert check(client, iid, **{"Accept-Language": "pt"}).status_code == 302
    verdicts = [(r.line, r.verdict) for r in rows_of(app, iid)]
    assert verdicts == [(2, "create"), (3, "update"), (4, "refused"), (5, "refused"),
                        (6, "refused"), (7, "create"), (8, "refused")]  # fmt: skip
    report = client.get(f"/acme/clients/import/{iid}", headers={"Accept-Language": "pt"}).text
    refused = {r.line: r.errors for r in rows_of(app, iid) if r.errors}
    assert refused[4][0][0] == "email" and "@" in refused[4][0][1]
    assert refused[4][0][1] in report  # in the reader's language (Portuguese)
    assert "Importar 3 linhas" in report
    assert "linha 7" in refused[8][0][1]
    # A colleague reading in another language is told whose language the reasons are in.
    english = client.get(f"/acme/clients/import/{iid}", headers={"Accept-Language": "en"}).text
    assert "The reasons are written in the language of the check (Português)" in english
    assert "The reasons are written" not in report
    assert clients_of(app, acme["brand"]).keys() == before.keys()  # the dry run changes nothing

    response = client.post(f"/acme/clients/import/{iid}/start")
    assert response.status_code == 302
    after = clients_of(app, acme["brand"])
    assert after["A-1"].name == "Acme Haulage Group" and after["A-1"].version == 2
    assert after["A-6"].name == "New Fleet" and after["A-6"].phone == "442079460001"
    assert len(after) == len(before) + 2 and "A-9" not in after
    assert {r.state for r in rows_of(app, iid)} == {"done", "skipped"}
    with app.app_context():
        reseller = db.session.scalar(select(User.id).where(User.email == "reseller@acme.test"))
        actions = db.session.execute(
            select(AuditEvent.action, AuditEvent.actor_id, AuditEvent.client_id).where(
                AuditEvent.brand_id == acme["brand"], AuditEvent.action.like("client%")
            )
        ).all()
        imported = [a for a in actions if a[0] in ("client.created", "client.updated")]
        assert len({client_id for _, _, client_id in imported}) == 3
        assert {actor for _, actor, _ in imported} == {reseller}
        assert ("clients.imported", reseller, None) in actions
        state = db.session.get(ClientImport, iid)
        assert (state.state, state.processed) == ("done", 3)
    done = client.get(f"/acme/clients/import/{iid}").text
    assert "3 of 3 processed" in done


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
@pytest.mark.parametrize("language", ["en", "fr"])
def test_importing_the_file_just_exported_changes_nothing(app, client, acme, kind, language):
    login(client, "acme", "reseller@acme.test")
    exported = client.get(f"/acme/clients/export.{kind}", headers={"Accept-Language": language})
    assert exported.status_code == 200
    data = exported.get_data()
    exported.close()
    before = clients_of(app, acme["brand"])
    iid = import_id(upload(client, data, name=f"export.{kind}"))
    check(client, iid, **{"Accept-Language": language})
    rows = rows_of(app, iid)
    assert len(rows) == 3 and {r.verdict for r in rows} == {"unchanged"}, [r.errors for r in rows]
    report = client.get(f"/acme/clients/import/{iid}").text
    assert "No row can be imported" in report
    after = clients_of(app, acme["brand"])
    assert {k: c.version for k, c in after.items()} == {k: c.version for k, c in before.items()}


def test_the_mapping_is_remembered_for_the_brand(app, client, acme):
    headers = ["Código", "Razão social", "E-mail de contato"]
    data = csv_file([["A-1", "Acme Haulage", "office@acme.example"]], headers=headers)
    login(client, "acme", "reseller@acme.test")
    iid = import_id(upload(client, data))
    with app.app_context():
        assert db.session.get(ClientImport, iid).mapping == ["", "", ""]  # not recognised
    chosen = {"column_0": "provider_user_id", "column_1": "name", "column_2": "email"}
    assert client.post(f"/acme/clients/import/{iid}/check", data=chosen).status_code == 302
    assert [r.verdict for r in rows_of(app, iid)] == ["unchanged"]
    again = import_id(upload(client, data))
    with app.app_context():
        assert db.session.get(ClientImport, again).mapping == ["provider_user_id", "name", "email"]
    # Another brand's files are its own business.
    client.post("/acme/logout")
    login(client, "other", "reseller@other.test")
    response = client.post(
        "/other/clients/import",
        data={"file": (io.BytesIO(data), "x.csv")},
        content_type="multipart/form-data",
    )
    with app.app_context():
        other = db.session.get(ClientImport, import_id(response))
        assert other.mapping == ["", "", ""]
    assert client.get(f"/other/clients/import/{iid}").status_code == 404


def test_a_mapping_names_each_column_once(app, client, acme):
    login(client, "acme", "reseller@acme.test")
    iid = import_id(upload(client, csv_file([row()])))
    chosen = {f"column_{i}": "" for i in range(len(HEADERS))} | {
        "column_0": "name",
        "column_1": "name",
    }
    response = client.post(f"/acme/clients/import/{iid}/check", data=chosen)
    assert response.status_code == 422 and "Each column can be chosen once" in response.text


def test_the_job_resumes_after_a_crash_and_handles_each_row_once(app, client, acme, monkeypatch):
    monkeypatch.setattr(importing, "CHUNK", 2)
    login(client, "acme", "reseller@acme.test")
    data = csv_file([row(f"N-{i}", name=f"Fleet {i}") for i in range(5)])
    iid = import_id(upload(client, data))
    check(client, iid)
    monkeypatch.setattr(import_views, "enqueue", lambda *args: None)  # the worker goes down
    client.post(f"/acme/clients/import/{iid}/start")
    with app.app_context():
        assert importing._run_chunk(iid, "worker-a") is True  # one chunk, then the crash
        # While worker A's lease runs, a second worker leaves the import alone.
        assert importing._run_chunk(iid, "worker-b") is False
        assert importing.resume_stale() == 0
    assert [r.state for r in rows_of(app, iid)] == ["done", "done", "pending", "pending", "pending"]
    progress = client.get(f"/acme/clients/import/{iid}", headers={"HX-Request": "true",
                          "HX-Target": "import-progress"}).text  # fmt: skip
    assert progress.lstrip().startswith('<section id="import-progress"')  # the block alone
    assert 'hx-trigger="every 2s"' in progress
    assert "2 of 5 processed" in progress
    with app.app_context(), transaction():
        db.session.get(ClientImport, iid).lease_until = utcnow() - timedelta(seconds=1)
    with app.app_context():
        assert importing.resume_stale() == 1  # the sweep starts it again (inline in tests)
    assert {r.state for r in rows_of(app, iid)} == {"done"}
    with app.app_context():
        created = db.session.scalar(
            select(func.count()).where(
                AuditEvent.action == "client.created", AuditEvent.brand_id == acme["brand"]
            )
        )
        assert created == 5
        assert db.session.get(ClientImport, iid).state == "done"
    assert len([k for k in clients_of(app, acme["brand"]) if k.startswith("N-")]) == 5


def test_a_row_changed_since_the_check_is_not_imported(app, client, acme, monkeypatch):
    login(client, "acme", "reseller@acme.test")
    iid = import_id(upload(client, csv_file([row("A-1", name="From the file")])))
    check(client, iid)
    monkeypatch.setattr(import_views, "enqueue", lambda *args: None)
    client.post(f"/acme/clients/import/{iid}/start")
    with app.app_context(), transaction():
        changed = db.session.scalar(
            select(Client).where(Client.provider_user_id == "A-1", Client.brand_id == acme["brand"])
        )
        changed.name = "Changed meanwhile"
    with app.app_context():
        importing.run(iid)
    [result] = rows_of(app, iid)
    assert result.state == "failed" and "changed since the check" in result.errors[0][1]
    assert clients_of(app, acme["brand"])["A-1"].name == "Changed meanwhile"


NOT_A_SPREADSHEET = "Ce n'est pas un fichier CSV ou XLSX."
NOT_CSV = "La ligne 2 du fichier ne peut pas être lue comme du CSV."
BAD_FILES = {
    "a picture": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", NOT_A_SPREADSHEET),
    "NUL bytes": (b"User ID,Name\r\nA-1,Acme\x00\r\n", NOT_A_SPREADSHEET),
    "a damaged workbook": (b"PK\x03\x04" + b"\x00" * 200, "Ce fichier XLSX ne peut pas être lu."),
    "a huge cell": (
        csv_file([row(name="x" * 5000)]),
        "La ligne 2 contient une valeur de plus de 1000\u00a0caractères\u00a0: est-ce bien un "
        "tableau de clients\u00a0?",
    ),
    "a cell past csv's limit": (b'User ID,Name\r\nA-1,"' + b"y" * 200_000 + b'"\r\n', NOT_CSV),
    "an unclosed quote": (b'User ID,Name\r\nA-1,"Acme\r\n', NOT_CSV),
    "no rows": (b"User ID,Name\r\n", "Le fichier n'a aucune ligne de clients sous ses en-têtes."),
    "nothing": (b"", "Le fichier n'a aucune ligne de clients sous ses en-têtes."),
}


@pytest.mark.parametrize("what", BAD_FILES)
def test_a_bad_file_gets_a_message_in_the_readers_language(client, acme, what):
    data, expected = BAD_FILES[what]
    login(client, "acme", "reseller@acme.test")
    response = upload(client, data, **{"Accept-Language": "fr"})
    assert response.status_code == 422, what
    message = re.search(r'<small class="error-message">([^<]+)</small>', response.text).group(1)
    assert html.unescape(message) == expected


def test_a_file_too_large_for_a_request_is_refused_in_words(client, acme, app):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    login(client, "acme", "reseller@acme.test")
    response = upload(client, csv_file([row(f"B-{i}") for i in range(100)]))
    assert response.status_code == 413 and "too large" in response.text


def test_only_those_who_may_import_do(app, client, acme):
    login(client, "acme", "support@acme.test")
    assert client.get("/acme/clients/import").status_code == 403
    assert upload(client, csv_file([row()])).status_code == 403
    assert "Import clients" not in client.get("/acme/clients").text


def xlsx(rows, headers=HEADERS) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for values in rows:
        sheet.append(values)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_five_thousand_rows_with_a_few_bad_ones(app, client, acme):
    rows = [row(f"F-{i}", name=f"Fleet {i}", email=f"f{i}@fleet.example") for i in range(5000)]
    for i in (10, 999, 2500, 4998):
        rows[i][2] = "no email here"
    rows[3000][1] = ""
    login(client, "acme", "reseller@acme.test")
    iid = import_id(upload(client, xlsx(rows), name="big.xlsx", **{"Accept-Language": "pl"}))
    assert check(client, iid, **{"Accept-Language": "pl"}).status_code == 302
    refused = client.get(
        f"/acme/clients/import/{iid}?show=refused", headers={"Accept-Language": "pl"}
    )
    assert refused.status_code == 200
    lines = re.findall(r'<td class="number">(\d+)</td>', refused.text)
    assert lines == ["12", "1001", "2502", "3002", "5000"]
    assert "Importuj 4995 wierszy" in refused.text.replace("\u00a0", "")
    client.post(f"/acme/clients/import/{iid}/start")
    imported = [k for k in clients_of(app, acme["brand"]) if k.startswith("F-")]
    assert len(imported) == 4995
    with app.app_context():
        assert db.session.get(ClientImport, iid).processed == 4995

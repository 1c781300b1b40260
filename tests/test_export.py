"""Exporting the client list as it is filtered: CSV for the reader's spreadsheet, XLSX,
formulas made harmless, and any number of rows in constant memory."""

import csv
import io
import tracemalloc

import pytest
from openpyxl import load_workbook
from sqlalchemy import insert, select

from portal.extensions import db
from portal.models import AuditEvent, Client, Role
from portal.models.client import client_search_text
from portal.text import fold
from tests.conftest import detach, login, make_brand, make_client, make_user


@pytest.fixture
def acme(app):
    with app.app_context():
        brand = make_brand("acme", country_code="BR", default_locale="pt")
        make_user("reseller@acme.test", brand, Role.RESELLER)
        make_user("support@acme.test", brand, Role.SUPPORT)
        make_client(brand, name="Transportes Silva", country_code="BR", phone="551133334444")
        make_client(brand, name='=HYPERLINK("http://evil.example","Click")', country_code="BR")
        make_client(brand, name="Blocked Fleet", country_code="BR", status="blocked")
        make_client(make_brand("other"), name="Foreign Fleet")
        detach(brand)
        return brand


def read_csv(response):
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return text


def test_csv_speaks_the_readers_spreadsheet(client, acme):
    login(client, "acme", "reseller@acme.test")
    response = client.get("/acme/clients/export.csv", headers={"Accept-Language": "pt"})
    assert response.status_code == 200 and response.is_streamed
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = read_csv(response)
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][1:3] == ["Nome", "Tipo"]
    names = {row[1] for row in rows[1:]}
    assert "Transportes Silva" in names and "Foreign Fleet" not in names
    # The formula is text now: a quote before it, as spreadsheets expect.
    assert '\'=HYPERLINK("http://evil.example","Click")' in names
    silva = next(row for row in rows if row[1] == "Transportes Silva")
    assert "+551133334444" not in silva and "'+551133334444" in silva


def test_an_english_reader_gets_commas(client, acme):
    login(client, "acme", "reseller@acme.test")
    text = read_csv(client.get("/acme/clients/export.csv", headers={"Accept-Language": "en"}))
    header = text.lstrip("\ufeff").splitlines()[0]
    assert header.startswith("User ID,Name,Type")


def test_the_export_is_the_list_as_filtered(app, client, acme):
    login(client, "acme", "reseller@acme.test")
    text = read_csv(client.get("/acme/clients/export.csv?status=blocked"))
    assert "Blocked Fleet" in text and "Transportes Silva" not in text
    text = read_csv(client.get("/acme/clients/export.csv?q=silva"))
    assert "Transportes Silva" in text and "Blocked Fleet" not in text
    with app.app_context():
        event = db.session.scalar(
            select(AuditEvent)
            .where(AuditEvent.action == "clients.exported")
            .order_by(AuditEvent.id.desc())
        )
        assert event.new_value == "csv" and "q=silva" in event.note


def test_xlsx_holds_text_not_formulas(client, acme):
    login(client, "acme", "reseller@acme.test")
    with client.get("/acme/clients/export.xlsx", headers={"Accept-Language": "fr"}) as response:
        assert response.status_code == 200
        sheet = load_workbook(io.BytesIO(response.data)).active
    header = [cell.value for cell in sheet[1]]
    assert header[1] == "Nom"
    values = [row[1].value for row in sheet.iter_rows(min_row=2)]
    assert '\'=HYPERLINK("http://evil.example","Click")' in values
    assert all(
        cell.data_type == "s" for row in sheet.iter_rows(min_row=2) for cell in row if cell.value
    )


def test_exporting_needs_its_permission(client, acme):
    login(client, "acme", "support@acme.test")
    assert client.get("/acme/clients/export.csv").status_code == 403
    assert client.get("/acme/clients/export.pdf").status_code == 404


def _add_clients(brand_id: int, count: int, start: int) -> None:
    rows = []
    for n in range(start, start + count):
        name = f"Client {n:06d}"
        rows.append(
            {
                "brand_id": brand_id,
                "provider_user_id": f"B{n:06d}",
                "name": name,
                "name_key": fold(name),
                "search_text": client_search_text(
                    name=name,
                    email="",
                    login_email="",
                    document_number="",
                    phone="",
                    mobile="",
                    provider_user_id=f"B{n:06d}",
                ),
                "country_code": "BR",
                "locale": "pt",
                "kind": "company",
                "segment": "other",
                "status": "active",
                "payment_status": "up_to_date",
                "version": 1,
            }
        )
    for first in range(0, len(rows), 5000):
        db.session.execute(insert(Client.__table__), rows[first : first + 5000])
    db.session.commit()


def _export(client, *, traced: bool) -> tuple[int, int, int]:
    """(lines, chunks, peak memory while exporting, when traced)."""
    if traced:
        tracemalloc.start()
    response = client.get("/acme/clients/export.csv")
    lines = chunks = 0
    for chunk in response.response:
        lines += chunk.count(b"\r\n")
        chunks += 1
    peak = tracemalloc.get_traced_memory()[1] if traced else 0
    if traced:
        tracemalloc.stop()
    return lines, chunks, peak


def test_a_hundred_thousand_rows_stream_in_constant_memory(app, client, acme):
    login(client, "acme", "reseller@acme.test")
    with app.app_context():
        _add_clients(acme.id, 5_000, 0)
    _, _, small_peak = _export(client, traced=True)
    with app.app_context():
        _add_clients(acme.id, 25_000, 5_000)
    _, _, peak = _export(client, traced=True)
    # Six times the rows, about the same memory: rows are read and written in batches.
    assert peak < small_peak * 1.5
    with app.app_context():
        _add_clients(acme.id, 70_000, 30_000)
    lines, chunks, _ = _export(client, traced=False)
    assert lines == 100_000 + 3 + 1  # every client of the brand, and the header
    assert chunks > 100  # sent a piece at a time, not built whole first

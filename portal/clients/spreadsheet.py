"""Clients in and out of spreadsheets: the columns, how a cell is written and read back.

One list of columns serves the export and the import, so a file just exported imports again
unchanged. Headers are in the reader's language; the import recognises a column by its header
in any of the portal's languages (or by its key). Choice values are written as the reader's
words and read back from the words of any language or the stored code.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from flask_babel import force_locale, get_locale
from flask_babel import lazy_gettext as _l

from portal.clients.fields import FIELDS
from portal.config import LANGUAGES
from portal.models import Client, ClientKind, ClientStatus, PaymentStatus, Segment
from portal.text import fold

# A cell that starts with one of these is a formula to a spreadsheet: an exported name like
# "=HYPERLINK(…)" would run on the reader's computer. Such a cell is written after a quote.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def unneutralise(value: str) -> str:
    """What `neutralise` wrote, as it was: the quote before a formula sign goes again."""
    if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


@dataclass(frozen=True)
class Column:
    key: str  # stable: the import's mapping and the API's names
    header: Any
    read: Callable[[Client], str]
    enum: type | None = None  # the column holds one of an enumeration's members


def _field(name: str) -> Callable[[Any], str]:
    """A registry field's stored value as text (an enumeration's code), from an export row
    (queries.exported_clients: the client's columns, and the address's as address_<name>)."""
    attribute = name.replace(".", "_")

    def read(row) -> str:
        value = getattr(row, attribute)
        return "" if value is None else str(getattr(value, "value", value))

    assert name in FIELDS, name
    return read


def _phone(name: str) -> Callable[[Any], str]:
    # With its "+": digits alone would be read back as a number of the client's own country.
    return lambda row: "+" + getattr(row, name) if getattr(row, name) else ""


COLUMNS: tuple[Column, ...] = (
    Column("provider_user_id", _l("User ID"), lambda c: c.provider_user_id),
    Column("name", FIELDS["name"].label, _field("name")),
    Column("kind", FIELDS["kind"].label, _field("kind"), ClientKind),
    Column("document_number", FIELDS["document_number"].label, _field("document_number")),
    Column("email", FIELDS["email"].label, _field("email")),
    Column("phone", FIELDS["phone"].label, _phone("phone")),
    Column("mobile", FIELDS["mobile"].label, _phone("mobile")),
    Column("segment", FIELDS["segment"].label, _field("segment"), Segment),
    Column("status", _l("Status"), lambda c: c.status.value, ClientStatus),
    Column(
        "payment_status", _l("Payment situation"), lambda c: c.payment_status.value, PaymentStatus
    ),
    Column("login_email", _l("Login (email)"), lambda c: c.login_email),
    Column("locale", FIELDS["locale"].label, _field("locale")),
    Column("country_code", FIELDS["country_code"].label, _field("country_code")),
    *(
        Column(name, FIELDS[name].label, _field(name))
        for name in FIELDS
        if name.startswith("address.")
    ),
    Column("created_at", _l("Client since"), lambda c: c.created_at.date().isoformat()),
)
COLUMN_KEYS = {column.key: column for column in COLUMNS}


def header_row() -> list[str]:
    return [str(column.header) for column in COLUMNS]


def rows(clients: Iterable[Client]) -> Iterator[list[str]]:
    # Each choice's words looked up once per export, not once per cell.
    words = [
        {member.value: member.label for member in column.enum} if column.enum else None
        for column in COLUMNS
    ]
    readers = [(column.read, labels) for column, labels in zip(COLUMNS, words, strict=True)]
    for client in clients:
        row = []
        for read, labels in readers:
            value = read(client) or ""
            if labels is not None and value:
                value = labels[value]
            row.append(neutralise(value))
        yield row


def csv_delimiter() -> str:
    """The separator a spreadsheet of the reader's language expects: ";" where numbers use a
    decimal comma, else ","."""
    return ";" if get_locale().number_symbols["latn"]["decimal"] == "," else ","


def csv_chunks(clients: Iterable[Client], *, rows_per_chunk: int = 500) -> Iterator[str]:
    """The CSV a piece at a time: UTF-8 with a BOM, so spreadsheet apps read the accents."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=csv_delimiter(), lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow(header_row())
    for count, row in enumerate(rows(clients), start=1):
        writer.writerow(row)
        if count % rows_per_chunk == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def recognise(header: str) -> str | None:
    """The column a header names, in any of the portal's languages, or None."""
    wanted = fold(header)
    for column in COLUMNS:
        if wanted == fold(column.key):
            return column.key
    for language in LANGUAGES:
        with force_locale(language):
            for column in COLUMNS:
                if wanted == fold(str(column.header)):
                    return column.key
    return None


def enum_value(enum: type, written: str) -> str | None:
    """A member's code from what a cell says: the code, or its words in any language."""
    wanted = fold(written)
    for member in enum:
        if wanted == fold(member.value):
            return member.value
    for language in LANGUAGES:
        with force_locale(language):
            for member in enum:
                if wanted == fold(member.label):
                    return member.value
    return None


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_file(clients: Iterable[Client], sheet_name: str):
    """An .xlsx of the clients in a temporary file (rewound), written row by row: xlsxwriter's
    constant-memory mode keeps one row in memory whatever the number of clients."""
    import tempfile

    import xlsxwriter

    output = tempfile.TemporaryFile()
    book = xlsxwriter.Workbook(output, {"constant_memory": True, "strings_to_formulas": False})
    sheet = book.add_worksheet(sheet_name[:31])
    bold = book.add_format({"bold": True})
    for col, header in enumerate(header_row()):
        sheet.write_string(0, col, header, bold)
    for row_number, row in enumerate(rows(clients), start=1):
        for col, value in enumerate(row):
            sheet.write_string(row_number, col, value)
    book.close()
    output.seek(0)
    return output

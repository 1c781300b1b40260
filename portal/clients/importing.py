"""Importing clients from a spreadsheet: read the file, map its columns, check every row (the
dry run), then apply the accepted rows in the background.

- The columns are the export's (`spreadsheet.COLUMNS`): a file just exported imports again
  unchanged, matched by provider user ID. A header is recognised in any of the portal's
  languages; the mapping the reader settles on is remembered per brand, by header.
- Each row is checked by the record's own fields (the registry's WTForms fields, as the API
  checks them), its choices read by `spreadsheet.enum_value`, and gets a verdict: create,
  update, unchanged or refused, with the reasons in the reader's language. A cell that says
  what the export would write is no change. The check (the dry run) changes nothing else.
- The check and then the import run as a job (`portal.jobs.enqueue`: 5,000 rows take longer
  than a request should), CHUNK rows per transaction: each row's verdict, or its change and
  its own state ("pending" -> "done" or "failed"), commit together, so a crash loses nothing
  and repeats nothing. The job holds a lease on the import,
  renewed with each chunk; `resume_stale` (for the periodic sweep) starts again an import whose
  lease ran out. Every change goes through the clients' rules (audited, version-checked,
  refused while a migration runs) in the name of whoever started the import.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date, datetime

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import MultiDict

from portal import audit, jobs
from portal.clients import rules
from portal.clients.fields import FIELDS, audit_value
from portal.clients.forms import record_form, record_form_class
from portal.clients.spreadsheet import COLUMN_KEYS, COLUMNS, enum_value, recognise, unneutralise
from portal.db import ALL_BRANDS, set_brand_scope, transaction
from portal.extensions import db
from portal.jobs import enqueue
from portal.models import (
    Brand,
    Client,
    ClientImport,
    ClientImportMapping,
    ClientImportRow,
    ClientKind,
    ClientStatus,
    PaymentStatus,
    Segment,
    utcnow,
)
from portal.text import fold
from portal.validators import ValidationError, check_text, normalize_email

MAX_FILE_BYTES = 5 * 1024 * 1024  # under MAX_CONTENT_LENGTH: a larger request is a 413
MAX_ROWS = 20_000
MAX_CELL = 1_000  # characters: the longest value of a client is 254
CHUNK = 200  # rows per transaction, checked or imported
RUNNING = ("checking", "running")  # the states a job works on, under its lease

# What an import may set: the export's columns but the read-only "Client since".
IMPORTABLE = tuple(column for column in COLUMNS if column.key != "created_at")
IMPORTABLE_KEYS = frozenset(column.key for column in IMPORTABLE)
# The registry's fields among them, which the record's own form checks.
RECORD_FIELDS = tuple(FIELDS[column.key] for column in IMPORTABLE if column.key in FIELDS)


class ImportRefused(Exception):
    """A file or a mapping the import cannot take; `message` says why, in the reader's words."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


# --- reading the file -------------------------------------------------------------------------


def read_table(data: bytes) -> list[list[str]]:
    """The rows of a CSV or XLSX file, as text, the headers first; blank rows left out."""
    if len(data) > MAX_FILE_BYTES:
        raise ImportRefused(
            _l("The file is larger than %(size)d MB.", size=MAX_FILE_BYTES // 1024 // 1024)
        )
    rows = _xlsx_rows(data) if data.startswith(b"PK\x03\x04") else _csv_rows(data)
    table = []
    for line, row in enumerate(rows, start=1):
        cells = ["" if cell is None else _text(cell) for cell in row]
        while cells and not cells[-1].strip():
            cells.pop()
        if not cells:
            continue
        if any(len(cell) > MAX_CELL for cell in cells):
            raise ImportRefused(
                _l(
                    "Line %(line)d has a value longer than %(max)d characters: is this a "
                    "spreadsheet of clients?",
                    line=line,
                    max=MAX_CELL,
                )
            )
        table.append(cells)
        if len(table) > MAX_ROWS + 1:
            raise ImportRefused(_l("The file has more than %(max)d rows.", max=MAX_ROWS))
    if len(table) < 2:
        raise ImportRefused(_l("The file has no rows of clients under its headers."))
    return table


def _text(cell) -> str:
    if isinstance(cell, datetime):
        return cell.date().isoformat()
    if isinstance(cell, date):
        return cell.isoformat()
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell)


def _csv_rows(data: bytes) -> Iterable[list[str]]:
    if b"\x00" in data:
        raise ImportRefused(_l("This is not a CSV or XLSX file."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise ImportRefused(_l("This is not a CSV or XLSX file.")) from None
    first = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        return list(reader)
    except csv.Error:  # an unclosed quote, a field past csv's own limit
        raise ImportRefused(
            _l("Line %(line)d of the file cannot be read as CSV.", line=reader.line_num)
        ) from None


def _xlsx_rows(data: bytes) -> Iterable[tuple]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        rows = list(book.worksheets[0].iter_rows(values_only=True))
        book.close()
    except Exception:  # noqa: BLE001 - a damaged or foreign zip has many ways to fail
        raise ImportRefused(_l("This XLSX file cannot be read.")) from None
    return rows


# --- the import and its mapping ---------------------------------------------------------------


def open_import(brand_id: int, file_name: str, data: bytes, actor_id: int | None) -> ClientImport:
    """A new import of the file's rows, its columns mapped as the brand last mapped them."""
    table = read_table(data)
    headers = [cell.strip() for cell in table[0]]
    width = len(headers)
    imp = ClientImport(
        brand_id=brand_id,
        created_by_id=actor_id,
        file_name=_file_name(file_name),
        headers=headers,
        mapping=proposed_mapping(brand_id, headers),
        total=len(table) - 1,
    )
    db.session.add(imp)
    db.session.flush()
    db.session.execute(
        ClientImportRow.__table__.insert(),
        [
            {"import_id": imp.id, "line": line, "cells": (cells + [""] * width)[:width]}
            for line, cells in enumerate(table[1:], start=2)
        ],
    )
    audit.record("clients.import_opened", brand_id=brand_id, field="import", new=imp.file_name)
    return imp


def _file_name(name: str | None) -> str:
    """The uploaded file's name as a line of text (a name with control characters is shown
    as no name rather than refused: the file is what matters)."""
    try:
        return check_text((name or "")[:200], required=False, max_length=200)
    except ValidationError:
        return ""


def proposed_mapping(brand_id: int, headers: list[str]) -> list[str]:
    """A column key (or "") per header: as the brand last chose, else as the header reads."""
    remembered = dict(
        db.session.execute(
            select(ClientImportMapping.header, ClientImportMapping.column_key).where(
                ClientImportMapping.brand_id == brand_id,
                ClientImportMapping.header.in_({fold(h)[:200] for h in headers}),
            )
        ).all()
    )
    proposed = []
    for header in headers:
        key = remembered.get(fold(header)[:200])
        if key is None:
            key = recognise(header) or ""
        proposed.append(key if key in IMPORTABLE_KEYS and key not in proposed else "")
    return proposed


def set_mapping(imp: ClientImport, mapping: list[str]) -> None:
    """The reader's mapping, checked, and remembered for the brand's next files."""
    if len(mapping) != len(imp.headers) or not set(mapping) <= IMPORTABLE_KEYS | {""}:
        raise ImportRefused(_l("Choose a column of the portal, or none, for each header."))
    chosen = [key for key in mapping if key]
    twice = {key for key in chosen if chosen.count(key) > 1}
    if twice:
        names = ", ".join(str(COLUMN_KEYS[key].header) for key in sorted(twice))
        raise ImportRefused(_l("Each column can be chosen once: %(columns)s.", columns=names))
    if "name" not in chosen and "provider_user_id" not in chosen:
        raise ImportRefused(_l("Choose at least the column of the user ID or of the name."))
    imp.mapping = list(mapping)
    folded = {fold(header)[:200]: key for header, key in zip(imp.headers, mapping, strict=True)}
    db.session.execute(
        ClientImportMapping.__table__.delete().where(
            ClientImportMapping.brand_id == imp.brand_id,
            ClientImportMapping.header.in_(folded),
        )
    )
    db.session.add_all(
        ClientImportMapping(brand_id=imp.brand_id, header=header, column_key=key)
        for header, key in folded.items()
        if header
    )


# --- checking rows ------------------------------------------------------------------------


class RowCheck:
    """One row against the record's rules: its verdict, errors and the changes it would make."""

    def __init__(self, values: dict[str, str], client: Client | None, brand, reason: str,
                 forms: dict | None = None):  # fmt: skip
        self.values, self.client, self.brand, self.reason = values, client, brand, reason
        self.forms = {} if forms is None else forms  # form classes by fields, for many rows
        self.errors: list[list[str]] = []
        self.changes: dict = {}
        self.new_values: dict = {}
        self.extra: dict = {}  # status, payment_status, login_email: set by their own rules
        self._check()

    @property
    def verdict(self) -> str:
        if self.errors:
            return "refused"
        if self.client is None:
            return "create"
        return "update" if self.changes or self.extra else "unchanged"

    def _refuse(self, key: str, message) -> None:
        self.errors.append([key, str(message)])

    def _defaults(self) -> dict[str, str]:
        """What an empty choice means: a new client's defaults; for a client, no change."""
        return {
            "kind": ClientKind.COMPANY.value,
            "segment": Segment.OTHER.value,
            "locale": self.brand.default_locale,
            "country_code": self.brand.country_code,
        }

    def _check(self) -> None:
        values = dict(self.values)
        for key, default in self._defaults().items():
            if not values.get(key, "").strip():
                values.pop(key, None)
                if self.client is None:
                    values[key] = default
        for key in ("kind", "segment", "status", "payment_status"):
            if values.get(key):
                code = enum_value(COLUMN_KEYS[key].enum, values[key])
                if code is None:
                    self._refuse(key, _("Not one of the values this column takes."))
                values[key] = code or ""
        if self.client is not None:  # a cell as the export wrote it is no change (unchecked)
            for key in [k for k in values if k in FIELDS]:
                if values[key] == _as_exported(key, self.client):
                    del values[key]
        fields = self._fields(values)
        client = self.client or Client(country_code=self._country(), version=0)
        formdata = MultiDict({f.form_name: values.get(f.name, "") for f in fields})
        formdata["version"] = str(client.version)
        names = tuple(f.name for f in fields)
        if names not in self.forms:
            self.forms[names] = record_form_class(fields, client)
        form = record_form(fields, client, formdata=formdata, form_class=self.forms[names])
        if not form.validate():
            for name, messages in form.errors.items():
                for message in messages:
                    self._refuse(name.replace("__", "."), message)
        parsed = {f.name: form[f.form_name].data for f in fields}
        self._check_own_columns(values)
        if self.errors:
            return
        if self.client is None:
            self.new_values = parsed
        else:
            self.changes = {
                name: value
                for name, value in parsed.items()
                if audit_value(FIELDS[name].get(self.client)) != audit_value(value)
            }

    def _fields(self, values: dict[str, str]):
        if self.client is None:  # a new client: every field, so the required ones are asked for
            return list(RECORD_FIELDS)
        return [f for f in RECORD_FIELDS if f.name in values]

    def _country(self) -> str:
        country = (self.values.get("country_code") or "").strip().upper()
        return country if len(country) == 2 else self.brand.country_code

    def _check_own_columns(self, values: dict[str, str]) -> None:
        """The columns no registry field covers: user ID, status, payment, login."""
        if self.client is None and values.get("provider_user_id"):
            try:
                values["provider_user_id"] = check_text(
                    values["provider_user_id"], required=True, max_length=40
                )
            except ValidationError as error:
                self._refuse("provider_user_id", error)
        current = self.client
        if values.get("status"):
            status = ClientStatus(values["status"])
            if current is None or current.status != status:
                self.extra["status"] = status
        if values.get("payment_status"):
            payment = PaymentStatus(values["payment_status"])
            if current is None or current.payment_status != payment:
                self.extra["payment_status"] = payment
        if "login_email" in values:
            login = values["login_email"].strip()
            try:
                login = normalize_email(login) if login else ""
            except ValidationError as error:
                self._refuse("login_email", error)
                return
            if current is None or (login and login != current.login_email):
                self.extra["login_email"] = login

    def apply(self) -> Client:
        """Make the change through the clients' rules (audited, version-checked)."""
        if self.client is None:
            return self._create()
        client = self.client
        if self.changes:
            rules.update_fields(client, self.changes, client.version)
        if "status" in self.extra:
            rules.set_status(client, self.extra["status"], self.reason, client.version)
        if "payment_status" in self.extra:
            rules.set_payment_status(client, self.extra["payment_status"], client.version)
        if self.extra.get("login_email"):
            rules.update_login(client, self.extra["login_email"], None, client.version)
        return client

    def _create(self) -> Client:
        values = {k: v for k, v in self.new_values.items() if "." not in k}
        address = {k.removeprefix("address."): v for k, v in self.new_values.items() if "." in k}
        address["country_code"] = values["country_code"]
        values["provider_user_id"] = self.values.get("provider_user_id") or (
            rules.new_provider_user_id(self.brand)
        )
        values["login_email"] = self.extra.get("login_email") or values.get("email") or ""
        for key in ("status", "payment_status"):
            if key in self.extra:
                values[key] = self.extra[key]
        return rules.create_client(self.brand.id, values, address, [])


def _as_exported(key: str, client: Client) -> str:
    """A field's stored value as the export writes it (before choices become words)."""
    value = FIELDS[key].get(client)
    text = "" if value is None else str(getattr(value, "value", value))
    return "+" + text if key in ("phone", "mobile") and text else text


def _values(imp: ClientImport, row: ClientImportRow) -> dict[str, str]:
    """The row's cells under the columns they were mapped to, as the export wrote them."""
    return {
        key: unneutralise(cell.strip())
        for key, cell in zip(imp.mapping, row.cells, strict=True)
        if key
    }


def _clients_by_user_id(brand_id: int, user_ids: set[str]) -> dict[str, Client]:
    """The brand's clients with these provider user IDs, with their addresses."""
    found: dict[str, Client] = {}
    ids = sorted(i for i in user_ids if i)
    for start in range(0, len(ids), 500):
        query = (
            select(Client)
            .where(
                Client.brand_id == brand_id, Client.provider_user_id.in_(ids[start : start + 500])
            )
            .options(selectinload(Client.address))
        )
        found.update((c.provider_user_id, c) for c in db.session.scalars(query))
    return found


def request_check(imp: ClientImport) -> None:
    """The dry run, started: every row waits for its verdict, which the job gives a chunk at a
    time (run). A user ID seen on an earlier line is refused here, over the whole file."""
    user_id_at = (
        imp.mapping.index("provider_user_id") if "provider_user_id" in imp.mapping else None
    )
    rows = db.session.execute(
        select(ClientImportRow.id, ClientImportRow.line, ClientImportRow.cells)
        .where(ClientImportRow.import_id == imp.id)
        .order_by(ClientImportRow.line)
    ).all()
    first_line: dict[str, int] = {}
    updates = []
    for row_id, line, cells in rows:
        user_id = unneutralise(cells[user_id_at].strip()) if user_id_at is not None else ""
        state = {"id": row_id, "verdict": None, "errors": [], "state": "unchecked"}
        if user_id in first_line:
            seen = _("This user ID is on line %(line)d too.", line=first_line[user_id])
            state.update(verdict="refused", errors=[["provider_user_id", seen]], state="skipped")
        elif user_id:
            first_line[user_id] = line
        updates.append(state)
    if updates:
        db.session.execute(update(ClientImportRow), updates)
    imp.state = "checking"
    imp.locale = _locale()
    imp.accepted = imp.processed = 0


def _with_clients(imp: ClientImport, brand, rows: list[ClientImportRow]):
    """Each row with its values and the client its user ID names (None: a new client), the
    clients of the chunk read in one statement: where checking and applying both start."""
    values = {row.id: _values(imp, row) for row in rows}
    existing = _clients_by_user_id(
        brand.id, {v.get("provider_user_id", "") for v in values.values()}
    )
    for row in rows:
        yield row, values[row.id], existing.get(values[row.id].get("provider_user_id", ""))


def _check_rows(imp: ClientImport, brand, rows: list[ClientImportRow]) -> None:
    """One chunk of the dry run: each row's verdict and reasons; nothing else changes."""
    reason = _("Imported from %(file)s", file=imp.file_name)
    forms: dict = {}
    with db.session.no_autoflush:
        for row, values, client in _with_clients(imp, brand, rows):
            check = RowCheck(values, client, brand, reason, forms)
            if client is not None and client.frozen_by_migration_id is not None:
                check.errors.append(["", str(rules.FrozenRecord.message)])
            row.verdict = check.verdict
            row.errors = check.errors
            row.client_id = client.id if client is not None else None
            row.client_version = client.version if client is not None else None
            row.state = "pending" if row.verdict in ("create", "update") else "skipped"


def _locale() -> str:
    from flask_babel import get_locale

    return str(get_locale())


# --- the job --------------------------------------------------------------------------------


def start(imp: ClientImport) -> None:
    """Import the accepted rows in the background (after the request's commit)."""
    imp.state = "running"
    imp.started_at = utcnow()
    imp.processed = 0
    note = f"#{imp.id}: {imp.accepted}"
    audit.record(
        "clients.import_started",
        brand_id=imp.brand_id,
        field="import",
        new=imp.file_name,
        note=note,
    )


def run(import_id: int) -> None:
    """The job of the dry run, and again of the import: a chunk of rows per transaction, under
    the import's lease, to the end of the step."""
    owner = jobs.new_owner()
    while _run_chunk(import_id, owner):
        pass


def _take_lease(import_id: int, owner: str) -> ClientImport | None:
    """The import, if it is being checked or imported and its lease (portal.jobs) is free, run
    out or already `owner`'s: a second worker finds it held and stops, as does one whose lease
    ran out."""
    if import_id not in jobs.claim(ClientImport, [import_id], owner):
        return None
    imp = db.session.get(ClientImport, import_id, populate_existing=True)
    return imp if imp.state in RUNNING else None


def _run_chunk(import_id: int, owner: str) -> bool:
    """One transaction: up to CHUNK rows checked or imported; False once the step is over (or
    the import is not ours)."""
    with transaction():
        imp = _take_lease(import_id, owner)
        if imp is None:
            return False
        waiting = "unchecked" if imp.state == "checking" else "pending"
        query = (
            select(ClientImportRow)
            .where(ClientImportRow.import_id == import_id, ClientImportRow.state == waiting)
            .order_by(ClientImportRow.id)
            .limit(CHUNK)
        )
        if db.engine.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows = list(db.session.scalars(query))
        if not rows:
            _finish(imp)
            return False
        brand = db.session.get(Brand, imp.brand_id)
        with force_locale(imp.locale), audit.acting_for(imp.created_by_id):
            if imp.state == "checking":
                _check_rows(imp, brand, rows)
            else:
                _apply_rows(imp, brand, rows)
        imp.processed += len(rows)
    return True


def _apply_rows(imp: ClientImport, brand, rows: list[ClientImportRow]) -> None:
    reason = _("Imported from %(file)s", file=imp.file_name)
    forms: dict = {}
    for row, values, client in _with_clients(imp, brand, rows):
        row.errors, row.state = [], "failed"
        if (client is None) != (row.verdict == "create") or (
            client is not None and client.version != row.client_version
        ):
            row.errors = [["", _("This client changed since the check: check the file again.")]]
            continue
        check = RowCheck(values, client, brand, reason, forms)
        if check.errors:
            row.errors = check.errors
            continue
        try:
            check.apply()
        except rules.RecordError as refusal:
            row.errors = [["", str(refusal.message)]]
            continue
        row.state = "done"


def _finish(imp: ClientImport) -> None:
    imp.lease_until = imp.lease_owner = None
    counted = select(func.count()).where(ClientImportRow.import_id == imp.id)
    if imp.state == "checking":
        imp.state = "checked"
        imp.accepted = db.session.scalar(counted.where(ClientImportRow.state == "pending"))
        return
    imp.state = "done"
    imp.finished_at = utcnow()
    done = db.session.scalar(counted.where(ClientImportRow.state == "done"))
    note = f"#{imp.id}: {done}/{imp.accepted}"
    audit.record(
        "clients.imported",
        brand_id=imp.brand_id,
        field="import",
        new=imp.file_name,
        note=note,
        actor_id=imp.created_by_id,
    )


def resume_stale() -> int:
    """For the periodic sweep: imports whose job stopped (a crash, a restart) go on. Returns
    how many were started again."""
    set_brand_scope(ALL_BRANDS)
    with transaction():
        stale = db.session.execute(
            select(ClientImport.id, ClientImport.brand_id).where(
                ClientImport.state.in_(RUNNING),
                jobs.expired(ClientImport),
            )
        ).all()
    for import_id, brand_id in stale:
        set_brand_scope((brand_id,))
        enqueue("portal.clients.importing:run", import_id)
    if stale:
        current_app.logger.info("client imports resumed: %d", len(stale))
    return len(stale)

"""Finding clients: search, filters, sorting and keyset pagination of the list."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, func, literal, or_, select, tuple_
from sqlalchemy.orm import selectinload

from portal.clients.collections import COLLECTIONS
from portal.edge import MAX_ID, has_control_characters
from portal.extensions import db
from portal.models import Address, Asset, Client
from portal.tenancy import scoped
from portal.text import digits, fold

# sort name -> (column, descending)
SORT_COLUMNS = {
    "name": (Client.name_key, False),
    "-name": (Client.name_key, True),
    "created": (Client.created_at, False),
    "-created": (Client.created_at, True),
}


@dataclass
class ClientPage:
    clients: list[Client]
    total: int
    next_cursor: str | None = None
    prev_cursor: str | None = None
    asset_counts: dict[int, int] = field(default_factory=dict)


def search_condition(q: str):
    """Every word of the query in the client's search text, or its digits in a number."""
    words = fold(q).split()
    if not words:
        return None
    condition = and_(*(Client.search_text.contains(w, autoescape=True) for w in words))
    number = digits(q)
    if len(number) >= 3 and number not in words:
        condition = or_(condition, Client.search_text.contains(number, autoescape=True))
    return condition


def encode_cursor(sort: str, client: Client) -> str:
    column, _ = SORT_COLUMNS[sort]
    value = getattr(client, column.key)
    if isinstance(value, datetime):
        value = value.isoformat()
    raw = json.dumps([sort, value, client.id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(sort: str, token: str | None):
    """(value, id) from a cursor of the same sort; None for anything malformed or foreign."""
    if not token or len(token) > 600:
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        cursor_sort, value, client_id = json.loads(raw)
        if cursor_sort != sort or not isinstance(value, str) or has_control_characters(value):
            return None
        if isinstance(client_id, bool) or not isinstance(client_id, int):
            return None
        if not 1 <= client_id <= MAX_ID:  # a crafted cursor must not overflow the column
            return None
        if SORT_COLUMNS[sort][0] is Client.created_at:
            value = datetime.fromisoformat(value)
            if value.tzinfo is None:
                return None
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        return None
    return value, client_id


def _beyond(column, value, client_id, forward: bool):
    """Rows after (forward) or before the cursor. A row-value comparison, which SQLite and
    PostgreSQL both answer from the (brand, sort key, id) index."""
    key = tuple_(column, Client.id)
    cursor = tuple_(literal(value, column.type), literal(client_id))
    return key > cursor if forward else key < cursor


def search_clients(
    *,
    q: str = "",
    status: str | None = None,
    payment: str | None = None,
    access: str | None = None,
    sort: str = "name",
    per_page: int = 25,
    after: str | None = None,
    before: str | None = None,
) -> ClientPage:
    query = filtered_clients(q=q, status=status, payment=payment, access=access)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))

    column, descending = SORT_COLUMNS[sort]
    after_key = decode_cursor(sort, after)
    before_key = None if after_key else decode_cursor(sort, before)
    backwards = before_key is not None
    # Walking backwards is walking forwards in the reverse order, then flipping the page.
    reverse = descending != backwards
    if after_key or before_key:
        value, client_id = after_key or before_key
        query = query.where(_beyond(column, value, client_id, forward=not reverse))
    order = (column.desc(), Client.id.desc()) if reverse else (column.asc(), Client.id.asc())
    rows = list(
        db.session.scalars(
            query.order_by(*order).limit(per_page + 1).options(selectinload(Client.account_manager))
        )
    )
    has_more = len(rows) > per_page
    rows = rows[:per_page]
    if backwards:
        rows.reverse()

    page = ClientPage(clients=rows, total=total)
    if rows:
        has_next = True if backwards else has_more
        has_prev = has_more if backwards else after_key is not None
        if has_next:
            page.next_cursor = encode_cursor(sort, rows[-1])
        if has_prev:
            page.prev_cursor = encode_cursor(sort, rows[0])
        page.asset_counts = asset_counts([c.id for c in rows])
    return page


def filtered_clients(*, q="", status=None, payment=None, access=None):
    """The brand's clients that the list's search and filters find."""
    query = scoped(Client)
    if (condition := search_condition(q)) is not None:
        query = query.where(condition)
    if status:
        query = query.where(Client.status == status)
    if payment:
        query = query.where(Client.payment_status == payment)
    if access:
        query = query.where(Client.has_access if access == "yes" else ~Client.has_access)
    return query


def exported_clients(*, q="", status=None, payment=None, access=None, **_):
    """Every client the list's search finds, by name, read from the database in batches (an
    export of a million clients holds a few hundred in memory at a time).

    The query is built now, for the brand of the request, and runs when the export is read:
    for a streamed response, after the request's own transaction has committed.
    """
    address = [c.label(f"address_{c.key}") for c in Address.__table__.c if c.key != "id"]
    query = (
        filtered_clients(q=q, status=status, payment=payment, access=access)
        .with_only_columns(*Client.__table__.c, *address)
        .outerjoin(Address, Address.client_id == Client.id)
        .order_by(Client.name_key, Client.id)
        .execution_options(yield_per=1000)
    )
    return _read_later(query)


def _read_later(query):
    """Rows, not objects: an export reads columns, and a million objects take their time."""
    yield from db.session.execute(query)


def matching_ids(*, q="", status=None, payment=None, access=None, **_) -> list[int]:
    """The ids of every client the list's search finds (for "migrate all matching")."""
    query = filtered_clients(q=q, status=status, payment=payment, access=access)
    return list(db.session.scalars(query.with_only_columns(Client.id)))


def asset_counts(client_ids: list[int]) -> dict[int, int]:
    """Assets per client for one page of the list, in one query."""
    if not client_ids:
        return {}
    query = (
        scoped(Asset)
        .with_only_columns(Asset.client_id, func.count(Asset.id))
        .where(Asset.client_id.in_(client_ids))
        .group_by(Asset.client_id)
    )
    return dict(db.session.execute(query).all())


def load_client_record(client_id: int) -> Client | None:
    """A client of this brand with everything its record page shows, in a fixed few queries."""
    return db.session.scalar(
        scoped(Client)
        .where(Client.id == client_id)
        .options(
            selectinload(Client.address),
            *(selectinload(collection.attribute) for collection in COLLECTIONS.values()),
            selectinload(Client.assets),
            selectinload(Client.account_manager),
        )
    )


FREE_ASSETS_SHOWN = 500


def free_assets() -> tuple[list[Asset], int]:
    """The brand's unassigned devices to choose from (the first few hundred), and their count."""
    query = scoped(Asset).where(Asset.client_id.is_(None))
    count = db.session.scalar(query.with_only_columns(func.count(Asset.id)))
    shown = list(db.session.scalars(query.order_by(Asset.serial).limit(FREE_ASSETS_SHOWN)))
    return shown, count

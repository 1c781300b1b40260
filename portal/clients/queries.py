"""Finding clients: search, filters, sorting and keyset pagination of the list.

What a search finds (`Search`): every word of the query, folded, in the client's search text
(name, emails, user ID, document, phone numbers; models.client_search_text), or else the
digits of the query (three or more) in its numbers. The words of three characters or more are
found through the trigram index (portal/models/search.py), the shorter ones then among the
rows those found. A query of short words only, which no trigram can find, is the start of the
name: a range of the (brand, name) index.

How much a page costs does not grow with the brand:
- the list without a search is counted exactly by the brand's maintained counters (its
  filters on status, payment situation and access are what they count); any other count
  stops at COUNT_CAP (the page says "more than 10,000"), a common search's at FEW;
- a page is a keyset range of the index of its sort order (`_beyond`), deep or not;
- a search asks the index for its matches in the brand first, at most FEW + 1 of them. When
  there are no more, the page sorts those; when there are more, the matches are common and the
  next WALK rows in list order hold the page's, as a rule; only when they do not is the whole
  search walked. The same rows come back whichever way (tests compare with a plain scan).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from datetime import datetime

from flask import g
from sqlalchemy import and_, func, literal, or_, select, tuple_
from sqlalchemy.orm import joinedload, selectinload

from portal.clients.collections import COLLECTIONS, collections_of_tab
from portal.clients.fields import FIELD_TABS, fields_of_tab
from portal.edge import MAX_ID, has_control_characters
from portal.extensions import db
from portal.models import (
    Address,
    Asset,
    Client,
    ClientStatus,
    PaymentStatus,
    fts_brand_ids,
    fts_phrase,
)
from portal.models.counters import clients_counted
from portal.tenancy import scoped
from portal.text import digits, fold
from portal.validators import phone_as_stored

# sort name -> (column, descending)
SORT_COLUMNS = {
    "name": (Client.name_key, False),
    "-name": (Client.name_key, True),
    "created": (Client.created_at, False),
    "-created": (Client.created_at, True),
}
TRIGRAM = 3  # shorter words are looked for at the start of the name
COUNT_CAP = 10_000
FEW = 1_000  # a search with at most this many matches sorts them all
WALK = 1_000  # else the page's rows are looked for in this many rows of the list first


@dataclass
class ClientPage:
    clients: list[Client]
    total: int  # cap + 1 stands for "more than cap"
    next_cursor: str | None = None
    prev_cursor: str | None = None
    asset_counts: dict[int, int] = field(default_factory=dict)
    cap: int | None = COUNT_CAP  # where the count stopped: FEW for a common search; None: exact

    @property
    def more_than(self) -> int | None:
        """The cap when there are more clients than were counted, else None."""
        return self.cap if self.cap is not None and self.total > self.cap else None


def _sqlite() -> bool:
    return db.session.get_bind().dialect.name == "sqlite"


@dataclass(frozen=True)
class Search:
    """The words of a query, as the list's search reads them."""

    words: tuple[str, ...]
    # Alternatives, each found anywhere: the query's digits (three or more), and a phone
    # number typed the local way as it is stored ("07852 305876" in GB: 447852305876).
    numbers: tuple[str, ...] = ()

    @classmethod
    def parse(cls, q: str, country_code: str | None = None) -> Search:
        """`country_code`: the brand's (the request's brand when not given), for local phones."""
        if country_code is None and g.get("brand") is not None:
            country_code = g.brand.country_code
        words = tuple(fold(q).split())
        numbers = []
        for number in (digits(q), phone_as_stored(q, country_code)):
            if number and len(number) >= TRIGRAM and number not in words + tuple(numbers):
                numbers.append(number)
        return cls(words, tuple(numbers))

    def __bool__(self) -> bool:
        return bool(self.words)

    @property
    def long_words(self) -> tuple[str, ...]:
        """The words the trigram index finds."""
        return tuple(w for w in self.words if len(w) >= TRIGRAM)

    @property
    def short_words(self) -> tuple[str, ...]:
        return tuple(w for w in self.words if len(w) < TRIGRAM)

    @property
    def prefix(self) -> str | None:
        """A query of short words only, which no trigram finds: the start of the name."""
        if self.words and not self.numbers and not self.long_words:
            return " ".join(self.words)
        return None

    @property
    def indexed(self) -> bool:
        """Whether the trigram index finds every match (and maybe more: short words aside)."""
        return bool(self.long_words)

    def condition(self, *, index: bool = True):
        """The SQL condition. `index=False`: the same rows without the trigram index (LIKE)."""
        if self.prefix is not None:
            return _name_starts(self.prefix)
        if index:
            contains = _fts_contains if _sqlite() else _like_contains
        else:
            contains = _scan_contains
        # The short words are tested on the rows the long ones found (or on the walk's).
        words = [contains(self.long_words)] if self.long_words else []  # one FTS query
        short = _like_contains if index else _scan_contains
        found = and_(*words, *(short((w,)) for w in self.short_words))
        if not self.numbers:
            return found
        return or_(found, *(contains((number,)) for number in self.numbers))

    def index_ids(self, limit: int) -> list[int]:
        """Up to `limit` ids of the brand's clients the trigram index finds (short words and
        filters aside): straight from the FTS table on SQLite, from the GIN index on
        PostgreSQL."""
        if _sqlite():
            query = fts_brand_ids(g.brand.id, self.fts_query()).limit(limit)
        else:
            numbers = (_like_contains((number,)) for number in self.numbers)
            found = or_(_like_contains(self.long_words), *numbers)
            query = scoped(Client).with_only_columns(Client.id).where(found).limit(limit)
        return list(db.session.scalars(query))

    def fts_query(self) -> str:
        """The FTS5 query of what the index finds: every long word, or one of the numbers."""
        words = " AND ".join(map(fts_phrase, self.long_words))
        return (
            " OR ".join((f"({words})", *map(fts_phrase, self.numbers))) if self.numbers else words
        )

    @property
    def numbers_each(self) -> tuple[tuple[str], ...]:
        return tuple((number,) for number in self.numbers)


# Not the indexed expression, so PostgreSQL cannot answer it from the trigram index: it filters
# the rows the rest of the query finds (a range of the list's index, a few ids) instead of
# collecting every match in the table first (54,865 index entries for "sons" at 1,000,000
# clients: 20 ms before a walk of the next 1,000 rows could start).
_SCANNED_TEXT = Client.search_text.concat("")


def _scan_contains(texts):
    return and_(*(_SCANNED_TEXT.contains(t, autoescape=True) for t in texts))


def _like_contains(texts):
    return and_(*(Client.search_text.contains(t, autoescape=True) for t in texts))


def _fts_contains(texts):
    # `id + 0`: the walk of the list's order filters by the FTS matches; SQLite, left to
    # itself, would drive by them and sort every match.
    query = " AND ".join(map(fts_phrase, texts))
    return (Client.id + 0).in_(fts_brand_ids(g.brand.id, query).scalar_subquery())


def _name_starts(prefix: str):
    """The name starts with `prefix`: a range of the (brand, name) index (byte order on both
    databases, see Client.name_key), and the exact test."""
    starts = [Client.name_key >= prefix, Client.name_key.startswith(prefix, autoescape=True)]
    if ord(prefix[-1]) < 0x10FFFF:
        starts.append(Client.name_key < prefix[:-1] + chr(ord(prefix[-1]) + 1))
    return and_(*starts)


def search_condition(q: str):
    """The SQL condition of the list's search for `q` (None for no search)."""
    search = Search.parse(q)
    return search.condition() if search else None


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


def _beyond(column, value, client_id, forward: bool, *, inclusive: bool = False):
    """Rows after (forward) or before the cursor (`inclusive`: and the cursor's row). A
    row-value comparison, which SQLite and PostgreSQL both answer from the (brand, sort key,
    id) index."""
    key = tuple_(column, Client.id)
    cursor = tuple_(literal(value, column.type), literal(client_id))
    if inclusive:
        return key >= cursor if forward else key <= cursor
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
    search = Search.parse(q)
    filters = _filters(status=status, payment=payment, access=access)
    query = scoped(Client).where(*filters)

    column, descending = SORT_COLUMNS[sort]
    after_key = decode_cursor(sort, after)
    before_key = None if after_key else decode_cursor(sort, before)
    backwards = before_key is not None
    # Walking backwards is walking forwards in the reverse order, then flipping the page.
    reverse = descending != backwards
    cursor = []
    if after_key or before_key:
        value, client_id = after_key or before_key
        cursor.append(_beyond(column, value, client_id, forward=not reverse))
    order = (column.desc(), Client.id.desc()) if reverse else (column.asc(), Client.id.asc())

    def rows_of(select_):
        return list(db.session.scalars(select_.where(*cursor).order_by(*order).limit(per_page + 1)))

    ids = search.index_ids(FEW + 1) if search.indexed else None
    cap = COUNT_CAP
    if not search:
        total = _counted_total(status, payment, access)
        if total is None:
            total = _capped_count(query)
        else:
            cap = None  # exact
        rows = rows_of(query)
    elif ids == []:  # the index knows no match
        total, rows = 0, []
    elif ids is not None and len(ids) <= FEW:  # few matches: sort them
        exact = not (filters or search.short_words)  # else the ids hold more than the matches
        query = query.where(Client.id.in_(ids))
        if not exact:
            query = query.where(search.condition(index=False))
        total = len(ids) if exact else _capped_count(query)
        rows = rows_of(query)
    else:  # common words: the next rows of the list hold the page's, as a rule
        total, cap = _search_count(search, query, filters), FEW
        rows = _walk(query, search, cursor, order, column, reverse, per_page)
        if rows is None:
            rows = rows_of(query.where(search.condition()))

    has_more = len(rows) > per_page
    rows = rows[:per_page]
    if backwards:
        rows.reverse()
    page = ClientPage(clients=rows, total=total, cap=cap)
    if rows:
        has_next = True if backwards else has_more
        has_prev = has_more if backwards else after_key is not None
        if has_next:
            page.next_cursor = encode_cursor(sort, rows[-1])
        if has_prev:
            page.prev_cursor = encode_cursor(sort, rows[0])
        page.asset_counts = asset_counts([c.id for c in rows])
    return page


def _walk(query, search: Search, cursor, order, column, reverse, per_page: int) -> list | None:
    """The page from the next WALK rows of the list (a range of its index, filtered without
    the trigram index); None when they hold fewer than a page and more rows follow."""
    window = (
        scoped(Client)
        .with_only_columns(column, Client.id)
        .where(*cursor)
        .order_by(*order)
        .offset(WALK - 1)
        .limit(1)
    )
    edge = db.session.execute(window).first()
    walked = query.where(*cursor, search.condition(index=False))
    if edge is not None:  # the range ends at the WALK-th row
        walked = walked.where(_beyond(column, *edge, forward=reverse, inclusive=True))
    rows = list(db.session.scalars(walked.order_by(*order).limit(per_page + 1)))
    return rows if edge is None or len(rows) > per_page else None


def _search_count(search: Search, query, filters) -> int:
    """A common search's matches, counted no further than FEW + 1: the page says "more than
    1,000", and a count up to COUNT_CAP would visit ten times as many rows (on PostgreSQL,
    every one of them in the table) for a figure nobody pages through."""
    if not (filters or search.short_words):  # the index's FEW + 1 ids were all matches
        return FEW + 1
    return _capped_count(query.where(search.condition()), cap=FEW)


def _counted_total(status, payment, access) -> int | None:
    """The exact number of clients the filters keep, from the brand's maintained counters
    (portal/models/counters.py), when the filters are on what those count: the status, the
    payment situation and the access that follows from both. None otherwise."""
    if access not in (None, "yes", "no"):
        return None
    kinds = [
        (each_status, each_payment)
        for each_status in ClientStatus
        for each_payment in PaymentStatus
        if status in (None, each_status)
        and payment in (None, each_payment)
        and (access is None or (access == "yes") == Client.grants_access(each_status, each_payment))
    ]
    return clients_counted(g.brand.id, kinds)


def _capped_count(query, cap: int | None = None) -> int:
    """How many rows `query` has, counting no further than `cap` (COUNT_CAP) + 1."""
    cap = COUNT_CAP if cap is None else cap
    capped = query.with_only_columns(Client.id).order_by(None).limit(cap + 1)
    return db.session.scalar(select(func.count()).select_from(capped.subquery()))


# The list's access filter (the form and the API): may use the tracking platform, may not,
# may but cannot sign in yet (no login email or no password).
ACCESS_FILTERS = ("yes", "no", "no_sign_in")


def _filters(*, status=None, payment=None, access=None) -> list:
    filters = []
    if status:
        filters.append(Client.status == status)
    if payment:
        filters.append(Client.payment_status == payment)
    if access == "yes":
        filters.append(Client.has_access)
    elif access == "no":
        filters.append(~Client.has_access)
    elif access == "no_sign_in":  # may use the platform, but has no login or password yet
        filters.append(Client.has_access & Client.sign_in_incomplete)
    return filters


def filtered_clients(*, q="", status=None, payment=None, access=None):
    """The brand's clients that the list's search and filters find."""
    query = scoped(Client).where(*_filters(status=status, payment=payment, access=access))
    if (condition := search_condition(q)) is not None:
        query = query.where(condition)
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


def load_client_record(client_id: int, tab: str | None = None) -> Client | None:
    """A client of this brand with what its record page shows at `tab` (every tab when None),
    in a fixed few statements."""
    return db.session.scalar(
        scoped(Client).where(Client.id == client_id).options(*_record_relations(tab))
    )


def _record_relations(tab: str | None) -> list:
    """Loader options for what a tab of the record shows: its fields, its lists, its badges."""
    if tab is None:
        return [
            joinedload(Client.address),
            joinedload(Client.account_manager),
            joinedload(Client.client_group),
            *(selectinload(collection.attribute) for collection in COLLECTIONS.values()),
            selectinload(Client.assets),
        ]
    options = [selectinload(collection.attribute) for collection in collections_of_tab(tab)]
    fields = fields_of_tab(tab) if tab in FIELD_TABS else []
    if any(field.name.startswith("address.") for field in fields):
        options.append(joinedload(Client.address))
    if tab == "personal":  # the names its choices show (EditableField.shown)
        options += [joinedload(Client.account_manager), joinedload(Client.client_group)]
    if tab == "equipment":
        options.append(selectinload(Client.assets))
    return options


FREE_ASSETS_SHOWN = 500


def free_assets() -> tuple[list[Asset], int]:
    """The brand's unassigned devices to choose from (the first few hundred), and their count."""
    query = scoped(Asset).where(Asset.client_id.is_(None))
    count = db.session.scalar(query.with_only_columns(func.count(Asset.id)))
    shown = list(db.session.scalars(query.order_by(Asset.serial).limit(FREE_ASSETS_SHOWN)))
    return shown, count

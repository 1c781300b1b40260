"""Counts a brand's dashboard reads, kept up to date in the same transaction as each change.

Why maintained counters, not an aggregate refreshed in the background: the dashboard must be
right the moment a client is blocked or migrated (a billing script and the person looking at
the page expect the same figure), and on a brand of a million clients every figure must cost
a few index reads, never a scan. A background aggregate would be minutes old and would still
scan the brand each time it ran. A counter row per (brand, name) costs one upsert per
transaction that changes clients or devices, and the dashboard reads a few dozen rows.

The counters (`name`, per brand):

- `clients:<status>:<payment>` — the brand's clients now, by status and payment situation
  (access follows from both: Active and Up to date);
- `assets:assigned`, `assets:free` — the brand's devices, with a client or in stock;
- `added:<YYYY-MM>` — clients created in the brand in that month (UTC); a later deletion or
  migration does not take them back out of that month;
- `moved_in:<monday>`, `moved_out:<monday>` — clients that changed brand (a migration's
  move, or a move back) in the week starting on that Monday (ISO date, UTC).

How they stay right, on every path:

- Rows changed through the ORM (the rules, the API, the migration steps, the tests'
  factories) are counted by `_count_flushed`, an `after_flush` hook that reads each client's
  and device's old and new values (the columns counted are loaded before they change:
  `active_history`).
- Rows written with Core statements, which skip the ORM's hooks, are counted by the code that
  writes them with `count()` (the devices a client rule or a migration moves, the demo's bulk
  inserts).
- The deltas wait in the session and are written once, just before the transaction commits
  (`_write_deltas`), in one statement sorted by key: a counter row is locked only for the
  instant before the commit, always in the same order (no deadlock between two writers), and
  a rollback discards them with the rest. (The portal uses no savepoints; one rolled back
  alone would leave its deltas pending.)

`recount(brand_id)` computes the same figures from the data itself: the tests compare the two.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import BigInteger, ForeignKey, String, event, func, inspect, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from portal.extensions import db
from portal.models.asset import Asset
from portal.models.client import Client
from portal.models.types import ClientStatus, PaymentStatus, utcnow

_PENDING = "portal.counter_deltas"


class BrandCounter(db.Model):
    """One maintained figure of one brand (see the module's docstring for the names)."""

    __tablename__ = "brand_counters"

    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id"), primary_key=True)
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


# --- the names ------------------------------------------------------------------------------


def clients_key(status, payment_status) -> str:
    return f"clients:{ClientStatus(status).value}:{PaymentStatus(payment_status).value}"


def assets_key(assigned: bool) -> str:
    return "assets:assigned" if assigned else "assets:free"


def added_key(month: date) -> str:
    return f"added:{month:%Y-%m}"


def moved_key(direction: str, day: date) -> str:
    """direction: "in" or "out"; the week is named by its Monday."""
    assert direction in ("in", "out")
    return f"moved_{direction}:{week_of(day).isoformat()}"


def week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _utc_day(moment: datetime | None) -> date:
    return (moment or utcnow()).astimezone(UTC).date()


# --- counting -------------------------------------------------------------------------------


def count(brand_id: int, name: str, delta: int = 1) -> None:
    """Add `delta` to a counter of the brand when the current transaction commits."""
    if delta:
        db.session.info.setdefault(_PENDING, Counter())[(brand_id, name)] += delta


def count_inserted_clients(rows) -> None:
    """For clients inserted with Core (mappings of column values): what the hook would count."""
    for row in rows:
        status = row.get("status", ClientStatus.ACTIVE)
        payment = row.get("payment_status", PaymentStatus.UP_TO_DATE)
        count(row["brand_id"], clients_key(status, payment))
        count(row["brand_id"], added_key(_utc_day(row.get("created_at"))))


def count_inserted_assets(rows) -> None:
    """For devices inserted with Core."""
    for row in rows:
        count(row["brand_id"], assets_key(row.get("client_id") is not None))


def count_assets_moved(brand_id: int, moved: int, *, assigned: bool) -> None:
    """`moved` devices of the brand became assigned (True) or free (False)."""
    count(brand_id, assets_key(assigned), moved)
    count(brand_id, assets_key(not assigned), -moved)


def _before_and_after(obj, names: tuple[str, ...]) -> tuple[tuple, tuple]:
    state = inspect(obj)
    before, after = [], []
    for name in names:
        history = state.attrs[name].history
        now = history.added[0] if history.added else getattr(obj, name)
        after.append(now)
        before.append(history.deleted[0] if history.deleted else now)
    return tuple(before), tuple(after)


_CLIENT_COLUMNS = ("brand_id", "status", "payment_status")
_ASSET_COLUMNS = ("brand_id", "client_id")


@event.listens_for(Session, "before_flush")
def _load_deleted(session, flush_context, instances) -> None:
    """A deleted row's counted columns are read now: after the flush the row is gone."""
    for obj in session.deleted:
        if isinstance(obj, Client | Asset):
            for name in _CLIENT_COLUMNS if isinstance(obj, Client) else _ASSET_COLUMNS:
                getattr(obj, name)


@event.listens_for(Session, "after_flush")
def _count_flushed(session, flush_context) -> None:
    for obj in session.new:
        if isinstance(obj, Client):
            count_inserted_clients(
                [{name: getattr(obj, name) for name in (*_CLIENT_COLUMNS, "created_at")}]
            )
        elif isinstance(obj, Asset):
            count(obj.brand_id, assets_key(obj.client_id is not None))
    for obj in session.deleted:
        if isinstance(obj, Client):
            (brand_id, status, payment), _ = _before_and_after(obj, _CLIENT_COLUMNS)
            count(brand_id, clients_key(status, payment), -1)
        elif isinstance(obj, Asset):
            (brand_id, client_id), _ = _before_and_after(obj, _ASSET_COLUMNS)
            count(brand_id, assets_key(client_id is not None), -1)
    for obj in session.dirty:
        if isinstance(obj, Client):
            _count_client_change(obj)
        elif isinstance(obj, Asset):
            (old_brand, old_client), (brand_id, client_id) = _before_and_after(obj, _ASSET_COLUMNS)
            count(old_brand, assets_key(old_client is not None), -1)
            count(brand_id, assets_key(client_id is not None))


def _count_client_change(client: Client) -> None:
    before, after = _before_and_after(client, _CLIENT_COLUMNS)
    if before == after:
        return
    count(before[0], clients_key(*before[1:]), -1)
    count(after[0], clients_key(*after[1:]))
    if before[0] != after[0]:  # moved to another brand
        today = utcnow().date()
        count(before[0], moved_key("out", today))
        count(after[0], moved_key("in", today))


@event.listens_for(Session, "before_commit")
def _write_deltas(session) -> None:
    session.flush()  # what is still pending is counted too
    pending = session.info.pop(_PENDING, None)
    rows = [
        {"brand_id": brand_id, "name": name, "value": delta}
        for (brand_id, name), delta in sorted((pending or {}).items())
        if delta
    ]
    if rows:
        session.execute(_upsert(session, rows))


def _upsert(session, rows: list[dict]):
    table = BrandCounter.__table__
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table).values(rows)
    return statement.on_conflict_do_update(
        index_elements=[table.c.brand_id, table.c.name],
        set_={"value": table.c.value + statement.excluded.value},
    )


@event.listens_for(Session, "after_transaction_end")
def _forget_deltas(session, transaction) -> None:
    if transaction.parent is None:  # committed (written) or rolled back (discarded)
        session.info.pop(_PENDING, None)


# --- reading --------------------------------------------------------------------------------


def counters_of(brand_id: int, names_from: dict[str, str]) -> dict[str, int]:
    """The brand's counters: every `clients:` and `assets:` one, and those of each prefix in
    `names_from` ("added:" -> "added:2025-12") from that name on. One indexed read."""
    table = BrandCounter.__table__
    wanted = [table.c.name.like("clients:%"), table.c.name.like("assets:%")]
    for prefix, first in names_from.items():
        wanted.append(table.c.name.between(first, prefix + "\uffff"))
    rows = db.session.execute(
        select(table.c.name, table.c.value).where(table.c.brand_id == brand_id, or_(*wanted))
    )
    return dict(rows.all())


def clients_counted(brand_id: int, kinds) -> int:
    """The brand's clients of the (status, payment situation) pairs `kinds`: one indexed read
    of at most six rows, exact at any size, this transaction's own changes included (the read
    flushes them; their deltas wait in the session until the commit)."""
    table = BrandCounter.__table__
    names = [clients_key(status, payment) for status, payment in kinds]
    stored = db.session.scalar(
        select(func.coalesce(func.sum(table.c.value), 0)).where(
            table.c.brand_id == brand_id, table.c.name.in_(names)
        )
    )
    pending = db.session.info.get(_PENDING) or {}
    # int(): PostgreSQL sums a bigint as a numeric (a Decimal)
    return int(stored) + sum(pending.get((brand_id, name), 0) for name in names)


def recount(brand_id: int) -> dict[str, int]:
    """The clients and devices figures counted from the data itself, for checking."""
    figures: dict[str, int] = {}
    for status, payment, n in db.session.execute(
        select(Client.status, Client.payment_status, func.count())
        .where(Client.brand_id == brand_id)
        .group_by(Client.status, Client.payment_status)
    ):
        figures[clients_key(status, payment)] = n
    for assigned, n in db.session.execute(
        select(Asset.client_id.is_not(None), func.count())
        .where(Asset.brand_id == brand_id)
        .group_by(Asset.client_id.is_not(None))
    ):
        figures[assets_key(bool(assigned))] = n
    return figures

"""The demo's bulk path: the rows it writes without the portal's rules, and how.

Brands and client permission groups go through `portal.admin.rules` (see `seed.py`). The rest
cannot, or would take hours that way:

- Staff accounts with a known password, and their memberships. In the portal nobody sets a
  password another person keeps (a new account chooses its own, soon from an emailed
  invitation link), but the demo's visitors sign in with the password the README prints.
  `create_staff_with_known_password` and `add_membership` write them as plain ORM objects,
  without audit events.
- Clients with their addresses, contacts, documents, contracts, cards and devices, and the
  devices in stock: up to millions of rows. They go in with Core `insert()` executemany in
  batches of BATCH_SIZE, one transaction per batch (a crash keeps whole batches; a rerun tops
  up from there). `drafts.py` makes the rows of the next batch in a forked worker process
  while this one inserts.

Core inserts skip the ORM's session hooks (Core still applies the columns' own defaults), so
the rows must carry what the hooks would have filled in:

- `clients.name_key` and `clients.search_text`, which `Client.refresh_derived` sets on every
  flush; their column defaults are "", which would hide the clients from the list's search
  and sort. They are computed by the same function, `portal.models.derived_columns`, in the
  worker process. The search index follows by itself (portal/models/search.py: PostgreSQL's
  GIN index, SQLite's triggers into its FTS table).
- the dashboard's counters (`portal/models/counters.py`), which a hook adjusts on every flush:
  the inserts count their clients and devices with the same functions, in the same
  transaction.
- `client_id` on each child row: the new clients' ids are read back after each client batch,
  by (brand, provider_user_id), which is unique.

No audit events are written for bulk rows: they are the demo's starting point, nobody's change.
"""

from __future__ import annotations

import gc
import multiprocessing
import sys
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import nullcontext

from sqlalchemy import func, insert, select, text, update

from portal.db import transaction
from portal.demo.drafts import BrandPlan, Draft, client_draft, stock_row
from portal.extensions import db
from portal.models import (
    Address,
    Asset,
    Brand,
    Client,
    ClientGroup,
    Contact,
    Contract,
    Document,
    Membership,
    PaymentMethod,
    PermissionGroup,
    User,
    counters,
    derived_columns,
)
from portal.passwords import hash_password

BATCH_SIZE = 5_000
STOCK_PER_CLIENTS = 5  # one unassigned device in stock per five clients: 10 for 50
# Summary keys, in the order they are reported; the child tables, in the order they are filled.
COUNTED = ("clients_added", "addresses_added", "contacts_added", "documents_added",
           "contracts_added", "payment_methods_added", "assets_added")  # fmt: skip
CHILD_MODELS = (Address, Contact, Document, Contract, PaymentMethod, Asset)

# --- Staff -----------------------------------------------------------------------------------


def create_staff_with_known_password(
    email: str, name: str, password: str, *, is_platform_admin: bool = False
) -> User:
    """A staff account that signs in with `password` at once.

    Not `portal.admin.rules`: in the portal nobody sets a password another person keeps (the
    owner of a new account chooses it, soon from an emailed invitation link), while every demo
    account must sign in with the one known demo password.
    """
    user = User(
        email=email,
        name=name,
        password_hash=hash_password(password),
        locale=None,
        is_platform_admin=is_platform_admin,
    )
    db.session.add(user)
    db.session.flush()
    return user


def add_membership(user: User, brand: Brand, group: PermissionGroup) -> None:
    """The demo account's place in a brand, when it has none there yet.

    Not `portal.admin.rules.add_staff_user`, which creates the account it invites: the demo's
    accounts already exist, with their known password (see create_staff_with_known_password).
    """
    exists = db.session.scalar(
        select(Membership.id).where(Membership.user_id == user.id, Membership.brand_id == brand.id)
    )
    if exists is None:
        db.session.add(Membership(user=user, brand=brand, group=group))


# --- Clients ---------------------------------------------------------------------------------


def seed_clients(plans: list[BrandPlan], clients_per_brand: int) -> dict[str, int]:
    """Top each brand up to `clients_per_brand` clients and its stock of devices; commits each
    batch. Returns how many rows of each kind were added."""
    counts = dict.fromkeys(COUNTED, 0)
    # The drafts hold no reference cycles, yet the collector would keep rescanning millions of
    # young dicts: a quarter of the run time at 100,000 clients per brand.
    collecting = gc.isenabled()
    gc.disable()
    try:
        with _worker_pool() if clients_per_brand > BATCH_SIZE else nullcontext() as pool:
            for plan in plans:
                _add_counts(counts, _seed_brand_clients(plan, clients_per_brand, pool))
                _add_counts(counts, _seed_stock(plan, clients_per_brand // STOCK_PER_CLIENTS))
    finally:
        if collecting:
            gc.enable()
    if counts["clients_added"]:
        analyze()
    return counts


def analyze() -> None:
    """Fresh planner statistics after a bulk load (what autovacuum does on PostgreSQL, in its
    own time; SQLite has none until asked): the list's searches pick their plan by them."""
    with transaction():
        db.session.execute(text("ANALYZE"))


def assign_clients_without_group(brand: Brand, group: ClientGroup) -> None:
    """Clients left without a client group (seeded before the demo had groups) join `group`."""
    db.session.execute(
        update(Client)
        .where(Client.brand_id == brand.id, Client.client_group_id.is_(None))
        .values(client_group_id=group.id)
        .execution_options(synchronize_session=False)
    )


def _add_counts(summary: dict[str, int], counts: dict[str, int]) -> None:
    for key, value in counts.items():
        summary[key] += value


def _seed_brand_clients(plan: BrandPlan, target: int, pool: Executor | None) -> dict[str, int]:
    existing = db.session.scalar(
        select(func.count(Client.id)).where(Client.brand_id == plan.brand_id)
    )
    missing = target - (existing or 0)
    counts = dict.fromkeys(COUNTED, 0)
    if missing <= 0:
        return counts
    first = _next_client_seq(plan)
    end = first + missing
    batches = [range(seq, min(seq + BATCH_SIZE, end)) for seq in range(first, end, BATCH_SIZE)]
    for drafts in _drafts_ahead(pool, plan, batches):
        with transaction():  # a crash keeps whole batches; a rerun tops up from there
            _add_counts(counts, _insert_batch(plan.brand_id, drafts))
    return counts


def _worker_pool() -> ProcessPoolExecutor:
    """One process that generates drafts while this one inserts: both are pure Python, so a
    thread would only take turns for the GIL. No process starts until work is submitted."""
    # fork where it is safe (Linux): instant, and no re-import of __main__; the child never
    # touches the inherited database connections.
    method = "fork" if sys.platform == "linux" else None
    return ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context(method))


def _drafts_ahead(
    pool: Executor | None, plan: BrandPlan, batches: list[range]
) -> Iterator[list[Draft]]:
    """The drafts of each batch; with more than one, made in the pool one batch ahead."""
    if pool is None or len(batches) == 1:  # the default 50: not worth a process
        yield from (_batch_drafts(plan, seqs) for seqs in batches)
        return
    pending = pool.submit(_batch_drafts, plan, batches[0])
    for seqs in batches[1:]:
        ready, pending = pending, pool.submit(_batch_drafts, plan, seqs)
        yield ready.result()
    yield pending.result()


def _batch_drafts(plan: BrandPlan, seqs: range) -> list[Draft]:
    drafts = [client_draft(plan, seq) for seq in seqs]
    for draft in drafts:
        draft.client.update(derived_columns(draft.client))
    return drafts


def _next_client_seq(plan: BrandPlan) -> int:
    """After the highest seeded client, and after the devices a deleted one may have left."""
    prefix = f"{plan.spec.prefix}-"
    ids = db.session.scalars(
        select(Client.provider_user_id).where(
            Client.brand_id == plan.brand_id, Client.provider_user_id.like(f"{prefix}%")
        )
    )
    numbers = [int(pid[len(prefix) :]) for pid in ids if pid[len(prefix) :].isdigit()]
    return max([_highest_imei_counter(plan, stock=False) // 10, *numbers], default=0) + 1


def _highest_imei_counter(plan: BrandPlan, *, stock: bool) -> int:
    # Fixed width, so the greatest string is the greatest number. Stock devices use slot 9.
    any_slot = plan.imei_prefix + "_" * 11
    stock_slot = plan.imei_prefix + "_" * 9 + "9_"
    query = select(func.max(Asset.serial))
    if stock:
        query = query.where(Asset.serial.like(stock_slot))
    else:
        query = query.where(Asset.serial.like(any_slot), Asset.serial.not_like(stock_slot))
    serial = db.session.scalar(query)
    return int(serial[4:14]) if serial and serial.isdigit() else 0


def _insert_batch(brand_id: int, drafts: list[Draft]) -> dict[str, int]:
    # Plain executemany, then the new ids by (brand, provider id), which is unique. RETURNING
    # measured slower on both databases: with sort_by_parameter_order SQLite falls back to one
    # statement per row, and psycopg spends ~100 us per row parsing the long multi-VALUES text.
    last_id = db.session.scalar(select(func.max(Client.id))) or 0
    db.session.execute(insert(Client.__table__), [draft.client for draft in drafts])
    counters.count_inserted_clients(draft.client for draft in drafts)
    ids = dict(
        db.session.execute(
            select(Client.provider_user_id, Client.id).where(
                Client.brand_id == brand_id, Client.id > last_id
            )
        ).all()
    )
    counts = {"clients_added": len(drafts)}
    for model in CHILD_MODELS:
        name = model.__tablename__
        rows = []
        for draft in drafts:
            client_id = ids[draft.client["provider_user_id"]]
            for row in getattr(draft, name):
                row["client_id"] = client_id
                rows.append(row)
        if rows:
            db.session.execute(insert(model.__table__), rows)
            if model is Asset:
                counters.count_inserted_assets(rows)
        counts[f"{name}_added"] = len(rows)
    return counts


def _seed_stock(plan: BrandPlan, target: int) -> dict[str, int]:
    """Devices not yet installed in a client's vehicle (client_id NULL)."""
    existing = db.session.scalar(
        select(func.count(Asset.id)).where(
            Asset.brand_id == plan.brand_id, Asset.client_id.is_(None)
        )
    )
    missing = target - (existing or 0)
    if missing <= 0:
        return {}
    first = _highest_imei_counter(plan, stock=True) // 10 + 1
    rows = [stock_row(plan, number) for number in range(first, first + missing)]
    with transaction():
        for start in range(0, len(rows), BATCH_SIZE):
            db.session.execute(insert(Asset.__table__), rows[start : start + BATCH_SIZE])
        counters.count_inserted_assets(rows)
    return {"assets_added": len(rows)}

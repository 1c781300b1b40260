"""The dashboard's figures: two statements, whatever the size of the brand.

The clients, devices, monthly and weekly figures are maintained counters
(portal/models/counters.py: one indexed read of a few dozen rows, never a scan of the
brand's clients). What needs attention — open and failed migrations, failed emails — is
counted in one statement from the rows themselves (indexed by brand and state), each count
stopping at ACTION_CAP: a figure past it reads "over 1,000", and the list behind the link
shows them all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import (
    OPEN_STATES,
    ClientStatus,
    Migration,
    MigrationState,
    OutboxEmail,
    PaymentStatus,
)
from portal.models.counters import (
    added_key,
    assets_key,
    clients_key,
    counters_of,
    moved_key,
    week_of,
)
from portal.tenancy import scoped

MONTHS = 12
WEEKS = 12
ACTION_CAP = 1000


@dataclass(frozen=True)
class Overview:
    clients: dict[tuple[ClientStatus, PaymentStatus], int]
    assets_assigned: int
    assets_free: int
    added: list[tuple[date, int]]  # the first day of each month, oldest first, with its count
    moved: list[tuple[date, int, int]]  # each week's Monday, oldest first: (in, out)
    open_migrations: int  # each at most ACTION_CAP + 1
    failed_migrations: int
    failed_emails: int

    @property
    def total_clients(self) -> int:
        return sum(self.clients.values())

    def of_status(self, status: ClientStatus) -> int:
        return sum(n for (s, _), n in self.clients.items() if s == status)

    @property
    def with_access(self) -> int:
        return self.clients[ClientStatus.ACTIVE, PaymentStatus.UP_TO_DATE]

    @property
    def assets_total(self) -> int:
        return self.assets_assigned + self.assets_free


def last_months(today: date, n: int = MONTHS) -> list[date]:
    """The first days of the `n` months up to `today`'s, oldest first."""
    months = []
    year, month = today.year, today.month
    for _ in range(n):
        months.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def last_weeks(today: date, n: int = WEEKS) -> list[date]:
    """The Mondays of the `n` weeks up to `today`'s, oldest first."""
    monday = week_of(today)
    return [monday - timedelta(weeks=i) for i in range(n - 1, -1, -1)]


def overview(brand_id: int, today: date) -> Overview:
    months, weeks = last_months(today), last_weeks(today)
    counters = counters_of(
        brand_id,
        {
            "added:": added_key(months[0]),
            "moved_in:": moved_key("in", weeks[0]),
            "moved_out:": moved_key("out", weeks[0]),
        },
    )
    open_migrations, failed_migrations, failed_emails = _needing_attention()
    return Overview(
        clients={
            (status, payment): counters.get(clients_key(status, payment), 0)
            for status in ClientStatus
            for payment in PaymentStatus
        },
        assets_assigned=counters.get(assets_key(True), 0),
        assets_free=counters.get(assets_key(False), 0),
        added=[(month, counters.get(added_key(month), 0)) for month in months],
        moved=[
            (
                monday,
                counters.get(moved_key("in", monday), 0),
                counters.get(moved_key("out", monday), 0),
            )
            for monday in weeks
        ],
        open_migrations=open_migrations,
        failed_migrations=failed_migrations,
        failed_emails=failed_emails,
    )


def _needing_attention() -> tuple[int, int, int]:
    """Open migrations, failed ones and failed emails of the brand of the request."""
    migrations = scoped(Migration).with_only_columns(Migration.id)
    emails = scoped(OutboxEmail).with_only_columns(OutboxEmail.id)
    row = db.session.execute(
        select(
            _capped(migrations.where(Migration.state.in_(OPEN_STATES))),
            _capped(migrations.where(Migration.state == MigrationState.FAILED)),
            _capped(emails.where(OutboxEmail.status == "failed")),
        )
    ).one()
    return tuple(row)


def _capped(ids):
    return select(func.count()).select_from(ids.limit(ACTION_CAP + 1).subquery()).scalar_subquery()

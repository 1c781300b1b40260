"""the dashboard's counters

brand_counters holds the figures the brand dashboard reads, maintained with each change
(portal/models/counters.py). The upgrade counts them once from the data already there: the
clients by status and payment, the devices assigned and free, the clients added each month
and the clients moved in and out each week (a migration's move is its step to verifying), as
near as the data allows: clients deleted before are not in their month any more.

Revision ID: 0009
Revises: 0005
Create Date: 2026-12-02 01:00:00

"""
from alembic import op
import sqlalchemy as sa

from portal import rls

# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0005'
branch_labels = None
depends_on = None

# The tenant tables this revision creates, and whose rows they hold (tests/test_rls.py).
TENANT_TABLES = {"brand_counters": rls.of_brand()}


def upgrade():
    op.create_table('brand_counters',
    sa.Column('brand_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['brand_id'], ['brands.id'], name=op.f('fk_brand_counters_brand_id_brands')),
    sa.PrimaryKeyConstraint('brand_id', 'name', name=op.f('pk_brand_counters'))
    )
    for table, policy in TENANT_TABLES.items():
        rls.enable(op, table, policy)
    _count_existing_data()


def _count_existing_data():
    if op.get_bind().dialect.name == "postgresql":
        month = "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM')"
        week = "to_char(date_trunc('week', e.at AT TIME ZONE 'UTC'), 'YYYY-MM-DD')"
    else:  # SQLite keeps UTC timestamps without their zone; 'weekday 0' is the next Sunday
        month = "strftime('%Y-%m', created_at)"
        week = "date(e.at, 'weekday 0', '-6 days')"
    moved = (
        "FROM migration_events e JOIN migrations m ON m.id = e.migration_id "
        "WHERE e.to_state = 'verifying'"
    )
    for select in (
        "SELECT brand_id, 'clients:' || status || ':' || payment_status, count(*) FROM clients "
        "GROUP BY brand_id, status, payment_status",
        "SELECT brand_id, CASE WHEN client_id IS NULL THEN 'assets:free' "
        "ELSE 'assets:assigned' END, count(*) FROM assets "
        "GROUP BY brand_id, CASE WHEN client_id IS NULL THEN 'assets:free' "
        "ELSE 'assets:assigned' END",
        f"SELECT brand_id, 'added:' || {month}, count(*) FROM clients GROUP BY brand_id, {month}",
        f"SELECT m.target_brand_id, 'moved_in:' || {week}, count(*) {moved} "
        f"GROUP BY m.target_brand_id, {week}",
        f"SELECT m.source_brand_id, 'moved_out:' || {week}, count(*) {moved} "
        f"GROUP BY m.source_brand_id, {week}",
    ):
        op.execute(f"INSERT INTO brand_counters (brand_id, name, value) {select}")


def downgrade():
    for table in TENANT_TABLES:
        rls.disable(op, table)
    op.drop_table('brand_counters')

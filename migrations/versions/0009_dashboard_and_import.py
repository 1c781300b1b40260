"""the dashboard's counters; client imports

client_imports, client_import_rows and client_import_mappings hold a spreadsheet import: the
file's rows, the dry run's verdicts, the job's progress, and each brand's remembered mapping
(portal/clients/importing.py).

brand_counters holds the figures the brand dashboard reads, maintained with each change
(portal/models/counters.py). The upgrade counts them once from the data already there: the
clients by status and payment, the devices assigned and free, the clients added each month
and the clients moved in and out each week (a migration's move is its step to verifying), as
near as the data allows: clients deleted before are not in their month any more.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 01:00:00

"""
from alembic import op
import sqlalchemy as sa

import portal.models.types
from portal import rls

# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

# The tenant tables this revision creates, and whose rows they hold (tests/test_rls.py).
TENANT_TABLES = {
    "brand_counters": rls.of_brand(),
    "client_imports": rls.of_brand(),
    "client_import_rows": rls.of_parent("import_id", "client_imports"),
    "client_import_mappings": rls.of_brand(),
}


def upgrade():
    op.create_table('brand_counters',
    sa.Column('brand_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['brand_id'], ['brands.id'], name=op.f('fk_brand_counters_brand_id_brands')),
    sa.PrimaryKeyConstraint('brand_id', 'name', name=op.f('pk_brand_counters'))
    )
    op.create_table('client_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('brand_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', portal.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('file_name', sa.String(length=200), nullable=False),
    sa.Column('headers', sa.JSON(), nullable=False),
    sa.Column('mapping', sa.JSON(), nullable=False),
    sa.Column('locale', sa.String(length=5), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('accepted', sa.Integer(), nullable=False),
    sa.Column('processed', sa.Integer(), nullable=False),
    sa.Column('lease_owner', sa.String(length=80), nullable=True),
    sa.Column('lease_until', portal.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('started_at', portal.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('finished_at', portal.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['brand_id'], ['brands.id'], name=op.f('fk_client_imports_brand_id_brands')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_client_imports_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_client_imports'))
    )
    with op.batch_alter_table('client_imports', schema=None) as batch_op:
        batch_op.create_index('ix_client_imports_brand', ['brand_id', 'id'], unique=False)
    op.create_table('client_import_rows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('line', sa.Integer(), nullable=False),
    sa.Column('cells', sa.JSON(), nullable=False),
    sa.Column('verdict', sa.String(length=10), nullable=True),
    sa.Column('client_id', sa.Integer(), nullable=True),
    sa.Column('client_version', sa.Integer(), nullable=True),
    sa.Column('errors', sa.JSON(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_client_import_rows_client_id_clients'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['import_id'], ['client_imports.id'], name=op.f('fk_client_import_rows_import_id_client_imports'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_client_import_rows'))
    )
    with op.batch_alter_table('client_import_rows', schema=None) as batch_op:
        batch_op.create_index('ix_client_import_rows_state', ['import_id', 'state', 'id'], unique=False)
    op.create_table('client_import_mappings',
    sa.Column('brand_id', sa.Integer(), nullable=False),
    sa.Column('header', sa.String(length=200), nullable=False),
    sa.Column('column_key', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['brand_id'], ['brands.id'], name=op.f('fk_client_import_mappings_brand_id_brands')),
    sa.PrimaryKeyConstraint('brand_id', 'header', name=op.f('pk_client_import_mappings'))
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
    for table in reversed(TENANT_TABLES):
        rls.disable(op, table)
    op.drop_table('client_import_mappings')
    with op.batch_alter_table('client_import_rows', schema=None) as batch_op:
        batch_op.drop_index('ix_client_import_rows_state')
    op.drop_table('client_import_rows')
    with op.batch_alter_table('client_imports', schema=None) as batch_op:
        batch_op.drop_index('ix_client_imports_brand')
    op.drop_table('client_imports')
    op.drop_table('brand_counters')

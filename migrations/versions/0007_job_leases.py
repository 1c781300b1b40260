"""job leases: who runs a bulk job or a migration, until when; a job's last error

A bulk job and a migration each hold a lease (portal.jobs): the runner's id and the time it
expires, renewed at every step. Work whose lease ran out lost its runner and is picked up
again by the sweep. No new table: the columns join tables already under row-level security.

Revision ID: 0007
Revises: 0009
Create Date: 2026-12-02 00:45:00

"""
from alembic import op
import sqlalchemy as sa

import portal.models.types


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('migrations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lease_owner', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('lease_until', portal.models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_migrations_lease', ['state', 'lease_until'], unique=False)

    with op.batch_alter_table('bulk_jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lease_owner', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('lease_until', portal.models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('error', sa.Text(), nullable=True))
        batch_op.create_index('ix_bulk_jobs_unfinished', ['finished_at', 'lease_until'], unique=False)

    with op.batch_alter_table('bulk_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bulk_items_migration_id'), ['migration_id'], unique=False)
        batch_op.create_index('ix_bulk_items_client', ['client_id', 'result'], unique=False)


def downgrade():
    with op.batch_alter_table('bulk_items', schema=None) as batch_op:
        batch_op.drop_index('ix_bulk_items_client')
        batch_op.drop_index(batch_op.f('ix_bulk_items_migration_id'))

    with op.batch_alter_table('bulk_jobs', schema=None) as batch_op:
        batch_op.drop_index('ix_bulk_jobs_unfinished')
        batch_op.drop_column('error')
        batch_op.drop_column('lease_until')
        batch_op.drop_column('lease_owner')

    with op.batch_alter_table('migrations', schema=None) as batch_op:
        batch_op.drop_index('ix_migrations_lease')
        batch_op.drop_column('lease_until')
        batch_op.drop_column('lease_owner')

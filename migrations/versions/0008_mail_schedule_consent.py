"""mail that reaches people, scheduled migrations, consent to transfers

The outbox keeps an HTML part, its sender and Reply-To, and the times of its next attempt and
of its claim (outbox.emails.deliver_due). A brand has its own sender, support address and the
setting to ask clients to agree to transfers. A migration may wait for its date or for
agreement (consent_expires_at); each party's agreement is a row of migration_consents, under
row-level security through its migration.

Revision ID: 0008
Revises: 0005
Create Date: 2026-12-02 01:00:00

"""
from alembic import op
import sqlalchemy as sa

import portal.models.types
from portal import rls

# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0005'
branch_labels = None
depends_on = None

# The tenant table this revision adds, and whose rows it holds (tests/test_rls.py reads it).
TENANT_TABLES = {"migration_consents": rls.of_parent("migration_id", "migrations")}


def upgrade():
    op.create_table('migration_consents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('migration_id', sa.Integer(), nullable=False),
    sa.Column('party', sa.String(length=10), nullable=False),
    sa.Column('decision', sa.String(length=10), nullable=False),
    sa.Column('how', sa.String(length=10), nullable=True),
    sa.Column('decided_at', portal.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('recipient', sa.String(length=254), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('token_hash', sa.String(length=64), nullable=True),
    sa.Column('expires_at', portal.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_migration_consents_decided_by_id_users')),
    sa.ForeignKeyConstraint(['migration_id'], ['migrations.id'], name=op.f('fk_migration_consents_migration_id_migrations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_migration_consents')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_migration_consents_token_hash'))
    )
    with op.batch_alter_table('migration_consents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_migration_consents_migration_id'), ['migration_id'], unique=False)
    for table, policy in TENANT_TABLES.items():
        rls.enable(op, table, policy)

    with op.batch_alter_table('brands', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mail_from_name', sa.String(length=120), server_default='', nullable=False))
        batch_op.add_column(sa.Column('mail_from_address', sa.String(length=254), server_default='', nullable=False))
        batch_op.add_column(sa.Column('support_email', sa.String(length=254), server_default='', nullable=False))
        batch_op.add_column(sa.Column('transfer_needs_client_consent', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('migrations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('consent_expires_at', portal.models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_migrations_waiting', ['state', 'preferred_date'], unique=False)

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('html', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('sender', sa.String(length=400), nullable=True))
        batch_op.add_column(sa.Column('reply_to', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('consent_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('next_attempt_at', portal.models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('claimed_at', portal.models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_outbox_consent_id'), ['consent_id'], unique=False)
        batch_op.create_index('ix_outbox_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_outbox_consent_id_migration_consents'), 'migration_consents', ['consent_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_outbox_consent_id_migration_consents'), type_='foreignkey')
        batch_op.drop_index('ix_outbox_due')
        batch_op.drop_index(batch_op.f('ix_outbox_consent_id'))
        batch_op.drop_column('claimed_at')
        batch_op.drop_column('next_attempt_at')
        batch_op.drop_column('consent_id')
        batch_op.drop_column('reply_to')
        batch_op.drop_column('sender')
        batch_op.drop_column('html')

    with op.batch_alter_table('migrations', schema=None) as batch_op:
        batch_op.drop_index('ix_migrations_waiting')
        batch_op.drop_column('consent_expires_at')

    with op.batch_alter_table('brands', schema=None) as batch_op:
        batch_op.drop_column('transfer_needs_client_consent')
        batch_op.drop_column('support_email')
        batch_op.drop_column('mail_from_address')
        batch_op.drop_column('mail_from_name')

    for table in TENANT_TABLES:
        rls.disable(op, table)
    with op.batch_alter_table('migration_consents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_migration_consents_migration_id'))
    op.drop_table('migration_consents')

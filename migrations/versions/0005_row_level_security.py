"""row-level security on the tenant tables (PostgreSQL)

Every table that holds a brand's business data gets FORCE ROW LEVEL SECURITY and one policy,
keyed by the brands the transaction's scope names (portal/rls.py, portal/db.py). A migration
belongs to both brands it joins, as does a bulk job. Tables without a policy are listed, with
the reason, in portal.rls.UNSCOPED. SQLite has no row-level security: nothing happens there.

Adding a tenant table is one line of TENANT_TABLES (a table created by a later revision gets
its line in that revision: `rls.enable(op, table, policy)`).

Revision ID: 0005
Revises: 0006
Create Date: 2026-12-01 22:30:00

"""
from alembic import op

from portal import rls
from portal.rls import of_brand, of_brands, of_parent

# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0006'
branch_labels = None
depends_on = None

# Each tenant table and whose rows it holds.
TENANT_TABLES = {
    "clients": of_brand(),
    "addresses": of_parent("client_id", "clients"),
    "contacts": of_parent("client_id", "clients"),
    "documents": of_parent("client_id", "clients"),
    "business_units": of_parent("client_id", "clients"),
    "contracts": of_parent("client_id", "clients"),
    "payment_methods": of_parent("client_id", "clients"),
    "assets": of_brand(),
    "client_groups": of_brand(),
    "client_group_mappings": of_parent("source_group_id", "client_groups"),
    "migrations": of_brands("source_brand_id", "target_brand_id"),
    "migration_events": of_parent("migration_id", "migrations"),
    "bulk_jobs": of_brands("source_brand_id", "target_brand_id"),
    "bulk_items": of_parent("job_id", "bulk_jobs"),
    "outbox": of_brand(nullable=True),
    "audit_events": of_brand(nullable=True),
}


def upgrade():
    rls.create_scope_function(op)
    for table, policy in TENANT_TABLES.items():
        rls.enable(op, table, policy)


def downgrade():
    for table in reversed(TENANT_TABLES):
        rls.disable(op, table)
    rls.drop_scope_function(op)

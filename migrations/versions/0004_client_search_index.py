"""client search index

The client list searches `clients.search_text` through an index of trigrams: on PostgreSQL a
GIN index with pg_trgm's operator class (the extension is created where it is missing), on
SQLite an FTS5 table with the trigram tokenizer, kept in step by triggers, whose rowid is
brand_id * 2**32 + id (portal/models/search.py says why; create_all builds the same).

On PostgreSQL `clients.name_key` compares byte by byte (COLLATE "C"), as on SQLite: the list
sorts the same on both, and a name prefix is one range of the (brand, name) index.

Revision ID: 0004
Revises: 0002
Create Date: 2026-12-01 22:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0002'
branch_labels = None
depends_on = None

SQLITE_UP = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS clients_search USING fts5("
    "search_text, content='', tokenize='trigram case_sensitive 1')",
    """CREATE TRIGGER IF NOT EXISTS clients_search_insert AFTER INSERT ON clients BEGIN
  INSERT INTO clients_search(rowid, search_text)
  VALUES (new.brand_id * 4294967296 + new.id, new.search_text);
END""",
    """CREATE TRIGGER IF NOT EXISTS clients_search_delete AFTER DELETE ON clients BEGIN
  INSERT INTO clients_search(clients_search, rowid, search_text)
  VALUES ('delete', old.brand_id * 4294967296 + old.id, old.search_text);
END""",
    """CREATE TRIGGER IF NOT EXISTS clients_search_update
AFTER UPDATE OF brand_id, search_text ON clients BEGIN
  INSERT INTO clients_search(clients_search, rowid, search_text)
  VALUES ('delete', old.brand_id * 4294967296 + old.id, old.search_text);
  INSERT INTO clients_search(rowid, search_text)
  VALUES (new.brand_id * 4294967296 + new.id, new.search_text);
END""",
    # The clients already there.
    "INSERT INTO clients_search(rowid, search_text) "
    "SELECT brand_id * 4294967296 + id, search_text FROM clients",
    # Statistics: without them SQLite takes the brand's index for a few rows and walks it
    # all to find a search's few matches by id (PostgreSQL's autovacuum keeps its own).
    "ANALYZE",
)
SQLITE_DOWN = (
    "DROP TRIGGER IF EXISTS clients_search_update",
    "DROP TRIGGER IF EXISTS clients_search_delete",
    "DROP TRIGGER IF EXISTS clients_search_insert",
    "DROP TABLE IF EXISTS clients_search",
)
POSTGRESQL_UP = (
    'ALTER TABLE clients ALTER COLUMN name_key TYPE VARCHAR(200) COLLATE "C"',
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS ix_clients_search_text_trgm ON clients "
    "USING gin (search_text gin_trgm_ops)",
)
# pg_trgm stays: it may have been there before, and other objects may use it.
POSTGRESQL_DOWN = (
    "DROP INDEX IF EXISTS ix_clients_search_text_trgm",
    'ALTER TABLE clients ALTER COLUMN name_key TYPE VARCHAR(200) COLLATE "default"',
)


def upgrade():
    dialect = op.get_bind().dialect.name
    for statement in {"sqlite": SQLITE_UP, "postgresql": POSTGRESQL_UP}.get(dialect, ()):
        op.execute(sa.text(statement))


def downgrade():
    dialect = op.get_bind().dialect.name
    for statement in {"sqlite": SQLITE_DOWN, "postgresql": POSTGRESQL_DOWN}.get(dialect, ()):
        op.execute(sa.text(statement))

"""The trigram index the client list searches through, on each database.

`Client.search_text` holds what a search looks in (folded words, then the digits of numbers;
`client_search_text`). A word of three characters or more is found anywhere in it through an
index of its trigrams, without reading the brand's rows:

- PostgreSQL: a GIN index with pg_trgm's operator class; the planner uses it for the plain
  `search_text LIKE '%word%'` (the extension is created where it is missing).
- SQLite: an FTS5 table with the trigram tokenizer (case-sensitive: both sides are folded
  already, so a match is exactly a substring). Triggers on `clients` keep it in step with every
  write of `search_text` or `brand_id`, whoever writes it: the ORM's flush, which refreshes
  the column (`Client.refresh_derived`), and the demo's bulk inserts alike. Its rowid is
  `brand_id * 2**32 + id`, so that one brand's rows are one range of rowids, which FTS5 seeks
  to: a query never reads the matches of other brands.

These structures are not in the SQLAlchemy metadata (neither an FTS table nor an operator
class index can be declared there for one database only): `create_all` builds them here, after
the clients table, and migration 0004 builds the same (a test compares); Alembic's comparison
skips them (`outside_metadata`).
"""

from __future__ import annotations

from sqlalchemy import DDL, column, event, literal_column, table

from portal.models.client import Client

FTS_TABLE = "clients_search"
TRIGRAM_INDEX = "ix_clients_search_text_trgm"
ROWID_SPAN = 2**32  # brand_id * ROWID_SPAN + client id: ids stop at 2**31 - 1 (portal.edge)

# The triggers compute the rowid as brand_id * 4294967296 (ROWID_SPAN) + id.
SQLITE_CREATE = (
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
)
POSTGRESQL_CREATE = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    # Without a pending list, which every search would read in full (migration 0010).
    "CREATE INDEX IF NOT EXISTS ix_clients_search_text_trgm ON clients "
    "USING gin (search_text gin_trgm_ops) WITH (fastupdate = off)",
)

for _statement in SQLITE_CREATE:
    event.listen(Client.__table__, "after_create", DDL(_statement).execute_if(dialect="sqlite"))
for _statement in POSTGRESQL_CREATE:
    event.listen(Client.__table__, "after_create", DDL(_statement).execute_if(dialect="postgresql"))
# The triggers and the index go with the table; the FTS table must be dropped by name.
event.listen(
    Client.__table__,
    "before_drop",
    DDL("DROP TABLE IF EXISTS clients_search").execute_if(dialect="sqlite"),
)


def outside_metadata(name: str | None, type_: str, parent_names) -> bool:
    """For Alembic's include_name: False for the search index's own tables and index."""
    if type_ == "table" and name is not None and name.startswith(FTS_TABLE):
        return False
    return not (type_ == "index" and name == TRIGRAM_INDEX)


fts = table(FTS_TABLE, column("rowid"))
_fts_match = literal_column(FTS_TABLE).op("MATCH")


def fts_phrase(text: str) -> str:
    """One FTS5 phrase: matches rows holding `text` as a substring (trigram tokenizer)."""
    return '"' + text.replace('"', '""') + '"'


def fts_brand_ids(brand_id: int, query: str):
    """SELECT of the client ids of one brand whose search text matches the FTS5 `query`."""
    low = brand_id * ROWID_SPAN
    return (
        fts.select()
        .with_only_columns((fts.c.rowid - low).label("id"))
        .where(_fts_match(query), fts.c.rowid.between(low, low + ROWID_SPAN - 1))
    )

"""Row-level security on PostgreSQL: the policies' building blocks, for the Alembic migrations.

The second wall behind portal.tenancy.scoped(): each tenant table lets a transaction see and
change only rows of the brands in its scope, which portal.db sets once per transaction
(`set_config('portal.brands', '3,7', true)`, or 'all' for maintenance over every brand). A
query that forgets its brand filter then finds nothing of another brand, and a row cannot be
written into a brand outside the scope. Tables are FORCEd, so even their owner is held to the
policy (superusers and BYPASSRLS roles are not: the portal must connect as neither; README,
"Production").

A migration adds a tenant table with one line: `enable(op, "contacts", of_parent("client_id",
"clients"))`. SQLite has no row-level security: every function here does nothing there.
"""

from __future__ import annotations

POLICY = "tenant_scope"
SCOPE_FUNCTION = "portal_brand_scope"
EVERY_BRAND_FUNCTION = "portal_every_brand"
# Each evaluated once per statement, as an InitPlan (the sub-selects), not once per row; the
# cast makes `= ANY (…)` compare with the array, not with the rows of a subquery.
_EVERY = f"(SELECT {EVERY_BRAND_FUNCTION}())"
_SCOPE = f"(SELECT {SCOPE_FUNCTION}())::integer[]"

# Tables without row-level security, and why: none holds a brand's business data, and each is
# read across brands by design. Every other table must have a policy (tests/test_rls.py).
UNSCOPED = {
    "brands": "the brand of a URL is looked up before any scope exists; names and themes only",
    "users": "accounts belong to people, who may work for several brands; sign-in reads them",
    "memberships": "which brands an account works for: sign-in, the brand switcher and the "
    "account-safety rule (admin.rules.can_manage_account) read an account's memberships in "
    "every brand, and that rule would answer wrongly if it saw only some",
    "permission_groups": "a member's rights in each of their brands (permissions.holds, "
    "brands_where) are read across brands with their memberships; names and permission names",
    "staff_sessions": "a signed-in browser of an account, whichever brand it is in",
    "account_links": "an account holder's own links: the sign-in notice lists invitations from "
    "every brand; only hashes of tokens are stored",
    "rate_limit_hits": "throttle counters keyed by account and address, written on their own "
    "connection, before any brand is known",
    "api_tokens": "an API call is looked up by its token's hash before any brand is known (the "
    "token brings the brand and so the scope); names and hashes only",
}


def of_brand(column: str = "brand_id", *, nullable: bool = False) -> str:
    """Rows of one brand. A nullable column's NULL rows belong to no brand (an account's own
    audit events) and are the platform's, visible in every scope."""
    return of_brands(column, nullable=nullable)


def of_brands(*columns: str, nullable: bool = False) -> str:
    """Rows of one brand, or of two at once (a migration, a bulk job: either one in scope is
    enough); every row in the all-brands scope."""
    conditions = [_EVERY, *(f"{column} = ANY ({_SCOPE})" for column in columns)]
    if nullable:
        conditions.insert(0, f"{columns[0]} IS NULL")
    return "(" + " OR ".join(conditions) + ")"


def of_parent(column: str, parent: str) -> str:
    """Rows that hang from a row of another tenant table, visible (and writable) exactly when
    that row is under its own policy: a contact with its client, an event with its migration."""
    return f"EXISTS (SELECT 1 FROM {parent} WHERE {parent}.id = {{table}}.{column})"  # noqa: S608 - names from a migration, never input


def create_scope_function(op) -> None:
    """The scope as the policies read it, from the transaction's setting ('' or none: no
    brand). Plain SQL expressions, so that PostgreSQL inlines them into each statement:
    a function it had to plan would cost more than the statement it guards."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        f"""
        CREATE FUNCTION {SCOPE_FUNCTION}() RETURNS integer[]
        LANGUAGE sql STABLE PARALLEL SAFE AS $$
          SELECT string_to_array(
            NULLIF(NULLIF(current_setting('portal.brands', true), ''), 'all'), ','
          )::integer[]
        $$
        """
    )
    op.execute(
        f"""
        CREATE FUNCTION {EVERY_BRAND_FUNCTION}() RETURNS boolean
        LANGUAGE sql STABLE PARALLEL SAFE AS $$
          SELECT coalesce(current_setting('portal.brands', true) = 'all', false)
        $$
        """
    )


def drop_scope_function(op) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP FUNCTION {EVERY_BRAND_FUNCTION}()")
        op.execute(f"DROP FUNCTION {SCOPE_FUNCTION}()")


def enable(op, table: str, using: str) -> None:
    """Row-level security on `table`, forced on its owner too, under one policy."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY {POLICY} ON {table} USING ({using.format(table=table)})")


def disable(op, table: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"DROP POLICY {POLICY} ON {table}")
    op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")

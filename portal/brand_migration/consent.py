"""Agreement to a transfer between brand trees (the reseller-transfer guides: the client and
both brands agree).

A migration from one brand tree to another opens "awaiting agreement" (rules.first_state):
the source brand agreed by starting it; the target brand's admins (permission
`migrations.consent`) accept or refuse it, with a reason, on their Incoming transfers page;
when the target brand asks for it (`Brand.transfer_needs_client_consent`) the client answers
by a single-use emailed link. Each answer is a MigrationConsent row (who, when, how) and an
audit event in the client's History. Once every party agreed, the migration is checked again
and runs (or waits for its preferred date); one refusal ends it. Nothing is frozen while it
waits, and it expires after MIGRATION_CONSENT_DAYS (scheduling.run_due). Inside one brand tree
(a brand and its sub-brands) nobody outside has to agree. No HTTP here.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal import audit
from portal.brand_migration import rules, scheduling
from portal.db import widen_brand_scope
from portal.extensions import db
from portal.locale import local_today
from portal.models import Brand, Migration, MigrationConsent, MigrationState, User, utcnow
from portal.models.user import hash_token

S = MigrationState

NO_LONGER_OPEN = _l("This transfer no longer waits for an answer.")


def incoming(brand: Brand, limit: int = 200) -> list[Migration]:
    """Transfers into `brand` from another brand tree that wait for its answer."""
    return list(
        db.session.scalars(
            select(Migration)
            .where(Migration.target_brand_id == brand.id, Migration.state == S.AWAITING_CONSENT)
            .order_by(Migration.consent_expires_at, Migration.id)
            .limit(limit)
            .options(
                selectinload(Migration.source_brand),
                selectinload(Migration.target_brand),
                selectinload(Migration.created_by),
                selectinload(Migration.consents).selectinload(MigrationConsent.decided_by),
            )
        )
    )


def answered(brand: Brand, limit: int = 50) -> list[MigrationConsent]:
    """The brand's latest answers to incoming transfers."""
    return list(
        db.session.scalars(
            select(MigrationConsent)
            .join(Migration, Migration.id == MigrationConsent.migration_id)
            .where(
                Migration.target_brand_id == brand.id,
                MigrationConsent.party == "target",
                MigrationConsent.decision.in_(("accepted", "refused")),
            )
            .order_by(MigrationConsent.decided_at.desc())
            .limit(limit)
            .options(
                selectinload(MigrationConsent.migration).selectinload(Migration.source_brand),
                selectinload(MigrationConsent.decided_by),
            )
        )
    )


def answer_as_brand(migration: Migration, user: User, *, accept: bool, reason: str = "") -> None:
    """The target brand's answer, given in the portal by `user`."""
    party = _pending(migration, "target")
    party.how, party.decided_by_id = "portal", user.id
    _decide(migration, party, accept, reason, actor_id=user.id, who=user.name)


def find_live_link(token: str | None) -> MigrationConsent | None:
    """The client's consent a link's token opens, while it waits for an answer."""
    if not token or len(token) > 100:
        return None
    consent = db.session.scalar(
        select(MigrationConsent).where(MigrationConsent.token_hash == hash_token(token))
    )
    if consent is None or consent.party != "client" or not consent.is_live(utcnow()):
        return None
    return consent


def answer_as_client(consent: MigrationConsent, *, accept: bool, reason: str = "") -> None:
    """The client's answer, by the emailed link; the link dies with it."""
    migration = db.session.get(Migration, consent.migration_id)
    party = _pending(migration, "client")
    party.how = "email"
    _decide(migration, party, accept, reason, actor_id=None, who=party.recipient)


def _pending(migration: Migration, party: str) -> MigrationConsent:
    # The answer is on record in both brands (the client moves from one to the other).
    widen_brand_scope(migration.source_brand_id, migration.target_brand_id)
    if migration.state != S.AWAITING_CONSENT:
        raise rules.MigrationRefused(NO_LONGER_OPEN)
    if migration.consent_expires_at is not None and migration.consent_expires_at <= utcnow():
        scheduling.expire(migration)
        raise rules.MigrationRefused(NO_LONGER_OPEN)
    found = next(
        (c for c in migration.consents if c.party == party and c.decision == "pending"), None
    )
    if found is None:
        raise rules.MigrationRefused(NO_LONGER_OPEN)
    return found


def _decide(migration, party, accept: bool, reason: str, *, actor_id, who) -> None:
    party.decision = "accepted" if accept else "refused"
    party.decided_at = utcnow()
    party.reason = reason.strip() or None
    party.token_hash = None  # a client's link works once
    audit.record(
        f"migration.consent_{party.decision}",
        brand_id=migration.source_brand_id,
        client_id=migration.client_id,
        field="consent",
        new=party.party,  # shown as the party's name in the reader's language
        note=" · ".join(x for x in (who, party.reason) if x) or None,
        actor_id=actor_id,
    )
    if not accept:
        rules._transition(migration, S.REFUSED, actor_id, note=party.reason)
    elif all(c.decision == "accepted" for c in migration.consents):
        _go_ahead(migration, actor_id)
    rules.settle_bulk_items([migration])  # a bulk item waiting for this answer


def _go_ahead(migration: Migration, actor_id: int | None) -> None:
    """Everybody agreed: the migration waits for its date, or is checked again and runs."""
    if migration.preferred_date is not None and migration.preferred_date > local_today():
        rules._transition(migration, S.SCHEDULED, actor_id)
    elif scheduling.begin(migration, actor_id, note="agreed"):
        rules.continue_after_commit(migration, actor_id)

"""The data model: one module per aggregate, all re-exported here."""

from portal.models.api import ApiToken
from portal.models.asset import Asset
from portal.models.audit import AuditEvent
from portal.models.brand import Brand
from portal.models.client import (
    Address,
    BusinessUnit,
    Client,
    Contact,
    Contract,
    Document,
    PaymentMethod,
    client_search_text,
    derived_columns,
)
from portal.models.counters import BrandCounter
from portal.models.groups import ClientGroup, ClientGroupMapping, PermissionGroup
from portal.models.imports import ClientImport, ClientImportMapping, ClientImportRow
from portal.models.migration import (
    OPEN_STATES,
    WAITING_STATES,
    BulkItem,
    BulkJob,
    Migration,
    MigrationConsent,
    MigrationEvent,
    MigrationState,
)
from portal.models.outbox import LINK_TOKEN, OutboxEmail
from portal.models.search import fts_brand_ids, fts_phrase, outside_metadata
from portal.models.throttle import RateLimitHit
from portal.models.types import (
    AssetStatus,
    CardKind,
    ClientKind,
    ClientStatus,
    DocumentKind,
    LinkPurpose,
    PaymentStatus,
    Role,
    Segment,
    utcnow,
)
from portal.models.user import AccountLink, Membership, StaffSession, User

__all__ = [
    "AccountLink",
    "ApiToken",
    "Address",
    "Asset",
    "BrandCounter",
    "BusinessUnit",
    "BulkItem",
    "BulkJob",
    "Migration",
    "MigrationConsent",
    "MigrationEvent",
    "WAITING_STATES",
    "MigrationState",
    "OPEN_STATES",
    "OutboxEmail",
    "LINK_TOKEN",
    "ClientGroup",
    "ClientImport",
    "ClientImportMapping",
    "ClientImportRow",
    "ClientGroupMapping",
    "PermissionGroup",
    "AssetStatus",
    "AuditEvent",
    "Brand",
    "CardKind",
    "Client",
    "ClientKind",
    "ClientStatus",
    "Contact",
    "Contract",
    "Document",
    "DocumentKind",
    "LinkPurpose",
    "Membership",
    "PaymentMethod",
    "PaymentStatus",
    "RateLimitHit",
    "Role",
    "Segment",
    "StaffSession",
    "User",
    "client_search_text",
    "derived_columns",
    "fts_brand_ids",
    "fts_phrase",
    "outside_metadata",
    "utcnow",
]

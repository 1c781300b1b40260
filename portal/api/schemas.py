"""The API's request and response shapes (marshmallow), which are also its OpenAPI document.

What a client may be written with comes from the same registry as the record page
(`clients.fields.FIELDS`): a field added there is in the API and its documentation at once.
Its values are then checked by the registry's own WTForms field, exactly as on the page; the
schema checks the JSON's shape and types.
"""

from __future__ import annotations

from datetime import UTC

import marshmallow as ma
from marshmallow import validate

from portal.brand_migration import checks
from portal.clients.fields import FIELDS
from portal.clients.queries import ACCESS_FILTERS
from portal.models import ClientStatus, MigrationState, PaymentStatus


class Timestamp(ma.fields.DateTime):
    """Every time the API writes: ISO 8601 in UTC with a Z, to the second."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class Schema(ma.Schema):
    class Meta:
        unknown = ma.RAISE  # a misspelt field is an error, never silently ignored
        ordered = True


def _written(field) -> ma.fields.Field:
    """The JSON field of a registry entry: its type, and its fixed values when it has some."""
    description = f"Client field `{field.name}`."
    if field.api_type == "integer":
        return ma.fields.Integer(
            allow_none=True, strict=True, metadata={"description": description}
        )
    values = field.api_values() if field.api_values else None
    return ma.fields.String(
        allow_none=True,
        validate=validate.OneOf(values) if values else None,
        metadata={"description": description},
    )


ADDRESS_FIELDS = {
    name.removeprefix("address."): field
    for name, field in FIELDS.items()
    if name.startswith("address.")
}
CLIENT_FIELDS = {name: field for name, field in FIELDS.items() if "." not in name}

AddressWrite = Schema.from_dict(
    {name: _written(field) for name, field in ADDRESS_FIELDS.items()}, name="AddressWrite"
)
ClientWrite = Schema.from_dict(
    {
        **{name: _written(field) for name, field in CLIENT_FIELDS.items()},
        "address": ma.fields.Nested(AddressWrite),
        "provider_user_id": ma.fields.String(
            validate=validate.Length(max=40),
            metadata={"description": "The client's user ID; made by the portal when omitted."},
        ),
    },
    name="ClientWrite",
)


class Address(Schema):
    street = ma.fields.String()
    number = ma.fields.String()
    complement = ma.fields.String()
    locality = ma.fields.String()
    sub_locality = ma.fields.String()
    city = ma.fields.String()
    region = ma.fields.String()
    postal_code = ma.fields.String()
    country_code = ma.fields.String()


class Client(Schema):
    id = ma.fields.Integer()
    provider_user_id = ma.fields.String()
    kind = ma.fields.Function(lambda c: c.kind.value)
    name = ma.fields.String()
    document_number = ma.fields.String()
    email = ma.fields.String()
    phone = ma.fields.String(metadata={"description": "Digits only, with the country code."})
    mobile = ma.fields.String(metadata={"description": "Digits only, with the country code."})
    segment = ma.fields.Function(lambda c: c.segment.value)
    account_manager_id = ma.fields.Integer(allow_none=True)
    client_group_id = ma.fields.Integer(allow_none=True)
    status = ma.fields.Function(lambda c: c.status.value)
    payment_status = ma.fields.Function(lambda c: c.payment_status.value)
    has_access = ma.fields.Boolean(
        metadata={"description": "Active and up to date: the client can use the platform."}
    )
    login_email = ma.fields.String()
    locale = ma.fields.String()
    country_code = ma.fields.String()
    address = ma.fields.Nested(Address, allow_none=True)
    in_migration = ma.fields.Function(
        lambda c: c.frozen_by_migration_id is not None,
        metadata={"description": "A migration runs: the record cannot change until it ends."},
    )
    version = ma.fields.Integer(metadata={"description": "Also the ETag."})
    created_at = Timestamp()
    updated_at = Timestamp()


class Page(Schema):
    next_cursor = ma.fields.String(allow_none=True, metadata={"description": "Pass as `after`."})
    prev_cursor = ma.fields.String(allow_none=True, metadata={"description": "Pass as `before`."})


class ClientPage(Page):
    items = ma.fields.List(ma.fields.Nested(Client))


class ClientQuery(Schema):
    """The list's search and filters, as on the client list page."""

    class Meta:
        unknown = ma.EXCLUDE

    q = ma.fields.String(load_default="", validate=validate.Length(max=200))
    status = ma.fields.String(validate=validate.OneOf([s.value for s in ClientStatus]))
    payment = ma.fields.String(validate=validate.OneOf([p.value for p in PaymentStatus]))
    access = ma.fields.String(
        validate=validate.OneOf(ACCESS_FILTERS),
        metadata={"description": "yes, no, or no_sign_in: has access but no login or password."},
    )
    sort = ma.fields.String(
        load_default="name", validate=validate.OneOf(["name", "-name", "created", "-created"])
    )
    per_page = ma.fields.Integer(load_default=25, validate=validate.Range(min=1, max=100))
    after = ma.fields.String(validate=validate.Length(max=600))
    before = ma.fields.String(validate=validate.Length(max=600))


class StatusWrite(Schema):
    status = ma.fields.String(
        required=True, validate=validate.OneOf([s.value for s in ClientStatus])
    )
    reason = ma.fields.String(
        load_default="",
        validate=validate.Length(max=500),
        metadata={"description": "Required for cancelled and blocked."},
    )


class PaymentWrite(Schema):
    payment_status = ma.fields.String(
        required=True, validate=validate.OneOf([p.value for p in PaymentStatus])
    )


class Contact(Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    role = ma.fields.String()
    email = ma.fields.String()
    phone = ma.fields.String()
    notify_equipment = ma.fields.Boolean()


class ContactWrite(Schema):
    name = ma.fields.String()
    role = ma.fields.String()
    email = ma.fields.String()
    phone = ma.fields.String()
    notify_equipment = ma.fields.Boolean()


class ContactList(Schema):
    items = ma.fields.List(ma.fields.Nested(Contact))


class Asset(Schema):
    id = ma.fields.Integer()
    serial = ma.fields.String()
    name = ma.fields.String()
    status = ma.fields.Function(lambda a: a.status.value)
    client_id = ma.fields.Integer(allow_none=True)


class AssetPage(Page):
    items = ma.fields.List(ma.fields.Nested(Asset))


class AssetQuery(Schema):
    class Meta:
        unknown = ma.EXCLUDE

    free = ma.fields.Boolean(metadata={"description": "Only unassigned devices (or assigned)."})
    per_page = ma.fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))
    after = ma.fields.Integer(validate=validate.Range(min=0, max=2**31 - 1))


class AssetAssign(Schema):
    asset_id = ma.fields.Integer(required=True, strict=True)


class Problem(Schema):
    """RFC 9457 problem details."""

    type = ma.fields.String()
    title = ma.fields.String()
    status = ma.fields.Integer()
    detail = ma.fields.String()
    errors = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.List(ma.fields.String()),
        metadata={
            "description": "Per field (dotted path), what is wrong, in the caller's language."
        },
    )


# --- migrations ---------------------------------------------------------------------------------

_TARGET = ma.fields.String(
    required=True,
    validate=validate.Length(min=1, max=60),
    metadata={"description": "The slug of the brand to move the client to."},
)
_OVERRIDE = ma.fields.String(
    load_default="",
    validate=validate.Length(max=500),
    metadata={"description": "Why a client under contract may move (needs migrations.override)."},
)


class MigrationCheckWrite(Schema):
    target = _TARGET
    override_reason = _OVERRIDE


class Check(Schema):
    key = ma.fields.String()
    ok = ma.fields.Boolean()
    label = ma.fields.String(metadata={"description": "What is checked, in the caller's language."})
    detail = ma.fields.String(allow_none=True, metadata={"description": "Why it failed."})


class CheckReport(Schema):
    passes = ma.fields.Boolean(metadata={"description": "Whether a migration would start."})
    checks = ma.fields.List(ma.fields.Nested(Check))


class MigrationWrite(Schema):
    client_id = ma.fields.Integer(
        required=True, strict=True, validate=validate.Range(min=1, max=2**31 - 1)
    )
    target = _TARGET
    preferred_date = ma.fields.Date(allow_none=True)
    override_reason = _OVERRIDE


class MigrationEvent(Schema):
    at = Timestamp()
    from_state = ma.fields.Function(lambda e: e.from_state.value if e.from_state else None)
    to_state = ma.fields.Function(lambda e: e.to_state.value)
    note = ma.fields.String(allow_none=True)


class Migration(Schema):
    id = ma.fields.Integer()
    client_id = ma.fields.Integer(allow_none=True)
    client_name = ma.fields.String()
    source_brand = ma.fields.Function(lambda m: m.source_brand.slug)
    target_brand = ma.fields.Function(lambda m: m.target_brand.slug)
    state = ma.fields.Function(lambda m: m.state.value)
    preferred_date = ma.fields.Date(allow_none=True)
    override_reason = ma.fields.String(allow_none=True)
    rollback_of_id = ma.fields.Integer(allow_none=True)
    bulk_job_id = ma.fields.Integer(allow_none=True)
    tracking_url = ma.fields.String(allow_none=True)
    created_at = Timestamp()


def _checks_as_they_stood(migration) -> list[dict]:
    return Check(many=True).dump([checks.Check(**c) for c in migration.checks or []])


class MigrationDetail(Migration):
    checks = ma.fields.Function(
        _checks_as_they_stood, metadata={"description": "The checks when it started."}
    )
    timeline = ma.fields.List(ma.fields.Nested(MigrationEvent), attribute="events")


class MigrationPage(Schema):
    items = ma.fields.List(ma.fields.Nested(Migration))
    next_cursor = ma.fields.Integer(
        allow_none=True, metadata={"description": "Pass as `after` for the next (older) page."}
    )


class MigrationQuery(Schema):
    class Meta:
        unknown = ma.EXCLUDE

    state = ma.fields.String(validate=validate.OneOf([s.value for s in MigrationState] + ["open"]))
    per_page = ma.fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    after = ma.fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))


class BulkJobWrite(Schema):
    target = _TARGET
    client_ids = ma.fields.List(
        ma.fields.Integer(strict=True, validate=validate.Range(min=1, max=2**31 - 1)),
        validate=validate.Length(min=1, max=10_000),
        metadata={"description": "The clients to move; or give `matching`."},
    )
    matching = ma.fields.Nested(
        Schema.from_dict(
            {
                "q": ma.fields.String(load_default="", validate=validate.Length(max=200)),
                "status": ClientQuery._declared_fields["status"],
                "payment": ClientQuery._declared_fields["payment"],
                "access": ClientQuery._declared_fields["access"],
            },
            name="BulkMatching",
        ),
        metadata={"description": "Every client the client list's search and filters find."},
    )


class BulkJob(Schema):
    id = ma.fields.Integer()
    source_brand = ma.fields.String()
    target_brand = ma.fields.String()
    created_at = Timestamp()
    finished_at = Timestamp(allow_none=True)
    total = ma.fields.Integer()
    counts = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.Integer(),
        metadata={
            "description": "Clients by result: pending, migrated, refused, failed, waiting "
            "(for the agreement of a target brand in another brand tree)."
        },
    )

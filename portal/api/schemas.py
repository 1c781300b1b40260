"""The API's request and response shapes (marshmallow), which are also its OpenAPI document.

What a client may be written with comes from the same registry as the record page
(`clients.fields.FIELDS`): a field added there is in the API and its documentation at once.
Its values are then checked by the registry's own WTForms field, exactly as on the page; the
schema checks the JSON's shape and types.
"""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from portal.clients.fields import FIELDS
from portal.models import ClientStatus, PaymentStatus

# Every time the API writes is ISO 8601 in UTC, with a Z.
DATETIME = {"format": "iso"}


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
    created_at = ma.fields.DateTime(**DATETIME)
    updated_at = ma.fields.DateTime(**DATETIME)


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
    access = ma.fields.String(validate=validate.OneOf(["yes", "no"]))
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

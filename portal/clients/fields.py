"""The registry of a client record's inline-editable fields.

One entry per field: its label (also its name in the History), tab (the record shows fields on
the personal and other tabs, in the registry's order), permission, the WTForms field that
parses and checks it, how the record shows it (`kind`), and how to read and write it on a
Client. One route and one macro serve them all: adding a field is adding an entry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import Optional

from portal.config import LANGUAGES
from portal.extensions import db
from portal.locale import LANGUAGE_NAMES, country_choices, language_choices
from portal.models import Address, Client, ClientGroup, ClientKind, Membership, Segment, User
from portal.models.types import LabelledEnum
from portal.permissions import can
from portal.tenancy import scoped
from portal.validators import (
    Normalized,
    check_text,
    normalize_document,
    normalize_email,
    normalize_phone,
    normalize_postal_code,
)

# The record's tabs that show fields (templates/clients/record.html).
FIELD_TABS = ("personal", "other")


@dataclass(frozen=True)
class EditableField:
    name: str  # dotted for related rows: "address.city"
    label: Any
    tab: str
    build: Callable[[Client], Any]  # -> an unbound WTForms field
    kind: str = "text"  # how the display macro shows it: text, email, phone, mobile, choice
    permission: str = "clients.edit"
    saved_message: Any = _l("Saved")
    # A choice field's words for every value it may hold, when the input offers fewer (staff
    # deactivated since are not offered, but the record and its History still name them).
    labels: Callable[[Client], dict[str, Any]] | None = None
    # How the REST API types the value ("string" or "integer") and, for a fixed set of values,
    # which ones; the values themselves are checked by the same WTForms field as the pages.
    api_type: str = "string"
    api_values: Callable[[], list[str]] | None = None
    # A choice field's words for the client's own value, found without listing every choice
    # (the record shows eleven fields: a sorted list of countries, a query of the staff...).
    shown: Callable[[Client], Any] | None = None
    # Whether the record's header shows it (the name): a save sends the header again too.
    in_header: bool = False
    # Asked before a save (the inline editor's confirmation), for a change with consequences.
    confirm: Any = None

    def __post_init__(self):
        assert self.tab in FIELD_TABS, f"the record shows no fields on tab {self.tab!r}"

    @property
    def form_name(self) -> str:
        return self.name.replace(".", "__")

    def get(self, client: Client):
        target, attribute = _target(client, self.name, create=False)
        return getattr(target, attribute) if target is not None else ""

    def set(self, client: Client, value) -> None:
        target, attribute = _target(client, self.name, create=True)
        setattr(target, attribute, value)

    def display(self, client: Client) -> str:
        """The stored value as the reader sees it (labels for choices)."""
        value = self.get(client)
        if self.kind == "choice" and self.shown is not None:
            return str(self.shown(client))
        if isinstance(value, LabelledEnum):
            return value.label
        if self.kind == "choice":
            key = audit_value(value) or ""
            return str(self.value_labels(client).get(key, value or ""))
        return "" if value is None else str(value)

    def value_labels(self, client: Client) -> dict[str, Any]:
        """A choice field's values (as the audit trail writes them) -> the words shown."""
        if self.labels is not None:
            return self.labels(client)
        return {c.value: c.label for c in self.build(client).kwargs["choices"]}


def _target(client: Client, name: str, *, create: bool):
    """The object holding a field, and the attribute name: a client or its address."""
    if "." not in name:
        return client, name
    relation, attribute = name.split(".", 1)
    assert relation == "address", name
    if client.address is None and create:
        client.address = Address(country_code=client.country_code)
    return client.address, attribute


# --- field builders -------------------------------------------------------------------------


def _text(label, *, required=False, max_length=120):
    def build(client):
        check = Normalized(check_text, required=required, max_length=max_length)
        return StringField(label, validators=[check], render_kw={"maxlength": max_length})

    return build


def _normalized(label, function, *, required=False, country=False, max_length=254, **kwargs):
    def build(client):
        validators = [Normalized(function, country=country, required=required, **kwargs)]
        if not required:
            validators.insert(0, Optional())
        return StringField(label, validators=validators, render_kw={"maxlength": max_length})

    return build


def _choice(label, choices: Callable[[Client], list[SelectChoice]], coerce=str):
    def build(client):
        return SelectField(label, choices=choices(client), coerce=coerce)

    return build


def _enum(label, enum_cls):
    def build(client):
        return SelectField(label, choices=enum_cls.choices(), coerce=enum_cls.coerce)

    return build


def _language_choices(client):
    return language_choices()


def _country_choices(client):
    return country_choices()


def _staff(*, active_only: bool):
    """The brand's staff users by name; `active_only`: those who may still work in it."""
    members = scoped(Membership).with_only_columns(Membership.user_id)
    users = select(User).order_by(User.name)
    if active_only:
        members = members.where(Membership.active.is_(True))
        users = users.where(User.active.is_(True))
    return db.session.scalars(users.where(User.id.in_(members)))


def _account_manager_choices(client):
    """Who may become the account manager: the brand's active staff."""
    return [
        SelectChoice("", _l("No account manager")),
        *(SelectChoice(str(u.id), u.name) for u in _staff(active_only=True)),
    ]


def _account_manager_labels(client):
    """Every account manager the record may name, deactivated staff included."""
    return {"": _l("No account manager"), **{str(u.id): u.name for u in _staff(active_only=False)}}


def _client_group_choices(client):
    """The client permission groups of the brand."""
    groups = db.session.scalars(scoped(ClientGroup).order_by(ClientGroup.name))
    return [SelectChoice("", _l("No group")), *(SelectChoice(str(g.id), g.name) for g in groups)]


def _account_manager_shown(client):
    manager = client.account_manager
    return manager.name if manager is not None else _l("No account manager")


def _client_group_shown(client):
    group = client.client_group
    return group.name if group is not None else _l("No group")


def _language_shown(client):
    return LANGUAGE_NAMES.get(client.locale, client.locale)


def _country_shown(client):
    return get_locale().territories.get(client.country_code, client.country_code)


def _optional_int(value):
    return int(value) if value not in (None, "", "None") else None


FIELDS: dict[str, EditableField] = {
    field.name: field
    for field in (
        # Personal data
        EditableField(
            "kind",
            _l("Type"),
            "personal",
            _enum(_l("Type"), ClientKind),
            kind="choice",
            api_values=lambda: [k.value for k in ClientKind],
        ),
        EditableField(
            "name",
            _l("Name"),
            "personal",
            _text(_l("Name"), required=True, max_length=200),
            in_header=True,
        ),
        EditableField(
            "document_number",
            _l("Document number"),
            "personal",
            _normalized(_l("Document number"), normalize_document, country=True, max_length=40),
        ),
        EditableField(
            "email",
            _l("Email"),
            "personal",
            _normalized(_l("Email"), normalize_email),
            kind="email",
        ),
        EditableField(
            "phone",
            _l("Phone"),
            "personal",
            _normalized(_l("Phone"), normalize_phone, country=True, max_length=30),
            kind="phone",
        ),
        EditableField(
            "mobile",
            _l("Mobile"),
            "personal",
            _normalized(_l("Mobile"), normalize_phone, country=True, mobile=True, max_length=30),
            kind="mobile",
        ),
        EditableField(
            "segment",
            _l("Segment"),
            "personal",
            _enum(_l("Segment"), Segment),
            kind="choice",
            api_values=lambda: [s.value for s in Segment],
        ),
        EditableField(
            "account_manager_id",
            _l("Account manager"),
            "personal",
            _choice(_l("Account manager"), _account_manager_choices, coerce=_optional_int),
            kind="choice",
            labels=_account_manager_labels,
            api_type="integer",
            shown=_account_manager_shown,
        ),
        EditableField(
            "client_group_id",
            _l("Client permission group"),
            "personal",
            _choice(_l("Client permission group"), _client_group_choices, coerce=_optional_int),
            kind="choice",
            saved_message=_l("Permissions linked."),
            api_type="integer",
            shown=_client_group_shown,
            confirm=_l(
                "Change the client's permission group? It decides at once what the client "
                "may use in the tracking platform."
            ),
        ),
        EditableField(
            "locale",
            _l("Language"),
            "personal",
            _choice(_l("Language"), _language_choices),
            kind="choice",
            api_values=lambda: list(LANGUAGES),
            shown=_language_shown,
        ),
        EditableField(
            "country_code",
            _l("Country"),
            "personal",
            _choice(_l("Country"), _country_choices),
            kind="choice",
            shown=_country_shown,
        ),
        # Address, on the Other tab
        EditableField(
            "address.street",
            _l("Street"),
            "other",
            _text(_l("Street"), required=True, max_length=200),
        ),
        EditableField("address.number", _l("Number"), "other", _text(_l("Number"), max_length=20)),
        EditableField(
            "address.complement",
            _l("Address line 2"),
            "other",
            _text(_l("Address line 2"), max_length=120),
        ),
        EditableField(
            "address.locality", _l("Locality"), "other", _text(_l("Locality"), required=True)
        ),
        EditableField(
            "address.sub_locality",
            _l("Sub-locality"),
            "other",
            _text(_l("Sub-locality"), required=True),
        ),
        EditableField("address.city", _l("City"), "other", _text(_l("City"), required=True)),
        EditableField("address.region", _l("Region"), "other", _text(_l("Region"))),
        EditableField(
            "address.postal_code",
            _l("Postal code"),
            "other",
            _normalized(
                _l("Postal code"), normalize_postal_code, country=True, required=True, max_length=20
            ),
        ),
    )
}


def fields_of_tab(tab: str) -> list[EditableField]:
    return [field for field in FIELDS.values() if field.tab == tab]


def editable_fields(tab: str) -> list[EditableField]:
    """The fields of a tab the current user may change (each by its own permission)."""
    return [field for field in fields_of_tab(tab) if can(field.permission)]


def audit_value(value) -> str | None:
    """How a value is written into the audit trail."""
    if value is None or value == "":
        return None
    return str(value.value if hasattr(value, "value") else value)

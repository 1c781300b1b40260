"""The lists inside a client record (contacts, business units, documents, contracts, cards).

One registry and one set of routes serve them all: add, edit and remove an item in place.
An entry says everything about its list: its label (also its name in the History), tab and
place on it (the registry's order), permission, form, the one-line summary of an item, and
whether it takes a file (its form has a file input). Adding a list is adding an entry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import format_currency, format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.fields import FileField as FileInput
from wtforms.fields.core import UnboundField
from wtforms.validators import InputRequired, NumberRange, Optional
from wtforms.validators import ValidationError as WTFValidationError

from portal.clients import files
from portal.forms import PortalForm
from portal.models import (
    BusinessUnit,
    CardKind,
    Client,
    Contact,
    Contract,
    Document,
    DocumentKind,
    PaymentMethod,
)
from portal.templating import phone_display
from portal.validators import (
    Normalized,
    ValidationError,
    check_card_expiry,
    check_card_number,
    check_text,
    normalize_email,
    normalize_phone,
)

CURRENCIES = ("EUR", "GBP", "BRL", "PLN", "USD")


def _text(label, *, required=False, max_length=120):
    check = Normalized(check_text, required=required, max_length=max_length)
    return StringField(label, validators=[check], render_kw={"maxlength": max_length})


class ContactForm(PortalForm):
    name = _text(_l("Name"), required=True, max_length=200)
    role = _text(_l("Role"), max_length=80)
    email = StringField(
        _l("Email"),
        validators=[Optional(), Normalized(normalize_email)],
        render_kw={"maxlength": 254},
    )
    phone = StringField(
        _l("Phone"),
        validators=[Optional(), Normalized(normalize_phone, country=True)],
        render_kw={"maxlength": 30},
    )
    notify_equipment = BooleanField(_l("Receives equipment notifications"))


class BusinessUnitForm(PortalForm):
    name = _text(_l("Name"), required=True)
    code = _text(_l("Code"), max_length=40)


class DocumentForm(PortalForm):
    kind = SelectField(_l("Type"), choices=DocumentKind.choices, coerce=DocumentKind.coerce)
    number = _text(_l("Number"), required=True, max_length=60)
    issued_on = DateField(_l("Issued on"), validators=[Optional()])
    file = FileField(_l("File (PDF, JPEG or PNG)"))
    accepted_file = None  # set by validate_file: written once the rules accept the change

    def validate_file(self, field):
        self.accepted_file = None
        if field.data:
            try:
                self.accepted_file = files.accept(field.data)
            except ValidationError as error:
                raise WTFValidationError(str(error)) from None

    def validate_issued_on(self, field):
        if field.data and field.data > date.today():
            raise WTFValidationError(_l("The issue date cannot be in the future."))


class ContractForm(PortalForm):
    number = _text(_l("Number"), required=True, max_length=40)
    plan = _text(_l("Plan"), required=True, max_length=80)
    starts_on = DateField(_l("Start"), validators=[InputRequired()])
    ends_on = DateField(_l("End"), validators=[Optional()])
    monthly_fee = DecimalField(
        _l("Monthly fee"), places=2, validators=[InputRequired(), NumberRange(min=0, max=1_000_000)]
    )
    currency = SelectField(_l("Currency"), choices=[SelectChoice(c) for c in CURRENCIES])

    def validate_ends_on(self, field):
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise WTFValidationError(_l("The end date cannot be before the start date."))


class CardForm(PortalForm):
    kind = SelectField(_l("Type"), choices=CardKind.choices, coerce=CardKind.coerce)
    holder = _text(_l("Cardholder name"), required=True)
    number = StringField(
        _l("Card number"),
        validators=[InputRequired()],
        render_kw={"autocomplete": "off", "inputmode": "numeric", "maxlength": 30},
    )
    exp_month = IntegerField(_l("Expiry month"), validators=[InputRequired()])
    exp_year = IntegerField(_l("Expiry year"), validators=[InputRequired()])

    def validate_number(self, field):
        try:
            self.card = check_card_number(field.data or "")
        except ValidationError as error:
            raise WTFValidationError(str(error)) from None
        finally:
            field.data = ""  # the number is never sent back, not even into the form

    def validate_exp_year(self, field):
        try:
            check_card_expiry(self.exp_month.data or 0, field.data or 0, date.today())
        except ValidationError as error:
            raise WTFValidationError(str(error)) from None


def _card_values(form: CardForm, client: Client) -> dict:
    network, last4 = form.card
    year = form.exp_year.data
    return {
        "kind": form.kind.data,
        "holder": form.holder.data,
        "network": network,
        "last4": last4,
        "exp_month": form.exp_month.data,
        "exp_year": year + 2000 if year < 100 else year,
    }


def _document_values(form: DocumentForm, client: Client) -> dict:
    return {"kind": form.kind.data, "number": form.number.data, "issued_on": form.issued_on.data}


def _plain_values(form: PortalForm, client: Client) -> dict:
    return {name: field.data for name, field in form._fields.items() if name != "csrf_token"}


# --- how an item is summed up in its list ------------------------------------------------


@dataclass(frozen=True)
class Part:
    """One piece of an item's one-line summary; the list joins the pieces with " · "."""

    text: str
    kind: str = "text"  # text, title (the item's name, in bold), link (to href), badge
    href: str | None = None


def _title(text) -> Part:
    return Part(str(text), "title")


def _contact_summary(contact: Contact) -> list:
    return [
        _title(contact.name),
        contact.role,
        contact.email and Part(contact.email, "link", f"mailto:{contact.email}"),
        phone_display(contact.phone),
        contact.notify_equipment and Part(_("Equipment notifications"), "badge"),
    ]


def _business_unit_summary(unit: BusinessUnit) -> list:
    return [_title(unit.name), unit.code]


def _document_summary(document: Document) -> list:
    issued = document.issued_on and _("issued on %(date)s", date=format_date(document.issued_on))
    return [_title(document.kind.label), document.number, issued]


def _contract_summary(contract: Contract) -> list:
    ends = format_date(contract.ends_on) if contract.ends_on else _("open-ended")
    return [
        _title(contract.number),
        contract.plan,
        f"{format_date(contract.starts_on)} – {ends}",
        _("%(amount)s a month", amount=format_currency(contract.monthly_fee, contract.currency)),
    ]


def _card_summary(card: PaymentMethod) -> list:
    return [
        _title(card.kind.label),
        f"{card.network.upper()} •••• {card.last4}",
        _("expires %(month)02d/%(year)d", month=card.exp_month, year=card.exp_year),
        card.holder,
    ]


# --- the registry -------------------------------------------------------------------------


@dataclass(frozen=True)
class Collection:
    name: str  # URL segment, the audit trail's field and (unless `relation`) relation on Client
    label: Any  # the list's heading, and its name in the History
    add_label: Any
    tab: str
    model: type
    form: type[PortalForm]
    describe: Callable[[Any], str]  # what the audit trail says of an item
    summary: Callable[[Any], list]  # the item in its list: Parts and plain strings
    values: Callable[[PortalForm, Client], dict] = _plain_values
    editable: bool = True  # cards are replaced, never edited
    permission: str = "clients.edit"  # to add, change and remove items; reading is clients.view
    relation: str | None = None  # the relation on Client, when it is not named `name`

    @property
    def attribute(self):
        """The relationship on Client holding the items (for loading them with the client)."""
        return getattr(Client, self.relation or self.name)

    def items(self, client: Client) -> list:
        return getattr(client, self.relation or self.name)

    def upload_of(self, form: PortalForm):
        """The file the form brought, accepted but not yet written (None without one)."""
        return getattr(form, "accepted_file", None)

    def summary_of(self, item) -> list[Part]:
        return [p if isinstance(p, Part) else Part(str(p)) for p in self.summary(item) if p]

    @property
    def takes_file(self) -> bool:
        """Whether an item carries an uploaded file: its form has a file input."""
        inputs = (getattr(self.form, name) for name in dir(self.form))
        return any(
            isinstance(i, UnboundField) and issubclass(i.field_class, FileInput) for i in inputs
        )


# In the order the record shows them on their tab.
COLLECTIONS: dict[str, Collection] = {
    c.name: c
    for c in (
        Collection(
            "documents",
            _l("Documents"),
            _l("Add a document"),
            "documents",
            Document,
            DocumentForm,
            describe=lambda d: f"{d.kind.value} {d.number}",
            summary=_document_summary,
            values=_document_values,
        ),
        Collection(
            "contracts",
            _l("Contracts"),
            _l("Add a contract"),
            "other",
            Contract,
            ContractForm,
            describe=lambda c: c.number,
            summary=_contract_summary,
        ),
        Collection(
            "payment_methods",
            _l("Payment methods"),
            _l("Add a card"),
            "other",
            PaymentMethod,
            CardForm,
            describe=lambda p: f"{p.network} •••• {p.last4}",
            summary=_card_summary,
            values=_card_values,
            editable=False,
        ),
        Collection(
            "contacts",
            _l("Contacts"),
            _l("Add a contact"),
            "other",
            Contact,
            ContactForm,
            describe=lambda c: c.name,
            summary=_contact_summary,
        ),
        Collection(
            "business_units",
            _l("Business units"),
            _l("Add a business unit"),
            "other",
            BusinessUnit,
            BusinessUnitForm,
            describe=lambda u: u.name,
            summary=_business_unit_summary,
        ),
    )
}


def collections_of_tab(tab: str) -> list[Collection]:
    return [c for c in COLLECTIONS.values() if c.tab == tab]

"""Column types and enumerations shared by the models."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from functools import lru_cache

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import DateTime, Enum, TypeDecorator
from wtforms import SelectChoice

from portal.locale import locale_name


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime given to a UTC column")
            value = value.astimezone(UTC)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class LabelledEnum(enum.StrEnum):
    """A string enum whose members carry a translatable label (see LABELS in each subclass)."""

    @property
    def label(self) -> str:
        # Translated once per language and process: a list page shows three labels a row.
        return _translated_labels(type(self), locale_name())[self]

    @classmethod
    def _labels(cls) -> dict:
        raise NotImplementedError

    @classmethod
    def coerce(cls, value):
        """For a SelectField: the member, or the raw value for the field to call not a choice."""
        try:
            return cls(value)
        except ValueError:
            return value

    @classmethod
    def choices(cls) -> list[SelectChoice]:
        return [SelectChoice(member.value, member.label) for member in cls]


@lru_cache(maxsize=256)
def _translated_labels(enum_cls: type[LabelledEnum], locale: str) -> dict:
    """The members' labels in `locale` (the locale of the request or of force_locale)."""
    return {member: str(label) for member, label in enum_cls._labels().items()}


def enum_column(enum_cls: type[enum.Enum]) -> Enum:
    """Store an enum by its value in a plain VARCHAR, so adding a member needs no type change."""
    return Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=20,
        values_callable=lambda members: [m.value for m in members],
    )


class Role(LabelledEnum):
    BRAND_ADMIN = "brand_admin"
    RESELLER = "reseller"
    SUPPORT = "support"

    @classmethod
    def _labels(cls):
        return {
            cls.BRAND_ADMIN: _l("Brand admin"),
            cls.RESELLER: _l("Reseller"),
            cls.SUPPORT: _l("Support (read-only)"),
        }


class LinkPurpose(enum.StrEnum):
    INVITATION = "invitation"  # join a brand (a new account also chooses its password)
    PASSWORD_RESET = "password_reset"  # noqa: S105 - a name, not a secret


class ClientKind(LabelledEnum):
    PERSON = "person"
    COMPANY = "company"

    @classmethod
    def _labels(cls):
        return {cls.PERSON: _l("Person"), cls.COMPANY: _l("Company")}


class ClientStatus(LabelledEnum):
    ACTIVE = "active"
    CANCELLED = "cancelled"
    BLOCKED = "blocked"

    @classmethod
    def _labels(cls):
        return {
            cls.ACTIVE: _l("Active"),
            cls.CANCELLED: _l("Cancelled"),
            cls.BLOCKED: _l("Blocked"),
        }


class PaymentStatus(LabelledEnum):
    UP_TO_DATE = "up_to_date"
    DELINQUENT = "delinquent"

    @classmethod
    def _labels(cls):
        return {cls.UP_TO_DATE: _l("Up to date"), cls.DELINQUENT: _l("Delinquent")}


class Segment(LabelledEnum):
    DEALER = "dealer"
    SERVICE_PROVIDER = "service_provider"
    RENTAL = "rental"
    OTHER = "other"

    @classmethod
    def _labels(cls):
        return {
            cls.DEALER: _l("Dealer"),
            cls.SERVICE_PROVIDER: _l("Service provider"),
            cls.RENTAL: _l("Rental"),
            cls.OTHER: lazy_pgettext("segment", "Other"),
        }


class AssetStatus(LabelledEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    INACTIVE = "inactive"

    @classmethod
    def _labels(cls):
        return {
            cls.ACTIVE: _l("In service"),
            cls.SUSPENDED: _l("Suspended"),
            cls.INACTIVE: _l("Out of service"),
        }


class DocumentKind(LabelledEnum):
    ID_CARD = "id_card"
    PASSPORT = "passport"
    TAX_ID = "tax_id"
    COMPANY_REGISTRATION = "company_registration"
    OTHER = "other"

    @classmethod
    def _labels(cls):
        return {
            cls.ID_CARD: _l("Identity card"),
            cls.PASSPORT: _l("Passport"),
            cls.TAX_ID: _l("Tax number"),
            cls.COMPANY_REGISTRATION: _l("Company registration"),
            cls.OTHER: lazy_pgettext("document", "Other"),
        }


class CardKind(LabelledEnum):
    CREDIT = "credit"
    DEBIT = "debit"

    @classmethod
    def _labels(cls):
        return {cls.CREDIT: _l("Credit card"), cls.DEBIT: _l("Debit card")}

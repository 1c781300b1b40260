from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Date,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    and_,
    event,
    or_,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from portal.extensions import db
from portal.models.brand import Brand
from portal.models.groups import ClientGroup
from portal.models.types import (
    CardKind,
    ClientKind,
    ClientStatus,
    DocumentKind,
    PaymentStatus,
    Segment,
    UTCDateTime,
    enum_column,
    utcnow,
)
from portal.models.user import User
from portal.text import digits, fold


class Client(db.Model):
    """An end customer of one brand."""

    __tablename__ = "clients"
    __table_args__ = (
        UniqueConstraint("brand_id", "provider_user_id"),
        # Keyset pagination for each sort order of the list.
        Index("ix_clients_brand_name", "brand_id", "name_key", "id"),
        Index("ix_clients_brand_created", "brand_id", "created_at", "id"),
        Index("ix_clients_brand_status", "brand_id", "status", "payment_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # active_history: the old value is known when these change (portal/models/counters.py).
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id"), active_history=True)
    provider_user_id: Mapped[str] = mapped_column(String(40))
    kind: Mapped[ClientKind] = mapped_column(enum_column(ClientKind), default=ClientKind.COMPANY)
    name: Mapped[str] = mapped_column(String(200))
    document_number: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")  # digits only, with country code
    mobile: Mapped[str] = mapped_column(String(20), default="")  # digits only, with country code
    account_manager_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    segment: Mapped[Segment] = mapped_column(enum_column(Segment), default=Segment.OTHER)
    client_group_id: Mapped[int | None] = mapped_column(ForeignKey("client_groups.id"), index=True)
    status: Mapped[ClientStatus] = mapped_column(
        enum_column(ClientStatus), default=ClientStatus.ACTIVE, active_history=True
    )
    payment_status: Mapped[PaymentStatus] = mapped_column(
        enum_column(PaymentStatus), default=PaymentStatus.UP_TO_DATE, active_history=True
    )
    login_email: Mapped[str] = mapped_column(String(254), default="")
    login_password_hash: Mapped[str | None] = mapped_column(String(255))
    locale: Mapped[str] = mapped_column(String(5), default="en")
    country_code: Mapped[str] = mapped_column(String(2))
    version: Mapped[int] = mapped_column(default=1)
    # The open migration that freezes this record, if any (set at its start, cleared at its
    # end). No foreign key: migrations refer to clients, and a cycle of keys helps nobody.
    frozen_by_migration_id: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Derived columns, kept up to date by refresh_derived(): the sort key of the list and the
    # one column that search looks in.
    # Compared byte by byte on PostgreSQL too (as on SQLite): the list sorts the same on both,
    # and a name prefix is one range of the (brand, name) index (search of short words).
    name_key: Mapped[str] = mapped_column(
        String(200).with_variant(String(200, collation="C"), "postgresql"), default=""
    )
    search_text: Mapped[str] = mapped_column(Text, default="")

    # SQLAlchemy adds "AND version = <loaded>" to every UPDATE, so a save racing another between
    # load and commit fails; the rules also compare the version the form was opened with.
    __mapper_args__ = {"version_id_col": version}

    brand: Mapped[Brand] = relationship()
    client_group: Mapped[ClientGroup | None] = relationship()
    account_manager: Mapped[User | None] = relationship()
    address: Mapped[Address | None] = relationship(
        back_populates="client", cascade="all, delete-orphan"
    )
    contacts: Mapped[list[Contact]] = relationship(
        back_populates="client", cascade="all, delete-orphan", order_by="Contact.id"
    )
    documents: Mapped[list[Document]] = relationship(
        cascade="all, delete-orphan", order_by="Document.id"
    )
    contracts: Mapped[list[Contract]] = relationship(
        cascade="all, delete-orphan", order_by="Contract.starts_on"
    )
    payment_methods: Mapped[list[PaymentMethod]] = relationship(
        cascade="all, delete-orphan", order_by="PaymentMethod.id"
    )
    business_units: Mapped[list[BusinessUnit]] = relationship(
        cascade="all, delete-orphan", order_by="BusinessUnit.name"
    )
    assets: Mapped[list[Asset]] = relationship(  # noqa: F821 - defined in asset.py
        back_populates="client", order_by="Asset.serial"
    )

    @hybrid_property
    def has_access(self) -> bool:
        """The client may use the tracking platform only when Active and Up to date."""
        return Client.grants_access(self.status, self.payment_status)

    @staticmethod
    def grants_access(status, payment_status) -> bool:
        """Whether a client of this status and payment situation may use the platform (the
        rule of `has_access`, for a pair without a client: the list's count by counters)."""
        return status == ClientStatus.ACTIVE and payment_status == PaymentStatus.UP_TO_DATE

    @has_access.inplace.expression
    @classmethod
    def _has_access_expression(cls):
        return and_(
            cls.status == ClientStatus.ACTIVE, cls.payment_status == PaymentStatus.UP_TO_DATE
        )

    @hybrid_property
    def sign_in_incomplete(self) -> bool:
        """No login email, or no password yet (sign_in_missing says which)."""
        return self.sign_in_missing is not None

    @sign_in_incomplete.inplace.expression
    @classmethod
    def _sign_in_incomplete_expression(cls):
        return or_(
            cls.login_email.is_(None), cls.login_email == "", cls.login_password_hash.is_(None)
        )

    @property
    def sign_in_missing(self) -> str | None:
        """What a client with access still lacks to sign in to the tracking platform: "login"
        (no login email) or "password" (none set yet); None when it can sign in."""
        if not self.login_email:
            return "login"
        if not self.login_password_hash:
            return "password"
        return None

    def under_contract_until(self, today: date) -> date | None:
        """The last end date of a contract still running on `today`; None when free."""
        ends = [c.ends_on for c in self.contracts if c.ends_on and c.ends_on >= today]
        return max(ends, default=None)

    def refresh_derived(self) -> None:
        values = {name: getattr(self, name) for name in DERIVED_FROM}
        for name, value in derived_columns(values).items():
            setattr(self, name, value)


# What derived_columns reads: the client's own values, nothing related.
DERIVED_FROM = ("name", "email", "login_email", "document_number", "phone", "mobile",
                "provider_user_id")  # fmt: skip


def derived_columns(values) -> dict[str, str]:
    """The columns a client row derives from its own values (a mapping of column -> value):
    the list's sort key and the one text its search looks in (indexed: portal/models/search.py).

    The one way they are computed: Client.refresh_derived on every flush, and the bulk path
    (portal/demo/bulk.py) for rows it inserts without the ORM."""
    return {
        "name_key": fold(values["name"]),
        "search_text": client_search_text(**{name: values[name] for name in DERIVED_FROM}),
    }


def client_search_text(
    *, name, email, login_email, document_number, phone, mobile, provider_user_id
) -> str:
    """What the client list searches: folded words, then the digits of numbers."""
    words = [
        fold(name),
        fold(email),
        fold(login_email),
        fold(provider_user_id),
        fold(document_number),
    ]
    numbers = [digits(document_number), digits(phone), digits(mobile)]
    return " ".join(part for part in words + numbers if part)


@event.listens_for(Session, "before_flush")
def _refresh_client_derived(session, flush_context, instances):
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, Client):
            obj.refresh_derived()


class Address(db.Model):
    __tablename__ = "addresses"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(
        ForeignKey("clients.id", ondelete="CASCADE"), unique=True
    )
    street: Mapped[str] = mapped_column(String(200), default="")
    number: Mapped[str] = mapped_column(String(20), default="")
    complement: Mapped[str] = mapped_column(String(120), default="")
    locality: Mapped[str] = mapped_column(String(120), default="")
    sub_locality: Mapped[str] = mapped_column(String(120), default="")
    city: Mapped[str] = mapped_column(String(120), default="")
    region: Mapped[str] = mapped_column(String(120), default="")
    postal_code: Mapped[str] = mapped_column(String(20), default="")
    country_code: Mapped[str] = mapped_column(String(2))

    client: Mapped[Client] = relationship(back_populates="address")


class Contact(db.Model):
    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    role: Mapped[str] = mapped_column(String(80), default="")
    notify_equipment: Mapped[bool] = mapped_column(default=False)

    client: Mapped[Client] = relationship(back_populates="contacts")


class Document(db.Model):
    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    kind: Mapped[DocumentKind] = mapped_column(enum_column(DocumentKind))
    number: Mapped[str] = mapped_column(String(60))
    issued_on: Mapped[date | None] = mapped_column(Date)
    # An optional scan, kept outside static/ under a generated name (see clients/files.py).
    file_name: Mapped[str | None] = mapped_column(String(200))
    stored_name: Mapped[str | None] = mapped_column(String(64), unique=True)
    content_type: Mapped[str | None] = mapped_column(String(40))
    size: Mapped[int | None]


class BusinessUnit(db.Model):
    """A part of the client's organisation (a depot, a branch) that groups its equipment."""

    __tablename__ = "business_units"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    code: Mapped[str] = mapped_column(String(40), default="")


class Contract(db.Model):
    __tablename__ = "contracts"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    number: Mapped[str] = mapped_column(String(40))
    plan: Mapped[str] = mapped_column(String(80))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    monthly_fee: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    currency: Mapped[str] = mapped_column(String(3))


class PaymentMethod(db.Model):
    """A card on file. Only the network, the last four digits and the expiry are ever stored."""

    __tablename__ = "payment_methods"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    kind: Mapped[CardKind] = mapped_column(enum_column(CardKind))
    holder: Mapped[str] = mapped_column(String(120))
    network: Mapped[str] = mapped_column(String(20))
    last4: Mapped[str] = mapped_column(String(4))
    exp_month: Mapped[int]
    exp_year: Mapped[int]

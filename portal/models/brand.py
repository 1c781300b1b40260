from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.types import UTCDateTime, utcnow

# A brand's web address: a–z, 0–9 and inner dashes, as a DNS label.
SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\Z")


class Brand(db.Model):
    """A white-label tenant with its own portal under /<slug>/; a sub-brand has a parent."""

    __tablename__ = "brands"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("brands.id"), index=True)
    default_locale: Mapped[str] = mapped_column(String(5), default="en")
    country_code: Mapped[str] = mapped_column(String(2))  # ISO 3166-1 alpha-2, upper case
    tracking_url_template: Mapped[str] = mapped_column(String(255), default="")
    theme_color: Mapped[str] = mapped_column(String(7), default="#1d4ed8")
    active: Mapped[bool] = mapped_column(default=True)
    logo_name: Mapped[str | None] = mapped_column(String(64))  # a PNG in instance/logos/
    # The sender of the brand's emails; blank: the platform's (MAIL_DEFAULT_SENDER), under the
    # brand's name. The support address is the Reply-To: where clients' answers go.
    mail_from_name: Mapped[str] = mapped_column(String(120), default="", server_default="")
    mail_from_address: Mapped[str] = mapped_column(String(254), default="", server_default="")
    support_email: Mapped[str] = mapped_column(String(254), default="", server_default="")
    # A transfer into this brand from another brand tree waits for the client's agreement too.
    transfer_needs_client_consent: Mapped[bool] = mapped_column(
        default=False, server_default=false()
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    parent: Mapped[Brand | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Brand]] = relationship(back_populates="parent")

    def tree_root_id(self) -> int:
        """The main brand this brand belongs to (itself when it has no parent)."""
        brand, seen = self, set()
        while brand.parent is not None and brand.id not in seen:
            seen.add(brand.id)
            brand = brand.parent
        return brand.id

    def __repr__(self) -> str:
        return f"<Brand {self.slug}>"

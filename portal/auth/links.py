"""Account links: the single-use, expiring links that reach an account holder by email.

An invitation asks a person to join a brand (a new account also chooses its first password
there); a password reset lets them choose a new password, the old one working until then. Only
the holder, by opening the link from their own mailbox, joins or chooses: no administrator ever
grants access to somebody else's account or sets their password. No HTTP here.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, render_template, url_for
from flask_babel import force_locale, format_datetime
from flask_babel import gettext as _
from sqlalchemy import select

from portal import audit
from portal.auth.rules import change_password, revoke_links
from portal.db import widen_brand_scope
from portal.extensions import db
from portal.locale import regional_locale
from portal.models import (
    LINK_TOKEN,
    AccountLink,
    Brand,
    LinkPurpose,
    Membership,
    OutboxEmail,
    PermissionGroup,
    User,
    utcnow,
)
from portal.models.user import hash_token
from portal.outbox import emails


class LinkError(Exception):
    """A link that cannot do what was asked; `message` says why, in the reader's language."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def live(query):
    """`query` of AccountLink narrowed to the links that still work."""
    now = utcnow()
    return query.where(
        AccountLink.used_at.is_(None),
        AccountLink.revoked_at.is_(None),
        AccountLink.expires_at > now,
    )


def find_live(token: str | None) -> AccountLink | None:
    """The live link a token opens, or None (unknown, used, replaced, revoked or expired)."""
    if not token or len(token) > 100:
        return None
    return db.session.scalar(
        live(select(AccountLink)).where(AccountLink.token_hash == hash_token(token))
    )


def pending_invitations(user: User) -> list[AccountLink]:
    """The user's live invitations, newest first."""
    return list(
        db.session.scalars(
            live(select(AccountLink))
            .where(AccountLink.user_id == user.id, AccountLink.purpose == LinkPurpose.INVITATION)
            .order_by(AccountLink.id.desc())
        )
    )


def invite(user: User, brand: Brand, group: PermissionGroup, *, created_by: User) -> OutboxEmail:
    """Email the holder an invitation to join `brand` in `group`; nothing is granted until
    they accept. A newer invitation to the same brand replaces the older one."""
    revoke_links(user.id, purpose=LinkPurpose.INVITATION, brand_id=brand.id)
    link = _new_link(user, LinkPurpose.INVITATION, brand, group, created_by)
    audit.record(
        "member.invited", brand_id=brand.id, field="membership", new=user.email, note=group.name
    )
    return _queue(
        link,
        "emails/invitation",
        lambda: _("Invitation to the %(brand)s portal", brand=brand.name),
    )


def send_password_reset(user: User, brand: Brand, *, created_by: User) -> OutboxEmail:
    """Email the holder a link to choose a new password; the current one works until then."""
    revoke_links(user.id, purpose=LinkPurpose.PASSWORD_RESET)
    link = _new_link(user, LinkPurpose.PASSWORD_RESET, brand, None, created_by)
    audit.record("member.password_link", brand_id=brand.id, field="membership", new=user.email)
    return _queue(
        link,
        "emails/password_reset",
        lambda: _("Choose a new password for %(brand)s", brand=brand.name),
    )


def _new_link(user, purpose, brand, group, created_by) -> AccountLink:
    now = utcnow()
    link = AccountLink(
        purpose=purpose,
        user_id=user.id,
        brand_id=brand.id,
        group_id=group.id if group else None,
        created_by_id=created_by.id,
        created_at=now,
        expires_at=now + timedelta(hours=current_app.config["ACCOUNT_LINK_HOURS"]),
    )
    db.session.add(link)
    db.session.flush()
    return link


def _queue(link: AccountLink, template: str, subject) -> OutboxEmail:
    """The link's email in the holder's language (`template`.txt and .html). Both parts have
    LINK_TOKEN where the token goes: the token is made when the email is sent (outbox.emails)."""
    user, brand = link.user, link.brand
    locale = user.locale or brand.default_locale
    url = url_for("auth.open_link", brand_slug=brand.slug, token=LINK_TOKEN, _external=True)
    with force_locale(regional_locale(locale, brand.country_code)):
        context = {
            "user": user,
            "brand": brand,
            "group": link.group,
            "inviter": link.created_by,
            "url": url,
            "expires": format_datetime(link.expires_at, "long"),
            "locale": locale,
        }
        text = str(subject())
        body = render_template(f"{template}.txt", **context)
        html = render_template(f"{template}.html", subject=text, **context)
    return emails.queue(
        recipient=user.email,
        locale=locale,
        subject=text,
        body=body,
        html=html,
        brand_id=brand.id,
        account_link_id=link.id,
    )


def accept_invitation(link: AccountLink, new_password: str | None = None) -> Membership:
    """The holder joins the brand in the invited group (a new account with its first password)."""
    if link.purpose != LinkPurpose.INVITATION or not link.is_live(utcnow()):
        raise LinkError(_("This invitation is no longer valid."))
    # Accepted from any brand's page: the answer is on record in the inviting brand.
    widen_brand_scope(link.brand_id)
    user = link.user
    if user.password_hash is None:
        if not new_password:
            raise LinkError(_("Choose a password to join."))
        change_password(user, new_password)
    membership = db.session.scalar(
        select(Membership).where(
            Membership.user_id == user.id, Membership.brand_id == link.brand_id
        )
    )
    if membership is None:
        membership = Membership(user_id=user.id, brand_id=link.brand_id, group_id=link.group_id)
        db.session.add(membership)
    membership.active, membership.group_id = True, link.group_id
    link.used_at = utcnow()
    audit.record(
        "member.added",
        brand_id=link.brand_id,
        field="membership",
        new=user.email,
        note=link.group.name,
        actor_id=user.id,
    )
    return membership


def decline_invitation(link: AccountLink) -> None:
    if link.purpose != LinkPurpose.INVITATION or not link.is_live(utcnow()):
        raise LinkError(_("This invitation is no longer valid."))
    widen_brand_scope(link.brand_id)
    link.used_at = utcnow()
    audit.record(
        "member.declined",
        brand_id=link.brand_id,
        field="membership",
        old=link.user.email,
        actor_id=link.user_id,
    )


def choose_password(link: AccountLink, new_password: str) -> None:
    """A reset link's holder sets the new password; every session of theirs ends with it."""
    if link.purpose != LinkPurpose.PASSWORD_RESET or not link.is_live(utcnow()):
        raise LinkError(_("This link is no longer valid."))
    link.used_at = utcnow()
    change_password(link.user, new_password)

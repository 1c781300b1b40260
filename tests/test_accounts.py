"""Staff accounts across brands: invitations and password links reach only the account holder;
no brand admin can take over an account that also works for another brand."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import (
    AccountLink,
    AuditEvent,
    Brand,
    Membership,
    OutboxEmail,
    PermissionGroup,
    Role,
    User,
    utcnow,
)
from tests.conftest import PASSWORD, login, make_brand, make_user

NEW = "Quiet-Meadow-Compass-77"
ATTACKER = "Blue-Harbour-Lantern-42"


@pytest.fixture
def brands(app):
    with app.app_context():
        acme = make_brand("acme", name="Acme Tracking")
        other = make_brand("other", name="Other Fleet", default_locale="fr")
        make_user("admin@acme.test", acme, Role.BRAND_ADMIN, name="Ada Admin")
        make_user("reseller@acme.example", acme, Role.RESELLER, name="Rui Reseller")
        make_user("admin@other.example", other, Role.BRAND_ADMIN, name="Olga Other", locale="fr")
        shared = make_user("shared@both.example", acme, Role.RESELLER, name="Sam Shared")
        other_reseller = db.session.scalar(
            select(PermissionGroup).where(
                PermissionGroup.brand_id == other.id, PermissionGroup.builtin == Role.RESELLER
            )
        )
        db.session.add(Membership(user_id=shared.id, brand_id=other.id, group_id=other_reseller.id))
        make_user("root@platform.example", None, is_platform_admin=True, name="Root")
        db.session.commit()
        return {"acme": acme.id, "other": other.id}


def membership_id(app, email, slug):
    with app.app_context():
        return db.session.scalar(
            select(Membership.id)
            .join(User)
            .join(Brand, Brand.id == Membership.brand_id)
            .where(User.email == email, Brand.slug == slug)
        )


def group_id(app, slug, role):
    with app.app_context():
        return db.session.scalar(
            select(PermissionGroup.id)
            .join(Brand)
            .where(Brand.slug == slug, PermissionGroup.builtin == role)
        )


def invite(http, app, email, *, slug="acme", role=Role.SUPPORT, name="Newcomer", locale="en"):
    return http.post(
        f"/{slug}/admin/users",
        data={
            "email": email,
            "name": name,
            "locale": locale,
            "group_id": group_id(app, slug, role),
        },
        follow_redirects=True,
    )


def audit_actions(app):
    with app.app_context():
        return [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


# --- the takeover chain -----------------------------------------------------------------


@pytest.mark.parametrize("victim", ["admin@other.example", "root@platform.example"])
def test_adding_another_brands_account_grants_nothing(app, client, brands, mailbox, victim):
    login(client, "acme", "admin@acme.test")
    page = invite(client, app, victim, name="Taken Over")
    assert "Invitation sent to " + victim in page.text
    # Step 1 of the takeover gives the attacker nothing: no membership, no way to act on it.
    assert membership_id(app, victim, "acme") is None
    assert ATTACKER not in page.text
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == victim))
        assert user.name != "Taken Over"  # an existing account keeps its own name
    # The only copy of the link went to the victim's own mailbox.
    assert [m.to for m in mailbox.messages] == [[victim]]
    outbox = client.get("/acme/outbox")
    assert victim in outbox.text
    with app.app_context():
        email = db.session.scalar(select(OutboxEmail))
        token = mailbox.link(victim).rsplit("/", 1)[1]
        assert token not in email.body
        link = db.session.get(AccountLink, email.account_link_id)
        assert link.token_hash != token and token not in link.token_hash
    shown = client.get(f"/acme/outbox/{email.id}").text
    assert token not in shown and "a personal link that only the recipient has" in shown
    # The victim's password still opens their own brand, and nothing of acme.
    victim_http = app.test_client()
    slug = "other" if victim == "admin@other.example" else "acme"
    assert login(victim_http, slug, victim).status_code == 302
    if slug == "other":
        assert victim_http.get("/acme/clients").status_code == 404


def test_an_account_of_two_brands_cannot_be_reset_or_signed_out_by_one(
    app, client, brands, mailbox
):
    victim = app.test_client()
    assert login(victim, "other", "shared@both.example").status_code == 302
    login(client, "acme", "admin@acme.test")
    member = membership_id(app, "shared@both.example", "acme")
    page = client.get(f"/acme/admin/users/{member}").text
    assert "Send a password link" not in page
    assert "also belongs to other brands" in page
    # A crafted POST is refused, changes nothing and is on record.
    crafted = client.post(
        f"/acme/admin/users/{member}",
        data={"action": "reset", "temporary_password": ATTACKER, "confirmation": ATTACKER},
    )
    assert crafted.status_code == 403
    assert mailbox.messages == []
    with app.app_context():
        assert db.session.scalar(select(func.count(AccountLink.id))) == 0
        refusal = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "member.refused"))
        assert refusal.brand_id == brands["acme"] and refusal.old_value == "shared@both.example"
    assert login(app.test_client(), "other", "shared@both.example", ATTACKER).status_code == 401
    # Deactivating the acme membership ends acme only: their Other session goes on.
    client.post(f"/acme/admin/users/{member}", data={"action": "deactivate"})
    assert victim.get("/other/clients").status_code == 200
    assert victim.get("/acme/clients").status_code == 404
    assert login(app.test_client(), "other", "shared@both.example").status_code == 302


def test_a_brand_admin_resets_only_accounts_wholly_in_their_brands(app, client, brands, mailbox):
    reseller = app.test_client()
    login(reseller, "acme", "reseller@acme.example")
    login(client, "acme", "admin@acme.test")
    member = membership_id(app, "reseller@acme.example", "acme")
    assert "Send a password link" in client.get(f"/acme/admin/users/{member}").text
    sent = client.post(
        f"/acme/admin/users/{member}", data={"action": "reset"}, follow_redirects=True
    )
    assert "A link to choose a new password was sent to reseller@acme.example." in sent.text
    # The old password keeps working until the new one is set; nobody was signed out.
    assert reseller.get("/acme/clients").status_code == 200
    assert login(app.test_client(), "acme", "reseller@acme.example").status_code == 302
    holder = app.test_client()
    path = mailbox.link("reseller@acme.example")
    assert holder.get(path).headers["Location"] == "/acme/account/link"
    form = holder.get("/acme/account/link")
    assert (
        form.status_code == 200 and "Choose a new password for reseller@acme.example" in form.text
    )
    weak = holder.post(
        "/acme/account/link", data={"password": "password1", "confirmation": "password1"}
    )
    assert weak.status_code == 422
    done = holder.post("/acme/account/link", data={"password": NEW, "confirmation": NEW})
    assert done.headers["Location"] == "/acme/login"
    assert reseller.get("/acme/clients").status_code == 302  # every session ended with it
    assert login(app.test_client(), "acme", "reseller@acme.example").status_code == 401
    assert login(app.test_client(), "acme", "reseller@acme.example", NEW).status_code == 302
    # The link died on use.
    again = app.test_client()
    again.get(path)
    assert again.get("/acme/account/link").status_code == 410


def test_a_platform_admin_may_reset_any_account(app, client, brands, mailbox):
    login(client, "acme", "root@platform.example")
    member = membership_id(app, "shared@both.example", "acme")
    client.post(f"/acme/admin/users/{member}", data={"action": "reset"})
    assert mailbox.to("shared@both.example")


# --- invitations --------------------------------------------------------------------------


def test_a_new_account_chooses_its_own_password(app, client, brands, mailbox):
    login(client, "acme", "admin@acme.test")
    page = invite(client, app, "nina@acme.example", name="Nina Novak", locale="pl")
    assert "Invitation sent to nina@acme.example." in page.text
    assert "nina@acme.example" in page.text  # listed among the invitations waiting
    message = mailbox.to("nina@acme.example")[0]
    assert message.subject == "Zaproszenie do portalu Acme Tracking"
    assert "Dzień dobry, Nina Novak," in message.body
    # No password exists until she chooses one.
    assert login(app.test_client(), "acme", "nina@acme.example", "").status_code == 401
    nina = app.test_client()
    nina.get(mailbox.link("nina@acme.example"))
    form = nina.get("/acme/account/link")
    assert 'name="password"' in form.text
    mismatch = nina.post("/acme/account/link", data={"password": NEW, "confirmation": "other"})
    assert mismatch.status_code == 422
    nina.post("/acme/account/link", data={"password": NEW, "confirmation": NEW})
    assert login(nina, "acme", "nina@acme.example", NEW).status_code == 302
    assert nina.get("/acme/clients").status_code == 200
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "nina@acme.example"))
        assert (user.name, user.locale) == ("Nina Novak", "pl")
        assert "member.added" in audit_actions(app) and "member.invited" in audit_actions(app)


def test_an_existing_account_accepts_or_declines(app, client, brands, mailbox):
    login(client, "acme", "admin@acme.test")
    invite(client, app, "admin@other.example", role=Role.SUPPORT)
    message = mailbox.to("admin@other.example")[0]
    assert message.subject == "Invitation au portail Acme Tracking"  # her own language
    # At her next sign-in she is told, and may accept there.
    olga = app.test_client()
    signed_in = login(olga, "other", "admin@other.example")
    assert signed_in.status_code == 302
    notice = olga.get("/other/clients", headers={"Accept-Language": "fr"}).text
    assert "Vous êtes invitée" in notice or "Vous êtes invité" in notice
    listed = olga.get("/other/account/invitations").text
    assert "Acme Tracking" in listed
    with app.app_context():
        link_id = db.session.scalar(select(AccountLink.id))
    olga.post("/other/account/invitations", data={"invitation": link_id, "action": "accept"})
    assert olga.get("/acme/clients").status_code == 200
    assert membership_id(app, "admin@other.example", "acme") is not None
    # Her password is her own, untouched.
    assert login(app.test_client(), "acme", "admin@other.example").status_code == 302
    # The emailed link died when she accepted.
    late = app.test_client()
    late.get(mailbox.link("admin@other.example"))
    assert late.get("/acme/account/link").status_code == 410


def test_declining_by_link_changes_nothing(app, client, brands, mailbox):
    login(client, "acme", "admin@acme.test")
    invite(client, app, "admin@other.example")
    olga = app.test_client()
    olga.get(mailbox.link("admin@other.example"))
    page = olga.get("/acme/account/link").text
    assert "Decline" in page and 'name="password"' not in page  # she keeps her password
    olga.post("/acme/account/link", data={"action": "decline"})
    assert membership_id(app, "admin@other.example", "acme") is None
    assert login(app.test_client(), "acme", "admin@other.example").status_code == 401


def test_links_expire_and_die_on_a_newer_link_and_on_deactivation(app, client, brands, mailbox):
    login(client, "acme", "admin@acme.test")
    invite(client, app, "first@acme.example")
    old_path = mailbox.link("first@acme.example")
    client.post(f"/acme/admin/invitations/{_live_invitation(app)}", data={"action": "resend"})
    new_path = mailbox.link("first@acme.example")
    assert new_path != old_path
    assert _opens(app, old_path) == 410
    assert _opens(app, new_path) == 200
    # Expired.
    with app.app_context():
        link = db.session.scalar(
            select(AccountLink).where(
                AccountLink.used_at.is_(None), AccountLink.revoked_at.is_(None)
            )
        )
        link.expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    assert _opens(app, new_path) == 410
    # Cancelled by the admin.
    invite(client, app, "second@acme.example")
    path = mailbox.link("second@acme.example")
    client.post(f"/acme/admin/invitations/{_live_invitation(app)}", data={"action": "cancel"})
    assert _opens(app, path) == 410
    # A reset link dies when the membership is deactivated.
    member = membership_id(app, "reseller@acme.example", "acme")
    client.post(f"/acme/admin/users/{member}", data={"action": "reset"})
    path = mailbox.link("reseller@acme.example")
    client.post(f"/acme/admin/users/{member}", data={"action": "deactivate"})
    assert _opens(app, path) == 410


def test_a_link_opens_only_in_its_own_brand(app, client, brands, mailbox):
    login(client, "acme", "admin@acme.test")
    invite(client, app, "nina@acme.example")
    path = mailbox.link("nina@acme.example")
    assert _opens(app, path.replace("/acme/", "/other/")) == 410
    assert _opens(app, "/acme/account/link/not-a-token") == 410


def test_an_emailed_link_works_beside_another_signed_in_brand(app, client, brands, mailbox):
    login(client, "acme", "admin@acme.test")
    invite(client, app, "admin@other.example")
    olga = app.test_client()
    login(olga, "other", "admin@other.example")  # signed in at her brand in the same browser
    olga.get(mailbox.link("admin@other.example"))
    assert olga.get("/acme/account/link").status_code == 200


def test_a_group_offered_in_an_invitation_is_not_deleted(app, client, brands, mailbox):
    login(client, "acme", "admin@acme.test")
    client.post("/acme/admin/groups", data={"name": "Sales", "permissions": ["clients.view"]})
    with app.app_context():
        sales = db.session.scalar(select(PermissionGroup.id).where(PermissionGroup.name == "Sales"))
    client.post(
        "/acme/admin/users",
        data={"email": "sam@acme.example", "name": "Sam", "locale": "en", "group_id": sales},
    )
    refused = client.post(f"/acme/admin/groups/{sales}/delete", follow_redirects=True)
    assert "offered in 1 open invitation" in refused.text


def test_without_a_mail_server_the_invitation_waits(app, client, brands):
    login(client, "acme", "admin@acme.test")
    page = invite(client, app, "nina@acme.example")
    assert "The invitation to nina@acme.example waits in the outbox." in page.text
    with app.app_context():
        email = db.session.scalar(select(OutboxEmail))
        assert email.status == "pending" and email.recipient == "nina@acme.example"
        assert db.session.get(AccountLink, email.account_link_id).token_hash is None


def _live_invitation(app) -> int:
    with app.app_context():
        return db.session.scalar(
            select(AccountLink.id)
            .where(AccountLink.used_at.is_(None), AccountLink.revoked_at.is_(None))
            .order_by(AccountLink.id.desc())
        )


def _opens(app, path) -> int:
    http = app.test_client()
    http.get(path)
    return http.get("/" + path.split("/")[1] + "/account/link").status_code


# --- what a brand admin sees ----------------------------------------------------------------


def test_the_mapping_page_names_only_brands_the_reader_may_enter(app, client, brands):
    with app.app_context():
        make_brand("secret", name="Secret Partner")
        premium = make_brand("acme-premium", name="Acme Premium")
        admin = db.session.scalar(select(User).where(User.email == "admin@acme.test"))
        group = db.session.scalar(
            select(PermissionGroup).where(
                PermissionGroup.brand_id == premium.id, PermissionGroup.builtin == Role.BRAND_ADMIN
            )
        )
        db.session.add(Membership(user_id=admin.id, brand_id=premium.id, group_id=group.id))
        db.session.commit()
    login(client, "acme", "admin@acme.test")
    client.post("/acme/admin/client-groups", data={"name": "Fleet Pro", "features": ["live_map"]})
    page = client.get("/acme/admin/client-groups").text
    group_path = page.split('href="/acme/admin/client-groups/')[1].split('"')[0]
    mapping = client.get(f"/acme/admin/client-groups/{group_path}").text
    assert "Acme Premium" in mapping
    assert "Secret Partner" not in mapping and "Other Fleet" not in mapping


# --- a closed portal ----------------------------------------------------------------------


def test_a_closed_brand_answers_a_right_and_a_wrong_password_alike(app, brands):
    with app.app_context():
        db.session.get(Brand, brands["acme"]).active = False
        db.session.commit()
    right = login(app.test_client(), "acme", "reseller@acme.example", PASSWORD)
    wrong = login(app.test_client(), "acme", "reseller@acme.example", "not-the-password")
    unknown = login(app.test_client(), "acme", "nobody@acme.test", "whatever")
    assert right.status_code == wrong.status_code == unknown.status_code
    token = re.compile(r'"[\w-]{20,}\.[\w-]+\.[\w-]+"')  # CSRF tokens differ per browser
    assert token.sub("", right.text) == token.sub("", wrong.text)  # the same page
    for response in (right, unknown):
        assert "This portal is closed" in response.text
        assert "Invalid email or password" not in response.text


def test_the_invitation_form_offers_the_reseller_group_first(client, brands):
    login(client, "acme", "admin@acme.test")
    page = client.get("/acme/admin/users").text
    selected = re.search(r'<option selected value="(\d+)">([^<]+)</option>', page)
    assert selected and selected.group(2) == "Reseller"

import re
from datetime import timedelta

from sqlalchemy import select

from portal.auth import rules
from portal.db import transaction
from portal.extensions import db
from portal.models import AuditEvent, StaffSession, User, utcnow
from tests.conftest import PASSWORD, login, make_brand, make_user


def test_sign_in_opens_the_dashboard(client, world):
    response = login(client, "north", "reseller@north.test")
    assert response.status_code == 302
    assert response.headers["Location"] == "/north/"
    assert client.get("/north/").status_code == 200
    page = client.get("/north/clients")
    assert page.status_code == 200
    assert "North Client 0" in page.text


def test_email_is_matched_without_case_or_spaces(client, world):
    response = login(client, "north", "  Reseller@North.TEST ")
    assert response.status_code == 302


def test_sign_in_page_carries_the_brand(client, world):
    page = client.get("/north/login")
    assert "North Fleet" in page.text
    assert "--brand-color: #1d4ed8" in page.text


def test_wrong_password_and_unknown_email_get_the_same_answer(client, world):
    wrong = login(client, "north", "reseller@north.test", "not-the-password")
    unknown = login(client, "north", "nobody@north.test", "not-the-password")
    assert wrong.status_code == unknown.status_code == 401
    assert "Invalid email or password." in wrong.text

    # Byte for byte the same page, but for the email typed and the time-stamped CSRF token.
    def comparable(html):
        return re.sub(r'"X-CSRFToken": "[^"]+"|name="csrf_token" value="[^"]+"', "", html)

    assert comparable(wrong.text) == comparable(
        unknown.text.replace("nobody@north.test", "reseller@north.test")
    )
    assert client.get("/north/clients").status_code == 302  # still signed out


def test_deactivated_user_and_foreign_member_cannot_sign_in(app, client, world):
    with app.app_context():
        db.session.get(User, world["north_support"].id).active = False
        db.session.commit()
    assert "Invalid email or password." in login(client, "north", "support@north.test").text
    # A south reseller with the right password is refused at north's door the same way.
    assert "Invalid email or password." in login(client, "north", "reseller@south.test").text


def test_platform_admin_signs_in_at_any_brand(client, world):
    assert login(client, "south", "root@platform.test").status_code == 302
    assert client.get("/south/clients").status_code == 200
    assert client.get("/north/clients").status_code == 200


def test_next_goes_only_to_paths_of_this_site(client, world):
    ok = login(client, "north", "reseller@north.test", next="/north/clients?q=North")
    assert ok.headers["Location"] == "/north/clients?q=North"
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:x"):
        client.post("/north/logout")
        response = login(client, "north", "reseller@north.test", next=target)
        assert response.headers["Location"] == "/north/", target


def test_unauthenticated_visit_is_sent_to_the_brand_login_with_next(client, world):
    response = client.get("/north/clients?q=abc")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/north/login?next=")


def test_after_five_failures_an_account_is_paused(client, world):
    for _ in range(5):
        assert login(client, "north", "reseller@north.test", "wrong").status_code == 401
    # From another address, even the right password waits: the account is paused.
    response = client.post(
        "/north/login",
        data={"email": "reseller@north.test", "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.9.9.9"},
    )
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.text
    # Another account from another address is not affected.
    response = client.post(
        "/north/login",
        data={"email": "admin@north.test", "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.9.9.9"},
    )
    assert response.status_code == 302


def test_after_five_failures_an_address_is_paused(client, world):
    for n in range(5):
        login(client, "north", f"guess{n}@north.test", "wrong")
    assert login(client, "north", "reseller@north.test").status_code == 429


def test_successful_sign_ins_do_not_count_as_failures(client, world):
    for _ in range(7):
        assert login(client, "north", "reseller@north.test").status_code == 302
        client.post("/north/logout")


def test_paused_message_is_in_the_users_language(client, world):
    for _ in range(5):
        login(client, "north", "reseller@north.test", "wrong")
    client.post("/north/language", data={"locale": "fr"})  # chosen on the sign-in page
    response = client.post("/north/login", data={"email": "reseller@north.test", "password": "x"})
    assert response.status_code == 429
    assert "Trop de tentatives" in response.text


def test_sign_out_ends_the_session_on_the_server(app, client, world):
    login(client, "north", "reseller@north.test")
    stolen = client.get_cookie("session").value
    client.post("/north/logout")
    assert client.get("/north/clients").status_code == 302
    # Replaying the cookie from before the sign-out is refused.
    client.set_cookie("session", stolen)
    assert client.get("/north/clients").status_code == 302
    with app.app_context():
        rows = db.session.scalars(select(StaffSession)).all()
        assert len(rows) == 1 and rows[0].revoked_at is not None


def test_sign_in_starts_a_fresh_session(app, client, world):
    client.get("/north/login")
    with client.session_transaction() as before:
        before["planted"] = "by an attacker"
    login(client, "north", "reseller@north.test")
    with client.session_transaction() as after:
        assert "planted" not in after


def test_password_change_and_deactivation_end_every_session(app, world):
    first, second = app.test_client(), app.test_client()
    login(first, "north", "reseller@north.test")
    login(second, "north", "reseller@north.test")
    assert second.get("/north/clients").status_code == 200
    with app.app_context(), transaction():
        rules.change_password(db.session.get(User, world["north_reseller"].id), "a-new-passphrase")
    assert first.get("/north/clients").status_code == 302
    assert second.get("/north/clients").status_code == 302
    assert login(first, "north", "reseller@north.test", "a-new-passphrase").status_code == 302
    assert first.get("/north/clients").status_code == 200
    with app.app_context(), transaction():
        rules.deactivate_user(db.session.get(User, world["north_reseller"].id))
    assert first.get("/north/clients").status_code == 302


def test_idle_and_absolute_timeouts(app, client, world):
    login(client, "north", "reseller@north.test")
    assert client.get("/north/clients").status_code == 200
    with app.app_context():
        staff_session = db.session.scalar(select(StaffSession))
        staff_session.last_seen_at = utcnow() - app.config["SESSION_IDLE_TIMEOUT"] - timedelta(1)
        db.session.commit()
    assert client.get("/north/clients").status_code == 302

    login(client, "north", "reseller@north.test")
    assert client.get("/north/clients").status_code == 200
    with app.app_context():
        live = db.session.scalar(select(StaffSession).where(StaffSession.revoked_at.is_(None)))
        live.created_at = utcnow() - app.config["SESSION_ABSOLUTE_TIMEOUT"] - timedelta(1)
        db.session.commit()
    assert client.get("/north/clients").status_code == 302


def test_cookies_and_caching_protect_personal_data(client, world):
    response = login(client, "north", "reseller@north.test")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = client.get("/north/clients")
    assert page.headers["Cache-Control"] == "no-store"
    assert 'hx-history="false"' in page.text
    assert '"historyCacheSize": 0' in page.text


def test_secure_cookie_outside_development(monkeypatch, tmp_path):
    from portal import create_app

    monkeypatch.delenv("PORTAL_ENV", raising=False)
    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    monkeypatch.setenv("PORTAL_ENV", "development")
    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["SESSION_COOKIE_SECURE"] is False


def test_sign_in_and_out_are_audited(app, client, world):
    login(client, "north", "reseller@north.test")
    client.post("/north/logout")
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == ["auth.login", "auth.logout"]
    assert {e.actor_id for e in events} == {world["north_reseller"].id}
    assert {e.brand_id for e in events} == {world["north"].id}


def test_empty_form_is_refused_with_a_message(client, world):
    response = client.post("/north/login", data={"email": "", "password": ""})
    assert response.status_code == 401
    assert "Enter your email and password." in response.text


def test_session_holds_no_user_id(client, world):
    login(client, "north", "reseller@north.test")
    with client.session_transaction() as data:
        user_id = str(world["north_reseller"].id)
        assert data["_user_id"] != user_id and len(data["_user_id"]) > 30


def test_passwords_are_stored_as_argon2id_hashes(ctx):
    user = make_user("x@north.test")
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_every_rate_limited_view_is_checked_by_the_limiter(app):
    """Flask-Limiter skips requests outside throttle.LIMITED_*: a limit declared on any other
    view or blueprint would never apply."""
    from flask_limiter.util import get_qualified_name

    from portal.extensions import limiter
    from portal.throttle import LIMITED_BLUEPRINTS, LIMITED_ENDPOINTS

    limited = {
        endpoint
        for endpoint, view in app.view_functions.items()
        if get_qualified_name(view) in limiter._marked_for_limiting
    }
    assert limited == set(LIMITED_ENDPOINTS)
    assert set(limiter.limit_manager._blueprint_limits) == set(LIMITED_BLUEPRINTS)


def test_a_new_secret_key_refuses_the_old_cookie(app, client):
    """The cookie's serializer is made once (portal/auth/cookie.py) but follows the key."""
    with app.app_context():
        brand = make_brand("acme")
        make_user("reseller@acme.test", brand)
    login(client, "acme", "reseller@acme.test")
    assert client.get("/acme/clients").status_code == 200
    app.config["SECRET_KEY"] = "another key, as after a rotation"
    response = client.get("/acme/clients")
    assert response.status_code == 302 and "/acme/login" in response.headers["Location"]

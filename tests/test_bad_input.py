"""Hostile input gets a clear message in the reader's language, changes nothing and never a 500
(run on PostgreSQL too, which refuses NUL bytes and integers past 2^31 that SQLite takes)."""

import base64
import io
import json

import pytest
from sqlalchemy import func, select

from portal import create_app
from portal.extensions import db
from portal.models import AuditEvent, Brand, Client, Role
from tests.conftest import PASSWORD, detach, login, make_asset, make_brand, make_client, make_user

HX = {"HX-Request": "true"}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
NUL_MESSAGE = "invisible control character"


@pytest.fixture
def acme(app, tmp_path):
    with app.app_context():
        brand = make_brand("acme", country_code="BR")
        make_user("admin@acme.test", brand, Role.BRAND_ADMIN)
        make_user("root@platform.test", None, is_platform_admin=True)
        client = make_client(brand, name="Transportes Silva", country_code="BR")
        make_asset(brand, serial="356938035643817")
        detach(client)
    return client


@pytest.fixture
def admin(client, acme):
    login(client, "acme", "admin@acme.test")
    return client


def changes(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(AuditEvent.id)))


def cursor(*parts) -> str:
    raw = json.dumps(list(parts)).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


# --- NUL bytes and other control characters -------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/acme/clients?q=%00",
        "/acme/clients?q=Silva%00",
        "/acme/clients?status=%07",
        "/acme/clients?%00=x",
        "/acme/clients?after=%00",
    ],
)
def test_a_control_character_in_the_query_is_refused_in_the_readers_language(admin, path):
    response = admin.get(path, headers={"Accept-Language": "pl"})
    assert response.status_code == 400
    assert "niewidoczny znak sterujący" in response.text


def test_a_nul_inside_a_page_cursor_is_ignored(admin, acme):
    for token in (cursor("name", "\x00", 1), cursor("name", "a", 2**40), cursor("name", "a", True)):
        response = admin.get(f"/acme/clients?after={token}")
        assert response.status_code == 200 and "Transportes Silva" in response.text


def test_a_nul_in_a_form_field_changes_nothing(app, admin, acme):
    before = changes(app)
    response = admin.post(
        f"/acme/clients/{acme.id}/fields/name/edit",
        data={"name": "Evil\x00Name", "version": 1},
        headers=HX,
    )
    assert response.status_code == 400 and NUL_MESSAGE in response.text
    assert changes(app) == before
    with app.app_context():
        assert db.session.get(Client, acme.id).name == "Transportes Silva"


def test_a_nul_in_the_sign_in_email_needs_no_session(app, acme):
    response = login(app.test_client(), "acme", "admin@acme.test\x00", PASSWORD)
    assert response.status_code == 400 and NUL_MESSAGE in response.text


def test_a_nul_in_a_brand_address_is_a_404(client, acme):
    assert client.get("/ac%00me/login").status_code in (400, 404)
    assert client.get("/" + "a" * 5000 + "/login").status_code == 404


def test_tabs_and_line_breaks_pass_where_a_field_takes_several_lines(app, admin, acme):
    response = admin.post(
        f"/acme/clients/{acme.id}/status",
        data={"status": "blocked", "reason": "Unpaid\r\n\tsince March", "version": 1},
    )
    assert response.status_code == 302
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "client.status"))
        assert event.note == "Unpaid\r\n\tsince March"


# --- ids a database cannot hold ---------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/acme/clients/2147483648",
        "/acme/clients/9223372036854775808",
        "/acme/clients/99999999999999999999",
        "/acme/clients/0",
        "/acme/outbox/9223372036854775808",
        "/acme/clients/2147483648/fields/name",
    ],
)
def test_an_id_past_the_database_integer_is_a_404(admin, path):
    assert admin.get(path).status_code == 404


def test_the_id_pattern_holds_exactly_the_database_integers():
    import random
    import re

    from portal.edge import MAX_ID, IdConverter

    pattern = re.compile(IdConverter.regex + r"\Z")
    rng = random.Random(8)  # noqa: S311 - test data, not a secret
    numbers = [rng.randrange(0, 10**11) for _ in range(20_000)]
    numbers += [0, 1, 9, 10, MAX_ID - 1, MAX_ID, MAX_ID + 1, 10**10 - 1, 2 * MAX_ID]
    assert all(bool(pattern.match(str(n))) == (1 <= n <= MAX_ID) for n in numbers)
    assert not pattern.match("01") and not pattern.match("٣")


def test_a_huge_id_is_404_for_every_method_of_a_path(client, acme):
    for method in ("get", "patch", "delete", "post"):
        response = getattr(client, method)("/api/v1/clients/2147483648")
        assert response.status_code == 404


def test_the_largest_id_is_still_looked_up(admin):
    assert admin.get("/acme/clients/2147483647").status_code == 404


def test_ids_past_the_integer_in_forms_are_refused(app, admin, acme):
    before = changes(app)
    response = admin.post(
        f"/acme/clients/{acme.id}/equipment/assign",
        data={"asset_id": "99999999999999999999", "version": 1},
        headers=HX,
    )
    assert response.status_code == 422 and "Choose a device." in response.text
    for value in ("2147483648", "²", "-1", "1e3"):
        response = admin.post(
            f"/acme/clients/{acme.id}/equipment/assign",
            data={"asset_id": value, "version": 1},
            headers=HX,
        )
        assert response.status_code == 422
    assert changes(app) == before


def test_a_huge_group_id_in_the_mapping_form_changes_nothing(app, client, acme):
    with app.app_context():
        make_brand("premium")
    login(client, "acme", "root@platform.test")
    client.post("/acme/admin/client-groups", data={"name": "Fleet Pro", "features": []})
    with app.app_context():
        from portal.models import ClientGroup, ClientGroupMapping

        group = db.session.scalar(select(ClientGroup))
        premium = db.session.scalar(select(Brand).where(Brand.slug == "premium"))
        group_id, premium_id = group.id, premium.id
    response = client.post(
        f"/acme/admin/client-groups/{group_id}",
        data={"action": "map", f"map-{premium_id}": "99999999999999999999"},
        follow_redirects=True,
    )
    assert response.status_code == 200 and "Choose a group of the list" in response.text
    with app.app_context():
        assert db.session.scalar(select(func.count(ClientGroupMapping.id))) == 0


def test_huge_client_ids_in_a_bulk_start_are_dropped(app, client, acme):
    with app.app_context():
        make_brand("premium")
    login(client, "acme", "root@platform.test")
    response = client.post(
        "/acme/migrations/bulk",
        data={
            "target": "2",
            "client_ids": ["99999999999999999999", "2147483648"],
            "confirmed": "1",
        },
        follow_redirects=True,
    )
    assert response.status_code == 200 and "Choose the clients and a target brand." in response.text


# --- the tracking address template ------------------------------------------------------------


@pytest.mark.parametrize(
    "template, message",
    [
        ("https://tracking.{country:%}.example", "without a format or conversion"),
        ("https://tracking.{country:{brand.__class__}}.example", "Curly braces"),
        ("https://{brand.__class__}.example", "without a format or conversion"),
        ("https://tracking.{country:x>10000000}.example", "without a format or conversion"),
        ("https://tracking.{country!r}.example", "without a format or conversion"),
        ("https://tracking.{0}.example", "Unknown placeholder"),
        ("https://{brand}@evil.example", "user name or password"),
        ("https://evil.example\\@{brand}.example", "signs of a web address"),
        ("https://tracking.{country}.example:abc/", "port"),
        ("https://{country}/", "Name the host"),
        ("https://tracking .{country}.example", "signs of a web address"),
    ],
)
def test_a_template_with_anything_but_plain_placeholders_is_refused(
    app, client, acme, template, message
):
    login(client, "acme", "root@platform.test")
    preview = client.get(
        "/acme/admin/brands/preview", query_string={"tracking_url_template": template}
    )
    assert preview.status_code == 200 and message in preview.text
    assert len(preview.data) < 2000
    saved = client.post(
        f"/acme/admin/brands/{acme.brand_id}",
        data={
            "name": "Acme",
            "slug": "acme",
            "parent_id": "",
            "default_locale": "en",
            "country_code": "BR",
            "theme_color": "#1d4ed8",
            "tracking_url_template": template,
            "active": "y",
        },
    )
    assert saved.status_code == 422 and message in saved.text
    with app.app_context():
        assert db.session.get(Brand, acme.brand_id).tracking_url_template.startswith(
            "https://tracking.{country}."
        )


def test_a_plain_template_previews_with_the_placeholders_filled(client, acme):
    login(client, "acme", "root@platform.test")
    preview = client.get(
        "/acme/admin/brands/preview",
        query_string={
            "tracking_url_template": "https://tracking.{country}.{brand}.example/{language}",
            "slug": "acme",
            "country_code": "pl",
        },
    )
    assert "https://tracking.pl.acme.example/pt" in preview.text


# --- theme colour and names -------------------------------------------------------------------


@pytest.mark.parametrize("colour", ["#112233\n", "#112233 ", "112233", "#11223", "#1122334"])
def test_a_theme_colour_is_checked_whole(app, client, acme, colour):
    login(client, "acme", "root@platform.test")
    response = client.post(
        f"/acme/admin/brands/{acme.brand_id}",
        data={
            "name": "Acme",
            "slug": "acme",
            "parent_id": "",
            "default_locale": "en",
            "country_code": "BR",
            "theme_color": colour,
            "tracking_url_template": "https://tracking.{country}.acme.example",
            "active": "y",
        },
    )
    if colour.strip() == "#112233":
        # Surrounding spaces are trimmed; the stored value is exactly seven characters.
        assert response.status_code == 302
        with app.app_context():
            assert db.session.get(Brand, acme.brand_id).theme_color == "#112233"
    else:
        assert response.status_code == 422 and "Choose a colour." in response.text


def test_a_theme_colour_is_stored_in_lower_case(app, client, acme):
    login(client, "acme", "root@platform.test")
    client.post(
        f"/acme/admin/brands/{acme.brand_id}",
        data={
            "name": "Acme",
            "slug": "acme",
            "parent_id": "",
            "default_locale": "en",
            "country_code": "BR",
            "theme_color": "#AABBCC",
            "tracking_url_template": "https://tracking.{country}.acme.example",
            "active": "y",
        },
    )
    with app.app_context():
        assert db.session.get(Brand, acme.brand_id).theme_color == "#aabbcc"


@pytest.mark.parametrize(
    "name",
    [
        "Ac\u200bme",  # zero-width space
        "Ac\u200dme",  # zero-width joiner
        "\ufeffAcme",  # byte order mark
        "Acme\u202eLTD",  # right-to-left override
        "Acme\u2067x\u2069",  # isolates
        "Ac\u00adme",  # soft hyphen
        "Acme\u200f",  # right-to-left mark
    ],
)
def test_invisible_characters_in_a_name_are_refused(app, admin, acme, name):
    response = admin.post(
        f"/acme/clients/{acme.id}/fields/name/edit",
        data={"name": name, "version": 1},
        headers={**HX, "Accept-Language": "fr"},
    )
    assert response.status_code == 422
    assert "caractères invisibles" in response.text
    with app.app_context():
        assert db.session.get(Client, acme.id).name == "Transportes Silva"


def test_format_strings_are_kept_as_typed(app, admin, acme):
    name = "%s %(name)s {0} {brand.__class__} %n"
    response = admin.post(
        f"/acme/clients/{acme.id}/fields/name/edit", data={"name": name, "version": 1}, headers=HX
    )
    assert response.status_code == 200
    with app.app_context():
        assert db.session.get(Client, acme.id).name == name
    page = admin.get(f"/acme/clients/{acme.id}").text
    assert "%s %(name)s {0} {brand.__class__} %n" in page


def test_a_megabyte_value_is_refused_with_a_message(app, admin, acme):
    before = changes(app)
    response = admin.post(
        f"/acme/clients/{acme.id}/fields/name/edit",
        data={"name": "x" * 1_000_000, "version": 1},
        headers=HX,
    )
    assert response.status_code in (413, 422)
    assert "too large" in response.text or "at most 200 characters" in response.text
    assert changes(app) == before


# --- documents --------------------------------------------------------------------------------


def test_a_document_downloads_with_the_extension_of_what_it_is(app, admin, acme, tmp_path):
    admin.post(
        f"/acme/clients/{acme.id}/documents",
        data={
            "kind": "id_card",
            "number": "12.345.678-9",
            "version": 1,
            "file": (io.BytesIO(PDF), "evil.html"),
        },
        content_type="multipart/form-data",
        headers=HX,
    )
    with app.app_context():
        from portal.models import Document

        document_id = db.session.scalar(select(Document.id))
    with admin.get(f"/acme/clients/{acme.id}/documents/{document_id}/file") as download:
        assert download.status_code == 200
        assert download.headers["Content-Type"] == "application/pdf"
        assert "filename=evil.pdf" in download.headers["Content-Disposition"]


# --- headers and throttling -------------------------------------------------------------------


@pytest.fixture
def another_app(app_config):
    """A second instance of the portal on the same database, as a second worker would be."""
    apps = []

    def make(**overrides):
        apps.append(create_app({**app_config, **overrides}))
        return apps[-1]

    yield make
    for other in apps:
        with other.app_context():
            db.engine.dispose()


def test_https_is_required_of_browsers_in_production(another_app):
    response = another_app(HSTS=True).test_client().get("/")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    development = another_app(HSTS=False)
    assert "Strict-Transport-Security" not in development.test_client().get("/").headers


def test_hsts_is_on_by_default_outside_development(monkeypatch, tmp_path):
    from portal.config import load_settings

    monkeypatch.delenv("PORTAL_ENV", raising=False)
    assert load_settings(tmp_path)["HSTS"] is True
    monkeypatch.setenv("PORTAL_ENV", "development")
    assert load_settings(tmp_path)["HSTS"] is False


def test_failed_sign_ins_are_counted_across_workers_without_redis(app, another_app, acme):
    """Two app instances stand for two gunicorn workers: they share only the database."""
    assert app.config["RATELIMIT_STORAGE_URI"] == "database://"
    worker_a = app.test_client()
    worker_b = another_app().test_client()
    for attempt in range(5):
        worker = worker_a if attempt % 2 else worker_b
        assert login(worker, "acme", "admin@acme.test", "wrong").status_code == 401
    for worker in (worker_a, worker_b):
        refused = login(worker, "acme", "admin@acme.test", PASSWORD)
        assert refused.status_code == 429
        assert "Too many failed sign-in attempts" in refused.text

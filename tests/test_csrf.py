"""CSRF is on in these tests only: a request without the token is refused."""

import pytest

from portal import create_app
from portal.extensions import db
from tests.conftest import csrf_token_from


@pytest.fixture
def csrf_client(app, app_config, world):
    # Same database as `app`, with CSRF protection as in production.
    csrf_app = create_app(app_config | {"WTF_CSRF_ENABLED": True})
    yield csrf_app.test_client()
    with csrf_app.app_context():
        db.engine.dispose()


def test_login_form_without_token_is_refused(csrf_client):
    response = csrf_client.post(
        "/north/login", data={"email": "reseller@north.test", "password": "correct-horse-battery"}
    )
    assert response.status_code == 400
    assert "form expired" in response.text


def test_login_form_with_the_pages_token_works(csrf_client):
    token = csrf_token_from(csrf_client.get("/north/login").text)
    response = csrf_client.post(
        "/north/login",
        data={
            "email": "reseller@north.test",
            "password": "correct-horse-battery",
            "csrf_token": token,
        },
    )
    assert response.status_code == 302


def test_htmx_post_needs_the_token_header(csrf_client):
    page = csrf_client.get("/north/login").text
    token = csrf_token_from(page)
    # The token travels to htmx through hx-headers on <body>.
    assert f'hx-headers=\'{{"X-CSRFToken": "{token}"}}\'' in page
    refused = csrf_client.post(
        "/north/language", data={"locale": "fr"}, headers={"HX-Request": "true"}
    )
    assert refused.status_code == 400
    accepted = csrf_client.post(
        "/north/language",
        data={"locale": "fr"},
        headers={"HX-Request": "true", "X-CSRFToken": token},
    )
    assert accepted.status_code == 302


def test_token_changes_when_signing_in(csrf_client):
    before = csrf_token_from(csrf_client.get("/north/login").text)
    csrf_client.post(
        "/north/login",
        data={
            "email": "reseller@north.test",
            "password": "correct-horse-battery",
            "csrf_token": before,
        },
    )
    after = csrf_token_from(csrf_client.get("/north/clients").text)
    assert after != before
    # The old token no longer signs a request of the new session.
    assert csrf_client.post("/north/logout", data={"csrf_token": before}).status_code == 400
    assert csrf_client.post("/north/logout", data={"csrf_token": after}).status_code == 302


def test_a_plain_form_posts_with_the_token_its_page_wrote(csrf_client, world):
    """The record's no-JavaScript form writes its token with the one csrf() macro."""
    login_page = csrf_client.get("/north/login").text
    csrf_client.post(
        "/north/login",
        data={
            "email": "reseller@north.test",
            "password": "correct-horse-battery",
            "csrf_token": csrf_token_from(login_page),
        },
    )
    client_id = world["north_clients"][0].id
    url = f"/north/clients/{client_id}/edit/other"
    values = {
        "address__street": "Baker Street",
        "address__locality": "Marylebone",
        "address__sub_locality": "Marylebone",
        "address__city": "London",
        "address__postal_code": "NW1 6XE",
        "version": 1,
    }
    assert csrf_client.post(url, data=values).status_code == 400
    token = csrf_token_from(csrf_client.get(url).text)
    assert csrf_client.post(url, data=values | {"csrf_token": token}).status_code == 302

"""Static files: a year in the browser's cache under a versioned URL; text compressed."""

import gzip
import re

from tests.conftest import login, make_brand, make_user


def stylesheet_url(html: str) -> str:
    return re.search(r'href="(/static/css/portal\.css\?v=[0-9a-f]{12})"', html).group(1)


def test_pages_link_static_files_by_their_content(client, app):
    with app.app_context():
        make_brand("acme")
    page = client.get("/acme/login").text
    url = stylesheet_url(page)
    with client.get(url) as response:
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    # Every file of the page has its version, so none is ever served stale from a cache.
    assert not re.search(r'(?:href|src)="/static/[^"?]+"', page)


def test_a_static_url_without_its_current_version_is_revalidated(client, app):
    for url in ("/static/css/portal.css", "/static/css/portal.css?v=000000000000"):
        with client.get(url) as response:
            assert response.status_code == 200
            assert "immutable" not in response.headers.get("Cache-Control", "")
            assert response.headers.get("ETag")  # the browser asks again, cheaply


def test_text_is_compressed_for_browsers_that_accept_it(client, app):
    with app.app_context():
        brand = make_brand("acme")
        make_user("reseller@acme.test", brand)
    login(client, "acme", "reseller@acme.test")
    plain = client.get("/acme/clients")
    compressed = client.get("/acme/clients", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in plain.headers
    assert compressed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in compressed.headers["Vary"]
    assert gzip.decompress(compressed.data) == plain.data.replace(
        csrf(plain.data), csrf(gzip.decompress(compressed.data))
    )
    assert compressed.headers["Cache-Control"] == "no-store"  # still personal data
    with client.get("/static/css/portal.css", headers={"Accept-Encoding": "gzip"}) as css:
        assert css.headers["Content-Encoding"] == "gzip"
        assert b".brand-bar" in gzip.decompress(css.data)


def test_compression_can_be_left_to_a_proxy(app_config):
    from portal import create_app

    app = create_app(app_config | {"COMPRESS_RESPONSES": False})
    headers = {"Accept-Encoding": "br, gzip"}
    with app.test_client().get("/static/css/portal.css", headers=headers) as response:
        assert response.status_code == 200
        assert "Content-Encoding" not in response.headers


def csrf(body: bytes) -> bytes:
    """The page's CSRF token (signed with the time: two answers differ there only)."""
    return re.search(rb'"X-CSRFToken": "([^"]+)"', body).group(1)

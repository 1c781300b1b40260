from contextlib import contextmanager

import pytest
from sqlalchemy import event

from portal.extensions import db
from portal.models import Brand, Client, ClientStatus, PaymentStatus
from tests.conftest import detach, login, make_asset, make_brand, make_client, make_user


@pytest.fixture
def catalogue(app):
    """One brand with clients chosen to exercise search, filters and sorting."""
    with app.app_context():
        brand = make_brand("acme", country_code="PL")
        make_user("reseller@acme.test", brand)
        clients = [
            make_client(
                brand,
                name="Łukasz Żółkiewski",
                email="lukasz@zolkiewski.example",
                document_number="123-456-32-18",
                phone="48221234567",
                mobile="48601234567",
                provider_user_id="PL-0001",
            ),
            make_client(
                brand,
                name="Transportes Silva Ltda",
                email="contato@silva.example",
                provider_user_id="BR-7777",
                status=ClientStatus.BLOCKED,
            ),
            make_client(
                brand,
                name="Dupont Location",
                email="info@dupont.example",
                provider_user_id="FR-1234",
                payment_status=PaymentStatus.DELINQUENT,
            ),
            make_client(
                brand,
                name="Harris Haulage",
                email="ops@harris.example",
                provider_user_id="GB-42",
                status=ClientStatus.CANCELLED,
                payment_status=PaymentStatus.DELINQUENT,
            ),
        ]
        for _ in range(3):
            make_asset(brand, clients[0])
        detach(brand, *clients)
    return clients


CANDIDATES = ("Łukasz Żółkiewski", "Transportes Silva Ltda", "Dupont Location", "Harris Haulage")


def names(html: str, candidates=CANDIDATES) -> list[str]:
    """The client names in the page, in the order they appear."""
    found = [(html.index(n), n) for n in candidates if n in html]
    return [n for _, n in sorted(found)]


@pytest.fixture
def signed_in(client, catalogue):
    login(client, "acme", "reseller@acme.test")
    return client


@pytest.mark.parametrize(
    "query, expected",
    [
        ("zolkiewski", ["Łukasz Żółkiewski"]),  # without the accents a hurried user skips
        ("ŻÓŁKIEWSKI", ["Łukasz Żółkiewski"]),
        ("lukasz zolk", ["Łukasz Żółkiewski"]),  # every word, in any field
        ("silva.example", ["Transportes Silva Ltda"]),  # email
        ("1234563218", ["Łukasz Żółkiewski"]),  # document number, digits only
        ("123-456-32-18", ["Łukasz Żółkiewski"]),  # document number as printed
        ("+48 601 234 567", ["Łukasz Żółkiewski"]),  # mobile as people write it
        ("22 123", ["Łukasz Żółkiewski"]),  # part of the phone
        ("br-7777", ["Transportes Silva Ltda"]),  # provider user ID
        ("%", []),  # a LIKE wildcard is searched for literally
        ("nobody-here", []),
    ],
)
def test_search_finds_by_every_field(signed_in, query, expected):
    page = signed_in.get("/acme/clients", query_string={"q": query}).text
    assert names(page) == expected


def test_filters_by_status_and_payment(signed_in):
    page = signed_in.get("/acme/clients?status=blocked").text
    assert names(page) == ["Transportes Silva Ltda"]
    page = signed_in.get("/acme/clients?payment=delinquent").text
    assert names(page) == ["Dupont Location", "Harris Haulage"]
    page = signed_in.get("/acme/clients?payment=delinquent&status=cancelled").text
    assert names(page) == ["Harris Haulage"]


def test_sorting(signed_in):
    by_name = ["Dupont Location", "Harris Haulage", "Łukasz Żółkiewski", "Transportes Silva Ltda"]
    assert names(signed_in.get("/acme/clients").text) == by_name
    assert names(signed_in.get("/acme/clients?sort=-name").text) == by_name[::-1]
    oldest_first = [
        "Łukasz Żółkiewski",
        "Transportes Silva Ltda",
        "Dupont Location",
        "Harris Haulage",
    ]
    assert names(signed_in.get("/acme/clients?sort=created").text) == oldest_first
    assert names(signed_in.get("/acme/clients?sort=-created").text) == oldest_first[::-1]


def test_access_badge_and_asset_count(signed_in):
    page = signed_in.get("/acme/clients?q=zolkiewski").text
    assert "Has access" in page
    assert "3 devices" in page
    page = signed_in.get("/acme/clients?q=dupont").text
    assert "No access" in page and "0 devices" in page


def test_the_access_filter_finds_who_cannot_sign_in_yet(app, signed_in, catalogue):
    with app.app_context():  # Żółkiewski has access and a login; one without a login email
        brand = catalogue[0].brand_id
        client = db.session.get(Client, catalogue[0].id)
        client.login_email, client.login_password_hash = "fleet@zolkiewski.example", "x"
        make_client(db.session.get(Brand, brand), name="Nowak Transport", login_email=None)
        db.session.commit()
    everyone = (*CANDIDATES, "Nowak Transport")
    page = signed_in.get("/acme/clients?access=yes").text
    assert names(page, everyone) == ["Łukasz Żółkiewski", "Nowak Transport"]
    page = signed_in.get("/acme/clients?access=no_sign_in").text
    assert names(page, everyone) == ["Nowak Transport"]
    assert '<option value="no_sign_in" selected>Cannot sign in yet</option>' in page
    page = signed_in.get("/acme/clients?access=no").text
    assert names(page, everyone) == ["Dupont Location", "Harris Haulage", "Transportes Silva Ltda"]


@pytest.mark.parametrize(
    "query",
    [
        "status=bogus",
        "payment=%FF",
        "sort=drop table",
        "per=7",
        "per=-1",
        "after=garbage",
        "before=!!!",
        "after=WyJuYW1lIiwxLCJ4Il0",
        "q=" + "x" * 5000,
        "status=active&status=x",
    ],
)
def test_malformed_parameters_are_ignored(signed_in, query):
    response = signed_in.get("/acme/clients?" + query)
    assert response.status_code == 200


@pytest.fixture
def many(app):
    with app.app_context():
        brand = make_brand("big")
        make_user("reseller@big.test", brand)
        for i in range(23):
            make_client(brand, name=f"Client {i:02d}")
        # Clients with the same name must neither repeat nor vanish across pages.
        for _ in range(4):
            make_client(brand, name="Client 10")


@pytest.mark.parametrize("sort", ["name", "-name", "created", "-created"])
def test_pagination_walks_every_client_once_both_ways(client, many, sort):
    import re

    login(client, "big", "reseller@big.test")
    url = f"/big/clients?sort={sort}&per=25"
    seen, pages = [], []
    while url:
        html = client.get(url).text
        ids = re.findall(r'href="/big/clients/(\d+)"', html)
        pages.append(ids)
        seen += ids
        nxt = re.search(r'href="(/big/clients\?after=[^"]+)"', html)
        url = nxt.group(1).replace("&amp;", "&") if nxt else None
    assert len(seen) == len(set(seen)) == 27
    assert len(pages) == 2
    # Back from the last page gives the first page again.
    prev = re.search(r'href="(/big/clients\?before=[^"]+)"', html)
    assert prev
    back = re.findall(
        r'href="/big/clients/(\d+)"', client.get(prev.group(1).replace("&amp;", "&")).text
    )
    assert back == pages[0]
    assert "sort=" in prev.group(1) or sort == "name"


def test_page_size_and_count(client, many):
    login(client, "big", "reseller@big.test")
    html = client.get("/big/clients?per=50").text
    assert "27 clients" in html
    assert 'rel="next"' not in html and "after=" not in html


def test_htmx_search_returns_only_the_results(signed_in):
    response = signed_in.get("/acme/clients?q=dupont", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="results"')
    assert "<html" not in response.text and 'role="search"' not in response.text
    assert names(response.text) == ["Dupont Location"]
    assert "HX-Request" in response.headers["Vary"]


def test_plain_search_form_works_without_javascript(signed_in):
    page = signed_in.get("/acme/clients?q=dupont").text
    assert '<form method="get" action="/acme/clients"' in page
    assert 'value="dupont"' in page
    assert names(page) == ["Dupont Location"]


@contextmanager
def count_queries(app):
    statements = []

    def before_cursor_execute(conn, cursor, statement, *args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", before_cursor_execute)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before_cursor_execute)


def test_list_runs_a_fixed_number_of_queries(app, client, many):
    """One page of the list, whatever its length, search or not: the session with the brand,
    membership and the number of the user's brands (one: the header lists none, and asks
    nothing), the count (the brand's counters; capped for a search), the page, the devices of
    its clients."""
    login(client, "big", "reseller@big.test")
    with app.app_context():
        brand_id = db.session.execute(db.text("SELECT id FROM brands WHERE slug='big'")).scalar()
        clients = (
            db.session.execute(db.text("SELECT id FROM clients WHERE brand_id=:b"), {"b": brand_id})
            .scalars()
            .all()
        )
    with app.app_context():
        from portal.models import Asset, Brand, Client

        brand = db.session.get(Brand, brand_id)
        for cid in clients:
            make_asset(brand, db.session.get(Client, cid))
            db.session.add(Asset(brand_id=brand_id, client_id=cid, serial=f"S{cid}", name="x"))
        db.session.commit()
    with count_queries(app) as small:
        assert client.get("/big/clients?per=25").status_code == 200
    with count_queries(app) as large:
        assert client.get("/big/clients?per=100").status_code == 200
    assert len(small) == len(large) == 4
    # A search asks the index for its matches first, which counts them when they are few.
    with count_queries(app) as search:
        assert client.get("/big/clients?q=client").status_code == 200
    assert len(search) == 4
    # The htmx fragment has no header.
    with count_queries(app) as fragment:
        response = client.get("/big/clients?q=client", headers={"HX-Request": "true"})
        assert response.status_code == 200
    assert len(fragment) == 4

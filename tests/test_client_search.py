"""The list's search finds the same clients through its index as a plain scan does, on both
databases, for any names and any terms; the index follows every insert, change and delete."""

from __future__ import annotations

import itertools
import re

import pytest
from flask import g
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from portal.clients import queries
from portal.clients.queries import Search, search_clients
from portal.db import ALL_BRANDS, set_brand_scope
from portal.extensions import db
from portal.models import Address, Brand, Client
from portal.tenancy import scoped
from tests.conftest import login, make_brand, make_client, make_user

# Pieces that make substrings meet often: accents, case, LIKE's wildcards, quotes, digits.
PIECES = ["an", "ba", "Łó", "dź", "son", "a-b", "%", "_", '"', "x", "É", " ", "12", "ban"]
names = st.lists(st.sampled_from(PIECES), min_size=1, max_size=5).map("".join)
terms = st.lists(st.sampled_from([*PIECES, "1", "2"]), min_size=1, max_size=3).map("".join)
phones = st.text("0124", min_size=0, max_size=6)


def found_by_the_list(q: str, per_page: int = 2) -> tuple[list[int], int | str]:
    """Every client id the list shows for `q`, page after page, and the count it shows
    ("more than N" where it stopped counting)."""
    ids, after, total = [], None, None
    while True:
        page = search_clients(q=q, per_page=per_page, after=after)
        if total is None:
            total = page.total if page.more_than is None else f"more than {page.more_than}"
        ids += [client.id for client in page.clients]
        if page.next_cursor is None:
            return ids, total
        after = page.next_cursor


def found_by_a_scan(q: str) -> list[int]:
    """The same search without any index: LIKE on every row of the brand, in list order."""
    search = Search.parse(q)
    query = scoped(Client).order_by(Client.name_key, Client.id)
    if search:
        query = query.where(search.condition(index=False))
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL enable_bitmapscan = off"))
    return list(db.session.scalars(query.with_only_columns(Client.id)))


def use_the_index() -> None:
    """PostgreSQL reads a few rows without its indexes: make it take them, as at scale."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL enable_seqscan = off"))


@pytest.fixture
def two_brands(app):
    with app.app_context():
        make_brand("north")
        make_brand("south")
    return app


@pytest.mark.parametrize(
    "few, walk",
    [(1_000, 1_000), (2, 3), (0, 1)],  # as shipped; walking a little; always walking
    ids=["shipped", "small-thresholds", "walk-only"],
)
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    clients=st.lists(st.tuples(names, phones), min_size=1, max_size=12),
    renamed=st.lists(names, max_size=3),
    q=terms,
)
def test_search_finds_what_a_scan_finds(two_brands, monkeypatch, few, walk, clients, renamed, q):
    monkeypatch.setattr(queries, "FEW", few)
    monkeypatch.setattr(queries, "WALK", walk)
    with two_brands.test_request_context():
        set_brand_scope(ALL_BRANDS)  # the test writes both brands' clients (RLS on PostgreSQL)
        north, south = (db.session.scalar(scoped_brand(slug)) for slug in ("north", "south"))
        for name, phone in clients:
            for brand in (north, south):  # the same names in another brand: never found
                db.session.add(new_client(brand, name, phone))
        db.session.flush()
        g.brand = north
        set_brand_scope((north.id,))  # the search runs as a request of north would
        ours = list(db.session.scalars(scoped(Client).order_by(Client.id)))
        for client, name in zip(ours, renamed, strict=False):  # the index follows changes
            client.name = name
        if len(ours) > 1:
            db.session.delete(ours[-1])  # and deletions
        db.session.flush()

        expected = found_by_a_scan(q)
        use_the_index()
        ids, total = found_by_the_list(q)
        assert ids == expected
        if total == f"more than {few}":  # a common search stops counting at FEW
            assert len(expected) > few
        else:
            assert total == len(expected)
        db.session.rollback()


def scoped_brand(slug):
    return select(Brand).where(Brand.slug == slug)


_serial = itertools.count()


def new_client(brand, name: str, phone: str) -> Client:
    client = Client(
        brand_id=brand.id,
        provider_user_id=f"U-{next(_serial)}",
        name=name,
        phone=phone,
        country_code="GB",
    )
    client.address = Address(country_code="GB")
    return client


def test_short_words_find_the_start_of_a_name(client, app):
    with app.app_context():
        brand = make_brand("acme")
        make_user("reseller@acme.test", brand)
        make_client(brand, name="Jo Transport")
        make_client(brand, name="Banjo Haulage")
    login(client, "acme", "reseller@acme.test")
    page = client.get("/acme/clients?q=jo").text
    assert "Jo Transport" in page and "Banjo Haulage" not in page
    page = client.get("/acme/clients?q=njo").text  # three letters: anywhere
    assert "Banjo Haulage" in page and "Jo Transport" not in page


@pytest.fixture
def five_clients(client, app):
    """A reseller signed in to a brand of five clients, "Client alpha" to "Client echo"."""
    with app.app_context():
        brand = make_brand("acme")
        make_user("reseller@acme.test", brand)
        for word in ("alpha", "bravo", "charlie", "delta", "echo"):
            make_client(brand, name=f"Client {word}")
    login(client, "acme", "reseller@acme.test")
    return client


def test_a_large_list_says_more_than_the_count_it_stops_at(five_clients, monkeypatch):
    """What the brand's counters cannot tell (here: who cannot sign in yet) is counted, and
    the count stops at COUNT_CAP."""
    monkeypatch.setattr(queries, "COUNT_CAP", 3)
    client = five_clients
    page = client.get("/acme/clients?access=no_sign_in").text
    assert "More than 3 clients" in page
    assert "5 clients" not in page
    page = client.get("/acme/clients?q=client+echo").text
    assert "1 client" in page and "More than" not in page


def test_the_list_without_a_search_is_counted_exactly_by_the_counters(
    app, five_clients, monkeypatch
):
    """At any size: the status, payment and access filters are what the counters count, so no
    cap applies, and the figures follow each change at once."""
    from portal.models import ClientStatus, PaymentStatus

    monkeypatch.setattr(queries, "COUNT_CAP", 3)
    client = five_clients
    with app.app_context():
        clients = db.session.scalars(select(Client).order_by(Client.id)).all()
        clients[0].status = ClientStatus.BLOCKED
        clients[1].payment_status = PaymentStatus.DELINQUENT
        last = clients[4].id
        db.session.commit()

    def shown(query: str) -> str:
        text = client.get(f"/acme/clients{query}").text
        return re.search(r'class="result-count"[^>]*>\s*([^<]*?)\s*<', text).group(1)

    assert shown("") == "5 clients"
    assert shown("?status=active") == "4 clients"
    assert shown("?status=blocked") == "1 client"
    assert shown("?payment=delinquent") == "1 client"
    assert shown("?status=active&payment=up_to_date") == "3 clients"
    assert shown("?access=yes") == "3 clients"
    assert shown("?access=no") == "2 clients"
    assert shown("?access=no&status=active") == "1 client"
    assert shown("?status=cancelled") == "0 clients"
    with app.app_context():
        db.session.delete(db.session.get(Client, last))
        db.session.commit()
    assert shown("") == "4 clients"
    assert shown("?access=yes") == "2 clients"


def test_a_common_search_counts_no_further_than_the_matches_it_sorts(five_clients, monkeypatch):
    monkeypatch.setattr(queries, "FEW", 2)
    client = five_clients
    page = client.get("/acme/clients?q=client").text
    assert "More than 2 clients" in page and "Client alpha" in page
    page = client.get("/acme/clients?q=client&status=active").text  # counted, with the filter
    assert "More than 2 clients" in page
    page = client.get("/acme/clients?q=client+echo").text
    assert "1 client" in page and "More than" not in page


@pytest.mark.parametrize("q", ["07852 305876", "07852305876", "07852", "+44 7852", "7852 305"])
def test_a_phone_typed_the_local_way_finds_the_client(client, app, q):
    """A British reseller types the mobile as it is written in the UK; it is stored as
    447852305876 (country code and number)."""
    with app.app_context():
        brand = make_brand("acme", country_code="GB")
        make_user("reseller@acme.test", brand)
        make_client(brand, name="Harris Haulage", mobile="447852305876", phone="442079460000")
        make_client(brand, name="Other Haulage", mobile="447700900123", phone="441614960000")
    login(client, "acme", "reseller@acme.test")
    page = client.get("/acme/clients", query_string={"q": q}).text
    assert "Harris Haulage" in page and "Other Haulage" not in page


def test_a_local_number_reads_the_brands_country(app):
    with app.test_request_context():
        assert Search.parse("06 12 34 56 78", "FR").numbers == ("0612345678", "33612345678")
        assert Search.parse("0612", "GB").numbers == ("44612",)  # "0612" is the word itself
        assert Search.parse("601 234 567", "PL").numbers == ("601234567",)  # no trunk 0
        assert Search.parse("0abc", "GB").numbers == ()


def test_a_local_number_goes_through_the_index(app):
    with app.test_request_context():
        search = Search.parse("07852 305876", "GB")
        assert search.indexed
        assert search.fts_query() == '("07852" AND "305876") OR "07852305876" OR "447852305876"'

"""Fixtures: a fresh app and database per test, factories, and a login helper.

Tests run on SQLite by default (a new file per test). With TEST_DATABASE_URL set to a
PostgreSQL database, the schema is built once by the migrations (row-level security included)
and every table is emptied after each test. There the portal connects as TEST_DATABASE_URL's
role and the schema belongs to TEST_MIGRATION_DATABASE_URL's (the same role when unset), as in
production: `.ci/run` makes the two roles.
"""

from __future__ import annotations

import itertools
import os
import re
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.pool import NullPool

from portal import create_app
from portal.admin.rules import ensure_builtin_groups
from portal.config import database_url
from portal.db import ALL_BRANDS
from portal.extensions import db
from portal.models import (
    Address,
    Asset,
    Brand,
    Client,
    Membership,
    Role,
    User,
)
from portal.passwords import hash_password

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct-horse-battery"
_serials = itertools.count(350000000000000)


TEST_DATABASE_URL = database_url(os.environ.get("TEST_DATABASE_URL") or "")
ON_POSTGRESQL = TEST_DATABASE_URL.startswith("postgresql")
OWNER_DATABASE_URL = database_url(os.environ.get("TEST_MIGRATION_DATABASE_URL") or "") or (
    TEST_DATABASE_URL
)
_owner_engines = []


def pytest_sessionstart(session):
    # Tests read the compiled catalogs; compile them so a stale .mo never hides a change.
    CommandLineInterface().run(["pybabel", "-q", "compile", "-d", str(ROOT / "translations")])
    if ON_POSTGRESQL:
        _build_postgresql_schema()


def owner_engine():
    """A connection as the owner of the tables (PostgreSQL), for building and emptying them."""
    if not _owner_engines:
        _owner_engines.append(create_engine(OWNER_DATABASE_URL, poolclass=NullPool))
    return _owner_engines[0]


def _build_postgresql_schema() -> None:
    """The schema at the migrations' head, as `flask db upgrade` builds it, and empty."""
    from flask_migrate import upgrade

    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": TEST_DATABASE_URL,
            "MIGRATION_DATABASE_URL": OWNER_DATABASE_URL,
        }
    )
    with app.app_context():
        with owner_engine().begin() as connection:
            present = set(inspect(connection).get_table_names())
            if present and "alembic_version" not in present:
                db.metadata.drop_all(connection)  # left by an older suite's create_all
        upgrade()
        db.engine.dispose()
    empty_postgresql_tables()


def empty_postgresql_tables() -> None:
    """Every table emptied, as their owner (the portal's role may not TRUNCATE)."""
    tables = ", ".join(t.name for t in db.metadata.sorted_tables)
    with owner_engine().begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


def _database_url(tmp_path) -> str:
    return TEST_DATABASE_URL or f"sqlite:///{tmp_path / 'test.sqlite'}"


def app_settings(tmp_path) -> dict:
    """The settings of a test app whose files live under tmp_path."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": _database_url(tmp_path),
        "MIGRATION_DATABASE_URL": OWNER_DATABASE_URL or None,
        # A test's own reads and writes (factories, rules called directly) see every brand;
        # requests and jobs set their scope as in production.
        "BRAND_SCOPE_OUTSIDE_REQUESTS": ALL_BRANDS,
        "WTF_CSRF_ENABLED": False,
        "SESSION_COOKIE_SECURE": False,
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_COST": 1024,
        "DOCUMENT_STORAGE": str(tmp_path / "documents"),
        "LOGO_STORAGE": str(tmp_path / "logos"),
        "JOBS_INLINE": True,
    }


@pytest.fixture
def app_config(tmp_path):
    return app_settings(tmp_path)


@pytest.fixture
def app(app_config):
    """A new app and an empty database. No app context stays pushed: each request gets its own,
    as in production (a shared one would carry `g` and the session from request to request)."""
    app = create_app(app_config)
    if not ON_POSTGRESQL:  # PostgreSQL's schema is built once, by the migrations
        with app.app_context():
            db.create_all()
    yield app
    with app.app_context():
        db.engine.dispose()
    if ON_POSTGRESQL:
        empty_postgresql_tables()


@pytest.fixture
def ctx(app):
    """An app context for a test that reads or writes the database directly."""
    with app.app_context():
        yield


@pytest.fixture
def client(app):
    return app.test_client()


# --- factories --------------------------------------------------------------------------


def make_brand(slug: str, **overrides) -> Brand:
    values = {
        "name": slug.title(),
        "default_locale": "en",
        "country_code": "GB",
        "tracking_url_template": f"https://tracking.{{country}}.{slug}.example",
    }
    brand = Brand(slug=slug, **(values | overrides))
    db.session.add(brand)
    db.session.flush()
    ensure_builtin_groups(brand)
    db.session.commit()
    return brand


def make_user(
    email: str, brand: Brand | None = None, role: Role = Role.RESELLER, **overrides
) -> User:
    values = {"name": email.split("@")[0].title(), "password_hash": hash_password(PASSWORD)}
    user = User(email=email, **(values | overrides))
    db.session.add(user)
    if brand is not None:
        group = ensure_builtin_groups(brand)[role]
        db.session.add(Membership(user=user, brand_id=brand.id, group_id=group.id))
    db.session.commit()
    return user


def make_client(brand: Brand, **overrides) -> Client:
    values = {
        "provider_user_id": f"U-{next(_serials)}",
        "name": "Acme Haulage Ltd",
        "email": "office@acme.example",
        "phone": "442079460000",
        "mobile": "447700900123",
        "country_code": brand.country_code,
        "locale": brand.default_locale,
    }
    client = Client(brand_id=brand.id, **(values | overrides))
    client.address = Address(
        street="High Street",
        number="1",
        locality="Camden",
        sub_locality="Camden Town",
        city="London",
        postal_code="NW1 8NH",
        country_code=brand.country_code,
    )
    db.session.add(client)
    db.session.commit()
    return client


def make_asset(brand: Brand, client: Client | None = None, **overrides) -> Asset:
    values = {"serial": str(next(_serials)), "name": "Van"}
    asset = Asset(
        brand_id=brand.id, client_id=client.id if client else None, **(values | overrides)
    )
    db.session.add(asset)
    db.session.commit()
    return asset


# --- a world of two brands whose ids interleave -------------------------------------------


@pytest.fixture
def world(app):
    """Two brands, their staff, and clients created alternately so their ids interleave.

    The objects come back detached with their columns loaded, for reading ids and names.
    """
    with app.app_context():
        north = make_brand("north", name="North Fleet")
        south = make_brand("south", name="Sul Frotas", default_locale="pt", country_code="BR")
        w = {
            "north": north,
            "south": south,
            "north_admin": make_user("admin@north.test", north, Role.BRAND_ADMIN),
            "north_reseller": make_user("reseller@north.test", north, Role.RESELLER),
            "north_support": make_user("support@north.test", north, Role.SUPPORT),
            "south_reseller": make_user("reseller@south.test", south, Role.RESELLER),
            "platform_admin": make_user("root@platform.test", None, is_platform_admin=True),
            "north_clients": [],
            "south_clients": [],
        }
        for i in range(3):
            w["north_clients"].append(make_client(north, name=f"North Client {i}"))
            w["south_clients"].append(
                make_client(
                    south,
                    name=f"Cliente Sul {i}",
                    phone="551133334444",
                    mobile="5511987654321",
                    country_code="BR",
                    locale="pt",
                )
            )
        detach(
            *w["north_clients"],
            *w["south_clients"],
            *(v for v in w.values() if not isinstance(v, list)),
        )
    return w


def detach(*objects) -> None:
    for obj in objects:
        db.session.refresh(obj)
    db.session.expunge_all()


# --- emails that were really sent -----------------------------------------------------------


class Mailbox:
    """What the locmem mail backend received: the messages as their recipients read them."""

    def __init__(self, app):
        self.state = app.extensions["mailman"]
        self.state.outbox = []

    @property
    def messages(self):
        return list(self.state.outbox)

    def to(self, address: str):
        return [m for m in self.state.outbox if address in m.to]

    def link(self, address: str) -> str:
        """The path of the newest account link emailed to `address`."""
        sent = self.to(address)
        assert sent, f"no email to {address}"
        match = re.search(r"https?://[^/\s]+(/[\w-]+/account/link/[\w-]+)", sent[-1].body)
        assert match, sent[-1].body
        return match.group(1)


@pytest.fixture
def mailbox(app):
    """Emails go out at once, to a list the test reads (as a real mailbox would)."""
    app.config["MAIL_BACKEND"] = "locmem"
    return Mailbox(app)


# --- signing in through the real form ----------------------------------------------------


def login(client, brand_slug: str, email: str, password: str = PASSWORD, headers=None, **extra):
    return client.post(
        f"/{brand_slug}/login",
        data={"email": email, "password": password, **extra},
        headers=headers or {},
    )


def csrf_token_from(html: str) -> str:
    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)

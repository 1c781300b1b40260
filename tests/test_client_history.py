"""The History tab: readable values in a fixed number of queries, whatever the trail's length."""

from contextlib import contextmanager

import pytest
from sqlalchemy import event

from portal import audit
from portal.extensions import db
from portal.models import ClientGroup, Role, Segment
from tests.conftest import detach, login, make_brand, make_client, make_user

HX = {"HX-Request": "true"}


@pytest.fixture
def acme(app):
    with app.app_context():
        brand = make_brand("acme")
        reseller = make_user("reseller@acme.test", brand, Role.RESELLER, name="Rita Reseller")
        manager = make_user("manager@acme.test", brand, Role.RESELLER, name="Marco Manager")
        group = ClientGroup(brand_id=brand.id, name="Gold fleet")
        db.session.add(group)
        db.session.commit()
        client = make_client(brand, name="Transportes Silva")
        detach(client, reseller, manager, group)
    return {"client": client, "reseller": reseller, "manager": manager, "group": group}


def add_choice_events(app, acme, count: int) -> None:
    """`count` changes of choice fields, each naming a stored id or code."""
    client = acme["client"]
    values = [
        ("account_manager_id", acme["manager"].id),
        ("client_group_id", acme["group"].id),
        ("segment", Segment.RENTAL.value),
        ("locale", "pt"),
        ("country_code", "BR"),
    ]
    with app.app_context():
        for i in range(count):
            field, value = values[i % len(values)]
            audit.record(
                "client.updated",
                brand_id=client.brand_id,
                client_id=client.id,
                field=field,
                new=value,
                actor_id=acme["reseller"].id,
            )
        db.session.commit()


@contextmanager
def counted_statements(app):
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def history_statements(app, http, client_id) -> int:
    with counted_statements(app) as statements:
        response = http.get(f"/acme/clients/{client_id}?tab=history", headers=HX)
    assert response.status_code == 200
    return len(statements)


def test_history_runs_the_same_queries_for_10_or_50_events(app, client, acme):
    login(client, "acme", "reseller@acme.test")
    cid = acme["client"].id
    add_choice_events(app, acme, 10)
    with_10 = history_statements(app, client, cid)
    add_choice_events(app, acme, 40)
    with_50 = history_statements(app, client, cid)
    assert with_10 == with_50, (with_10, with_50)
    page = client.get(f"/acme/clients/{cid}?tab=history", headers=HX).text
    # The ids and codes are shown as the words the reader knows.
    assert page.count("Marco Manager") == 10
    assert page.count("Gold fleet") == 10
    assert page.count("Rental") == 10
    assert page.count("Português") == 10

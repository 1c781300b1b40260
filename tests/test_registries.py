"""The record's registries are closed: a new field or list is one entry, and nothing else.

Each test adds a throwaway entry (monkeypatched into the registry) and checks that the record
page shows it, its routes serve it under the entry's own permission, and the History names it.
"""

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import StringField
from wtforms.validators import InputRequired

from portal.clients.collections import COLLECTIONS, Collection, Part
from portal.clients.fields import FIELDS, EditableField
from portal.extensions import db
from portal.models import Contact, Membership, PermissionGroup, Role
from tests.conftest import detach, login, make_brand, make_client, make_user

HX = {"HX-Request": "true"}


class KeyPersonForm(FlaskForm):
    name = StringField("Name", validators=[InputRequired()])


@pytest.fixture
def throwaway(monkeypatch):
    """A field and a list no template, route or History label knows by name, both needing
    clients.status (not clients.edit) to change."""
    monkeypatch.setitem(
        FIELDS,
        "provider_user_id",
        EditableField(
            "provider_user_id",
            "Platform user ID",
            "personal",
            lambda client: StringField("Platform user ID", validators=[InputRequired()]),
            permission="clients.status",
        ),
    )
    monkeypatch.setitem(
        COLLECTIONS,
        "key_people",
        Collection(
            "key_people",
            "Key people",
            "Add a key person",
            "personal",
            Contact,
            KeyPersonForm,
            describe=lambda contact: contact.name,
            summary=lambda contact: [Part(contact.name, "title"), "decides on renewals"],
            permission="clients.status",
            relation="contacts",
        ),
    )


@pytest.fixture
def acme(app):
    with app.app_context():
        brand = make_brand("acme", country_code="BR")
        clerks = PermissionGroup(
            brand_id=brand.id,
            name="Billing clerk",
            permissions=["clients.view", "clients.status", "audit.view"],
        )
        db.session.add(clerks)
        db.session.flush()
        clerk = make_user("clerk@acme.test", brand, name="Clara Clerk")
        db.session.scalar(select(Membership).where(Membership.user_id == clerk.id)).group = clerks
        make_user("support@acme.test", brand, Role.SUPPORT)
        db.session.commit()
        client = make_client(brand, name="Transportes Silva", provider_user_id="U-1")
        detach(client)
    return client


def test_a_new_field_and_list_are_one_entry_each(app, client, acme, throwaway):
    login(client, "acme", "clerk@acme.test")
    page = client.get(f"/acme/clients/{acme.id}").text
    assert 'id="field-provider_user_id"' in page and "<dt>Platform user ID</dt>" in page
    assert 'aria-label="Edit Platform user ID"' in page
    assert '<section id="section-key_people"' in page and "<h2>Key people</h2>" in page
    assert "<summary>Add a key person</summary>" in page

    saved = client.post(
        f"/acme/clients/{acme.id}/fields/provider_user_id/edit",
        data={"provider_user_id": "U-2", "version": 1},
        headers=HX,
    )
    assert saved.status_code == 200 and "U-2" in saved.text and "Saved" in saved.text
    added = client.post(
        f"/acme/clients/{acme.id}/key_people", data={"name": "Ana Souza", "version": 2}, headers=HX
    )
    assert added.status_code == 200
    assert added.text.lstrip().startswith('<section id="section-key_people"')
    assert "<strong>Ana Souza</strong> · decides on renewals" in added.text
    with app.app_context():
        assert db.session.scalar(select(Contact.name)) == "Ana Souza"

    history = client.get(f"/acme/clients/{acme.id}?tab=history", headers=HX).text
    assert '<option value="provider_user_id">Platform user ID</option>' in history
    assert '<option value="key_people">Key people</option>' in history
    assert "<td>Platform user ID</td>" in history and "<td>Key people</td>" in history


def test_routes_check_the_entrys_own_permission(app, client, acme, throwaway):
    login(client, "acme", "clerk@acme.test")  # clients.status, but not clients.edit
    assert (
        client.get(f"/acme/clients/{acme.id}/fields/provider_user_id/edit", headers=HX).status_code
        == 200
    )
    assert client.get(f"/acme/clients/{acme.id}/fields/name/edit", headers=HX).status_code == 403
    assert (
        client.post(
            f"/acme/clients/{acme.id}/contacts", data={"name": "X", "version": 1}, headers=HX
        ).status_code
        == 403
    )
    page = client.get(f"/acme/clients/{acme.id}").text
    assert 'aria-label="Edit Name"' not in page and "Edit all personal data" in page
    assert (
        "<summary>Add a contact</summary>"
        not in client.get(f"/acme/clients/{acme.id}?tab=other").text
    )

    support = app.test_client()
    login(support, "acme", "support@acme.test")  # neither
    assert (
        support.post(
            f"/acme/clients/{acme.id}/key_people", data={"name": "X", "version": 1}, headers=HX
        ).status_code
        == 403
    )
    assert support.get(f"/acme/clients/{acme.id}/edit/personal").status_code == 403
    page = support.get(f"/acme/clients/{acme.id}").text
    assert (
        "Edit all personal data" not in page and "<summary>Add a key person</summary>" not in page
    )
    with app.app_context():
        assert db.session.scalar(select(Contact)) is None

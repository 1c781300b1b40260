"""Every operation of the OpenAPI document, called with generated valid and invalid input
(schemathesis): no 5xx, and no status, content type or body outside what the document says."""

import itertools
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from portal.api import tokens
from portal.brand_migration import bulk
from portal.db import transaction
from portal.extensions import db
from portal.models import PermissionGroup, Role
from portal.permissions import GRANTABLE
from tests.conftest import make_asset, make_brand, make_client, make_user

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def api_app(app):
    with app.app_context():
        brand = make_brand("acme", country_code="BR")
        sub = make_brand("acme-plus", country_code="BR", parent_id=brand.id)
        make_user("admin@acme.test", brand, Role.BRAND_ADMIN)
        # The token's maker may migrate between the two brands; its group may do everything.
        maker = make_user("root@platform.test", None, is_platform_admin=True)
        for name in ("Silva", "Souza"):
            client = make_client(brand, name=f"Transportes {name}", country_code="BR")
            assigned = make_asset(brand, client)
        free = make_asset(brand)
        app.config["TEST_IDS"] = {
            "client_id": client.id,
            "asset_id": assigned.id,
            "contact_id": 1,
            "free_asset": free.id,
        }
        with transaction():
            group = PermissionGroup(
                brand_id=brand.id, name="Everything", permissions=[p.name for p in GRANTABLE]
            )
            db.session.add(group)
            job = bulk.create_job(brand, sub, maker, [client.id])
            db.session.flush()
            app.config["TEST_IDS"]["job_id"] = job.id
            _token, app.config["TEST_API_SECRET"] = tokens.create(
                brand, "Schema test", group, actor=maker
            )
    app.config["API_RATE_LIMIT"] = "100000 per minute"
    return app


def exercise(operation, mode, app, headers, statuses) -> None:
    """Hypothesis-generated calls of one operation, each checked against the document."""

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=15,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    def call(case):
        if mode == GenerationMode.POSITIVE:  # reach the rules, not only the 404 of an id
            for name, value in app.config["TEST_IDS"].items():
                if name in (case.path_parameters or {}):
                    case.path_parameters[name] = value
        response = case.call_and_validate(headers=headers, checks=CHECKS)
        statuses[response.status_code] += 1

    call()


def test_every_operation_answers_as_documented(api_app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", api_app)
    # "*" lets a change through to its validation; a real client sends the ETag it read.
    headers = {
        "Authorization": f"Bearer {api_app.config['TEST_API_SECRET']}",
        "If-Match": "*",
        "Accept-Encoding": "identity",  # the checks read the body as sent
    }
    labels, statuses = set(), Counter()
    for result, mode in itertools.product(schema.get_all_operations(), GenerationMode):
        operation = result.ok()
        exercise(operation, mode, api_app, headers, statuses)
        labels.add(operation.label)
    assert len(labels) == 20
    # Valid calls succeeded and invalid ones were refused, each as the document says.
    assert statuses[200] and statuses[422] and statuses[404]

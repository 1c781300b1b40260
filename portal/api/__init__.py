"""The REST API under /api/v1/, for a brand's integrations (billing, tracking).

flask-smorest (marshmallow): the schemas that parse and check each request also write the
OpenAPI document at /api/v1/openapi.json, so the two cannot drift. Calls authenticate with a
brand's API token (access.py) and go through the same rule functions, validation, freeze,
permissions and tenancy as the pages; errors are RFC 9457 problem details (problems.py). The
token pages and the human documentation are ordinary pages of the brand (pages.py).
"""

from __future__ import annotations

from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask
from flask_smorest import Api

from portal.api import clients, migrations, pages, problems
from portal.errors import render_errors_under
from portal.extensions import csrf

API_BLUEPRINTS = (clients.blp, migrations.blp)


class PortalApi(Api):
    ERROR_SCHEMA = None  # errors are problem details, rendered by portal.errors (problems.py)

    def _register_error_handlers(self):
        """None of flask-smorest's: they would answer every error of the site in JSON."""


def schema_name(schema) -> str:
    """A schema's name in the document; a partial one (for PATCH) is "…Patch"."""
    cls = schema if isinstance(schema, type) else type(schema)
    partial = not isinstance(schema, type) and bool(schema.partial)
    return cls.__name__ + ("Patch" if partial else "")


def init_app(app: Flask) -> None:
    app.config.setdefault("API_TITLE", "Brand portal API")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api/v1")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    api = PortalApi(
        app,
        spec_kwargs={
            "marshmallow_plugin": MarshmallowPlugin(schema_name_resolver=schema_name),
            "components": {
                "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            },
            "security": [{"bearer": []}],
        },
    )
    for blueprint in API_BLUEPRINTS:
        # Calls carry a bearer token, never a session cookie: nothing for CSRF to protect.
        csrf.exempt(blueprint)
        api.register_blueprint(blueprint)
    app.register_blueprint(pages.bp)
    render_errors_under(app, "/api/", problems.render)

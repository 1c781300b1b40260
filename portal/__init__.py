"""The brand portal: create_app() builds the Flask application."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, g, has_request_context, request
from flask_babel import get_locale
from flask_login import current_user

from portal import extensions
from portal.config import check_secret_key, instance_secret_key, load_settings
from portal.extensions import babel, csrf, htmx, limiter, login_manager, mail, migrate

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.update(load_settings(Path(app.instance_path)))
    app.config.update(config or {})
    check_secret_key(app.config)  # refuses what several instances could not share
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = instance_secret_key(Path(app.instance_path))
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if app.config["TRUST_PROXY"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)

    from portal import db as unit_of_work
    from portal import edge, serving

    serving.init_app(app)
    unit_of_work.init_app(app)  # first: its commit must be the last after_request hook
    edge.init_app(app)  # before the routes: their <int:…> ids use its converter
    _init_extensions(app)
    _register_blueprints(app)
    _register_request_hooks(app)

    from portal import api, jobs, throttle
    from portal.cli import register_commands
    from portal.errors import register_error_handlers
    from portal.templating import register_filters

    register_error_handlers(app)
    api.init_app(app)
    throttle.confine_limiter(app)  # once every blueprint is known
    register_commands(app)
    register_filters(app)
    jobs.init_app(app)  # the sweep's thread, where this process sweeps
    return app


def _init_extensions(app: Flask) -> None:
    from portal import (
        assets,
        models,  # noqa: F401 - the models must be known to Alembic and SQLAlchemy
        throttle,  # noqa: F401 - registers the database:// rate-limit store
    )
    from portal.locale import install_template_gettext, select_locale

    # `portal.db` is the unit of work (portal/db.py); the SQLAlchemy object is extensions.db.
    extensions.db.init_app(app)
    migrate.init_app(app, extensions.db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    htmx.init_app(app)
    limiter.init_app(app)
    mail.init_app(app)
    assets.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    install_template_gettext(app)
    app.jinja_env.policies["ext.i18n.trimmed"] = True

    from portal.auth.cookie import SignedCookieSessions
    from portal.auth.rules import load_session_user

    app.session_interface = SignedCookieSessions()
    login_manager.init_app(app)
    login_manager.user_loader(load_session_user)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None  # the sign-in page speaks for itself
    login_manager.session_protection = None  # sessions are checked server-side instead


def _register_blueprints(app: Flask) -> None:
    from portal import tenancy
    from portal.admin import bp as admin_bp
    from portal.auth import bp as auth_bp
    from portal.brand_migration import bp as brand_migration_bp
    from portal.clients import bp as clients_bp
    from portal.dashboard import bp as dashboard_bp
    from portal.main import bp as main_bp
    from portal.outbox import bp as outbox_bp

    app.url_value_preprocessor(tenancy.pull_brand)
    app.url_defaults(tenancy.add_brand)
    app.before_request(tenancy.check_membership)
    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(clients_bp)
    app.register_blueprint(dashboard_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(brand_migration_bp)
    app.register_blueprint(outbox_bp)


def _register_request_hooks(app: Flask) -> None:
    from portal.locale import LANGUAGE_NAMES
    from portal.navigation import header_links
    from portal.permissions import can
    from portal.rendering import flashes_out_of_band
    from portal.tenancy import switchable_brands

    # A global, not a context variable: macros imported without context (`{% from … import %}`)
    # call it too.
    app.jinja_env.globals["can"] = can
    app.jinja_env.globals["header_links"] = header_links

    @app.context_processor
    def template_globals():
        if not has_request_context():  # an email rendered by a job
            return {}
        return {
            "brand": g.get("brand"),
            "languages": LANGUAGE_NAMES,
            "current_locale": get_locale().language,
            # A function: only the full page's header calls it, not every htmx fragment.
            "switchable_brands": lambda: switchable_brands(current_user),
        }

    app.after_request(flashes_out_of_band)

    # The same headers on every answer, built once (an answer that set one keeps its own).
    fixed_headers = [
        (
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
            "script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'",
        ),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "same-origin"),
    ]
    if app.config["HSTS"]:
        fixed_headers.append(("Strict-Transport-Security", "max-age=31536000; includeSubDomains"))

    @app.after_request
    def security_headers(response):
        headers = response.headers
        present = {name.lower() for name, _ in headers}  # one pass; Headers looks up by scanning
        for name, value in fixed_headers:
            if name.lower() not in present:
                headers.add(name, value)
        if request.endpoint == "static":
            return response
        # The answer differs with htmx and with the session: no cache may mix them up.
        if "vary" in present:
            response.vary.update(("HX-Request", "Cookie"))
        else:
            headers.add("Vary", "HX-Request, Cookie")
        if current_user.is_authenticated:
            # Pages behind sign-in carry personal data: no copy in any cache.
            headers["Cache-Control"] = "no-store"
        return response

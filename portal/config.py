"""Settings from the environment, with safe defaults for the embedded setup."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

LANGUAGES = ("en", "fr", "pt", "pl")


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def instance_secret_key(instance_path: Path) -> str:
    """A key generated once and kept in instance/, for when SECRET_KEY is not set."""
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(48))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def load_settings(instance_path: Path) -> dict:
    development = os.environ.get("PORTAL_ENV", "production") == "development"
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance_path / 'portal.sqlite'}"
    if database_url.startswith("postgres://"):  # the form some hosts hand out
        database_url = "postgresql://" + database_url.removeprefix("postgres://")
    if database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgresql://")
    redis_url = os.environ.get("REDIS_URL")
    return {
        "SECRET_KEY": os.environ.get("SECRET_KEY"),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "REDIS_URL": redis_url,
        # Shared by every worker: Redis when configured, else the database (portal/throttle.py).
        "RATELIMIT_STORAGE_URI": redis_url or "database://",
        "RATELIMIT_STRATEGY": "moving-window",
        "RATELIMIT_HEADERS_ENABLED": False,
        # Failed sign-ins allowed per account and per address before a pause.
        "LOGIN_FAILURE_LIMIT": os.environ.get("LOGIN_FAILURE_LIMIT", "5 per 15 minutes"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _env_bool("SESSION_COOKIE_SECURE", not development),
        "SESSION_IDLE_TIMEOUT": timedelta(
            minutes=int(os.environ.get("SESSION_IDLE_MINUTES", "60"))
        ),
        "SESSION_ABSOLUTE_TIMEOUT": timedelta(
            hours=int(os.environ.get("SESSION_ABSOLUTE_HOURS", "12"))
        ),
        "PERMANENT_SESSION_LIFETIME": timedelta(
            hours=int(os.environ.get("SESSION_ABSOLUTE_HOURS", "12"))
        ),
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_DEFAULT_TIMEZONE": os.environ.get("PORTAL_TIMEZONE", "UTC"),
        "BABEL_TRANSLATION_DIRECTORIES": str(
            Path(__file__).resolve().parent.parent / "translations"
        ),
        "LANGUAGES": LANGUAGES,
        "DOCUMENT_STORAGE": os.environ.get("DOCUMENT_STORAGE", str(instance_path / "documents")),
        "LOGO_STORAGE": os.environ.get("LOGO_STORAGE", str(instance_path / "logos")),
        "MAX_LOGO_BYTES": 512 * 1024,
        "MAX_DOCUMENT_BYTES": int(os.environ.get("MAX_DOCUMENT_MB", "5")) * 1024 * 1024,
        # Anything bigger is refused before it is read (413), documents included.
        "MAX_CONTENT_LENGTH": (int(os.environ.get("MAX_DOCUMENT_MB", "5")) + 1) * 1024 * 1024,
        # Behind one reverse proxy: its X-Forwarded-For, -Proto, -Host and X-Request-ID count.
        "TRUST_PROXY": _env_bool("TRUST_PROXY", False),
        # One JSON line per request on standard output (portal/serving.py).
        "REQUEST_LOG": _env_bool("REQUEST_LOG", True),
        # Invitations and password links emailed to account holders stop working after this.
        "ACCOUNT_LINK_HOURS": int(os.environ.get("ACCOUNT_LINK_HOURS", "48")),
        # Browsers keep to https for a year once they have seen the portal over https.
        "HSTS": _env_bool("HSTS", not development),
        # Outgoing mail: with no MAIL_SERVER, emails wait in the outbox (Administration).
        "MAIL_SERVER": os.environ.get("MAIL_SERVER"),
        # Another Flask-Mailman backend, e.g. "console" to print emails in development.
        "MAIL_BACKEND": os.environ.get("MAIL_BACKEND"),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "587")),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME"),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD"),
        "MAIL_USE_TLS": _env_bool("MAIL_USE_TLS", True),
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_DEFAULT_SENDER", "portal@localhost"),
        "MAIL_TIMEOUT": 10,
        # Background jobs: RQ on Redis when REDIS_URL is set, else a thread in this process.
        "JOBS_INLINE": False,  # tests run jobs at once, in the request
    }

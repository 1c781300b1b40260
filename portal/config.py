"""Settings from the environment, with safe defaults for the embedded setup."""

from __future__ import annotations

import os
import secrets
import time
from datetime import timedelta
from email.utils import parseaddr
from pathlib import Path

LANGUAGES = ("en", "fr", "pt", "pl")


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def instance_secret_key(instance_path: Path) -> str:
    """A key generated once and kept in instance/, for when SECRET_KEY is not set.

    Created exclusively (O_EXCL), so processes starting together on this machine all read the
    one key the first of them wrote, never each its own.
    """
    key_file = instance_path / "secret_key"
    instance_path.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_urlsafe(48))
    for _ in range(50):  # another process may have created it and not yet written it
        key = key_file.read_text().strip()
        if key:
            return key
        time.sleep(0.01)
    raise RuntimeError(f"{key_file} is empty: remove it, or set SECRET_KEY")


class MissingSecretKey(RuntimeError):
    """Production with shared services and no SECRET_KEY: each instance would sign alone."""


def check_secret_key(config: dict) -> None:
    """Refuse to start when a generated key would differ between the processes serving.

    A key generated into instance/ is one key only for the processes of one machine, which
    share that folder. Outside development, a database server (PostgreSQL) or REDIS_URL is
    what lets instances on several machines serve together, so there SECRET_KEY must be set:
    each would otherwise generate its own key and refuse the others' sessions and forms. The
    embedded setup (SQLite in instance/, no Redis) is one machine by construction.
    """
    if config.get("SECRET_KEY") or config.get("PORTAL_ENV") == "development":
        return
    shared = [
        name
        for name, in_use in (
            ("DATABASE_URL", not config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")),
            ("REDIS_URL", bool(config.get("REDIS_URL"))),
        )
        if in_use
    ]
    if shared:
        raise MissingSecretKey(
            f"SECRET_KEY is not set, and {' and '.join(shared)} let several instances serve "
            "together: each would sign sessions with a key of its own. Set SECRET_KEY to the "
            "same long random value for every instance and worker, e.g. the output of "
            "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`."
        )


def database_url(value: str) -> str:
    """A database URL as SQLAlchemy wants it: PostgreSQL through psycopg 3."""
    if value.startswith("postgres://"):  # the form some hosts hand out
        value = "postgresql://" + value.removeprefix("postgres://")
    if value.startswith("postgresql://"):
        value = "postgresql+psycopg://" + value.removeprefix("postgresql://")
    return value


def mail_settings() -> dict:
    """SMTP and the outbox's retries. Plain SMTP unless MAIL_USE_TLS (STARTTLS) or MAIL_USE_SSL
    says otherwise: a server given by MAIL_SERVER and MAIL_PORT alone is spoken to as it is."""
    sender = os.environ.get("MAIL_DEFAULT_SENDER", "")
    # Message-ID and EHLO name this domain: the sender's, else (at sending) this machine's.
    domain = os.environ.get("MAIL_DOMAIN") or parseaddr(sender)[1].rpartition("@")[2] or None
    return {
        "MAIL_SERVER": os.environ.get("MAIL_SERVER"),
        # Another Flask-Mailman backend, e.g. "console" to print emails in development.
        "MAIL_BACKEND": os.environ.get("MAIL_BACKEND"),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "25")),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME"),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD"),
        "MAIL_USE_TLS": _env_bool("MAIL_USE_TLS", False),
        "MAIL_USE_SSL": _env_bool("MAIL_USE_SSL", False),
        "MAIL_DOMAIN": domain,
        "MAIL_DEFAULT_SENDER": sender or None,  # None: portal@MAIL_DOMAIN
        "MAIL_TIMEOUT": int(os.environ.get("MAIL_TIMEOUT", "10")),
        # A failed send is tried again after this many seconds, then twice as long each time…
        "OUTBOX_RETRY_SECONDS": int(os.environ.get("OUTBOX_RETRY_SECONDS", "60")),
        # …until this many attempts have failed: then it is "failed" and shown as an alert.
        "OUTBOX_MAX_ATTEMPTS": int(os.environ.get("OUTBOX_MAX_ATTEMPTS", "6")),
        # A send claimed longer ago than this, never recorded as sent or failed, was interrupted
        # (its process died): it is marked "unsure", never sent twice by itself.
        "OUTBOX_CLAIM_SECONDS": int(os.environ.get("OUTBOX_CLAIM_SECONDS", "300")),
    }


def load_settings(instance_path: Path) -> dict:
    portal_env = os.environ.get("PORTAL_ENV", "production")
    development = portal_env == "development"
    redis_url = os.environ.get("REDIS_URL")
    return {
        "PORTAL_ENV": portal_env,
        "SECRET_KEY": os.environ.get("SECRET_KEY"),
        "SQLALCHEMY_DATABASE_URI": database_url(
            os.environ.get("DATABASE_URL") or f"sqlite:///{instance_path / 'portal.sqlite'}"
        ),
        # `flask db upgrade` connects with this one: the owner of the tables, while the portal
        # connects as a role that row-level security applies to (README, "Production").
        "MIGRATION_DATABASE_URL": database_url(os.environ.get("MIGRATION_DATABASE_URL") or "")
        or None,
        "REDIS_URL": redis_url,
        # Shared by every worker: Redis when configured, else the database (portal/throttle.py).
        "RATELIMIT_STORAGE_URI": redis_url or "database://",
        "RATELIMIT_STRATEGY": "moving-window",
        # Retry-After (and X-RateLimit-*) on the responses of limited routes: the API, sign-in.
        "RATELIMIT_HEADERS_ENABLED": True,
        "API_RATE_LIMIT": os.environ.get("API_RATE_LIMIT", "600 per minute"),
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
        # Text answers compressed by the portal; off where a reverse proxy compresses them.
        "COMPRESS_RESPONSES": _env_bool("COMPRESS_RESPONSES", True),
        # Browsers keep to https for a year once they have seen the portal over https.
        "HSTS": _env_bool("HSTS", not development),
        # Outgoing mail: with no MAIL_SERVER, emails wait in the outbox (Administration).
        **mail_settings(),
        # The portal's public address, for links in emails sent outside a request (jobs).
        "PORTAL_URL": os.environ.get("PORTAL_URL"),
        # A migration awaiting agreement to a transfer between brand trees expires after this.
        "MIGRATION_CONSENT_DAYS": int(os.environ.get("MIGRATION_CONSENT_DAYS", "14")),
        # Background jobs: RQ on Redis when REDIS_URL is set, else a thread in this process.
        "JOBS_INLINE": False,  # tests run jobs at once, in the request
        # A bulk job or migration whose runner has not renewed its lease for this long is
        # picked up again (portal/jobs.py); every step renews it, so longer than any step.
        "LEASE_SECONDS": int(os.environ.get("LEASE_SECONDS", "60")),
        # How often the sweep (portal.jobs.PERIODIC) runs: in the worker, else in the web process.
        "SWEEP_SECONDS": int(os.environ.get("SWEEP_SECONDS", "30")),
        # The web process's sweep thread: unset means on without REDIS_URL (off under TESTING).
        "PERIODIC_THREAD": (
            _env_bool("PERIODIC_THREAD", False) if "PERIODIC_THREAD" in os.environ else None
        ),
        # What a transaction may touch when nothing set its brand scope (portal/db.py): no
        # tenant row. Tests give portal.db.ALL_BRANDS for their own direct reads and writes.
        "BRAND_SCOPE_OUTSIDE_REQUESTS": None,
    }

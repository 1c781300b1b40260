"""Serving: each request's id and its one JSON log line; the health probe.

Every request gets an id (the proxy's X-Request-ID when TRUST_PROXY is on and the value is
sane, else a new one), echoed in the response's X-Request-ID header and shown on error pages,
so a user can quote it and an operator find the line. The line is written once the response
is final (after the request's commit): the URL rule rather than the path (no ids, names or
search terms in the log), the status, the time taken, the user and the brand.
"""

from __future__ import annotations

import json
import re
import secrets
import sys
import time
from datetime import UTC, datetime

from flask import Flask, current_app, g, request, request_finished, request_started
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from portal.extensions import db

REQUEST_ID_HEADER = "X-Request-ID"
# What a proxy's id may look like to be kept (UUIDs, AWS and nginx ids); anything else is
# replaced, so a client cannot write arbitrary text into the log through the header.
_PROXY_ID = re.compile(r"[A-Za-z0-9._:-]{8,128}\Z")


def init_app(app: Flask) -> None:
    request_started.connect(_start, app)
    app.after_request(_note_who)  # runs before the request's commit (portal/db.py runs last)
    request_finished.connect(_finish, app)


def request_id() -> str:
    """The id of the current request (made on first use, should the start signal be skipped)."""
    context = g._get_current_object()
    if "request_id" not in context:
        context.request_id = _new_id(current_app.config)
    return context.request_id


def _new_id(config) -> str:
    if config["TRUST_PROXY"]:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        if _PROXY_ID.match(incoming):
            return incoming
    return secrets.token_hex(8)


# Every hook below reads `g` and `request` once: each access through Flask's proxies costs.


def _start(app: Flask, **extra) -> None:
    context = g._get_current_object()
    context.request_started = time.perf_counter()
    context.request_id = _new_id(app.config)


def _note_who(response):
    """The user and the brand, read while loaded: after the commit they are expired, and
    reading them would cost a transaction and two queries."""
    context = g._get_current_object()
    if "log_brand" in context:  # noted already (an error page after a failed commit)
        return response
    # The user Flask-Login loaded, if it did: asking current_user would load a session (a
    # query) for requests that never needed one, static files included.
    user = context.get("_login_user")
    brand = context.get("brand")
    context.log_user_id = user.id if user is not None and user.is_authenticated else None
    context.log_brand = brand.slug if brand is not None else None
    return response


def _finish(app: Flask, response, **extra) -> None:
    context = g._get_current_object()
    identifier = context.get("request_id") or request_id()
    response.headers[REQUEST_ID_HEADER] = identifier
    if not app.config["REQUEST_LOG"]:
        return
    started = context.get("request_started")
    current = request._get_current_object()
    rule = current.url_rule
    line = json.dumps(
        {
            "ts": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "request_id": identifier,
            "method": current.method,
            "path": rule.rule if rule is not None else None,
            "status": response.status_code,
            "duration_ms": round((time.perf_counter() - started) * 1000, 2) if started else None,
            "user_id": context.get("log_user_id"),
            "brand": context.get("log_brand"),
        },
        separators=(",", ":"),
    )
    # Straight to standard output, one write a line (whole lines, however many threads):
    # the logging module would cost more than the rest of this together.
    stream = sys.stdout
    stream.write(line + "\n")
    stream.flush()


# --- health ---------------------------------------------------------------------------------


def health() -> dict[str, str]:
    """Whether each service the portal needs answers: "ok", "down", or "not configured"."""
    checks = {"database": "ok" if _database_answers() else "down"}
    url = current_app.config.get("REDIS_URL")
    checks["redis"] = ("ok" if _redis_answers(url) else "down") if url else "not configured"
    return checks


def _database_answers() -> bool:
    for attempt in (1, 2):  # a connection the server dropped (a restart) is replaced once
        try:
            with db.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return True
        except DBAPIError as error:
            if attempt == 1 and error.connection_invalidated:
                continue
            current_app.logger.warning("health: the database does not answer: %s", error)
            return False
        except Exception as error:  # noqa: BLE001 - any failure means: not serving
            current_app.logger.warning("health: the database does not answer: %s", error)
            return False
    return False


def _redis_answers(url: str) -> bool:
    from redis import Redis

    clients = current_app.extensions.setdefault("portal.health_redis", {})
    if url not in clients:
        clients[url] = Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    try:
        return bool(clients[url].ping())
    except Exception as error:  # noqa: BLE001 - any failure means: not serving
        current_app.logger.warning("health: Redis does not answer: %s", error)
        return False

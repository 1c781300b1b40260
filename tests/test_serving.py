"""Serving in production: the health probe, one JSON log line per request, request ids a user
can quote from an error page, and no start with a key that instances could not share."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from portal import create_app
from portal.config import MissingSecretKey, check_secret_key
from portal.extensions import db
from portal.models import Role
from tests.conftest import ROOT, login, make_brand, make_client, make_user
from tests.test_real_services import REDIS_URL, _redis

UNREACHABLE_DATABASE = "postgresql+psycopg://nobody@127.0.0.1:1/nothing"
UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"


def _closed(app) -> None:
    with app.app_context():
        db.engine.dispose()


# --- /healthz -----------------------------------------------------------------------------


def test_healthz_answers_200_with_no_session_and_no_brand(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok", "redis": "not configured"}
    assert "Set-Cookie" not in response.headers  # no session was needed, none was made
    assert response.headers["Cache-Control"] == "no-store"


def test_healthz_answers_503_when_the_database_does_not(app_config):
    down = create_app(app_config | {"SQLALCHEMY_DATABASE_URI": UNREACHABLE_DATABASE})
    response = down.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json == {
        "status": "unavailable",
        "database": "down",
        "redis": "not configured",
    }
    _closed(down)


def test_healthz_answers_503_when_redis_does_not(app, app_config):
    down = create_app(app_config | {"REDIS_URL": UNREACHABLE_REDIS})
    response = down.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json == {"status": "unavailable", "database": "ok", "redis": "down"}
    _closed(down)


def test_healthz_asks_redis_when_it_is_configured(app, app_config):
    if _redis() is None:
        pytest.skip("no Redis at " + REDIS_URL)
    up = create_app(app_config | {"REDIS_URL": REDIS_URL})
    response = up.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok", "redis": "ok"}
    _closed(up)


# --- the request log ------------------------------------------------------------------------


def log_lines(capsys) -> list[dict]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line]


@pytest.fixture
def acme(app):
    with app.app_context():
        brand = make_brand("acme")
        user = make_user("reseller@acme.test", brand, Role.RESELLER)
        client = make_client(brand, name="Secret Name Ltd")
        return {"user": user.id, "client": client.id}


def test_each_request_writes_one_json_line_with_the_url_rule(app, client, acme, capsys):
    login(client, "acme", "reseller@acme.test")
    capsys.readouterr()
    response = client.get(f"/acme/clients/{acme['client']}")
    unknown = client.get("/no/such/page/at/all")
    lines = log_lines(capsys)
    assert [line["status"] for line in lines] == [200, 404]
    record, missing = lines
    assert record["request_id"] == response.headers["X-Request-ID"]
    assert set(record) == {
        "ts",
        "request_id",
        "method",
        "path",
        "status",
        "duration_ms",
        "user_id",
        "brand",
    }
    assert record["method"] == "GET"
    assert record["path"] == "/<brand_slug>/clients/<int:client_id>"  # no id, no name
    assert record["user_id"] == acme["user"] and record["brand"] == "acme"
    assert 0 < record["duration_ms"] < 60_000
    assert missing["path"] is None and missing["brand"] is None  # no raw path either
    assert missing["request_id"] == unknown.headers["X-Request-ID"]
    assert record["request_id"] != missing["request_id"]


def test_the_log_can_be_turned_off(app_config, app, capsys):
    quiet = create_app(app_config | {"REQUEST_LOG": False})
    response = quiet.test_client().get("/healthz")
    assert response.headers["X-Request-ID"]  # the id is still given
    assert capsys.readouterr().out == ""
    _closed(quiet)


def test_a_proxy_request_id_is_kept_only_behind_a_trusted_proxy(app_config, app, capsys):
    given = {"X-Request-ID": "edge-7f3a9c1e-42"}
    direct = create_app(app_config)
    assert direct.test_client().get("/healthz", headers=given).headers["X-Request-ID"] != (
        "edge-7f3a9c1e-42"
    )
    proxied = create_app(app_config | {"TRUST_PROXY": True})
    http = proxied.test_client()
    assert http.get("/healthz", headers=given).headers["X-Request-ID"] == "edge-7f3a9c1e-42"
    # Anything that is not an id is replaced, so the header cannot write into the log.
    forged = http.get("/healthz", headers={"X-Request-ID": 'x" injected {"status":200}'})
    assert forged.headers["X-Request-ID"] != 'x" injected {"status":200}'
    ids = [line["request_id"] for line in log_lines(capsys)]
    assert ids[1] == "edge-7f3a9c1e-42" and len(ids) == 3
    _closed(direct)
    _closed(proxied)


# --- error pages --------------------------------------------------------------------------

QUOTE = {
    "en": "If you contact support, give them this reference: {id}",
    "fr": "Si vous contactez le support, indiquez-lui cette référence\u00a0: {id}",
    "pt": "Se entrar em contato com o suporte, informe esta referência: {id}",
    "pl": "Kontaktując się z pomocą techniczną, podaj ten identyfikator: {id}",
}


@pytest.mark.parametrize("language", sorted(QUOTE))
def test_an_error_page_shows_the_request_id_to_quote(client, language):
    response = client.get("/no/such/page", headers={"Accept-Language": language})
    assert response.status_code == 404
    request_id = response.headers["X-Request-ID"]
    assert QUOTE[language].format(id=request_id) in response.get_data(as_text=True)


def test_a_500_page_and_its_log_lines_carry_the_same_id(app, client, capsys):
    from portal.permissions import public

    @app.get("/_broken")
    @public
    def broken():
        raise RuntimeError("a bug")

    response = client.get("/_broken")
    assert response.status_code == 500
    request_id = response.headers["X-Request-ID"]
    assert QUOTE["en"].format(id=request_id) in response.get_data(as_text=True)
    assert [line["request_id"] for line in log_lines(capsys)] == [request_id]


# --- SECRET_KEY ---------------------------------------------------------------------------


def _settings(**overrides) -> dict:
    return {
        "PORTAL_ENV": "production",
        "SECRET_KEY": None,
        "SQLALCHEMY_DATABASE_URI": "sqlite:////tmp/portal.sqlite",
        "REDIS_URL": None,
    } | overrides


@pytest.mark.parametrize(
    "shared",
    [
        {"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://portal@db/portal"},
        {"REDIS_URL": "redis://cache:6379/0"},
    ],
)
def test_production_with_shared_services_refuses_to_start_without_secret_key(app_config, shared):
    with pytest.raises(MissingSecretKey, match="SECRET_KEY"):
        create_app(app_config | {"SECRET_KEY": None, "PORTAL_ENV": "production"} | shared)


def test_a_secret_key_development_or_the_embedded_setup_may_start():
    check_secret_key(_settings(SECRET_KEY="set", REDIS_URL="redis://cache/0"))
    check_secret_key(_settings(PORTAL_ENV="development", REDIS_URL="redis://cache/0"))
    check_secret_key(_settings())  # SQLite in instance/, no Redis: one machine


def test_processes_starting_together_read_one_generated_key(tmp_path):
    """The embedded setup's key: written once, exclusively, read by every worker alike."""
    script = (
        "import sys; from pathlib import Path\n"
        "from portal.config import instance_secret_key\n"
        "print(instance_secret_key(Path(sys.argv[1])))\n"
    )
    starts = [
        subprocess.Popen(  # noqa: S603 - this interpreter, our own script
            [sys.executable, "-c", script, str(tmp_path / "instance")],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    keys = {process.communicate(timeout=60)[0].strip() for process in starts}
    key_file = tmp_path / "instance" / "secret_key"
    assert keys == {key_file.read_text()} and len(key_file.read_text()) > 40
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"


def test_gunicorn_refuses_to_serve_production_without_secret_key(tmp_path):
    environment = {
        key: value for key, value in os.environ.items() if key not in {"SECRET_KEY", "PORTAL_ENV"}
    } | {"DATABASE_URL": "postgresql://portal@db.invalid/portal", "BIND": "127.0.0.1:0"}
    result = subprocess.run(  # noqa: S603 - the project's own gunicorn and config
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--workers", "1"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr

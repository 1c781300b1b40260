"""Scale-out: instances behind a load balancer share nothing but PostgreSQL and Redis.

Two portal processes (gunicorn, as in production) and two RQ workers run against one database
and one Redis; a browser signs in on one instance and carries on from the other, a bulk job
started on one instance runs once on a worker and shows on the other, and failed sign-ins
spread over both instances are counted together. Skipped without PostgreSQL and Redis.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from http.cookiejar import CookieJar
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode
from urllib.request import HTTPCookieProcessor, HTTPRedirectHandler, build_opener

import pytest
from sqlalchemy import select

from portal.db import ALL_BRANDS, set_brand_scope
from portal.extensions import db
from portal.models import BulkItem, Client, Migration, Role
from tests.conftest import (
    ON_POSTGRESQL,
    PASSWORD,
    ROOT,
    TEST_DATABASE_URL,
    csrf_token_from,
    make_brand,
    make_client,
    make_user,
)
from tests.test_real_services import REDIS_URL, redis_db  # noqa: F401 - a fixture

pytestmark = pytest.mark.skipif(not ON_POSTGRESQL, reason="scale-out needs PostgreSQL")


# --- a browser ----------------------------------------------------------------------------


class _KeepRedirects(HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 302 is an answer to look at, as in the test client


class Browser:
    """One person's browser: its cookies, whichever instance answers."""

    def __init__(self):
        self.opener = build_opener(HTTPCookieProcessor(CookieJar()), _KeepRedirects())

    def request(self, url: str, form: dict | None = None) -> tuple[int, str, dict]:
        data = urlencode(form, doseq=True).encode() if form is not None else None
        try:
            with self.opener.open(url, data=data, timeout=30) as response:
                return response.status, response.read().decode(), dict(response.headers)
        except HTTPError as error:
            return error.code, error.read().decode(), dict(error.headers)

    def sign_in(self, base: str, email: str, password: str = PASSWORD) -> int:
        _, page, _ = self.request(f"{base}/north/login")
        form = {"email": email, "password": password, "csrf_token": csrf_token_from(page)}
        return self.request(f"{base}/north/login", form)[0]


# --- the processes --------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_healthy(base: str, process: subprocess.Popen, log) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{base} exited:\n{log.read_text()}")
        try:
            if Browser().request(f"{base}/healthz")[0] == 200:
                return
        except URLError:
            pass
        time.sleep(0.2)
    pytest.fail(f"{base} never answered /healthz:\n{log.read_text()}")


@pytest.fixture
def cluster(app, redis_db, tmp_path):  # noqa: F811 - the fixture imported above
    """Two gunicorn instances and two workers, configured as production is (but over http)."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("MAIL_", "TEST_", "REDIS_", "DATABASE_", "SECRET_"))
    } | {
        "DATABASE_URL": TEST_DATABASE_URL,  # the portal's own role: row-level security holds
        "REDIS_URL": REDIS_URL,
        "SECRET_KEY": "one-key-for-every-instance-and-worker",
        "PORTAL_ENV": "production",
        "SESSION_COOKIE_SECURE": "0",  # plain http on loopback
        "WEB_CONCURRENCY": "1",
    }
    processes, bases = [], []
    for name in ("web-a", "web-b"):
        port = _free_port()
        log = tmp_path / f"{name}.log"
        command = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"]
        processes.append(_start(command, environment | {"BIND": f"127.0.0.1:{port}"}, log, name))
        bases.append(f"http://127.0.0.1:{port}")
    for name in ("worker-a", "worker-b"):
        command = [sys.executable, "-m", "flask", "--app", "wsgi", "worker"]
        processes.append(_start(command, environment, tmp_path / f"{name}.log", name))
    try:
        for base, (process, log) in zip(bases, processes, strict=False):
            _wait_until_healthy(base, process, log)
        yield {"a": bases[0], "b": bases[1], "logs": [log for _, log in processes]}
    finally:
        for process, _ in processes:
            process.terminate()
        for process, _ in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _start(command, environment, log, name):
    handle = log.open("w")
    process = subprocess.Popen(  # noqa: S603 - this interpreter running the project's own code
        command, cwd=ROOT, env=environment, stdout=handle, stderr=subprocess.STDOUT
    )
    handle.close()  # the child keeps its own descriptor
    return process, log


@pytest.fixture
def fleet(app):
    with app.app_context():
        north = make_brand("north")
        premium = make_brand("premium", parent_id=north.id)  # one tree: no consent to wait for
        admin = make_user("root@platform.test", None, is_platform_admin=True)
        make_user("reseller@north.test", north, Role.RESELLER)
        make_user("target@north.test", north, Role.RESELLER)
        clients = [
            make_client(north, name=f"Fleet {i}", account_manager_id=admin.id).id for i in range(3)
        ]
        return {"premium": premium.id, "clients": clients}


# --- across instances -----------------------------------------------------------------------


def test_two_instances_and_two_workers_share_sessions_jobs_and_throttles(app, cluster, fleet):
    a, b = cluster["a"], cluster["b"]

    # A session: signed in on one instance, the other knows it, and a form of one is
    # accepted by the other (the CSRF token lives in the session both can read).
    reseller = Browser()
    assert reseller.sign_in(a, "reseller@north.test") == 302
    status, page, _ = reseller.request(f"{b}/north/clients")
    assert status == 200 and "Fleet 0" in page and 'lang="en"' in page
    form = {"locale": "fr", "next": "/north/clients", "csrf_token": csrf_token_from(page)}
    assert reseller.request(f"{a}/north/language", form)[0] == 302
    status, page, _ = reseller.request(f"{b}/north/clients")
    assert status == 200 and 'lang="fr"' in page

    _bulk_job_runs_once_on_a_worker(app, a, b, fleet)

    # A throttle: five failed sign-ins spread over both instances use up the allowance.
    stranger = Browser()
    for base in (a, b, a, b, a):
        assert stranger.sign_in(base, "target@north.test", "wrong-password") == 401
    assert stranger.sign_in(b, "target@north.test") == 429  # even the right password waits

    web_a, web_b, *workers = (log.read_text() for log in cluster["logs"])
    assert '"path":"/<brand_slug>/clients"' in web_a and '"path":"/<brand_slug>/clients"' in web_b
    ran = [log.count("Successfully completed portal.jobs.run_in_app") for log in workers]
    assert sorted(ran) == [0, 1]  # one worker ran the job, once; the other never did


def _bulk_job_runs_once_on_a_worker(app, a, b, fleet) -> None:
    """The job part: started on instance A, run by one of the workers, seen from B."""
    admin = Browser()
    assert admin.sign_in(a, "root@platform.test") == 302
    _, page, _ = admin.request(f"{a}/north/clients")
    status, _, headers = admin.request(
        f"{a}/north/migrations/bulk",
        {
            "target": fleet["premium"],
            "client_ids": [str(i) for i in fleet["clients"]],
            "confirmed": "1",
            "csrf_token": csrf_token_from(page),
        },
    )
    assert status == 302
    job_url = re.search(r"/north/migrations/bulk/\d+", headers["Location"]).group(0)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        with app.app_context():
            set_brand_scope(ALL_BRANDS)
            results = db.session.scalars(select(BulkItem.result)).all()
        if results and "pending" not in results:
            break
        time.sleep(0.3)
    assert results == ["migrated"] * 3
    with app.app_context():
        set_brand_scope(ALL_BRANDS)
        assert set(db.session.scalars(select(Client.brand_id))) == {fleet["premium"]}
        assert len(db.session.scalars(select(Migration.id)).all()) == 3  # each client once
    status, page, _ = admin.request(f"{b}{job_url}")
    assert status == 200 and page.count("Fleet ") == 3 and "Migrated" in page

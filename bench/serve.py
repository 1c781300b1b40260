"""The portal's speed measured from outside, as its users meet it.

    make bench                      (= .venv/bin/python bench/serve.py)
    .venv/bin/python bench/serve.py [--sizes 100000,1000000] [--databases sqlite,postgresql]
                                    [--rounds 3] [--seconds 5] [--connections 8] [--quick]

For each database (SQLite always; PostgreSQL when one answers at BENCH_POSTGRES_URL, default
postgresql+psycopg://postgres@127.0.0.1:5432) and each size, a database is built with the
migrations and seeded through the demo's bulk path (`portal.demo.seed.seed_demo`, with one
brand, Northwind, at that size). SQLite files are kept in instance/bench/ and PostgreSQL
databases named BENCH_DB_PREFIX + "100k" / "1m" (default prefix "portal_bench_"), so a second
run skips the seeding; --drop removes them at the end.

Then gunicorn serves each database with 2 sync workers on loopback (`bench.portal_app`, the
portal plus one bench-only "hello" route), next to a bare Flask "hello" (`bench.hello_app`),
and wrk, in its own process, drives each target in turn for --seconds, round after round
(interleaved: the machine is shared, so only figures of the same run compare). It prints
req/s, p50 and p99 of every target, each as a ratio to the portal's own hello, the bytes of
each answer, the 1M/100k latency ratios, the list's latency at one connection, and the memory
of each gunicorn worker after 10,000 mixed requests at the largest size. The raw figures go to
instance/bench/results-<time>.json. Every server it starts is stopped before it exits.

wrk is Debian's package: `apt-get install wrk` (it prints that and stops when wrk is missing).
The full run takes about 25 minutes on the 2-core CI machine the first time (seeding a million
clients is most of it) and about 15 minutes once the databases exist; --quick (one round of
2 seconds, 100,000 clients only) about 3 minutes.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
WORK = ROOT / "instance" / "bench"
PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
PASSWORD = "bench-password"  # noqa: S105 - the seeded demo accounts' password, on loopback
BRAND = "northwind"
USER = "reseller@northwind.demo.test"
COMMON_TERM = "sons"  # "… & Sons Transport": one Northwind client in twenty
RARE_TERM = "xylophone"  # in no client: the whole brand must be ruled out
SAVE_FIELD = "email"
SAVE_CLIENTS = 200  # each round saves these, one after the other, each with a new value
MIXED_REQUESTS = 10_000
ACCEPT_ENCODING = "gzip, deflate, br, zstd"
SIZE_NAMES = {100_000: "100k", 1_000_000: "1m"}


def size_name(size: int) -> str:
    return SIZE_NAMES.get(size, str(size))


# --- databases -------------------------------------------------------------------------------


@dataclass
class Database:
    kind: str  # sqlite or postgresql
    size: int
    url: str

    @property
    def label(self) -> str:
        return f"{self.kind} {size_name(self.size)}"


def postgres_server_url() -> str:
    return os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432")


def postgres_reachable() -> bool:
    try:
        import psycopg

        url = postgres_server_url().replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(url + "/postgres", connect_timeout=3):
            return True
    except Exception:  # noqa: BLE001 - any failure means "not here"
        return False


def postgres_admin(sql: str) -> None:
    import psycopg

    url = postgres_server_url().replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url + "/postgres", autocommit=True) as connection:
        connection.execute(sql)


def database_for(kind: str, size: int) -> Database:
    if kind == "sqlite":
        WORK.mkdir(parents=True, exist_ok=True)
        return Database(kind, size, f"sqlite:///{WORK / f'portal-{size_name(size)}.sqlite'}")
    name = os.environ.get("BENCH_DB_PREFIX", "portal_bench_") + size_name(size)
    return Database(kind, size, f"{postgres_server_url()}/{name}")


def create_postgres_database(db: Database) -> None:
    import psycopg

    name = db.url.rsplit("/", 1)[1]
    with contextlib.suppress(psycopg.errors.DuplicateDatabase):
        postgres_admin(f'CREATE DATABASE "{name}"')


def drop_database(db: Database) -> None:
    if db.kind == "sqlite":
        path = Path(db.url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    else:
        postgres_admin(f'DROP DATABASE IF EXISTS "{db.url.rsplit("/", 1)[1]}"')


def seed(db: Database) -> dict:
    """Migrate and seed in a child process (it forks a draft maker); returns its fixture."""
    if db.kind == "postgresql":
        create_postgres_database(db)
    started = time.perf_counter()
    output = subprocess.run(
        [PYTHON, __file__, "seed", db.url, str(db.size)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=os.environ | {"DATABASE_URL": db.url},
    ).stdout
    fixture = json.loads(output.strip().splitlines()[-1])
    fixture["seed_seconds"] = round(time.perf_counter() - started, 1)
    return fixture


def seed_command(url: str, size: int) -> None:
    """Child process: upgrade the schema, top Northwind up to `size` clients, print a fixture:
    a record to open, the cursor of the deepest page and clients to save, as JSON."""
    sys.path.insert(0, str(ROOT))
    from flask import g
    from flask_migrate import upgrade
    from sqlalchemy import func, select, text

    from portal import create_app
    from portal.clients.queries import encode_cursor
    from portal.demo.seed import seed_demo
    from portal.extensions import db
    from portal.models import Brand, Client
    from portal.tenancy import scoped

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-seed"})
    with app.app_context():
        upgrade()
        summary = seed_demo(PASSWORD, 50, sizes={BRAND: size})
        if summary.get("clients_added") and db.engine.dialect.name == "postgresql":
            # What autovacuum does soon after a bulk load: statistics and the visibility map.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.execute(text("VACUUM ANALYZE"))
    with app.test_request_context():
        g.brand = db.session.scalar(select(Brand).where(Brand.slug == BRAND))
        total = db.session.scalar(scoped(Client).with_only_columns(func.count(Client.id)))
        ordered = scoped(Client).order_by(Client.name_key, Client.id)
        # The page after this row is the last one: the deepest a user can page to.
        before_last = db.session.scalar(ordered.offset(max(total - 26, 0)).limit(1))
        record = db.session.scalar(ordered.offset(total // 2).limit(1))
        savers = db.session.execute(
            scoped(Client)
            .with_only_columns(Client.id, Client.version)
            .order_by(Client.id)
            .limit(SAVE_CLIENTS * 12)
        ).all()
        print(
            json.dumps(
                {
                    "clients": total,
                    "added": summary.get("clients_added", 0),
                    "deep_cursor": encode_cursor("name", before_last),
                    "record_id": record.id,
                    "save_clients": [[row.id, row.version] for row in savers],
                }
            )
        )


# --- servers ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def workers(self) -> list[int]:
        """The pids of the gunicorn workers (children of the master)."""
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError):
                fields = stat.read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) == self.process.pid:
                    children.append(int(stat.parent.name))
        return sorted(children)


def start_gunicorn(name: str, app: str, env: dict, chdir: Path, ready_path: str) -> Server:
    port = free_port()
    process = subprocess.Popen(
        [
            GUNICORN,
            "--workers",
            "2",
            "--worker-class",
            "sync",
            "--bind",
            f"127.0.0.1:{port}",
            "--chdir",
            str(chdir),
            "--log-level",
            "warning",
            app,
        ],
        env=os.environ | env,
        cwd=chdir,
        start_new_session=True,  # its own process group: stopped as one
    )
    server = Server(name, port, process)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{name}: gunicorn exited with {process.returncode}")
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(server.base + ready_path, timeout=5):  # noqa: S310
                return server
        time.sleep(0.3)
    stop(server)
    raise SystemExit(f"{name}: gunicorn did not answer within 60 s")


def stop(server: Server) -> None:
    if server.process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.process.pid, signal.SIGTERM)
        try:
            server.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.process.pid, signal.SIGKILL)
            server.process.wait()


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


# --- a signed-in browser -------------------------------------------------------------------


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class Session:
    base: str
    cookie: str = ""
    csrf: str = ""

    def request(self, path, *, data=None, headers=None):
        """(status, headers, body bytes); cookies set by the answer are kept."""
        all_headers = {"Cookie": self.cookie} if self.cookie else {}
        all_headers |= headers or {}
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body, headers=all_headers)  # noqa: S310
        opener = urllib.request.build_opener(NoRedirect)
        try:
            response = opener.open(req, timeout=60)
        except urllib.error.HTTPError as error:
            response = error
        with response:
            payload = response.read()
            for value in response.headers.get_all("Set-Cookie") or []:
                name, _, rest = value.partition("=")
                if name == "session":
                    self.cookie = "session=" + rest.split(";", 1)[0]
            return response.status, response.headers, payload

    def sign_in(self) -> None:
        status, _, page = self.request(f"/{BRAND}/login")
        token = re.search(rb'name="csrf_token" value="([^"]+)"', page).group(1).decode()
        status, headers, _ = self.request(
            f"/{BRAND}/login", data={"csrf_token": token, "email": USER, "password": PASSWORD}
        )
        if status != 302:
            raise SystemExit(f"sign-in failed with {status}")
        status, _, page = self.request(f"/{BRAND}/clients")
        self.csrf = re.search(rb'"X-CSRFToken": "([^"]+)"', page).group(1).decode()


# --- targets ---------------------------------------------------------------------------------


@dataclass
class Target:
    key: str
    label: str
    path: str
    headers: dict = field(default_factory=dict)
    save: list | None = None  # [[client id, version], …] for the inline save

    def url(self, server: Server) -> str:
        # A save's path is the script's (one client after the other); wrk needs a valid URL.
        return server.base + (self.path if self.save is None else "/")

    def wrk_env(self, session: Session, round_index: int) -> dict:
        # What a browser sends: the portal compresses what it answers (portal/assets.py).
        headers = {"Cookie": session.cookie, "Accept-Encoding": ACCEPT_ENCODING} | self.headers
        if self.save is not None:
            # wrk.lua reads each answer's new version from its body: a compressed body hides
            # it, and the next save of that client would be refused as stale (409).
            headers["Accept-Encoding"] = "identity"
        env = {"BENCH_HEADERS": "\n".join(f"{k}: {v}" for k, v in headers.items())}
        if self.save is not None:
            # A fresh slice of clients each round, so that every version is known.
            chunk = self.save[round_index * SAVE_CLIENTS : (round_index + 1) * SAVE_CLIENTS]
            spec = ",".join(f"{cid}:{version}" for cid, version in chunk)
            env["BENCH_SAVE"] = f"{self.path}|{SAVE_FIELD}|{spec}"
        return env


def portal_targets(fixture: dict, session: Session) -> list[Target]:
    clients = f"/{BRAND}/clients"
    htmx = {"HX-Request": "true"}
    return [
        Target("hello", "portal hello (all hooks, signed in)", f"/{BRAND}/bench/hello"),
        Target("list", "client list, page 1", clients),
        Target(
            "deep",
            "client list, last page",
            clients + "?" + urllib.parse.urlencode({"after": fixture["deep_cursor"]}),
        ),
        Target("search_common", "search, common term", f"{clients}?q={COMMON_TERM}"),
        Target("search_rare", "search, absent term", f"{clients}?q={RARE_TERM}"),
        Target("fragment", "htmx search fragment", f"{clients}?q={COMMON_TERM[:3]}", htmx),
        Target("record", "client record", f"{clients}/{fixture['record_id']}"),
        Target(
            "save",
            "inline save (email)",
            f"{clients}/%d/fields/{SAVE_FIELD}/edit",
            htmx | {"X-CSRFToken": session.csrf},
            save=fixture["save_clients"],
        ),
    ]  # fmt: skip


def settle(server: Server) -> None:
    """Wait until the workers are idle: wrk stops sending, but gunicorn still answers what a
    slow target left queued, and the next target must not pay for it."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        started = time.perf_counter()
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(server.base + f"/{BRAND}/login", timeout=60):  # noqa: S310
                pass
        if time.perf_counter() - started < 0.05:
            return


def run_wrk(url: str, env: dict, seconds: float, connections: int) -> dict:
    command = [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "30s",
        "-s",
        str(BENCH / "wrk.lua"),
        url,
    ]
    output = subprocess.run(
        command, check=True, capture_output=True, text=True, env=os.environ | env
    ).stdout
    line = next(line for line in output.splitlines() if line.startswith("BENCH-JSON "))
    figures = json.loads(line.removeprefix("BENCH-JSON "))
    figures["rps"] = figures["requests"] / (figures["duration_us"] / 1e6)
    return figures


def body_sizes(session: Session, target: Target) -> dict:
    """Bytes of one answer's body, and as the portal sends it to a browser (compressed)."""
    path = target.path
    data = None
    headers = dict(target.headers)
    if target.save is not None:
        cid, version = target.save[-1]
        status, _, page = session.request(path % cid, headers=headers)  # the field's input
        version = re.search(rb'name="version" value="(\d+)"', page).group(1).decode()
        path, data = path % cid, {"version": version, SAVE_FIELD: f"size{cid}@example.com"}
    status, _, body = session.request(path, data=data, headers=headers)
    if target.save is not None:  # the next round must know this client's version
        target.save[-1][1] = int(re.search(rb'name="version" value="(\d+)"', body).group(1))
        cid, version = target.save[-1]
        data = {"version": version, SAVE_FIELD: f"again{cid}@example.com"}
    browser = headers | {"Accept-Encoding": ACCEPT_ENCODING}
    _, sent_headers, sent = session.request(path, data=data, headers=browser)
    if target.save is not None:
        target.save[-1][1] = int(
            re.search(rb'name="version" value="(\d+)"', _decoded(sent_headers, sent)).group(1)
        )
    return {
        "status": status,
        "bytes": len(body),
        "sent_bytes": len(sent),
        "encoding": sent_headers.get("Content-Encoding", ""),
    }


def _decoded(headers, body: bytes) -> bytes:
    encoding = headers.get("Content-Encoding", "")
    if encoding == "gzip":
        return gzip.decompress(body)
    if encoding == "br":
        import brotli

        return brotli.decompress(body)
    if encoding == "zstd":
        from backports import zstd

        return zstd.decompress(body)
    return body


# --- the run ---------------------------------------------------------------------------------


def machine() -> dict:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    import sqlite3

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "kernel": platform.release(),
        "load_before": os.getloadavg(),
    }


def run(args) -> dict:
    if shutil.which("wrk") is None:
        raise SystemExit(
            "wrk is not installed. On Debian or Ubuntu: apt-get install wrk (then run again)."
        )
    kinds = [k for k in args.databases.split(",") if k]
    if "postgresql" in kinds and not postgres_reachable():
        print(f"PostgreSQL does not answer at {postgres_server_url()}: SQLite only")
        kinds.remove("postgresql")
    sizes = [int(s) for s in args.sizes.split(",")]
    results = {"machine": machine(), "started": datetime.now().isoformat(timespec="seconds")}
    results["settings"] = {
        "rounds": args.rounds,
        "seconds": args.seconds,
        "connections": args.connections,
        "workers": 2,
    }
    databases = [database_for(kind, size) for kind in kinds for size in sizes]
    fixtures = {}
    for db in databases:
        print(f"== {db.label}: migrating and seeding (skipped when done before)", flush=True)
        fixtures[db.label] = seed(db)
        f = fixtures[db.label]
        print(
            f"   {f['clients']:,} clients in {BRAND}: {f['added']:,} added in {f['seed_seconds']} s"
        )

    servers: list[Server] = []
    try:
        bare = start_gunicorn("bare flask", "hello_app:app", {}, BENCH, "/hello")
        servers.append(bare)
        groups = []
        for db in databases:
            env = {
                "DATABASE_URL": db.url,
                "SECRET_KEY": secrets.token_urlsafe(32),
                "PYTHONPATH": str(ROOT),
            }
            server = start_gunicorn(db.label, "bench.portal_app:app", env, ROOT, f"/{BRAND}/login")
            servers.append(server)
            session = Session(server.base)
            session.sign_in()
            targets = portal_targets(fixtures[db.label], session)
            groups.append((db, server, session, targets))

        # Warm-up: every worker imports, connects and fills its caches.
        for db, server, session, targets in groups:
            for target in targets:
                if target.save is None:
                    run_wrk(target.url(server), target.wrk_env(session, 0), 1, 2)
            print(f"   {db.label}: warmed up", flush=True)
        figures: dict[str, dict[str, list]] = {}
        for round_index in range(args.rounds):
            print(f"== round {round_index + 1} of {args.rounds}", flush=True)
            for db, server, session, targets in groups:
                group = figures.setdefault(db.label, {})
                measured = run_wrk(bare.base + "/hello", {}, args.seconds, args.connections)
                group.setdefault("bare", []).append(measured)
                print(f"   {'bare flask':16} {'hello':14} {measured['rps']:8.1f} req/s", flush=True)
                for target in targets:
                    settle(server)
                    measured = run_wrk(
                        target.url(server),
                        target.wrk_env(session, round_index),
                        args.seconds,
                        args.connections,
                    )
                    group.setdefault(target.key, []).append(measured)
                    errors = sum(measured["errors"].values())
                    print(
                        f"   {db.label:16} {target.key:14} {measured['rps']:8.1f} req/s"
                        f"  p50 {measured['p50_us'] / 1000:7.2f} ms"
                        f"  p99 {measured['p99_us'] / 1000:7.2f} ms"
                        + (f"  ERRORS {measured['errors']}" if errors else ""),
                        flush=True,
                    )
        results["figures"] = figures

        # One connection: the latency a single user sees on the list.
        single = {}
        for db, server, session, targets in groups:
            for target in targets:
                if target.key in ("list", "deep"):
                    single[f"{db.label} {target.key}"] = run_wrk(
                        server.base + target.path,
                        target.wrk_env(session, 0),
                        args.seconds * 2,
                        1,
                    )
        results["one_connection"] = single

        results["bytes"] = {
            db.label: {t.key: body_sizes(session, t) for t in targets}
            for db, server, session, targets in groups
        }

        # Memory of each worker after many mixed requests at the largest size.
        results["memory"] = {}
        if not args.quick:
            for db, server, session, targets in groups:
                if db.size == max(sizes):
                    results["memory"][db.label] = mixed_requests(server, session, targets, args)
    finally:
        for server in servers:
            stop(server)
        if args.drop:
            for db in databases:
                drop_database(db)
    results["machine"]["load_after"] = os.getloadavg()
    return results


def mixed_requests(server: Server, session: Session, targets: list[Target], args) -> dict:
    """MIXED_REQUESTS requests over every target but the hello, from 4 threads; each worker's
    resident memory before and after."""
    before = {pid: rss_mb(pid) for pid in server.workers()}
    mixed = [t for t in targets if t.key != "hello"]
    save = next(t for t in mixed if t.save is not None)
    versions = {cid: version for cid, version in save.save[-SAVE_CLIENTS:]}
    lock = threading.Lock()
    counter = iter(range(MIXED_REQUESTS))
    statuses: dict[int, int] = {}

    def worker():
        me = Session(server.base, session.cookie, session.csrf)
        while True:
            with lock:
                n = next(counter, None)
            if n is None:
                return
            target = mixed[n % len(mixed)]
            if target.save is not None:
                with lock:
                    cid = list(versions)[n % len(versions)]
                    version = versions[cid]
                status, _, body = me.request(
                    target.path % cid,
                    data={"version": version, SAVE_FIELD: f"mixed{n}@example.com"},
                    headers=target.headers,
                )
                found = re.search(rb'name="version" value="(\d+)"', body)
                if found:
                    with lock:
                        versions[cid] = int(found.group(1))
            else:
                status, _, _ = me.request(target.path, headers=target.headers)
            with lock:
                statuses[status] = statuses.get(status, 0) + 1

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    after = {pid: rss_mb(pid) for pid in server.workers()}
    return {
        "requests": MIXED_REQUESTS,
        "seconds": round(time.perf_counter() - started, 1),
        "statuses": statuses,
        "rss_before_mb": before,
        "rss_after_mb": after,
    }


# --- the report -----------------------------------------------------------------------------


def median(values):
    return statistics.median(values) if values else float("nan")


def report(results: dict) -> str:
    lines = []
    m = results["machine"]
    s = results["settings"]
    lines.append(
        f"Machine: {m['cpu']}, {m['cores']} cores; Python {m['python']}, SQLite {m['sqlite']}; "
        f"load {m['load_before'][0]:.2f} before, {m['load_after'][0]:.2f} after"
    )
    lines.append(
        f"gunicorn {s['workers']} sync workers; wrk 1 thread, {s['connections']} connections, "
        f"{s['rounds']} interleaved rounds of {s['seconds']} s (medians)"
    )
    labels = {
        "bare": "bare Flask hello",
        "hello": "portal hello (all hooks, signed in)",
        "list": "client list, page 1",
        "deep": "client list, last page",
        "search_common": f"search, common term (`{COMMON_TERM}`)",
        "search_rare": f"search, absent term (`{RARE_TERM}`)",
        "fragment": f"htmx search fragment (`{COMMON_TERM[:3]}`)",
        "record": "client record",
        "save": "inline save (email)",
    }
    by_label = results["figures"]
    for label, group in by_label.items():
        reference = median([f["rps"] for f in group["hello"]])
        bare = median([f["rps"] for f in group["bare"]])
        sizes = results["bytes"].get(label, {})
        lines.append("")
        lines.append(f"### {label}")
        lines.append("")
        lines.append("| page | req/s | p50 ms | p99 ms | × portal hello | bytes (sent) |")
        lines.append("| --- | ---: | ---: | ---: | ---: | ---: |")
        for key, name in labels.items():
            runs = group.get(key)
            if not runs:
                continue
            rps = median([f["rps"] for f in runs])
            ratio = f"{rps / reference:.3f}"
            if key == "bare":
                ratio = f"(hello = {reference / bare:.2f}× bare)"
            size = sizes.get(key)
            size_text = ""
            if size:
                size_text = f"{size['bytes']:,} ({size['sent_bytes']:,} {size['encoding']})"
            lines.append(
                f"| {name} | {rps:,.0f} | {median([f['p50_us'] for f in runs]) / 1000:.2f} | "
                f"{median([f['p99_us'] for f in runs]) / 1000:.2f} | {ratio} | {size_text} |"
            )
        if "list" in group and "deep" in group:
            page1 = median([f["rps"] for f in group["list"]])

            def slower(key, page1=page1, group=group):  # times page 1's (req/s: inverse times)
                return page1 / median([f["rps"] for f in group[key]])

            lines.append("")
            lines.append(
                f"time / page 1's: last page {slower('deep'):.2f}, search with a common term "
                f"{slower('search_common'):.2f}, with an absent term {slower('search_rare'):.2f}"
            )
        if "save" in sizes and "record" in sizes:
            lines.append(
                f"inline save answer: {sizes['save']['bytes'] / sizes['record']['bytes']:.1%} "
                "of the record page's bytes"
            )
    # 1M / 100k latency ratios
    for kind in ("sqlite", "postgresql"):
        small, large = by_label.get(f"{kind} 100k"), by_label.get(f"{kind} 1m")
        if small and large:
            parts = []
            for key in labels:
                if key in small and key in large and key != "bare":
                    ratio = median([f["p50_us"] for f in large[key]]) / median(
                        [f["p50_us"] for f in small[key]]
                    )
                    parts.append(f"{key} {ratio:.2f}")
            lines.append("")
            lines.append(f"{kind}: p50 latency 1M / 100k: " + ", ".join(parts))
    if results.get("one_connection"):
        lines.append("")
        lines.append("One connection (p50 / p99 ms):")
        for name, f in results["one_connection"].items():
            lines.append(f"- {name}: {f['p50_us'] / 1000:.2f} / {f['p99_us'] / 1000:.2f}")
    for label, memory in results.get("memory", {}).items():
        after = ", ".join(f"{v:.0f}" for v in memory["rss_after_mb"].values())
        before = ", ".join(f"{v:.0f}" for v in memory["rss_before_mb"].values())
        lines.append("")
        lines.append(
            f"{label}: worker RSS {before} MB before and {after} MB after {memory['requests']:,} "
            f"mixed requests in {memory['seconds']} s (statuses {memory['statuses']})"
        )
    return "\n".join(lines)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "seed":
        seed_command(sys.argv[2], int(sys.argv[3]))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", help="clients in the seeded brand (default 100000,1000000)")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument(
        "--quick", action="store_true", help="one round of 2 s (at 100,000 unless --sizes)"
    )
    parser.add_argument("--drop", action="store_true", help="drop the databases at the end")
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.seconds = 1, 2
    args.sizes = args.sizes or ("100000" if args.quick else "100000,1000000")
    started = time.perf_counter()
    results = run(args)
    results["minutes"] = round((time.perf_counter() - started) / 60, 1)
    WORK.mkdir(parents=True, exist_ok=True)
    out = WORK / f"results-{datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(results, indent=1))
    print()
    print(report(results))
    print(f"\n{results['minutes']} minutes; raw figures in {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

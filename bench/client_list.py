"""Client list speed with many clients in a brand: first page, a page deep in the list
(keyset, and OFFSET for comparison), a search and a filter.

    python bench/client_list.py [N]     (N clients per demo brand, default 100,000; SQLite)

Prints milliseconds per query (median of 15) and the ratios that matter: a deep page should
cost about what the first page costs.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import g  # noqa: E402
from sqlalchemy import select  # noqa: E402

from portal import create_app  # noqa: E402
from portal.clients.queries import _beyond, encode_cursor, search_clients  # noqa: E402
from portal.demo.seed import seed_demo  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.models import Brand, Client  # noqa: E402
from portal.tenancy import scoped  # noqa: E402

RUNS = 15


def median_ms(work) -> float:
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(
            {
                "SECRET_KEY": "bench",
                "ARGON2_TIME_COST": 1,
                "ARGON2_MEMORY_COST": 1024,
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite",
            }
        )
        with app.app_context():
            db.create_all()
            started = time.perf_counter()
            seed_demo("bench-password", n)
            print(
                f"seeded {n:,} clients in each of 5 brands in {time.perf_counter() - started:.1f} s"
            )
        with app.test_request_context():
            g.brand = db.session.scalar(select(Brand).where(Brand.slug == "northwind"))
            deep_row = db.session.scalar(
                scoped(Client).order_by(Client.name_key, Client.id).offset(n - 100).limit(1)
            )
            cursor = encode_cursor("name", deep_row)
            first = median_ms(lambda: search_clients(per_page=25))
            deep = median_ms(lambda: search_clients(per_page=25, after=cursor))
            ordered = scoped(Client).order_by(Client.name_key, Client.id)
            offset = median_ms(lambda: list(db.session.scalars(ordered.offset(n - 100).limit(26))))
            keyset = median_ms(
                lambda: list(
                    db.session.scalars(
                        ordered.where(
                            _beyond(Client.name_key, deep_row.name_key, deep_row.id, True)
                        ).limit(26)
                    )
                )
            )
            name = median_ms(lambda: search_clients(q="silva", per_page=25))
            number = median_ms(lambda: search_clients(q="601 23", per_page=25))
            blocked = median_ms(lambda: search_clients(status="blocked", per_page=25))
    print(
        f"first page: {first:.1f} ms; page at row {n - 100:,}: {deep:.1f} ms "
        f"(with the count and device counts)"
    )
    print(
        f"the page query alone at row {n - 100:,}: keyset {keyset:.2f} ms, OFFSET {offset:.2f} ms"
    )
    print(
        f"search by name: {name:.1f} ms; by phone digits: {number:.1f} ms; "
        f"status filter: {blocked:.1f} ms"
    )
    print(
        f"ratio deep/first page: {deep / first:.2f}; OFFSET/keyset at depth: {offset / keyset:.1f}"
    )


if __name__ == "__main__":
    main()

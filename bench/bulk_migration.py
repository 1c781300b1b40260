"""Bulk migration speed: N eligible clients with 3 devices each, moved in one bulk job.

    python bench/bulk_migration.py [N]        (default 10,000; SQLite in a temporary folder)

Prints the rate and its ratio to the goal of 300 clients per second.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select  # noqa: E402

from portal import create_app  # noqa: E402
from portal.admin.rules import ensure_builtin_groups  # noqa: E402
from portal.brand_migration import bulk  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.models import (  # noqa: E402
    Address,
    Asset,
    Brand,
    BulkItem,
    Client,
    OutboxEmail,
    User,
    client_search_text,
    utcnow,
)
from portal.text import fold  # noqa: E402

GOAL = 300  # clients per second


def build(n: int) -> tuple[int, int, int, list[int]]:
    source = Brand(
        slug="source",
        name="Source",
        country_code="GB",
        tracking_url_template="https://tracking.{country}.source.example",
    )
    target = Brand(
        slug="target",
        name="Target",
        country_code="GB",
        tracking_url_template="https://tracking.{country}.target.example",
        parent=source,  # one brand tree: the transfer needs nobody else's agreement
    )
    admin = User(
        email="bench@example.com", name="Bench", password_hash="unusable", is_platform_admin=True
    )
    db.session.add_all([source, target, admin])
    db.session.flush()
    ensure_builtin_groups(source)
    ensure_builtin_groups(target)
    now = utcnow()
    rows = []
    for i in range(n):
        name = f"Client {i:06d}"
        rows.append(
            {
                "brand_id": source.id,
                "provider_user_id": f"B-{i:06d}",
                "kind": "company",
                "name": name,
                "document_number": "",
                "email": f"c{i}@example.com",
                "phone": "442079460000",
                "mobile": "447700900123",
                "account_manager_id": admin.id,
                "segment": "other",
                "status": "active",
                "payment_status": "up_to_date",
                "login_email": f"c{i}@example.com",
                "locale": "en",
                "country_code": "GB",
                "version": 1,
                "created_at": now,
                "updated_at": now,
                "name_key": fold(name),
                "search_text": client_search_text(
                    name=name,
                    email="",
                    login_email="",
                    document_number="",
                    phone="",
                    mobile="",
                    provider_user_id=f"B-{i:06d}",
                ),
            }
        )
    ids = list(
        db.session.scalars(insert(Client).returning(Client.id, sort_by_parameter_order=True), rows)
    )
    db.session.execute(
        insert(Address),
        [
            {
                "client_id": cid,
                "street": "High Street",
                "number": "1",
                "complement": "",
                "locality": "Camden",
                "sub_locality": "Camden Town",
                "city": "London",
                "region": "",
                "postal_code": "NW1 8NH",
                "country_code": "GB",
            }
            for cid in ids
        ],
    )
    db.session.execute(
        insert(Asset),
        [
            {
                "brand_id": source.id,
                "client_id": cid,
                "serial": f"35{cid:09d}{k}",
                "name": "Van",
                "status": "active",
            }
            for cid in ids
            for k in range(3)
        ],
    )
    db.session.commit()
    return source.id, target.id, admin.id, ids


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(
            {
                "SECRET_KEY": "bench",
                "JOBS_INLINE": True,
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite",
            }
        )
        with app.app_context():
            db.create_all()
            source_id, target_id, admin_id, ids = build(n)
            job = bulk.create_job(
                db.session.get(Brand, source_id),
                db.session.get(Brand, target_id),
                db.session.get(User, admin_id),
                ids,
            )
            started = time.perf_counter()
            bulk.run_job(job.id)
            elapsed = time.perf_counter() - started
            migrated = db.session.scalar(
                select(db.func.count(BulkItem.id)).where(BulkItem.result == "migrated")
            )
            emails = db.session.scalar(select(db.func.count(OutboxEmail.id)))
            moved_assets = db.session.scalar(
                select(db.func.count(Asset.id)).where(Asset.brand_id == target_id)
            )
    rate = migrated / elapsed
    print(
        f"clients migrated: {migrated} of {n}; devices moved: {moved_assets}; "
        f"emails queued: {emails}"
    )
    print(
        f"time: {elapsed:.1f} s; rate: {rate:.0f} clients/s; "
        f"ratio to the {GOAL}/s goal: {rate / GOAL:.2f}"
    )


if __name__ == "__main__":
    main()

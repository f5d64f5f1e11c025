"""How the audit log viewer's queries behave on a large log.

    python bench/audit.py --events 1000000 --db sqlite|postgres

Fills a fresh database with synthetic events (30 users, orders and customers, two
years) and times the viewer's page query (count + first page) for the usual filters.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PG_SERVER = os.environ.get("BENCH_PG_SERVER", "postgresql://postgres@127.0.0.1:5432")
PG_DB = "presslog_bench_audit"


def _pg(statement: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(statement)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="audit-bench-"))
    os.environ["PRESSLOG_INSTANCE_PATH"] = str(folder)
    if args.db == "postgres":
        _pg(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')
        _pg(f'CREATE DATABASE "{PG_DB}"')
        url = f"{PG_SERVER.replace('postgresql://', 'postgresql+psycopg://')}/{PG_DB}"
    else:
        url = f"sqlite:///{folder / 'audit.sqlite3'}"
    os.environ["DATABASE_URL"] = url

    from flask_migrate import upgrade

    from presslog import create_app
    from presslog.audit import repository
    from presslog.audit.models import AuditEvent
    from presslog.core.pagination import PageRequest
    from presslog.extensions import db
    from presslog.users.models import User

    app = create_app({"PRESSLOG_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        users = [
            User(username=f"user{n:02d}", email=f"u{n}@example.com", role="staff")
            for n in range(30)
        ]
        db.session.add_all(users)
        db.session.commit()
        started = time.perf_counter()
        rng = random.Random(7)
        end = datetime.now(UTC)
        actions = [
            "order.update",
            "order.create",
            "order.status",
            "customer.update",
            "login.success",
        ]
        batch = []
        table = AuditEvent.__table__
        for _n in range(args.events):
            who = users[rng.randrange(30)]
            action = actions[rng.randrange(5)]
            batch.append(
                {
                    "at": end - timedelta(seconds=rng.randrange(2 * 365 * 86400)),
                    "actor_id": who.id,
                    "actor": who.username,
                    "action": action,
                    "entity_type": action.split(".")[0] if "." in action else "user",
                    "entity_key": f"{10000 + rng.randrange(200000)}",
                    "summary": "Synthetic",
                    "changes": {"title": ["old", "new"]},
                    "ip": "10.0.0.1",
                    "request_id": None,
                }
            )
            if len(batch) == 20000:
                db.session.execute(table.insert(), batch)
                batch.clear()
        if batch:
            db.session.execute(table.insert(), batch)
        db.session.commit()
        if args.db == "postgres":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.exec_driver_sql("VACUUM ANALYZE audit_events")
        else:
            db.session.execute(db.text("ANALYZE"))
        print(f"loaded {args.events:,} events in {time.perf_counter() - started:.0f} s")

        today = date.today()
        cases = {
            "newest page": repository.AuditFilters(),
            "one user": repository.AuditFilters(actor="user07"),
            "one order": repository.AuditFilters(entity_type="order", entity_key="12345"),
            "action, last 7 days": repository.AuditFilters(
                action="order.status", date_from=today - timedelta(days=7), date_to=today
            ),
            "page 500 of everything": None,
        }
        for name, filters in cases.items():
            times = []
            for _ in range(5):
                t = time.perf_counter()
                if filters is None:
                    repository.search(repository.AuditFilters(), PageRequest(page=500, per_page=25))
                else:
                    repository.search(filters, PageRequest(per_page=25))
                times.append((time.perf_counter() - t) * 1000)
                db.session.rollback()
            print(f"{name:28s} p50 {statistics.median(times):8.1f} ms   max {max(times):8.1f} ms")
    if args.db == "postgres":
        _pg(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')


if __name__ == "__main__":
    main()
